"""The plugin mounted in a host app, the configuration order, the CLI, and migrations from an empty database."""
from __future__ import annotations

import uuid

import pytest
from flask import Flask
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from lms import LMS, create_app
from lms.migrate import upgrade
from tests.conftest import csrf_token


def test_standalone_and_mounted_in_a_host_app(tmp_path, database_url, app_config):
    host = Flask("host", instance_path=str(tmp_path / "host-instance"))

    @host.route("/")
    def home():
        return "host home"

    LMS().init_app(host, url_prefix="/lms", config={k: v for k, v in app_config.items() if k != "LMS_INSTANCE_PATH"})
    client = host.test_client()
    assert client.get("/").get_data(as_text=True) == "host home"
    page = client.get("/lms/login")
    assert page.status_code == 200
    assert 'action="/lms/language"' in page.get_data(as_text=True)
    assert client.get("/lms/courses/").status_code == 200
    assert client.get("/login").status_code == 404

    standalone = create_app(app_config)
    assert standalone.test_client().get("/login").status_code == 200
    from lms.db import get_db

    get_db(host).engine.dispose()
    get_db(standalone).engine.dispose()


def test_configuration_precedence(tmp_path, monkeypatch):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "lms.cfg").write_text('LMS_SITE_NAME = "From file"\nLMS_PAGE_SIZE = 7\n')
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("LMS_PAGE_SIZE", "9")
    monkeypatch.delenv("LMS_DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["LMS_SITE_NAME"] == "From file"  # file over default
    assert app.config["LMS_PAGE_SIZE"] == 9  # environment over file
    assert app.config["LMS_DATABASE_URL"] == f"sqlite:///{instance / 'lms.sqlite3'}"
    secret = (instance / "secret_key").read_text()
    assert len(secret) == 64 and app.config["SECRET_KEY"] == secret
    assert create_app().config["SECRET_KEY"] == secret  # kept across starts


def test_sqlite_pragmas(tmp_path):
    app = create_app({"LMS_INSTANCE_PATH": str(tmp_path), "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    from lms.db import get_db

    with get_db(app).engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


@pytest.fixture
def empty_database_url(tmp_path, database_url):
    """A new, empty database of the same engine as the test run."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"lms_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_from_empty_and_from_first_revision(tmp_path, empty_database_url):
    from alembic.script import ScriptDirectory

    from lms.db import get_db
    from lms.migrate import alembic_config, downgrade
    from lms.models import Base

    app = create_app({"LMS_INSTANCE_PATH": str(tmp_path), "LMS_DATABASE_URL": empty_database_url})
    script = ScriptDirectory.from_config(alembic_config(app))
    revisions = [r.revision for r in script.walk_revisions()]
    upgrade(app)
    engine = get_db(app).engine
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == script.get_current_head()
    # An older database (at the first revision) comes up to head too.
    first = revisions[-1]
    downgrade(app, first)
    upgrade(app)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_cli_db_upgrade_users_and_import(tmp_path, app, runner, synced):
    result = runner.invoke(["users", "create", "boss@example.org", "--name", "Boss", "--role", "admin", "--password-stdin"],
                           input="long-enough-secret\n")
    assert result.exit_code == 0, result.output
    assert "created boss@example.org (admin)" in result.output
    again = runner.invoke(["users", "create", "boss@example.org", "--name", "Boss"])
    assert again.exit_code != 0 and "already exists" in again.output

    people = tmp_path / "cohort.csv"
    people.write_text("name,email\nЧыныбаев Мирлан Үңөөвич,mirlan@school.kg\nAyşe Yılmaz,ayse@school.kg\n", "utf-8")
    result = runner.invoke(["users", "import", str(people), "--course", "3d-printing-classroom"])
    assert result.exit_code == 0, result.output
    assert "2 created, 0 existing, 2 enrolled" in result.output
    assert "/reset/" in result.output
    result = runner.invoke(["users", "import", str(people), "--course", "3d-printing-classroom"])
    assert "0 created, 2 existing, 2 enrolled" in result.output

    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nSomeone,not-an-email\nOther,other@school.kg\n")
    result = runner.invoke(["users", "import", str(bad)])
    assert result.exit_code != 0 and "line 2" in result.output
    client = app.test_client()
    r = client.post("/login", data={"email": "other@school.kg", "password": "x" * 10, "csrf_token": csrf_token(client)})
    assert r.status_code == 400  # nothing was imported


def test_demo_command(app, runner):
    result = runner.invoke(["demo"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    r = client.post("/login", data={"email": "teacher@school.kg", "password": "demo-password", "csrf_token": csrf_token(client)})
    assert r.status_code == 303
    assert "%" in client.get("/dashboard/").get_data(as_text=True)
    # one certificate issued at once (automatic course), one completion waiting for approval
    from sqlalchemy import func, select

    from lms import db
    from lms.certificates.models import Certificate

    with app.app_context():
        holders = db.session().scalars(select(Certificate.holder_name)).all()
    assert holders == ["Елена Ковалёва"]
    assert runner.invoke(["demo"]).exit_code == 0  # again: nothing new
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Certificate)) == 1
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard/")})
    client.post("/login", data={"email": "admin@fablab.kg", "password": "demo-password", "csrf_token": csrf_token(client)})
    assert "Нурлан Бейшеев" in client.get("/admin/certificates/").get_data(as_text=True)


def test_instructor_progress_csv_and_cohort_upload(app, client, auth, users, synced):
    users.create("instructor@fablab.kg", "Гүлнара", role="instructor")
    auth.login("instructor@fablab.kg")
    import io

    csv_bytes = "name,email\nЧыныбаев Мирлан Үңөөвич,mirlan@school.kg\n".encode("utf-8-sig")
    r = auth.post("/teach/3d-printing-classroom/import", data={"csv_file": (io.BytesIO(csv_bytes), "cohort.csv")},
                  content_type="multipart/form-data")
    assert r.status_code == 303
    csv_text = client.get("/teach/3d-printing-classroom/progress.csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeffname,email,enrolled_at,lessons_done,lessons_total,percent")
    assert "Чыныбаев Мирлан Үңөөвич,mirlan@school.kg" in csv_text
    r = auth.post("/teach/3d-printing-classroom/import", data={"csv_file": (io.BytesIO(b"\xff\xfe\x00bad"), "x.csv")},
                  content_type="multipart/form-data")
    assert r.status_code == 400 and "UTF-8" in r.get_data(as_text=True)


def test_admin_changes_roles_and_assigns_instructors(app, client, auth, users, synced):
    users.create("admin@example.org", "Admin", role="admin")
    uid = users.create("new.teacher@example.org", "New Teacher")
    auth.login("admin@example.org")
    page = client.get("/admin/users/?q=new.teacher").get_data(as_text=True)
    assert "New Teacher" in page and "Admin</td>" not in page
    r = auth.post("/admin/courses/electronics-teachers/instructors", data={"email": "new.teacher@example.org"})
    assert r.status_code == 303
    client.post("/logout", data={"csrf_token": csrf_token(client, "/courses/")})
    auth.login("new.teacher@example.org")
    assert client.get("/teach/electronics-teachers/").status_code == 200
    assert client.get("/teach/3d-printing-classroom/").status_code == 404
    assert uid
