"""Account verbs. They flush; the request (or CLI command) commits."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from lms import db
from lms.accounts.models import ROLES, LoginThrottle, User
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


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)


def authenticate(email: str, password: str) -> User | None:
    """The user when the password is right and the account is not throttled, else None.

    Unknown e-mails and wrong passwords take the same path and count alike.
    """
    email = normalize_email(email)
    now = utcnow()
    throttle = db.session().get(LoginThrottle, email)
    if throttle is not None and throttle.locked_until and throttle.locked_until > now:
        verify_password(None, password)  # same work as a real attempt
        return None
    user = find_user(email)
    ok = verify_password(user.password_hash if user else None, password) and user is not None and user.active
    if not ok:
        _record_failure(email, now)
        return None
    if throttle is not None:
        db.session().delete(throttle)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def _record_failure(email: str, now) -> None:  # noqa: ANN001
    """Counted in a transaction of its own: the failed request itself is rolled back."""
    with db.get_db().session() as sess, sess.begin():
        throttle = sess.get(LoginThrottle, email, with_for_update=True)
        if throttle is None:
            throttle = LoginThrottle(email=email, failures=0)
            sess.add(throttle)
        throttle.failures += 1
        if throttle.failures >= current_app.config["LMS_LOGIN_MAX_FAILURES"]:
            throttle.locked_until = now + timedelta(seconds=current_app.config["LMS_LOGIN_LOCK_SECONDS"])
            throttle.failures = 0


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


def count_users() -> int:
    return db.session().scalar(select(func.count(User.id))) or 0
