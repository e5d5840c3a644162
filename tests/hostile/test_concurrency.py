"""Double submits are input: the same form sent 10 times at once through a real threaded HTTP server.

The one that wins answers 303; the others the same 303 (or a 400 with a message), never 500, and the
database holds one row.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from lms import db
from lms.catalog.models import Enrolment, Lesson, LessonProgress
from tests.conftest import _CSRF, DEMO_PASSWORD

COURSE = "3d-printing-classroom"
LESSON = "how-fdm-printers-work"
TIMES = 10


@pytest.fixture
def live(app, synced, live_server):
    """The test app behind conftest's live server."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 is an answer to count, as in production
    return live_server


def logged_in(base: str, email: str) -> tuple[requests.Session, str]:
    s = requests.Session()
    token = _CSRF.search(s.get(f"{base}/login", timeout=30).text).group(1)
    r = s.post(f"{base}/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token},
               allow_redirects=False, timeout=30)
    assert r.status_code == 303, r.status_code
    token = _CSRF.search(s.get(f"{base}/courses/{COURSE}/", timeout=30).text).group(1)
    return s, token


def at_once(session: requests.Session, url: str, data: dict) -> list[int]:
    """``TIMES`` identical POSTs with the same cookies, released together."""
    start = threading.Barrier(TIMES)

    def post(_i):
        clone = requests.Session()
        clone.cookies.update(session.cookies)
        start.wait()
        return clone.post(url, data=data, allow_redirects=False, timeout=60)

    with ThreadPoolExecutor(TIMES) as pool:
        responses = list(pool.map(post, range(TIMES)))
    return [r.status_code for r in responses], [r.headers.get("Location") for r in responses]


def assert_idempotent(codes: list[int], locations: list) -> None:
    assert 500 not in codes, codes
    assert set(codes) <= {303, 400} and 303 in codes, codes
    assert len({loc for code, loc in zip(codes, locations) if code == 303}) == 1, locations


def count(app, query) -> int:
    with app.app_context():
        return db.session().scalar(query)


def test_ten_simultaneous_enrolments_make_one(app, users, live):
    uid = users.create("double@example.org")
    session, token = logged_in(live, "double@example.org")
    codes, locations = at_once(session, f"{live}/courses/{COURSE}/enrol", {"csrf_token": token})
    assert_idempotent(codes, locations)
    assert count(app, select(func.count(Enrolment.id)).where(Enrolment.user_id == uid)) == 1


def test_ten_simultaneous_lesson_completions_make_one(app, users, live):
    uid = users.create("double@example.org")
    session, token = logged_in(live, "double@example.org")
    assert session.post(f"{live}/courses/{COURSE}/enrol", data={"csrf_token": token},
                        allow_redirects=False, timeout=30).status_code == 303
    codes, locations = at_once(session, f"{live}/courses/{COURSE}/lessons/{LESSON}/complete", {"csrf_token": token})
    assert_idempotent(codes, locations)
    done = select(func.count(LessonProgress.id)).join(Lesson).where(LessonProgress.user_id == uid,
                                                                    Lesson.slug == LESSON)
    assert count(app, done) == 1
