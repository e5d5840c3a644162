"""Account verbs. They flush; the request (or CLI command) commits."""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from lms import db
from lms.accounts.models import ROLES, LoginThrottle, User, new_session_token
from lms.accounts.passwords import hash_password, needs_rehash, verify_password
from lms.db import utcnow


class AccountError(ValueError):
    """A user-facing problem with an account operation (message is translatable)."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session().scalar(select(User).where(User.email == normalize_email(email)))


def create_user(email: str, name: str, password: str | None = None, role: str = "learner") -> User:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    email = normalize_email(email)
    if find_user(email) is not None:
        raise AccountError("an account with this e-mail already exists")
    user = User(email=email, name=name.strip(), role=role, password_hash=hash_password(password) if password else None)
    db.session().add(user)
    db.session().flush()
    return user


def register(email: str, name: str) -> tuple[User | None, bool]:
    """(the new account, True), or (the existing one, False); (None, False) when the same registration,
    sent at the same moment, has just created it. Safe to call concurrently: no duplicate, no error."""
    existing = find_user(email)
    if existing is not None:
        return existing, False
    user = User(email=normalize_email(email), name=name.strip(), role="learner", password_hash=None)
    sess = db.session()
    try:
        with sess.begin_nested():
            sess.add(user)
    except IntegrityError:
        return None, False
    return user, True


def set_password(user: User, password: str) -> None:
    """A new password ends every session of the account and lifts the login delay of its address,
    so a reset link both locks out whoever stole a session and lets the owner in at once."""
    user.password_hash = hash_password(password)
    end_sessions(user)
    clear_login_delay(user.email)


def end_sessions(user: User) -> None:
    user.session_token = new_session_token()


def user_for_session(session_id: str) -> User | None:
    """The user of a login session's stored identifier ("<id>:<token>"), unless the token was replaced since."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session().get(User, int(user_id))
    if user is None or not user.session_token or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user when the password is right and the address is not in its delay, else None.

    Unknown e-mails and wrong passwords take the same path and count alike. The attempt is counted and
    committed before the slow hash: the count must outlive the failed request (which is rolled back), and
    no connection or database lock is held while hashing, so a burst of failures cannot drain the pool.
    """
    email = normalize_email(email)
    sess = db.session()
    allowed = _claim_attempt(sess, email, utcnow())
    user = find_user(email) if allowed else None
    sess.commit()
    if not allowed:
        return None  # in its delay: refused without hashing (the same for known and unknown addresses)
    ok = verify_password(user.password_hash if user else None, password) and user is not None and user.active
    if not ok:
        return None
    clear_login_delay(email)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def _claim_attempt(sess, email: str, now) -> bool:  # noqa: ANN001
    """Count one attempt for ``email``; False while the address waits out its delay.

    The delay after ``LMS_LOGIN_MAX_FAILURES`` failures starts short (``LMS_LOGIN_DELAY_SECONDS``) and doubles
    with each further failure up to ``LMS_LOGIN_LOCK_SECONDS``, so a stranger cannot keep the owner out for
    long; a reset link or a successful login clears it."""
    if _locked(sess.get(LoginThrottle, email), now):
        return False  # decided by a read: a burst against a waiting address writes nothing
    sess.commit()  # the write below starts a transaction of its own (SQLite cannot upgrade a read safely)
    _ensure_throttle_row(sess, email)
    throttle = sess.get(LoginThrottle, email, with_for_update=True, populate_existing=True)
    if _locked(throttle, now):
        return False
    throttle.failures += 1
    beyond = throttle.failures - current_app.config["LMS_LOGIN_MAX_FAILURES"]
    if beyond >= 0:
        config = current_app.config
        delay = min(float(config["LMS_LOGIN_DELAY_SECONDS"]) * 2 ** min(beyond, 30), float(config["LMS_LOGIN_LOCK_SECONDS"]))
        throttle.locked_until = now + timedelta(seconds=delay)
    sess.flush()
    return True


def _locked(throttle: LoginThrottle | None, now) -> bool:  # noqa: ANN001
    return throttle is not None and throttle.locked_until is not None and throttle.locked_until > now


def _ensure_throttle_row(sess, email: str) -> None:  # noqa: ANN001
    """Insert the counter row unless it exists, atomically, so simultaneous first failures do not collide."""
    dialect = sess.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        if sess.get(LoginThrottle, email) is None:
            sess.add(LoginThrottle(email=email, failures=0))
            sess.flush()
        return
    sess.execute(insert(LoginThrottle).values(email=email, failures=0).on_conflict_do_nothing(index_elements=["email"]))


def clear_login_delay(email: str) -> None:
    db.session().execute(delete(LoginThrottle).where(LoginThrottle.email == normalize_email(email)))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lms-password-reset")


def _fingerprint(user: User) -> str:
    # Changes whenever the password does, so a token works once.
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def make_reset_token(user: User, *, invite: bool = False) -> str:
    """A signed link token that sets the password once; an invitation's lives longer than a reset's."""
    payload = {"uid": user.id, "fp": _fingerprint(user)}
    if invite:
        payload["invite"] = True  # signed: the holder cannot turn a reset into an invitation
    return _serializer().dumps(payload)


def user_for_reset_token(token: str) -> User | None:
    config = current_app.config
    longest = max(config["LMS_RESET_TOKEN_MAX_AGE"], config["LMS_INVITE_TOKEN_MAX_AGE"])
    try:
        data, signed_at = _serializer().loads(token, max_age=longest, return_timestamp=True)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict):
        return None
    max_age = config["LMS_INVITE_TOKEN_MAX_AGE"] if data.get("invite") else config["LMS_RESET_TOKEN_MAX_AGE"]
    if (datetime.now(timezone.utc) - signed_at).total_seconds() > max_age:
        return None
    user = db.session().get(User, data.get("uid"))
    if user is None or data.get("fp") != _fingerprint(user):
        return None
    return user


def set_role(user: User, role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}")
    user.role = role


def set_locale(user: User, locale: str | None) -> None:
    """The interface language the user chose (None: follow the browser)."""
    user.locale = locale


def update_profile(user: User, name: str, locale: str | None) -> None:
    user.name, user.locale = name.strip(), locale or None


def count_users() -> int:
    return db.session().scalar(select(func.count(User.id))) or 0
