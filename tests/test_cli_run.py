"""`lms run` (README's demo command ends with it) serves the app and checks uploads with its embedded consumer.

A real process on a real port, on the embedded default: SQLite in the instance folder and the in-process
Huey consumer, whatever database the rest of the suite runs on.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import _CSRF, env_without_lms, free_port
from tests.models import cube_stl


def _lms() -> str:
    beside = Path(sys.executable).with_name("lms")
    found = str(beside) if beside.exists() else shutil.which("lms")
    if not found:
        pytest.fail("the lms console script is not installed (pip install -e .)")
    return found


def _token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10)
    assert page.status_code == 200, (url, page.status_code)
    match = _CSRF.search(page.text)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


@pytest.fixture
def served(tmp_path, courses_dir):
    env = env_without_lms(LMS_INSTANCE_PATH=str(tmp_path / "instance"), LMS_COURSES_PATH=str(courses_dir),
                          LMS_DEFAULT_LANGUAGE="en")
    lms = _lms()
    for args, stdin in ((["db", "upgrade"], None), (["courses", "sync"], None),
                        (["users", "create", "runner@example.org", "--name", "Асанова Гүлнара",
                          "--role", "learner", "--password-stdin"], "run-password-1\n")):
        done = subprocess.run([lms, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    port, log = free_port(), tmp_path / "run.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([lms, "run", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"lms run did not serve: {log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            code = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail("lms run did not stop on SIGTERM")
    assert code == 0, log.read_text()  # a service manager's stop is a clean exit


def test_lms_run_serves_and_checks_an_upload_in_process(served):
    base, s = served, requests.Session()
    r = s.post(f"{base}/login", data={"email": "runner@example.org", "password": "run-password-1",
                                      "csrf_token": _token(s, f"{base}/login")}, allow_redirects=False, timeout=10)
    assert r.status_code == 303
    course = f"{base}/courses/test-course"
    r = s.post(f"{course}/enrol", data={"csrf_token": _token(s, f"{course}/")}, allow_redirects=False, timeout=10)
    assert r.status_code == 303
    assignment = f"{course}/assignments/cube/"
    r = s.post(assignment, data={"csrf_token": _token(s, assignment)}, files={"model": ("cube.stl", cube_stl(20))},
               allow_redirects=False, timeout=30)
    assert r.status_code == 303, r.text[:500]
    submission = requests.compat.urljoin(base, r.headers["Location"])
    deadline = time.time() + 90
    while True:  # nothing but the server process runs: its embedded consumer must do the check
        state = s.get(submission, headers={"Accept": "application/json"}, timeout=10).json()
        if state["state"] in ("checked", "failed") or time.time() > deadline:
            break
        time.sleep(0.3)
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
    with open(log, "w") as out:
        proc = subprocess.Popen([_lms(), "worker", "--workers", "1"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        enrol_and_read(auth)
        r = upload(auth, cube_stl(20))
        assert r.status_code == 303
        result = wait_done(client, r.headers["Location"], timeout=90)
        assert result["state"] == "checked", (result, log.read_text())
        assert result["report"]["faces"] == 12
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail("lms worker did not stop on SIGTERM")
