"""GET /healthz for monitoring and `lms status` for the administrator."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from lms import create_app, db
from lms.assignments.models import Submission
from lms.db import utcnow
from tests.models import cube_stl
from tests.test_assignments import enrol_and_read, upload


@pytest.fixture
def app_with(app_config):
    """An app with some settings changed; its connections closed afterwards."""
    made = []

    def make(**settings):
        made.append(create_app({**app_config, **settings}))
        return made[-1]

    yield make
    for other in made:
        db.get_db(other).engine.dispose()


def test_healthz_reports_every_part(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    body = r.get_json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "queue", "storage", "disk"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["disk"]["detail"].endswith("MB free")


def test_healthz_is_503_when_the_disk_is_nearly_full(app_with):
    app = app_with(LMS_HEALTH_MIN_FREE_MB=10**9)  # more than any disk here has
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    checks = r.get_json()["checks"]
    assert checks["disk"]["ok"] is False and checks["database"]["ok"] is True


def test_healthz_is_503_when_the_database_is_unreachable(app_with, tmp_path):
    app = app_with(LMS_DATABASE_URL=f"sqlite:///{tmp_path}/missing/folder/lms.sqlite3")
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    database = r.get_json()["checks"]["database"]
    assert database["ok"] is False and "OperationalError" in database["detail"]


def test_healthz_is_503_when_the_store_is_not_writable(app_with, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store should be")
    app = app_with(LMS_STORAGE_PATH=str(blocker))
    r = app.test_client().get("/healthz")
    assert r.status_code == 503 and r.get_json()["checks"]["storage"]["ok"] is False


def test_healthz_is_503_when_the_queue_is_unreachable(app_with):
    from lms import tasks

    app = app_with(LMS_TASKS_IMMEDIATE=False, LMS_REDIS_URL="redis://127.0.0.1:1/0")
    try:
        r = app.test_client().get("/healthz")
        assert r.status_code == 503
        assert r.get_json()["checks"]["queue"]["ok"] is False
    finally:
        tasks.huey.immediate = True  # the next app sets the queue up again; leave none pointing at port 1


@pytest.fixture
def people(users, synced, tasks_running):
    users.create("learner@example.org", "Чыныбаев Мирлан Үңөөвич")


def test_lms_status_counts_waiting_and_failed_work(app, client, auth, people, runner):
    enrol_and_read(auth)
    for size in (20, 21, 22):
        assert upload(auth, cube_stl(size)).status_code == 303
    now = utcnow()
    with app.app_context():
        s = db.session()
        first, second, third = [sub.id for sub in s.query(Submission).order_by(Submission.id)]
        s.execute(update(Submission).where(Submission.id == first).values(
            state="queued", created_at=now - timedelta(hours=2), updated_at=now - timedelta(hours=2)))
        s.execute(update(Submission).where(Submission.id == second).values(state="failed", updated_at=now))
        s.execute(update(Submission).where(Submission.id == third).values(
            state="failed", updated_at=now - timedelta(days=2)))  # older than a day: not counted
        s.commit()
    result = runner.invoke(["status"])
    assert result.exit_code == 0, result.output
    assert "waiting work:       1" in result.output
    assert "failed, last day:   1" in result.output
    assert "oldest waiting:     2 h 0 min" in result.output
    assert "MB (" in result.output and "database:" in result.output
