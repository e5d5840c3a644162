"""Accounts through HTTP: register, log in, log out, throttling, reset links, safe redirects, cookies."""
from __future__ import annotations

import re
from email import message_from_bytes, policy

from sqlalchemy import select

from lms import db
from lms.accounts.models import User
from tests.conftest import DEMO_PASSWORD, csrf_token
from tests.processes import free_port


def test_register_login_logout(app, client, auth, smtp_inbox):
    app.config.update(LMS_SMTP_HOST="127.0.0.1", LMS_SMTP_PORT=smtp_inbox.port)
    token = csrf_token(client, "/register")
    r = client.post("/register", data={"name": "Чыныбаев Мирлан Үңөөвич", "email": "Mirlan@School.kg", "csrf_token": token})
    assert r.status_code == 303 and r.headers["Location"].endswith("/login")
    (envelope,) = smtp_inbox.envelopes
    assert envelope.rcpt_tos == ["mirlan@school.kg"]
    link = re.search(r"https?://\S+", message_from_bytes(envelope.content, policy=policy.default).get_content()).group(0)
    path = "/" + link.split("/", 3)[3]
    r = client.post(path, data={"password": DEMO_PASSWORD, "confirm": DEMO_PASSWORD, "csrf_token": csrf_token(client, path)})
    assert r.status_code == 303
    r = auth.login("mirlan@school.kg")
    assert r.status_code == 303 and r.headers["Location"].endswith("/dashboard/")
    assert "Чыныбаев Мирлан Үңөөвич" in client.get("/dashboard/").get_data(as_text=True)
    assert auth.post("/logout").status_code == 303
    assert client.get("/dashboard/").status_code == 302  # back to login


def test_register_errors_rerender_with_400(client):
    token = csrf_token(client, "/register")
    r = client.post("/register", data={"name": "X", "email": "not-an-address", "csrf_token": token})
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Invalid email address." in page and "between 2 and 200 characters" in page


def test_post_without_csrf_is_refused(client, users):
    users.create("a@example.org")
    r = client.post("/login", data={"email": "a@example.org", "password": DEMO_PASSWORD})
    assert r.status_code == 400
    assert client.get("/dashboard/").status_code == 302


def test_unknown_email_and_wrong_password_answer_alike(client, auth, users):
    users.create("known@example.org")
    wrong = auth.login("known@example.org", "nope-nope-nope")
    unknown = auth.login("ghost@example.org", "nope-nope-nope")
    assert wrong.status_code == unknown.status_code == 400
    strip = lambda r: r.get_data(as_text=True).replace("known@example.org", "").replace("ghost@example.org", "")  # noqa: E731
    import re

    assert re.sub(r'value="[^"]+"', "", strip(wrong)) == re.sub(r'value="[^"]+"', "", strip(unknown))


def test_login_is_rate_limited_per_account(app, client, auth, users):
    users.create("victim@example.org")
    for _ in range(app.config["LMS_LOGIN_MAX_FAILURES"]):
        assert auth.login("victim@example.org", "wrong-password").status_code == 400
    # Locked now: even the right password is refused, with the same message.
    r = auth.login("victim@example.org")
    assert r.status_code == 400
    # Another account is not affected.
    users.create("other@example.org")
    assert auth.login("other@example.org").status_code == 303


def test_only_same_site_redirects_after_login(client, users):
    users.create("a@example.org")
    for target, expected in [("/courses/", "/courses/"), ("https://evil.example/", "/dashboard/"),
                             ("//evil.example/x", "/dashboard/"), ("/\\evil.example", "/dashboard/")]:
        client.get("/")
        r = client.post(f"/login?next={target}", data={"email": "a@example.org", "password": DEMO_PASSWORD,
                                                       "csrf_token": csrf_token(client)})
        assert r.status_code == 303
        assert r.headers["Location"].endswith(expected), (target, r.headers["Location"])
        client.post("/logout", data={"csrf_token": csrf_token(client, "/courses/")})


def test_password_reset_token_is_single_use(app, client, runner, users):
    users.create("reset@example.org")
    result = runner.invoke(args=["users", "reset-link", "reset@example.org"])
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    path = "/" + link.split("/", 3)[3]
    token = csrf_token(client, path)
    r = client.post(path, data={"password": "brand-new-pass", "confirm": "brand-new-pass", "csrf_token": token})
    assert r.status_code == 303
    assert client.get(path).status_code == 400  # used: invalid now
    r = client.post("/login", data={"email": "reset@example.org", "password": "brand-new-pass",
                                    "csrf_token": csrf_token(client)})
    assert r.status_code == 303


def test_reset_request_answers_alike_for_unknown_email(client):
    r = client.post("/reset", data={"email": "nobody@example.org", "csrf_token": csrf_token(client, "/reset")})
    assert r.status_code == 303


def test_passwords_are_argon2id_and_rehashed(app, users, auth):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    uid = users.create("old@example.org")
    with app.app_context():
        user = db.session().get(User, uid)
        assert user.password_hash.startswith("$argon2id$")
        user.password_hash = weak.hash(DEMO_PASSWORD)
        db.session().commit()
    assert auth.login("old@example.org").status_code == 303
    with app.app_context():
        new_hash = db.session().scalar(select(User.password_hash).where(User.id == uid))
        assert new_hash.startswith("$argon2id$") and "m=8," not in new_hash


def test_session_cookie_flags(client, users):
    users.create("c@example.org")
    r = client.post("/login", data={"email": "c@example.org", "password": DEMO_PASSWORD, "csrf_token": csrf_token(client)})
    cookie = r.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    r = client.post("/login", base_url="https://lms.test", headers={"Referer": "https://lms.test/login"},
                    data={"email": "c@example.org", "password": DEMO_PASSWORD, "csrf_token": csrf_token(client)})
    assert "Secure" in r.headers.get("Set-Cookie", "")


def test_reset_link_is_sent_by_smtp_when_configured(app, client, users, smtp_inbox):
    users.create("mail@example.org")
    app.config.update(LMS_SMTP_HOST="127.0.0.1", LMS_SMTP_PORT=smtp_inbox.port, LMS_MAIL_FROM="lms@fablab.kg")
    for address in ("nobody@example.org", "mail@example.org"):
        r = client.post("/reset", data={"email": address, "csrf_token": csrf_token(client, "/reset")})
        assert r.status_code == 303
    (envelope,) = smtp_inbox.envelopes  # nothing for the unknown address
    assert envelope.rcpt_tos == ["mail@example.org"] and envelope.mail_from == "lms@fablab.kg"
    body = message_from_bytes(envelope.content, policy=policy.default).get_content()
    link = re.search(r"https?://\S+", body).group(0)
    path = "/" + link.split("/", 3)[3]
    token = csrf_token(client, path)
    r = client.post(path, data={"password": "mailed-new-pass", "confirm": "mailed-new-pass", "csrf_token": token})
    assert r.status_code == 303
    assert auth_login(client, "mail@example.org", "mailed-new-pass").status_code == 303


def test_reset_request_survives_a_mail_server_that_is_down(app, client, users):
    users.create("down@example.org")
    app.config.update(LMS_SMTP_HOST="127.0.0.1", LMS_SMTP_PORT=free_port())  # nothing listens there
    r = client.post("/reset", data={"email": "down@example.org", "csrf_token": csrf_token(client, "/reset")})
    assert r.status_code == 303  # the same answer as always, no 500


def auth_login(client, email, password):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)})


def test_invitation_links_outlive_reset_links(app, client, users):
    from lms.accounts.operations import make_reset_token

    with app.app_context():
        user = db.session().get(User, users.create("invited@example.org"))
        reset, invite = make_reset_token(user), make_reset_token(user, invite=True)
    app.config.update(LMS_RESET_TOKEN_MAX_AGE=-1, LMS_INVITE_TOKEN_MAX_AGE=3600)  # every reset link is stale
    assert client.get(f"/reset/{reset}").status_code == 400
    assert client.get(f"/reset/{invite}").status_code == 200
    app.config.update(LMS_INVITE_TOKEN_MAX_AGE=-1)
    assert client.get(f"/reset/{invite}").status_code == 400
