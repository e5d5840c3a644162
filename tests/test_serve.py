"""`lms serve`: a real gunicorn process with its own consumer process, on the embedded SQLite default.

Login, upload, check, grading and the certificate download all go through HTTP to that process.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import requests

from lms.serve import base_url_problem
from tests.conftest import SITE_PASSWORD
from tests.models import cube_stl
from tests.polling import poll
from tests.processes import (
    env_without_lms,
    free_port,
    lms_script,
    lms_serving,
    log_in,
    post_form,
    run_lms,
    stop_process,
    wait_checked,
)


def stop(proc: subprocess.Popen, log: Path) -> int:
    return stop_process(proc, 60, "lms serve", log)


@pytest.fixture
def served(site_env, tmp_path):
    log = tmp_path / "serve.log"
    with lms_serving(site_env, log, "serve", "--workers", "2", stop_timeout=60) as (base, proc):
        yield base, proc, log


def login(base: str, email: str) -> requests.Session:
    s = requests.Session()
    log_in(s, base, email, SITE_PASSWORD)
    return s


def test_lms_serve_runs_a_course_to_its_certificate(served):
    base, proc, log = served
    course = f"{base}/courses/test-course"
    learner = login(base, "learner@example.org")
    assert post_form(learner, f"{course}/enrol", f"{course}/").status_code == 303
    assert post_form(learner, f"{course}/lessons/intro/complete", f"{course}/").status_code == 303
    assignment = f"{course}/assignments/cube/"
    r = post_form(learner, assignment, assignment, files={"model": ("cube.stl", cube_stl(20))})
    assert r.status_code == 303, r.text[:300]
    submission = requests.compat.urljoin(base, r.headers["Location"])
    state = wait_checked(learner, submission)
    assert state["state"] == "checked" and state["report"]["closed"] is True, state

    instructor = login(base, "instructor@fablab.kg")
    sid = re.search(r"/submissions/(\d+)/", submission).group(1)
    graded = post_form(instructor, f"{base}/teach/submissions/{sid}/grade", f"{base}/courses/",
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
    found = poll(lambda: re.search(r"task consumer: process (\d+)", log.read_text()), bool, 30)
    assert found, log.read_text()
    consumer = int(found.group(1))
    # the child lowers its own priority as it starts (after its imports)
    assert poll(lambda: niceness(consumer), lambda nice: nice == 10, 60, 0.1) == 10
    assert niceness(proc.pid) == niceness(os.getpid())  # the web server keeps the caller's priority


@pytest.mark.parametrize("base_url", [None, "http://localhost:5000", "http://127.0.0.1:8000"])
def test_lms_serve_refuses_a_missing_or_local_base_url(tmp_path, base_url):
    env = env_without_lms(LMS_INSTANCE_PATH=str(tmp_path / "instance"))
    if base_url:
        env["LMS_BASE_URL"] = base_url
    done = subprocess.run([lms_script(), "serve", "--port", str(free_port())], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    assert "LMS_BASE_URL" in done.stderr and "--allow-localhost" in done.stderr


def test_lms_serve_allow_localhost_starts_anyway(tmp_path):
    env = env_without_lms(LMS_INSTANCE_PATH=str(tmp_path / "instance"), LMS_BASE_URL="http://localhost:8000")
    run_lms(env, "db", "upgrade")
    log = tmp_path / "serve.log"
    with lms_serving(env, log, "serve", "--workers", "1", "--allow-localhost", stop_timeout=60) as (_base, proc):
        pass
    assert proc.returncode == 0
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
