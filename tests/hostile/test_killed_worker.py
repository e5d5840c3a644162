"""A consumer killed with SIGKILL in the middle of a check: the next consumer picks the check up within a minute.

Real processes: a consumer (the embedded one of `lms run`, on the instance's SQLite queue) is started,
given a check, and killed while the check runs; a fresh consumer is started on the same instance.
"""
from __future__ import annotations

import io
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from sqlalchemy import select

from lms import db
from lms.accounts.models import User
from lms.assignments.models import Submission
from lms.assignments.operations import submit_model
from lms.catalog.models import Assignment, Course
from lms.catalog.operations import enrol
from lms.db import utcnow
from lms.storage_app import get_storage
from tests.models import binary_stl
from tests.processes import env_without_lms

CONSUMER = """
import sys, time
from lms import create_app, tasks
app = create_app({{'LMS_INSTANCE_PATH': {instance!r}, 'LMS_DATABASE_URL': {url!r},
                  'LMS_COURSES_PATH': {courses!r}, 'LMS_TASKS_IMMEDIATE': False}})
tasks.start_embedded_consumer(workers=1)
if len(sys.argv) > 1:
    from lms.assignments.tasks import check_submission_task
    check_submission_task(int(sys.argv[1]), sys.argv[2])
print('consumer ready', flush=True)
time.sleep(3600)
"""


def big_sphere_stl(subdivisions: int = 7) -> bytes:
    """A closed sphere of 328k faces: its check takes seconds, long enough to be killed in the middle."""
    import trimesh

    sphere = trimesh.creation.icosphere(subdivisions=subdivisions, radius=30)
    return binary_stl(np.asarray(sphere.triangles))


@pytest.fixture
def slow_submission(app, users, synced, courses_dir):
    uid = users.create("learner@example.org")
    with app.app_context():
        s = db.session()
        course = s.scalar(select(Course).where(Course.slug == "test-course"))
        enrol(s, s.get(User, uid), course)
        assignment = s.scalar(select(Assignment).where(Assignment.slug == "cube"))
        assignment.requirements = {**assignment.requirements, "max_file_mb": 30}
        s.flush()
        sub = submit_model(s, get_storage(), s.get(User, uid), assignment, io.BytesIO(big_sphere_stl()), "ball.stl")
        s.commit()
        return sub.id, sub.file_sha256


def submission(app, sid: int) -> Submission:
    with app.app_context():
        sess = db.session()
        sub = sess.get(Submission, sid)
        sess.expunge(sub)
        return sub


def start_consumer(app, tmp_path, name: str, *args: str) -> subprocess.Popen:
    script = CONSUMER.format(instance=app.instance_path,  # its uploads, and the queue in tasks.sqlite3
                             url=app.config["LMS_DATABASE_URL"],
                             courses=app.config["LMS_COURSES_PATH"])
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, "-c", script, *args], stdout=log, stderr=subprocess.STDOUT,
                            env=env_without_lms())
    proc.log = log
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(30)
    proc.log.close()


def test_a_check_killed_mid_way_is_picked_up_by_the_next_consumer_within_a_minute(app, tmp_path, slow_submission):
    sid, sha = slow_submission
    first = start_consumer(app, tmp_path, "first", str(sid), sha)
    try:
        deadline = time.time() + 120
        while submission(app, sid).state != "checking":
            assert submission(app, sid).state == "queued", submission(app, sid).error
            assert time.time() < deadline and first.poll() is None, (tmp_path / "first.log").read_text()
            time.sleep(0.05)
        time.sleep(0.5)  # inside the check of 328k faces (seconds)
        assert submission(app, sid).state == "checking", "the check ended before the kill: use a bigger model"
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        stop(first)
    restarted = utcnow()
    second = start_consumer(app, tmp_path, "second")
    try:
        deadline = time.time() + 60
        while submission(app, sid).updated_at <= restarted:  # nobody has touched it since the kill
            assert time.time() < deadline, "not picked up within a minute: " + (tmp_path / "second.log").read_text()
            assert second.poll() is None, (tmp_path / "second.log").read_text()
            time.sleep(0.5)
        deadline = time.time() + 120
        while submission(app, sid).state != "checked":
            assert time.time() < deadline, (submission(app, sid).state, (tmp_path / "second.log").read_text())
            time.sleep(0.5)
    finally:
        stop(second)
    assert submission(app, sid).report["faces"] == 327680
