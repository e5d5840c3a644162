"""Configuration: defaults in code, then ``instance/lms.cfg`` (Python syntax), then ``LMS_*`` environment variables."""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path


def N_(text: str) -> str:  # the gettext marker: the defaults are translated where shown
    return text


DEFAULTS: dict[str, object] = {
    "LMS_SITE_NAME": N_("FabLab Academy"),
    # The public root of the site (https://lms.example.kg): every absolute URL is built from it, never from a request.
    "LMS_BASE_URL": None,
    "LMS_INSTITUTION": N_("University FabLab"),
    "LMS_DATABASE_URL": None,  # None: SQLite file in the instance folder
    "LMS_REDIS_URL": None,  # None: SqliteHuey in the instance folder
    "LMS_TASKS_IMMEDIATE": False,
    "LMS_COURSES_PATH": None,  # None: ./courses beside the instance folder
    "LMS_CERTIFICATE_TEMPLATES_PATH": None,
    # Render processes for large certificate batches; 0 = one per CPU (at most 4).
    "LMS_CERT_RENDER_WORKERS": 0,
    "LMS_STORAGE_PATH": None,  # None: instance/storage
    "LMS_VENDOR_PATH": None,  # None: ./node_modules beside the project
    "LMS_LANGUAGES": ["en", "ru", "ky", "tr"],
    "LMS_DEFAULT_LANGUAGE": "ru",
    "LMS_LOGIN_MAX_FAILURES": 5,
    # After LMS_LOGIN_MAX_FAILURES failures an address waits LMS_LOGIN_DELAY_SECONDS, doubled with each
    # further failure, at most LMS_LOGIN_LOCK_SECONDS.
    "LMS_LOGIN_DELAY_SECONDS": 5,
    "LMS_LOGIN_LOCK_SECONDS": 300,
    "LMS_RESET_TOKEN_MAX_AGE": 3600,
    "LMS_INVITE_TOKEN_MAX_AGE": 14 * 24 * 3600,  # invitation links (cohort import) wait for the reader longer
    "LMS_SMTP_HOST": None,
    "LMS_SMTP_PORT": 25,
    "LMS_MAIL_FROM": "lms@localhost",
    "LMS_REGISTRATION_OPEN": True,
    "LMS_PAGE_SIZE": 25,
    "LMS_PASSWORD_MIN_LENGTH": 8,
    "LMS_MAX_UPLOAD_MB": 100,
    # Per-address request limits (lms/accounts/limits.py): Flask-Limiter's notation, switched by LMS_RATELIMIT_ENABLED.
    "LMS_RATELIMIT_ENABLED": True,
    "LMS_LIMIT_LOGIN": "30 per minute;200 per hour",  # failed logins only
    "LMS_LIMIT_RESET": "5 per minute;30 per hour",
    "LMS_LIMIT_REGISTER": "10 per minute;60 per hour",
    "LMS_LIMIT_ENROL_KEY": "10 per minute;30 per hour",  # wrong keys only
    "LMS_LIMIT_VERIFY": "60 per minute",
    "LMS_PROXY_COUNT": 0,  # reverse proxies in front of the app whose X-Forwarded-* headers are trusted (nginx: 1)
    "LMS_HEALTH_MIN_FREE_MB": 512,  # /healthz fails below this much free disk under the store
    "LMS_X_ACCEL_PREFIX": None,  # nginx's internal location of the store (deploy/nginx-lms.conf: /_stored)
}

# Keys whose environment value is parsed as JSON (numbers, booleans, lists).
_TYPED = {k for k, v in DEFAULTS.items() if isinstance(v, (bool, int, list))}


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


def instance_path_from_env() -> str:
    return os.environ.get("LMS_INSTANCE_PATH") or str(project_root() / "instance")


def load_config(config: dict, instance_path: Path, overrides: dict | None = None) -> None:
    """Fill ``config`` (a Flask config) in precedence order."""
    for key, value in DEFAULTS.items():
        config.setdefault(key, value)
    cfg_file = instance_path / "lms.cfg"
    if cfg_file.exists():
        config.from_pyfile(str(cfg_file))
    for key, raw in os.environ.items():
        if key.startswith("LMS_") and key != "LMS_INSTANCE_PATH":
            config[key] = json.loads(raw) if key in _TYPED else raw
    if overrides:
        config.update(overrides)

    root = project_root()
    config["LMS_COURSES_PATH"] = config["LMS_COURSES_PATH"] or str(root / "courses")
    config["LMS_CERTIFICATE_TEMPLATES_PATH"] = config["LMS_CERTIFICATE_TEMPLATES_PATH"] or str(root / "certificates")
    config["LMS_STORAGE_PATH"] = config["LMS_STORAGE_PATH"] or str(instance_path / "storage")
    config["LMS_VENDOR_PATH"] = config["LMS_VENDOR_PATH"] or str(root / "node_modules")
    if not config["LMS_DATABASE_URL"]:
        config["LMS_DATABASE_URL"] = f"sqlite:///{instance_path / 'lms.sqlite3'}"
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _instance_secret(instance_path)
    # Flask ships these keys with looser values, so setdefault would not apply.
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    config["REMEMBER_COOKIE_HTTPONLY"] = True
    config["REMEMBER_COOKIE_SAMESITE"] = config.get("REMEMBER_COOKIE_SAMESITE") or "Lax"
    config["MAX_CONTENT_LENGTH"] = int(config["LMS_MAX_UPLOAD_MB"]) * 1024 * 1024 + 64 * 1024


def _instance_secret(instance_path: Path) -> str:
    """Generated once into the instance folder (git-ignored) so sessions survive restarts."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    private_folder(instance_path)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def private_folder(path: Path) -> None:
    """Create ``path`` (and tighten it) so that only its owner can enter it: it holds password hashes and secrets."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists, so that SQLite (which copies the database's mode to
    its -wal and -shm files) never creates it world-readable under the process's umask."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL, or None for other databases and in-memory SQLite."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)
