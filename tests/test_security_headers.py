"""Security headers on every page: CSP without inline script, Permissions-Policy, HSTS over HTTPS, ProxyFix."""
from __future__ import annotations

import re

import pytest

from lms import create_app, db
from tests.models import cube_stl
from tests.test_assignments import ASSIGNMENT_URL, COURSE, enrol_and_read, upload, wait_done

_SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)


def _script_src(csp: str) -> str:
    return next(part for part in csp.split("; ") if part.startswith("script-src "))


def assert_no_unsigned_inline_script(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    script_src = _script_src(csp)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    nonce = re.search(r"'nonce-([^']+)'", script_src)
    for attributes in _SCRIPT.findall(response.get_data(as_text=True)):
        if "src=" in attributes:
            continue  # a file from this site
        assert nonce and f'nonce="{nonce.group(1)}"' in attributes, (response.request.path, attributes)


@pytest.fixture
def people(users, synced, tasks_running):
    users.create("learner@example.org", "Чыныбаев Мирлан Үңөөвич")


def test_every_page_carries_the_headers_and_no_unsigned_inline_script(client, auth, people):
    pages = ["/login", "/courses/", "/no-such-page", "/healthz"]
    for path in pages:
        r = client.get(path)
        assert r.headers["Permissions-Policy"].startswith("camera=()"), path
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"], path
        assert "Strict-Transport-Security" not in r.headers  # plain HTTP here
        assert_no_unsigned_inline_script(r)
    enrol_and_read(auth)
    r = upload(auth, cube_stl(20))
    submission = r.headers["Location"].replace("http://lms.test", "")
    assert wait_done(client, submission)["state"] == "checked"
    for path in (f"/courses/{COURSE}/", f"/courses/{COURSE}/lessons/intro", ASSIGNMENT_URL, submission, "/dashboard/"):
        r = client.get(path, follow_redirects=True)
        assert r.status_code == 200, path
        assert_no_unsigned_inline_script(r)
    viewer_page = client.get(submission).get_data(as_text=True)
    assert "dist/viewer.js?v=" in viewer_page and 'type="importmap"' not in viewer_page  # the bundle, no inline map


def test_the_viewer_data_varies_by_accept_encoding(client, auth, people):
    enrol_and_read(auth)
    submission = upload(auth, cube_stl(20)).headers["Location"].replace("http://lms.test", "")
    assert wait_done(client, submission)["state"] == "checked"
    url = f"{submission.rstrip('/').rsplit('/', 1)[0]}/{submission.rstrip('/').rsplit('/', 1)[1]}/viewer.json"
    for encoding in ("gzip", "identity"):
        r = client.get(url, headers={"Accept-Encoding": encoding})
        assert r.status_code == 200 and "Accept-Encoding" in r.headers["Vary"], encoding


def test_hsts_over_https(client):
    r = client.get("/login", base_url="https://lms.test")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize("proxies, secure", [(0, False), (1, True)])
def test_proxy_fix_trusts_as_many_proxies_as_configured(app_config, proxies, secure):
    app = create_app({**app_config, "LMS_PROXY_COUNT": proxies})
    try:
        r = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
        assert ("Strict-Transport-Security" in r.headers) is secure
        cookie = r.headers.get("Set-Cookie", "")
        assert ("Secure" in cookie) is secure
    finally:
        db.get_db(app).engine.dispose()
