"""Per-address request limits (Flask-Limiter) on the doors an attacker knocks on: login, password reset,
registration, the enrolment key and certificate verification.

One limiter per app (``app.extensions["lms_limiter"]``), counting in Redis when ``LMS_REDIS_URL`` is set so
that every worker process shares the counts, in memory otherwise. Each limit is a config key
(``LMS_LIMIT_*``, Flask-Limiter's notation such as "10 per minute;50 per hour"), read at request time, and
``LMS_RATELIMIT_ENABLED`` switches them all. A breach answers 429 with the translated error page.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

if TYPE_CHECKING:
    from flask import Flask, Response


def _failed(response: Response) -> bool:
    """Only failures count where success is the normal case: a workshop behind one address all logs in."""
    return response.status_code >= 400


# endpoint -> (config key of its limit, methods it applies to, whether only failures count)
LIMITED = {
    "accounts.login": ("LMS_LIMIT_LOGIN", ["POST"], True),
    "accounts.reset_request": ("LMS_LIMIT_RESET", ["POST"], False),
    "accounts.register": ("LMS_LIMIT_REGISTER", ["POST"], False),
    "catalog.enrol": ("LMS_LIMIT_ENROL_KEY", ["POST"], True),
    "certificates.verify": ("LMS_LIMIT_VERIFY", None, False),
    "certificates.verify_index": ("LMS_LIMIT_VERIFY", None, False),
}

def init_limits(app: Flask) -> None:
    """Create the app's limiter and wrap the limited views; call after the blueprints are registered."""
    config = app.config
    config["RATELIMIT_ENABLED"] = True  # LMS_RATELIMIT_ENABLED is read per request, so tests can switch it
    config["RATELIMIT_STORAGE_URI"] = config.get("LMS_REDIS_URL") or "memory://"
    config.setdefault("RATELIMIT_KEY_PREFIX", "lms")
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)  # Retry-After on a 429
    limiter = Limiter(key_func=get_remote_address)
    limiter.init_app(app)
    limiter.request_filter(lambda: not current_app.config["LMS_RATELIMIT_ENABLED"])
    app.extensions["lms_limiter"] = limiter
    for endpoint, (key, methods, failures_only) in LIMITED.items():
        view = app.view_functions.get(endpoint)
        if view is None:  # an optional feature that is not installed
            continue
        limit = limiter.limit(_configured(key), methods=methods, deduct_when=_failed if failures_only else None)
        app.view_functions[endpoint] = limit(view)


def _configured(key: str):
    return lambda: current_app.config[key]


def limiter_of(app: Flask) -> Limiter:
    return app.extensions["lms_limiter"]
