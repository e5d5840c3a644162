"""Child processes for the tests (and benches) that run the real commands: the ``lms`` console script, a free
port, an environment of its own, waiting until a server answers and stopping it the way a service manager does."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.polling import poll

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def env_without_lms(**settings: str) -> dict:
    """This process's environment without its LMS_* settings, plus ``settings``: for a child process of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(settings)
    return env


def lms_script() -> str:
    """The installed ``lms`` console script, beside this interpreter or on PATH."""
    beside = Path(sys.executable).with_name("lms")
    found = str(beside) if beside.exists() else shutil.which("lms")
    if not found:
        pytest.fail("the lms console script is not installed (pip install -e .)")
    return found


def run_lms(env: dict, *args: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``lms *args`` to its end; the test fails with its stderr unless it exits 0."""
    done = subprocess.run([lms_script(), *args], env=env, input=stdin, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done


def start_logged(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    """``command`` in the background, its stdout and stderr into ``log``."""
    with open(log, "w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_until_serving(url: str, *procs: subprocess.Popen, log: Path, what: str, timeout: float = 60,
                       interval: float = 0.3, verify: bool | str = True) -> None:
    """Poll ``url`` until it answers 200; fail with ``log`` when one of ``procs`` exits or ``timeout`` passes."""
    deadline = time.time() + timeout
    while True:
        try:
            if requests.get(url, timeout=2, verify=verify).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if any(proc.poll() is not None for proc in procs) or time.time() > deadline:
            pytest.fail(f"{what}: {log.read_text()}")
        time.sleep(interval)


def stop_process(proc: subprocess.Popen, timeout: float = 20, what: str | None = None,
                 log: Path | None = None) -> int:
    """SIGTERM, then its exit code. One still running after ``timeout`` is killed; when ``what`` names it, the
    test then fails ("<what> did not stop on SIGTERM", with ``log`` when given)."""
    proc.terminate()
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        if what:
            pytest.fail(f"{what} did not stop on SIGTERM" + (f": {log.read_text()}" if log else ""))
        return proc.returncode


@contextmanager
def running(command: list[str], env: dict, log: Path, what: str, stop_timeout: float = 20,
            ready: str | None = None) -> Iterator[subprocess.Popen]:
    """``command`` in the background, its output in ``log`` (once ``ready``, a URL, answers 200, when given); stopped
    with SIGTERM afterwards unless it has stopped already (its exit code is then ``proc.returncode``)."""
    proc = start_logged(command, env, log)
    try:
        if ready:
            wait_until_serving(ready, proc, log=log, what=f"{what} did not serve")
        yield proc
    finally:
        if proc.poll() is None:
            stop_process(proc, stop_timeout, what, log)


@contextmanager
def lms_serving(env: dict, log: Path, *args: str, ready: str = "/login",
                stop_timeout: float = 20) -> Iterator[tuple[str, subprocess.Popen]]:
    """``lms <args> --port <a free port>`` (``run`` or ``serve ...``) through ``running``: its base URL and process."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running([lms_script(), *args, "--port", str(port)], env, log, f"lms {args[0]}", stop_timeout,
                 ready=base + ready) as proc:
        yield base, proc


def csrf_token_of(session: requests.Session, url: str) -> str:
    """The CSRF token of the form on the page at ``url``, fetched through ``session``."""
    page = session.get(url, timeout=10)
    assert page.status_code == 200, (url, page.status_code)
    match = CSRF_FIELD.search(page.text)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def wait_checked(session: requests.Session, url: str, timeout: float = 90) -> dict:
    """Poll a submission's JSON until it is checked or failed (or ``timeout`` passes): the server's state then."""
    # only the server's own consumer (or worker) process can do the check
    return poll(lambda: session.get(url, headers={"Accept": "application/json"}, timeout=10).json(),
                lambda state: state["state"] in ("checked", "failed"), timeout, 0.3)


def post_form(session: requests.Session, url: str, page: str, **kwargs) -> requests.Response:
    """POST to ``url`` with the CSRF token of the form on ``page`` (and ``data``, ``files``...), not following the redirect."""
    data = {"csrf_token": csrf_token_of(session, page), **kwargs.pop("data", {})}
    return session.post(url, data=data, allow_redirects=False, timeout=30, **kwargs)


def log_in(session: requests.Session, base: str, email: str, password: str) -> requests.Response:
    """Log ``session`` in to the live site at ``base``; the test fails unless the login redirects (303)."""
    r = session.post(f"{base}/login", data={"email": email, "password": password,
                                            "csrf_token": csrf_token_of(session, f"{base}/login")},
                     allow_redirects=False, timeout=10)
    assert r.status_code == 303, r.text[:300]
    return r
