"""Check tasks: idempotent per (submission, file hash), lost tasks picked up again, failures reported."""
from __future__ import annotations

import io
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import select

from lms import db
from lms.accounts.models import User
from lms.assignments.models import Submission
from lms.assignments.operations import submit_model
from lms.assignments.tasks import requeue_stale, run_check
from lms.catalog.models import Assignment, Course
from lms.catalog.operations import enrol
from lms.db import utcnow
from lms.storage_app import get_storage
from tests.models import cube_stl
from tests.processes import env_without_lms


def make_submission(app, users, data: bytes) -> int:
    uid = users.create("learner@example.org")
    with app.app_context():
        s = db.session()
        user = s.get(User, uid)
        course = s.scalar(select(Course).where(Course.slug == "test-course"))
        enrol(s, user, course)
        assignment = s.scalar(select(Assignment).where(Assignment.slug == "cube"))
        sub = submit_model(s, get_storage(), user, assignment, io.BytesIO(data), "cube.stl")
        s.commit()
        return sub.id


class Snapshot:
    def __init__(self, sub: Submission):
        self.state, self.checked_at, self.thumbnail_sha256 = sub.state, sub.checked_at, sub.thumbnail_sha256


def state(app, sid) -> Snapshot:
    with app.app_context():
        return Snapshot(db.session().get(Submission, sid))


def test_check_is_idempotent(app, users, synced):
    sid = make_submission(app, users, cube_stl(15))
    with app.app_context():
        sha = db.session().get(Submission, sid).file_sha256
        run_check(sid, sha)
        first = state(app, sid)
        run_check(sid, sha)  # again: nothing changes
        run_check(sid, "0" * 64)  # a stale key (another file): ignored
    second = state(app, sid)
    assert first.state == second.state == "checked"
    assert first.checked_at == second.checked_at and first.thumbnail_sha256 == second.thumbnail_sha256


def test_lost_task_is_picked_up_again(app, users, synced, tasks_running):
    sid = make_submission(app, users, cube_stl(15))
    with app.app_context():
        s = db.session()
        sub = s.get(Submission, sid)
        sub.state, sub.updated_at = "checking", utcnow() - timedelta(hours=1)  # its worker was killed
        s.commit()
        assert requeue_stale() == 1
    import time

    deadline = time.time() + 60
    while state(app, sid).state != "checked" and time.time() < deadline:
        time.sleep(0.2)
    assert state(app, sid).state == "checked"
    with app.app_context():
        assert requeue_stale() == 0  # a fresh or finished submission is left alone


def test_storage_sweep_removes_only_orphans(app, users, synced, runner):
    sid = make_submission(app, users, cube_stl(15))
    store = get_storage(app)
    orphan = store.put_bytes(b"left behind by a crash between file and row")
    result = runner.invoke(["storage", "sweep", "--grace-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert "1 orphaned files removed" in result.output
    assert not store.exists(orphan)
    with app.app_context():
        assert store.exists(db.session().get(Submission, sid).file_sha256)


def test_a_fresh_consumer_process_knows_every_task(tmp_path):
    """A consumer started after a restart must run what is already queued, before any page imported a task module."""
    script = (
        "from lms import create_app, tasks\n"
        f"create_app({{'LMS_INSTANCE_PATH': {str(tmp_path)!r}, 'LMS_TASKS_IMMEDIATE': False}})\n"
        "tasks.start_embedded_consumer(workers=1)\n"
        "print(sorted(tasks.huey._registry._registry))\n"
        "tasks.stop_embedded_consumer()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env=env_without_lms())
    assert done.returncode == 0, done.stderr
    assert "lms.assignments.tasks.check_submission_task" in done.stdout
    assert "lms.certificates.tasks.print_job_task" in done.stdout
