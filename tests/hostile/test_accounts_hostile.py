"""Issue 10, accounts: what an attacker tried against logins, sessions, registration and mailed links."""
from __future__ import annotations

import io

from tests.conftest import DEMO_PASSWORD, Auth, csrf_token
from tests.hostile.smtp import path_of

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


# --- item 1: a burst of failed logins neither stalls the site nor answers 500 ------------------------------


class ConnectionsPerThread:
    """Counts the pool connections each thread holds at once (a request runs on one thread)."""

    def __init__(self, engine):
        import threading
        from collections import Counter

        from sqlalchemy import event

        self.held, self.most, self.lock = Counter(), 0, threading.Lock()
        event.listen(engine, "checkout", self._out)
        event.listen(engine, "checkin", self._in)

    def _out(self, *_args):
        import threading

        with self.lock:
            self.held[threading.get_ident()] += 1
            self.most = max(self.most, self.held[threading.get_ident()])

    def _in(self, *_args):
        import threading

        with self.lock:
            self.held[threading.get_ident()] -= 1


def _burst(send, clients) -> list:
    """Each of ``clients`` sends at the same moment; (answer, seconds) of each."""
    import threading
    import time

    import requests

    barrier, answers, lock = threading.Barrier(len(clients) + 1), [], threading.Lock()

    def one(client):
        barrier.wait()
        start = time.monotonic()
        try:
            answer = send(client).status_code
        except requests.RequestException as exc:
            answer = repr(exc)
        with lock:
            answers.append((answer, time.monotonic() - start))

    threads = [threading.Thread(target=one, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    barrier.wait()
    return threads, answers


def test_fifty_simultaneous_failed_logins_answer_quickly_and_the_site_stays_up(app, users, synced, live_server):
    import time

    import requests

    from lms import db
    from tests.conftest import _CSRF

    users.create("teacher@school.kg", "Teacher")
    connections = ConnectionsPerThread(db.get_db(app).engine)
    clients = []
    for _ in range(50):
        web = requests.Session()
        clients.append((web, _CSRF.search(web.get(live_server + "/login", timeout=30).text).group(1)))
    threads, answers = _burst(lambda c: c[0].post(live_server + "/login", timeout=60, allow_redirects=False, data={
        "email": "teacher@school.kg", "password": "wrong guess", "csrf_token": c[1]}), clients)
    time.sleep(0.2)  # the burst is under way
    catalogue = requests.get(live_server + "/courses/", timeout=60)
    for t in threads:
        t.join(90)
    assert catalogue.status_code == 200 and "Test course" in catalogue.text
    assert sorted({a for a, _ in answers}, key=str) == [400], answers
    assert connections.most == 1, f"a request held {connections.most} database connections at once"
    # Issue 10 asks for 2 s (the bug stalled for 30 s); on a machine busy with other work, scaled by its load.
    import os

    budget = 2.0 * max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
    slowest = max(s for _, s in answers)
    assert slowest < budget, f"the slowest failed login took {slowest:.1f} s (budget {budget:.1f} s)"


# --- item 14: logout and a password change end every session of the account ----------------------------


def _copy_session(app, client):
    """A second browser holding a copy of ``client``'s session cookie (as a thief would)."""
    thief = app.test_client()
    cookie = client.get_cookie("session", domain="lms.test")
    assert cookie is not None
    thief.set_cookie("session", cookie.value, domain="lms.test")
    return thief


def test_a_copied_session_cookie_dies_at_logout(app, client, auth, users):
    users.create("teacher@school.kg", "Teacher")
    assert auth.login("teacher@school.kg").status_code == 303
    thief = _copy_session(app, client)
    assert thief.get("/account").status_code == 200  # the copy works while the owner is logged in
    assert auth.post("/logout").status_code == 303
    assert thief.get("/account").status_code == 302  # to the login page
    # Logging in again starts a new session; the old copy stays dead.
    assert auth.login("teacher@school.kg").status_code == 303
    assert thief.get("/account").status_code == 302
    assert client.get("/account").status_code == 200


def test_a_password_reset_ends_the_sessions_of_the_account(app, client, auth, users, runner):
    users.create("teacher@school.kg", "Teacher")
    assert auth.login("teacher@school.kg").status_code == 303
    thief = _copy_session(app, client)
    link = runner.invoke(args=["users", "reset-link", "teacher@school.kg"]).output.strip()
    owner = app.test_client()
    path = "/" + link.split("/", 3)[3]
    r = owner.post(path, data={"password": "a brand new one", "confirm": "a brand new one",
                               "csrf_token": csrf_token(owner, path)})
    assert r.status_code == 303
    assert thief.get("/account").status_code == 302
    assert client.get("/account").status_code == 302  # every session, the owner's own browser too


# --- items 2 and 16: registration is idempotent and never says that an address has an account ----------


def _register(client, email: str, name: str = "Асанова Гүлнара"):
    # A password as the old form wanted one: the form now ignores it (the mailed link sets it).
    return client.post("/register", data={"name": name, "email": email, "password": DEMO_PASSWORD,
                                          "csrf_token": csrf_token(client, "/register")})


def _without(text: str, *words: str) -> str:
    import re

    for word in words:
        text = text.replace(word, "")
    return re.sub(r'value="[^"]*"', "", text)  # CSRF tokens differ


def test_registering_a_taken_address_answers_like_a_new_one_and_tells_the_owner(app, users, inbox):
    from sqlalchemy import func, select

    from lms import db
    from lms.accounts.models import User

    users.create("owner@school.kg", "The Owner")
    newcomer, mallory = app.test_client(), app.test_client()
    new, taken = _register(newcomer, "newcomer@school.kg"), _register(mallory, "Owner@School.kg", "Mallory")
    assert new.status_code == taken.status_code == 303
    assert new.headers["Location"] == taken.headers["Location"]
    after_new = newcomer.get(new.headers["Location"]).get_data(as_text=True)
    after_taken = mallory.get(taken.headers["Location"]).get_data(as_text=True)
    assert "newcomer@school.kg" in after_new
    assert _without(after_new, "newcomer@school.kg") == _without(after_taken, "owner@school.kg")
    # The owner is told by mail, with a way in; the newcomer gets the link that finishes the account.
    (told,) = inbox.messages_to("owner@school.kg")
    assert told["Subject"] == "You already have an account" and "/reset/" in told.get_content()
    (link,) = inbox.links_to("newcomer@school.kg")
    r = newcomer.post(path_of(link), data={"password": "my own password", "confirm": "my own password",
                                           "csrf_token": csrf_token(newcomer, path_of(link))})
    assert r.status_code == 303
    assert Auth(newcomer).login("newcomer@school.kg", "my own password").status_code == 303
    # The existing account is untouched: same name, same password.
    with app.app_context():
        assert db.session().scalar(select(User.name).where(User.email == "owner@school.kg")) == "The Owner"
        assert db.session().scalar(select(func.count(User.id))) == 2
    assert Auth(app.test_client()).login("owner@school.kg").status_code == 303


def test_ten_identical_registrations_at_once_make_one_account(app, live_server, inbox):
    import threading

    import requests
    from sqlalchemy import func, select

    from lms import db
    from lms.accounts.models import User
    from tests.conftest import _CSRF

    sessions = []
    for _ in range(10):
        web = requests.Session()
        sessions.append((web, _CSRF.search(web.get(live_server + "/register", timeout=30).text).group(1)))
    barrier, answers = threading.Barrier(10), []

    def register(web, token):
        barrier.wait()
        r = web.post(live_server + "/register", timeout=60, allow_redirects=False,
                     data={"name": "Чыныбаев Мирлан", "email": "mirlan@school.kg", "password": DEMO_PASSWORD,
                           "csrf_token": token})
        answers.append((r.status_code, r.headers.get("Location")))

    threads = [threading.Thread(target=register, args=s) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert len(answers) == 10 and len(set(answers)) == 1 and answers[0][0] == 303, answers
    with app.app_context():
        assert db.session().scalar(select(func.count(User.id)).where(User.email == "mirlan@school.kg")) == 1
    assert len(inbox.links_to("mirlan@school.kg")) >= 1
