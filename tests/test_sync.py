"""`lms courses sync`: idempotent, archives instead of deleting, and names file and line on errors."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from lms import db
from lms.catalog.models import Course, Lesson, LessonProgress

OPEN = "3d-printing-classroom"


def sync(runner):
    return runner.invoke(["courses", "sync"])


def counts(app):
    with app.app_context():
        s = db.session()
        return (s.scalar(select(func.count(Course.id))), s.scalar(select(func.count(Lesson.id))),
                s.scalar(select(func.count(Lesson.id)).where(Lesson.archived.is_(False))))


def test_sync_is_idempotent(app, runner):
    first = sync(runner)
    assert first.exit_code == 0, first.output
    assert f"created: {OPEN}" in first.output
    before = counts(app)
    second = sync(runner)
    assert f"unchanged: {OPEN}" in second.output
    assert counts(app) == before


def test_removed_lesson_is_archived_and_progress_kept(app, runner, users, courses_dir):
    sync(runner)
    uid = users.create("learner@example.org")
    with app.app_context():
        s = db.session()
        lesson = s.scalar(select(Lesson).where(Lesson.slug == "how-fdm-printers-work"))
        lesson_id = lesson.id
        s.add(LessonProgress(user_id=uid, lesson_id=lesson.id))
        s.commit()
    yaml_path = courses_dir / OPEN / "course.yaml"
    text = yaml_path.read_text()
    # Drop the lesson's three lines from course.yaml.
    new = re.sub(r"\n\s*- slug: how-fdm-printers-work\n\s*title: [^\n]*\n\s*file: [^\n]*", "", text)
    assert new != text
    yaml_path.write_text(new)
    result = sync(runner)
    assert f"updated: {OPEN}" in result.output
    with app.app_context():
        s = db.session()
        lesson = s.get(Lesson, lesson_id)
        assert lesson.archived is True
        assert s.scalar(select(func.count(LessonProgress.id)).where(LessonProgress.lesson_id == lesson_id)) == 1
    # Putting it back restores the same row (identity by slug).
    yaml_path.write_text(text)
    sync(runner)
    with app.app_context():
        assert db.session().get(Lesson, lesson_id).archived is False


def test_edited_lesson_updates_in_place(app, runner, courses_dir):
    sync(runner)
    with app.app_context():
        lesson_id = db.session().scalar(select(Lesson.id).where(Lesson.slug == "how-fdm-printers-work"))
    md = courses_dir / OPEN / "lessons" / "01-how-fdm-printers-work.md"  # the English file (translations sit beside it)
    md.write_text(md.read_text() + "\n\nA new closing paragraph.\n")
    sync(runner)
    with app.app_context():
        lesson = db.session().get(Lesson, lesson_id)
        assert lesson.body_md.endswith("A new closing paragraph.\n")


def test_broken_course_is_reported_with_file_and_line_and_others_sync(app, runner, courses_dir):
    yaml_path = courses_dir / OPEN / "course.yaml"
    lines = yaml_path.read_text().splitlines()
    line_no = next(i for i, line in enumerate(lines) if line.startswith("hours:")) + 1
    lines[line_no - 1] = "hours: lots"
    yaml_path.write_text("\n".join(lines) + "\n")
    result = sync(runner)
    assert result.exit_code == 1
    assert f"{yaml_path}:{line_no}: hours must be a positive number" in result.output
    assert "created: electronics-teachers" in result.output
    with app.app_context():
        assert db.session().scalar(select(Course).where(Course.slug == OPEN)) is None


def test_yaml_syntax_error_and_unknown_key_and_missing_file(app, runner, courses_dir, tmp_path):
    bad = courses_dir / "bad-course"
    bad.mkdir()
    (bad / "course.yaml").write_text("slug: bad-course\ntitle: [unclosed\n")
    result = sync(runner)
    assert re.search(r"bad-course/course.yaml:\d+: invalid YAML", result.output)
    (bad / "course.yaml").write_text(
        "slug: bad-course\ntitle: Bad\nlanguage: en\nhours: 2\nmodules:\n  - slug: m1\n    title: M\n"
        "    lessons:\n      - slug: l1\n        title: L\n        file: ../../../etc/passwd\n"
    )
    result = sync(runner)
    assert "bad-course/course.yaml:11: file '../../../etc/passwd' does not exist inside the course folder" in result.output
    (bad / "course.yaml").write_text("slug: bad-course\ntitle: Bad\nlanguage: en\nhours: 2\ncolour: red\nmodules: []\n")
    result = sync(runner)
    assert "bad-course/course.yaml:5: unknown key 'colour'" in result.output


def test_removed_course_is_archived_not_deleted(app, runner, courses_dir):
    import shutil

    sync(runner)
    shutil.rmtree(courses_dir / "electronics-teachers")
    result = sync(runner)
    assert "archived: electronics-teachers" in result.output
    with app.app_context():
        course = db.session().scalar(select(Course).where(Course.slug == "electronics-teachers"))
        assert course is not None and course.archived
