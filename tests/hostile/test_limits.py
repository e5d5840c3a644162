"""Issue 10, item 15: per-address limits (Flask-Limiter) on login, reset, registration, enrolment key and
certificate verification; the per-e-mail delay never lets a stranger keep the owner out."""
from __future__ import annotations

import time
import uuid

import pytest

from tests.conftest import DEMO_PASSWORD, Auth, csrf_token
from tests.hostile.smtp import path_of

KEY_COURSE = "electronics-teachers"


@pytest.fixture
def app_config(app_config):
    """Limits switched on, low enough to reach, in a key space of this test alone (Redis is shared by the run)."""
    return {**app_config, "LMS_RATELIMIT_ENABLED": True, "RATELIMIT_KEY_PREFIX": f"lms-test-{uuid.uuid4().hex}",
            "LMS_LIMIT_LOGIN": "3 per minute", "LMS_LIMIT_RESET": "2 per minute", "LMS_LIMIT_REGISTER": "2 per minute",
            "LMS_LIMIT_ENROL_KEY": "5 per minute", "LMS_LIMIT_VERIFY": "3 per minute"}


def test_limits_switch_at_run_time(app, client):
    app.config["LMS_RATELIMIT_ENABLED"] = False
    for _ in range(5):
        assert client.get("/verify/NO-SUCH-CODE").status_code == 404


def test_limits_use_redis_when_configured(app):
    from lms.accounts.limits import limiter_of

    storage = type(limiter_of(app).storage).__name__
    assert storage == ("RedisStorage" if app.config.get("LMS_REDIS_URL") else "MemoryStorage")


def test_failed_logins_from_one_address_are_limited(client, users):
    users.create("teacher@school.kg")
    for n in range(3):
        r = client.post("/login", data={"email": f"guess{n}@school.kg", "password": "wrong guess",
                                        "csrf_token": csrf_token(client)})
        assert r.status_code == 400
    r = client.post("/login", data={"email": "teacher@school.kg", "password": DEMO_PASSWORD,
                                    "csrf_token": csrf_token(client)}, headers={"Accept-Language": "ru"})
    assert r.status_code == 429
    assert "Слишком много запросов" in r.get_data(as_text=True) and r.headers.get("Retry-After")
    # Another address is not affected.
    r = client.post("/login", environ_base={"REMOTE_ADDR": "198.51.100.7"},
                    data={"email": "teacher@school.kg", "password": DEMO_PASSWORD, "csrf_token": csrf_token(client)})
    assert r.status_code == 303


def test_successful_logins_do_not_count(app, users):
    """A workshop of teachers behind one address all log in: only failures count towards the limit."""
    for n in range(6):
        users.create(f"t{n}@school.kg")
        assert Auth(app.test_client()).login(f"t{n}@school.kg").status_code == 303


def test_reset_and_registration_are_limited(client):
    for n in range(2):
        r = client.post("/reset", data={"email": f"r{n}@school.kg", "csrf_token": csrf_token(client, "/reset")})
        assert r.status_code == 303
    r = client.post("/reset", data={"email": "r9@school.kg", "csrf_token": csrf_token(client, "/reset")})
    assert r.status_code == 429
    for n in range(2):
        r = client.post("/register", data={"name": "Someone", "email": f"n{n}@school.kg",
                                           "csrf_token": csrf_token(client, "/register")})
        assert r.status_code == 303
    r = client.post("/register", data={"name": "Someone", "email": "n9@school.kg",
                                       "csrf_token": csrf_token(client, "/register")}, headers={"Accept-Language": "ky"})
    assert r.status_code == 429 and "Сурамдар өтө көп" in r.get_data(as_text=True)


def test_wrong_enrolment_keys_are_limited(client, auth, users, synced):
    users.create("learner@school.kg")
    auth.login("learner@school.kg")
    for _ in range(5):
        assert auth.post(f"/courses/{KEY_COURSE}/enrol", data={"key": "guess"}).status_code == 400
    # Guessing stops here: even the right key waits for the window to pass.
    assert auth.post(f"/courses/{KEY_COURSE}/enrol", data={"key": "elektronika-2026"}).status_code == 429


def test_certificate_verification_is_limited(client):
    for _ in range(3):
        assert client.get("/verify/NO-SUCH-CODE").status_code == 404
    assert client.get("/verify/NO-SUCH-CODE").status_code == 429


# --- the per-e-mail delay: a stranger cannot keep the owner out ---------------------------------------------


def _stranger_fails(app, email: str, times: int) -> None:
    """Failed logins for ``email`` from many addresses (the test client's own is 127.0.0.1), each under its limit."""
    thief = app.test_client()
    for n in range(times):
        r = thief.post("/login", environ_base={"REMOTE_ADDR": f"203.0.113.{n + 1}"},
                       data={"email": email, "password": "wrong guess", "csrf_token": csrf_token(thief)})
        assert r.status_code == 400


def test_the_owner_gets_in_after_a_short_delay(app, client, users):
    app.config.update(LMS_LOGIN_DELAY_SECONDS=3)
    users.create("teacher@school.kg")
    _stranger_fails(app, "teacher@school.kg", app.config["LMS_LOGIN_MAX_FAILURES"])
    locked_at = time.monotonic()
    assert Auth(client).login("teacher@school.kg").status_code == 400  # waiting out the delay
    time.sleep(max(0.0, locked_at + 3.2 - time.monotonic()))
    assert Auth(client).login("teacher@school.kg").status_code == 303


def test_the_delay_grows_with_each_further_failure(app, client, users):
    app.config.update(LMS_LOGIN_DELAY_SECONDS=2, LMS_LOGIN_LOCK_SECONDS=60)
    users.create("teacher@school.kg")
    _stranger_fails(app, "teacher@school.kg", app.config["LMS_LOGIN_MAX_FAILURES"])
    time.sleep(2.2)
    started = time.monotonic()
    _stranger_fails(app, "teacher@school.kg", 1)  # one more failure: 4 s now
    if time.monotonic() - started < 3:
        assert Auth(client).login("teacher@school.kg").status_code == 400
    time.sleep(max(0.0, started + 4.2 - time.monotonic()))
    assert Auth(client).login("teacher@school.kg").status_code == 303


def test_a_reset_link_lets_the_owner_in_at_once(app, client, users, inbox):
    users.create("teacher@school.kg")
    _stranger_fails(app, "teacher@school.kg", app.config["LMS_LOGIN_MAX_FAILURES"])
    assert Auth(client).login("teacher@school.kg").status_code == 400
    client.post("/reset", data={"email": "teacher@school.kg", "csrf_token": csrf_token(client, "/reset")})
    (link,) = inbox.links_to("teacher@school.kg")
    r = client.post(path_of(link), data={"password": "new and mine", "confirm": "new and mine",
                                         "csrf_token": csrf_token(client, path_of(link))})
    assert r.status_code == 303
    assert Auth(client).login("teacher@school.kg", "new and mine").status_code == 303
