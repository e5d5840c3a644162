"""`lms serve`: a real gunicorn process with its own consumer process, on the embedded SQLite default.

Login, upload, check, grading and the certificate download all go through HTTP to that process.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from lms.serve import base_url_problem
from tests.conftest import _CSRF, env_without_lms, free_port
from tests.models import cube_stl
from tests.test_cli_run import _lms

BASE_URL = "https://lms.fablab.kg"
PASSWORD = "serve-password-1"


def _token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10)
    assert page.status_code == 200, (url, page.status_code)
    return _CSRF.search(page.text).group(1)


def _lms_ok(env: dict, *args: str, stdin: str | None = None) -> None:
    done = subprocess.run([_lms(), *args], env=env, input=stdin, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def wait_until_serving(base: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while True:
        try:
            if requests.get(f"{base}/login", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            pytest.fail(f"lms serve did not serve: {log.read_text()}")
        time.sleep(0.3)


def stop(proc: subprocess.Popen, log: Path) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"lms serve did not stop on SIGTERM: {log.read_text()}")


@pytest.fixture
def site_env(tmp_path, courses_dir):
    env = env_without_lms(LMS_INSTANCE_PATH=str(tmp_path / "instance"), LMS_COURSES_PATH=str(courses_dir),
                          LMS_DEFAULT_LANGUAGE="en", LMS_BASE_URL=BASE_URL)
    _lms_ok(env, "db", "upgrade")
    _lms_ok(env, "courses", "sync")
    for email, name, role in (("learner@example.org", "Чыныбаев Мирлан Үңөөвич", "learner"),
                              ("instructor@fablab.kg", "Гүлнара Токтогулова", "instructor")):
        _lms_ok(env, "users", "create", email, "--name", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n")
    return env


@pytest.fixture
def served(site_env, tmp_path):
    port, log = free_port(), tmp_path / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([_lms(), "serve", "--port", str(port), "--workers", "2"], env=site_env,
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, proc, log)
        yield base, proc, log
    finally:
        if proc.poll() is None:
            stop(proc, log)


def login(base: str, email: str) -> requests.Session:
    s = requests.Session()
    r = s.post(f"{base}/login", data={"email": email, "password": PASSWORD, "csrf_token": _token(s, f"{base}/login")},
               allow_redirects=False, timeout=10)
    assert r.status_code == 303, r.text[:300]
    return s


def post(s: requests.Session, url: str, page: str, **kwargs) -> requests.Response:
    data = {"csrf_token": _token(s, page), **kwargs.pop("data", {})}
    return s.post(url, data=data, allow_redirects=False, timeout=30, **kwargs)


def wait_checked(s: requests.Session, url: str, timeout: float = 90) -> dict:
    deadline = time.time() + timeout
    while True:  # only the server's own consumer process can do the check
        state = s.get(url, headers={"Accept": "application/json"}, timeout=10).json()
        if state["state"] in ("checked", "failed") or time.time() > deadline:
            return state
        time.sleep(0.3)


def test_lms_serve_runs_a_course_to_its_certificate(served):
    base, proc, log = served
    course = f"{base}/courses/test-course"
    learner = login(base, "learner@example.org")
    assert post(learner, f"{course}/enrol", f"{course}/").status_code == 303
    assert post(learner, f"{course}/lessons/intro/complete", f"{course}/").status_code == 303
    assignment = f"{course}/assignments/cube/"
    r = post(learner, assignment, assignment, files={"model": ("cube.stl", cube_stl(20))})
    assert r.status_code == 303, r.text[:300]
    submission = requests.compat.urljoin(base, r.headers["Location"])
    state = wait_checked(learner, submission)
    assert state["state"] == "checked" and state["report"]["closed"] is True, state

    instructor = login(base, "instructor@fablab.kg")
    sid = re.search(r"/submissions/(\d+)/", submission).group(1)
    graded = post(instructor, f"{base}/teach/submissions/{sid}/grade", f"{base}/courses/",
                  data={"scores-0": 55, "scores-1": 30, "feedback": "Well done.", "decision": "accepted"})
    assert graded.status_code == 303, graded.text[:300]

    mine = learner.get(f"{base}/certificates/", timeout=10).text
    pdf_url = re.search(r'href="(/certificates/\d+\.pdf)"', mine).group(1)
    pdf = learner.get(f"{base}{pdf_url}", timeout=30)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    code = re.search(r"/verify/([A-Za-z0-9_-]{20,})", mine) or re.search(
        r"/verify/([A-Za-z0-9_-]{20,})", learner.get(f"{base}/dashboard/", timeout=10).text)
    if code:  # the verify page of the printed code answers through the same server
        assert requests.get(f"{base}/verify/{code.group(1)}", timeout=10).status_code == 200

    assert stop(proc, log) == 0  # a service manager's stop is a clean exit
    text = log.read_text()
    assert re.search(rf'"GET {re.escape(pdf_url)} HTTP/1.1" 200', text), text  # the access log
    assert "task consumer: process" in text
    pid = int(re.search(r"task consumer: process (\d+)", text).group(1))
    assert not Path(f"/proc/{pid}").exists(), "the consumer process outlived the server"


def niceness(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat[stat.rindex(")") + 2:].split()[16])  # field 19, counted after the command name


def test_the_consumer_runs_below_the_web_workers(served):
    """Checks are long and nobody waits on them by the second; pages are: on a 2-core lab server
    the consumer must leave the CPU to gunicorn first (workshop bench: page p95 during a burst)."""
    _base, proc, log = served
    deadline = time.time() + 30
    while not (found := re.search(r"task consumer: process (\d+)", log.read_text())) and time.time() < deadline:
        time.sleep(0.2)
    assert found, log.read_text()
    consumer = int(found.group(1))
    for _ in range(600):  # the child lowers its own priority as it starts (after its imports)
        if niceness(consumer) == 10:
            break
        time.sleep(0.1)
    assert niceness(consumer) == 10
    assert niceness(proc.pid) == niceness(os.getpid())  # the web server keeps the caller's priority


@pytest.mark.parametrize("base_url", [None, "http://localhost:5000", "http://127.0.0.1:8000"])
def test_lms_serve_refuses_a_missing_or_local_base_url(tmp_path, base_url):
    env = env_without_lms(LMS_INSTANCE_PATH=str(tmp_path / "instance"))
    if base_url:
        env["LMS_BASE_URL"] = base_url
    done = subprocess.run([_lms(), "serve", "--port", str(free_port())], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    assert "LMS_BASE_URL" in done.stderr and "--allow-localhost" in done.stderr


def test_lms_serve_allow_localhost_starts_anyway(tmp_path):
    env = env_without_lms(LMS_INSTANCE_PATH=str(tmp_path / "instance"), LMS_BASE_URL="http://localhost:8000")
    _lms_ok(env, "db", "upgrade")
    port, log = free_port(), tmp_path / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([_lms(), "serve", "--port", str(port), "--workers", "1", "--allow-localhost"],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", proc, log)
    finally:
        assert stop(proc, log) == 0
    assert "warning: LMS_BASE_URL=http://localhost:8000 is a local address" in log.read_text()


@pytest.mark.parametrize("url, ok", [
    ("https://lms.fablab.kg", True), ("http://10.0.0.5", True), ("https://lms.fablab.kg/lms/", True),
    (None, False), ("", False), ("lms.fablab.kg", False), ("http://localhost", False), ("http://[::1]:5000", False),
    ("http://0.0.0.0:8000", False), ("http://app.localhost", False), ("ftp://lms.fablab.kg", False),
])
def test_base_url_problem(url, ok):
    assert (base_url_problem(url) is None) is ok


def test_certificates_issue_warns_about_a_local_base_url(runner, synced):
    result = runner.invoke(["certificates", "issue", "--course", "test-course"])
    assert "warning: LMS_BASE_URL is not set" in result.output
