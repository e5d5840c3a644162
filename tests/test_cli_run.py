"""`lms run` (README's demo command ends with it) serves the app and checks uploads with its embedded consumer.

A real process on a real port, on the embedded default: SQLite in the instance folder and the in-process
Huey consumer, whatever database the rest of the suite runs on.
"""
from __future__ import annotations

import os

import pytest
import requests

from tests.models import cube_stl
from tests.processes import env_without_lms, lms_script, lms_serving, log_in, post_form, run_lms, running, wait_checked


@pytest.fixture
def served(tmp_path, courses_dir):
    env = env_without_lms(LMS_INSTANCE_PATH=str(tmp_path / "instance"), LMS_COURSES_PATH=str(courses_dir),
                          LMS_DEFAULT_LANGUAGE="en")
    run_lms(env, "db", "upgrade")
    run_lms(env, "courses", "sync")
    run_lms(env, "users", "create", "runner@example.org", "--name", "Асанова Гүлнара", "--role", "learner",
            "--password-stdin", stdin="run-password-1\n")
    log = tmp_path / "run.log"
    with lms_serving(env, log, "run", ready="/healthz") as (base, proc):
        yield base
    assert proc.returncode == 0, log.read_text()  # a service manager's stop is a clean exit


def test_lms_run_serves_and_checks_an_upload_in_process(served):
    base, s = served, requests.Session()
    log_in(s, base, "runner@example.org", "run-password-1")
    course = f"{base}/courses/test-course"
    assert post_form(s, f"{course}/enrol", f"{course}/").status_code == 303
    assignment = f"{course}/assignments/cube/"
    r = post_form(s, assignment, assignment, files={"model": ("cube.stl", cube_stl(20))})
    assert r.status_code == 303, r.text[:500]
    submission = requests.compat.urljoin(base, r.headers["Location"])
    state = wait_checked(s, submission)  # nothing but the server process runs: its embedded consumer checks
    assert state["state"] == "checked", state
    assert state["report"]["closed"] is True and state["report"]["faces"] == 12


@pytest.mark.skipif(not os.environ.get("LMS_REDIS_URL"), reason="needs Redis (set LMS_REDIS_URL)")
def test_lms_worker_checks_uploads_queued_in_redis(app, app_config, tmp_path, client, auth, users, synced):
    """With Redis the web process only enqueues; a separate `lms worker` process does the check."""
    from lms import tasks
    from tests.test_assignments import enrol_and_read, upload, wait_done

    tasks.huey.flush()
    users.create("learner@example.org")
    env = env_without_lms(**{key: str(app_config[key]) for key in ("LMS_INSTANCE_PATH", "LMS_DATABASE_URL",
                                                                    "LMS_COURSES_PATH")},
                          LMS_REDIS_URL=os.environ["LMS_REDIS_URL"])
    log = tmp_path / "worker.log"
    with running([lms_script(), "worker", "--workers", "1"], env, log, "lms worker", stop_timeout=30):
        enrol_and_read(auth)
        r = upload(auth, cube_stl(20))
        assert r.status_code == 303
        result = wait_done(client, r.headers["Location"], timeout=90)
        assert result["state"] == "checked", (result, log.read_text())
        assert result["report"]["faces"] == 12
