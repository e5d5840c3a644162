"""Issue 10, accounts: what an attacker tried against logins, sessions, registration and mailed links."""
from __future__ import annotations

import io

import pytest

from tests.conftest import DEMO_PASSWORD, csrf_token
from tests.hostile.smtp import inbox, path_of  # noqa: F401 - the fixture

BASE = "https://lms.fablab.kg"
EVIL = "http://evil.example"


def evil_token(client, path: str) -> str:
    """A CSRF token for a visit made with the attacker's Host header (its cookie is bound to that host)."""
    from tests.conftest import _CSRF

    return _CSRF.search(client.get(path, base_url=EVIL).get_data(as_text=True)).group(1)


# --- item 13: absolute URLs come from the configured base URL, never from the request ---------------------


def test_reset_mail_link_ignores_the_host_header(app, client, users, inbox):
    users.create("teacher@school.kg")
    app.config.update(LMS_BASE_URL=BASE, SERVER_NAME=None)
    r = client.post("/reset", data={"email": "teacher@school.kg", "csrf_token": evil_token(client, "/reset")},
                    base_url=EVIL)
    assert r.status_code == 303
    (link,) = inbox.links_to("teacher@school.kg")
    assert link.startswith(f"{BASE}/reset/"), link
    assert client.get(path_of(link)).status_code == 200


def test_invitation_links_ignore_the_host_header(app, client, auth, users, synced, inbox):
    users.create("instructor@fablab.kg", "Instructor", role="instructor")
    app.config.update(LMS_BASE_URL=BASE, SERVER_NAME=None)
    client.post("/login", base_url=EVIL, data={"email": "instructor@fablab.kg", "password": DEMO_PASSWORD,
                                               "csrf_token": evil_token(client, "/login")})
    cohort = "name,email\nАсанова Гүлнара,gulnara@school.kg\n".encode()
    r = client.post("/teach/test-course/import", base_url=EVIL, content_type="multipart/form-data",
                    data={"csv_file": (io.BytesIO(cohort), "cohort.csv"),
                          "csrf_token": evil_token(client, "/teach/test-course/")})
    assert r.status_code == 303
    (link,) = inbox.links_to("gulnara@school.kg")
    assert link.startswith(f"{BASE}/reset/"), link


def test_cli_reset_link_uses_the_base_url(app, runner, users):
    users.create("cli@school.kg")
    app.config["LMS_BASE_URL"] = BASE + "/"
    result = runner.invoke(args=["users", "reset-link", "cli@school.kg"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith(f"{BASE}/reset/")


def test_absolute_urls_keep_a_path_in_the_base_url(app):
    from lms.urls import absolute_url

    app.config["LMS_BASE_URL"] = "https://fablab.example.kg/lms/"
    with app.test_request_context("/", base_url="http://evil.example"):
        assert absolute_url("certificates.verify", code="AB12") == "https://fablab.example.kg/lms/verify/AB12"
