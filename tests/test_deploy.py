"""deploy/: the nginx site rendered by `lms deploy nginx`, run by a real nginx in front of a real `lms serve`.

TLS with a self-signed certificate, the redirect from HTTP, proxy headers (ProxyFix makes the session
cookie Secure and adds HSTS), stored files sent by nginx through X-Accel-Redirect after the app's
permission check, and client_max_body_size from the largest assignment limit.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from lms.serve import FORM_ROOM_BYTES
from tests.conftest import SITE_PASSWORD
from tests.models import cube_stl
from tests.processes import free_port, lms_script, log_in, post_form, start_logged, wait_checked, wait_until_serving
from tests.test_serve import stop

ROOT = Path(__file__).resolve().parent.parent


def test_nginx_body_size_comes_from_the_largest_assignment_limit(runner, synced, courses_dir):
    result = runner.invoke(["deploy", "nginx", "--server-name", "lms.fablab.kg"])
    assert result.exit_code == 0, result.output
    largest_mb = max(int(m) for m in re.findall(r"max_file_mb: (\d+)", "".join(
        p.read_text() for p in courses_dir.glob("*/course.yaml"))))
    expected_kb = -(-(largest_mb * 1024 * 1024 + FORM_ROOM_BYTES) // 1024)
    assert f"client_max_body_size {expected_kb}k;" in result.output
    assert "server_name lms.fablab.kg;" in result.output
    assert "/etc/letsencrypt/live/lms.fablab.kg/fullchain.pem" in result.output
    assert "@" not in "".join(line.split("#")[0] for line in result.output.splitlines())


def _self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def _nginx_main(site: str, prefix: Path) -> str:
    """A whole nginx.conf of its own (no system paths written), with the rendered site inside."""
    site = site.replace("/var/log/nginx/", f"{prefix}/")
    return f"""user root;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{site}
}}
"""


@pytest.fixture
def behind_nginx(tmp_path, site_env, monkeypatch):
    if not shutil.which("nginx"):
        pytest.fail("nginx is not installed (scripts/setup.sh --test installs nginx-light)")
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    env = {**site_env, "LMS_PROXY_COUNT": "1", "LMS_X_ACCEL_PREFIX": "/_stored"}
    cert, key = _self_signed(tmp_path)
    # requests lets this variable override a session's own `verify`, so trust the test certificate through it.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    rendered = subprocess.run([lms_script(), "deploy", "nginx", "--server-name", "localhost", "--upstream",
                               f"127.0.0.1:{app_port}", "--certificate", str(cert), "--certificate-key", str(key),
                               "--http-port", str(http_port), "--https-port", str(https_port)],
                              env=env, capture_output=True, text=True, timeout=60)
    assert rendered.returncode == 0, rendered.stderr
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    conf = prefix / "nginx.conf"
    conf.write_text(_nginx_main(rendered.stdout, prefix))
    tested = subprocess.run(["nginx", "-t", "-c", str(conf), "-p", str(prefix)], capture_output=True, text=True)
    assert tested.returncode == 0, tested.stderr

    log = tmp_path / "serve.log"
    app = start_logged([lms_script(), "serve", "--port", str(app_port), "--workers", "1"], env, log)
    proxy = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(prefix), "-g", "daemon off;"],
                             stderr=subprocess.DEVNULL)  # its error log is prefix/error.log
    base = f"https://localhost:{https_port}"
    try:
        wait_until_serving(f"{base}/login", app, proxy, log=log, what="not serving", verify=str(cert))
        yield base, http_port, cert, prefix
    finally:
        proxy.terminate()
        proxy.wait(timeout=20)
        stop(app, log)


def test_nginx_serves_the_site_over_tls_and_sends_stored_files(behind_nginx):
    base, http_port, cert, prefix = behind_nginx
    plain = requests.get(f"http://localhost:{http_port}/courses/", allow_redirects=False, timeout=10)
    assert plain.status_code == 301 and plain.headers["Location"] == "https://localhost/courses/"

    with requests.Session() as s:
        s.verify = str(cert)
        page = s.get(f"{base}/login", timeout=10)
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")  # X-Forwarded-Proto trusted
        assert "Content-Security-Policy" in page.headers
    learner = login_verified(base, cert, "learner@example.org")
    course = f"{base}/courses/test-course"
    assert post_form(learner, f"{course}/enrol", f"{course}/").status_code == 303
    model = cube_stl(20)
    assignment = f"{course}/assignments/cube/"
    r = post_form(learner, assignment, assignment, files={"model": ("кубик.stl", model)})
    assert r.status_code == 303, r.text[:300]
    submission = r.headers["Location"]
    assert submission.startswith(f"{base}/") or submission.startswith("/"), submission  # Host kept
    submission = requests.compat.urljoin(base, submission)
    assert wait_checked(learner, submission)["state"] == "checked"

    sid = re.search(r"/submissions/(\d+)/", submission).group(1)
    download = learner.get(f"{base}/submissions/{sid}/file", timeout=10)
    assert download.status_code == 200 and download.content == model  # the bytes came from nginx
    assert "attachment" in download.headers["Content-Disposition"]
    assert "X-Accel-Redirect" not in download.headers
    thumb = learner.get(f"{base}/submissions/{sid}/thumbnail.png", timeout=10)
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/png"
    assert thumb.content.startswith(b"\x89PNG")

    stranger = requests.get(f"{base}/submissions/{sid}/file", verify=str(cert), allow_redirects=False, timeout=10)
    assert stranger.status_code == 302  # the app's check still runs first
    sha = next(p.name for p in (Path(prefix).parent / "instance" / "storage").glob("??/??/*"))
    direct = requests.get(f"{base}/_stored/{sha[:2]}/{sha[2:4]}/{sha}", verify=str(cert), timeout=10)
    assert direct.status_code == 404  # internal only

    too_big = learner.post(assignment, files={"model": ("big.stl", b"\0" * (21 * 1024 * 1024))}, timeout=60)
    assert too_big.status_code == 413  # nginx's limit: the largest assignment limit (20 MB) plus the form


def login_verified(base: str, cert: Path, email: str) -> requests.Session:
    s = requests.Session()
    s.headers["Referer"] = f"{base}/"  # as a browser sends it: over HTTPS, CSRF insists on a same-origin one
    r = log_in(s, base, email, SITE_PASSWORD)
    assert "Secure" in r.headers["Set-Cookie"]
    return s


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_the_systemd_units_verify(tmp_path):
    """systemd's own checker on the units, with the venv's lms in place of /opt/lms/.venv/bin/lms."""
    for unit in sorted((ROOT / "deploy").glob("lms-*.*")):
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/lms/.venv/bin/lms", lms_script()))
    done = subprocess.run(["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
                          capture_output=True, text=True, timeout=60)
    problems = [line for line in done.stderr.splitlines() if "lms-" in line]
    assert done.returncode == 0 and not problems, done.stderr
