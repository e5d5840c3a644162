"""Fixtures: an app on a real database (SQLite in a temp folder, or PostgreSQL when LMS_DATABASE_URL is set)."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from lms import create_app, db
from lms.migrate import upgrade
from lms.models import Base
from tests.processes import CSRF_FIELD as _CSRF
from tests.processes import env_without_lms, free_port, run_lms

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "correct horse battery"
SITE_PASSWORD = "serve-password-1"  # of the people in site_env


def _reset_database(app) -> None:
    engine = db.get_db(app).engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The database for the whole run, migrated once from empty."""
    url = os.environ.get("LMS_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    app = create_app({"LMS_INSTANCE_PATH": str(tmp_path_factory.mktemp("inst0")), "LMS_DATABASE_URL": url,
                      "LMS_TASKS_IMMEDIATE": True})
    _reset_database(app)
    upgrade(app)
    db.get_db(app).engine.dispose()
    return url


def _empty_tables(app) -> None:
    engine = db.get_db(app).engine
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def courses_dir(tmp_path):
    """A copy of the real course folders that a test may change."""
    target = tmp_path / "courses"
    shutil.copytree(ROOT / "courses", target)
    shutil.copytree(ROOT / "tests" / "fixtures" / "courses" / "test-course", target / "test-course")
    return target


@pytest.fixture
def app_config(request, tmp_path, database_url, courses_dir):
    """The app's settings; a module or test adds its own with ``pytest.mark.app_config(NAME=value, ...)``."""
    config = {
        "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
        "LMS_DATABASE_URL": database_url,
        "LMS_COURSES_PATH": str(courses_dir),
        "LMS_TASKS_IMMEDIATE": not os.environ.get("LMS_REDIS_URL"),
        "LMS_LOGIN_MAX_FAILURES": 5,
        "LMS_RATELIMIT_ENABLED": False,  # tests/hostile/test_limits.py switches the per-address limits on
        "LMS_DEFAULT_LANGUAGE": "en",  # the tests read English unless they ask for another language
        "SERVER_NAME": "lms.test",
        "TESTING": True,
    }
    for marker in reversed(list(request.node.iter_markers("app_config"))):  # the closest marker wins
        config.update(marker.kwargs)
    return config


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    _empty_tables(app)
    yield app
    db.get_db(app).engine.dispose()


@pytest.fixture
def tasks_running(app):
    """Immediate mode runs tasks inline; with Redis a real consumer runs on threads in this process."""
    from lms import tasks

    if tasks.huey.immediate:
        yield None
        return
    tasks.huey.flush()
    consumer = tasks.start_embedded_consumer(workers=2)
    yield consumer
    tasks.stop_embedded_consumer()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def live_server(app):
    """The test app behind a real threaded werkzeug server on a loopback port: its base URL."""
    app.config["SERVER_NAME"] = None
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    server.server_close()


@pytest.fixture
def english(client):
    """The pages in English, whatever the default language and translations say (``usefixtures("english")``)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


class LmsRunner:
    """Runs the real ``lms`` command group against the test app."""

    def __init__(self, app):
        self.runner = app.test_cli_runner()

    def invoke(self, args, **kwargs):
        from lms.cli import cli

        return self.runner.invoke(cli, args=args, **kwargs)


@pytest.fixture
def runner(app):
    return LmsRunner(app)


@pytest.fixture
def synced(app):
    """The real courses imported."""
    from lms.catalog.operations import sync_courses

    with app.app_context():
        report = sync_courses(db.session(), Path(app.config["LMS_COURSES_PATH"]))
        db.session().commit()
    assert not report.errors, report.errors
    return report


def csrf_token(client, url: str = "/login") -> str:
    page = client.get(url).get_data(as_text=True)
    match = _CSRF.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


class Users:
    def __init__(self, app):
        self.app = app

    def create(self, email: str, name: str = "Test User", role: str = "learner", password: str = DEMO_PASSWORD):
        from lms.accounts.operations import create_user

        with self.app.app_context():
            user = create_user(email, name, password, role)
            db.session().commit()
            return user.id


@pytest.fixture
def users(app):
    return Users(app)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = DEMO_PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password,
                                                "csrf_token": csrf_token(self.client)})

    def post(self, url: str, data: dict | None = None, **kwargs):
        payload = {"csrf_token": csrf_token(self.client, "/courses/")}
        payload.update(data or {})
        response = self.client.post(url, data=payload, **kwargs)
        # A large multipart body is spooled to a temporary file that werkzeug's test client never closes;
        # left to the garbage collector, it warns (an error here) in whichever later test the GC runs.
        body = response.request.environ.get("wsgi.input") if response.request is not None else None
        if body is not None and hasattr(body, "close"):
            body.close()
        return response


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def world(app, synced, users) -> dict:
    """The data every page needs: see tests/world.py."""
    from tests.world import make_world

    return make_world(app, users)


@pytest.fixture
def smtp_inbox():
    """A real SMTP server on localhost (aiosmtpd): the Inbox of what it received; ``.port`` is where it listens."""
    from aiosmtpd.controller import Controller

    from tests.hostile.smtp import Inbox

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def inbox(app, smtp_inbox):
    """smtp_inbox, with the app sending its mail there."""
    app.config.update(LMS_SMTP_HOST="127.0.0.1", LMS_SMTP_PORT=smtp_inbox.port, LMS_MAIL_FROM="lms@fablab.kg")
    return smtp_inbox


@pytest.fixture
def site_env(tmp_path, courses_dir):
    """The environment of a site of its own for real `lms` processes: migrated, the courses synced, a learner and an
    instructor (password SITE_PASSWORD), English by default and a public base URL."""
    env = env_without_lms(LMS_INSTANCE_PATH=str(tmp_path / "instance"), LMS_COURSES_PATH=str(courses_dir),
                          LMS_DEFAULT_LANGUAGE="en", LMS_BASE_URL="https://lms.fablab.kg")
    run_lms(env, "db", "upgrade")
    run_lms(env, "courses", "sync")
    for email, name, role in (("learner@example.org", "Чыныбаев Мирлан Үңөөвич", "learner"),
                              ("instructor@fablab.kg", "Гүлнара Токтогулова", "instructor")):
        run_lms(env, "users", "create", email, "--name", name, "--role", role, "--password-stdin",
                stdin=SITE_PASSWORD + "\n")
    return env


@pytest.fixture(scope="session")
def octoprint():
    """A real OctoPrint server with its Virtual Printer, started once (about 5-20 s) for the lab tests."""
    from tests.octoprint_server import OctoPrintServer, available

    reason = available()
    if reason:
        pytest.skip(reason)
    server = OctoPrintServer(free_port()).start()
    yield server
    server.close()
