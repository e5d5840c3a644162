"""A sync is all or nothing: SAVEPOINTs really roll back (SQLite included), a crash half-way writes nothing,
and a missing or empty courses folder is an error, not an order to archive every course."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms import db
from lms.accounts.models import User
from lms.catalog import operations
from lms.catalog.models import Course
from lms.models import Base


def snapshot(app) -> dict:
    """Every row of every table, as plain tuples: two equal snapshots mean an unchanged database."""
    with app.app_context():
        s = db.session()
        return {table.name: sorted(map(tuple, s.execute(table.select()).all()), key=repr)
                for table in Base.metadata.sorted_tables}


def test_a_released_savepoint_is_undone_by_the_outer_rollback(app):
    sess = db.get_db(app).session()
    try:
        with sess.begin_nested():
            sess.add(User(email="savepoint@example.org", name="Savepoint"))
        sess.rollback()
    finally:
        sess.close()
    with db.get_db(app).session() as fresh:
        assert fresh.scalar(select(func.count(User.id))) == 0


def test_a_rolled_back_savepoint_leaves_nothing_and_keeps_the_rest(app):
    sess = db.get_db(app).session()
    try:
        sess.add(User(email="kept@example.org", name="Kept"))
        nested = sess.begin_nested()
        sess.add(User(email="undone@example.org", name="Undone"))
        sess.flush()
        nested.rollback()
        sess.commit()
    finally:
        sess.close()
    with db.get_db(app).session() as fresh:
        assert fresh.scalars(select(User.email)).all() == ["kept@example.org"]


def test_a_sync_that_crashes_on_its_third_course_changes_nothing(app, runner, courses_dir, monkeypatch):
    assert runner.invoke(["courses", "sync"]).exit_code == 0
    for folder in courses_dir.iterdir():  # every course changed, so that each would be written again
        (folder / "course.yaml").write_text((folder / "course.yaml").read_text() + "\n# edited\n")
    before = snapshot(app)
    real_apply, calls = operations._apply_course, []

    def crash_on_third(sess, spec):
        calls.append(spec.slug)
        if len(calls) == 3:
            raise RuntimeError("the sync process died here")
        return real_apply(sess, spec)

    monkeypatch.setattr(operations, "_apply_course", crash_on_third)
    result = runner.invoke(["courses", "sync"])
    assert result.exit_code != 0 and len(calls) == 3
    assert snapshot(app) == before


@pytest.mark.parametrize("which", ["missing", "empty"])
def test_sync_of_a_missing_or_empty_folder_fails_and_archives_nothing(app, runner, tmp_path, which):
    assert runner.invoke(["courses", "sync"]).exit_code == 0
    folder = tmp_path / "no-courses-here"
    if which == "empty":
        folder.mkdir()
    result = runner.invoke(["courses", "sync", "--path", str(folder)])
    assert result.exit_code == 1, result.output
    assert str(folder) in result.output
    assert ("does not exist" if which == "missing" else "no course folders") in result.output
    with app.app_context():
        assert db.session().scalar(select(func.count(Course.id)).where(Course.archived.is_(True))) == 0


def test_sync_of_a_configured_folder_that_is_gone_fails(app, runner, courses_dir):
    assert runner.invoke(["courses", "sync"]).exit_code == 0
    courses_dir.rename(Path(str(courses_dir) + "-moved"))
    result = runner.invoke(["courses", "sync"])
    assert result.exit_code == 1 and "does not exist" in result.output
    with app.app_context():
        assert db.session().scalar(select(func.count(Course.id)).where(Course.archived.is_(True))) == 0
