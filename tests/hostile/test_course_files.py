"""Hostile course files: YAML bombs, deep nesting, huge files, YAML's own typing, symlinks out of the folder.

Each bad course is reported with its file (and line) and the other courses still sync.
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from lms import db
from lms.catalog.models import Assignment, Course

GOOD = ("3d-printing-classroom", "electronics-teachers")
COURSE = """\
slug: {slug}
title: "Hostile"
language: en
hours: {hours}
certificate:
  template: {template}
modules:
  - slug: only
    title: "Only"
    lessons:
      - slug: intro
        title: "Intro"
        file: lessons/intro.md
    assignments:
      - slug: part
        title: "A part"
        requirements:
          formats: {formats}
        rubric:
          - criterion: {criterion}
            points: 10
"""
FIELDS = {"slug": "bad-course", "hours": "8", "template": "default", "formats": "[stl]", "criterion": "Neat"}
LINES = {"slug": 1, "hours": 4, "template": 6, "formats": 18, "criterion": 20}


def laughs(levels: int = 6, width: int = 9) -> str:
    """A 'billion laughs' value: each level an anchored list of ``width`` aliases of the one before."""
    parts = ["&l0 [" + ", ".join(["lol"] * width) + "]"]
    parts += [f"&l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "[" + ", ".join(parts) + "]"


def write_course(courses_dir, **fields) -> str:
    folder = courses_dir / "bad-course"
    (folder / "lessons").mkdir(parents=True, exist_ok=True)
    (folder / "lessons" / "intro.md").write_text("# Intro\n")
    (folder / "course.yaml").write_text(COURSE.format(**{**FIELDS, **fields}))
    return str(folder / "course.yaml")


def assert_others_synced(result) -> None:
    for slug in GOOD:
        assert f"created: {slug}" in result.output, result.output[:2000]


def error_lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.startswith("error:")]


@pytest.mark.parametrize("field", sorted(LINES))
def test_an_alias_bomb_is_refused_with_file_and_line(runner, courses_dir, field):
    path = write_course(courses_dir, **{field: laughs()})
    result = runner.invoke(["courses", "sync"])
    assert result.exit_code == 1
    errors = error_lines(result)
    assert len(errors) == 1 and f"{path}:{LINES[field]}: " in errors[0], errors
    assert "alias" in errors[0].split(f"{path}:{LINES[field]}: ")[1] and len(errors[0]) < 500
    assert_others_synced(result)


def test_twenty_thousand_levels_of_nesting_are_refused(runner, courses_dir):
    path = write_course(courses_dir, hours="[" * 20_000 + "]" * 20_000)
    result = runner.invoke(["courses", "sync"])
    assert result.exit_code == 1, result.output[-2000:]
    errors = error_lines(result)
    assert len(errors) == 1 and f"{path}:4: " in errors[0] and "nested" in errors[0].split(path)[1], errors
    assert_others_synced(result)


def test_a_huge_course_file_is_refused_before_it_is_parsed(runner, courses_dir):
    path = write_course(courses_dir)
    with open(path, "a") as out:
        out.write("# padding\n" * 300_000)
    result = runner.invoke(["courses", "sync"])
    assert result.exit_code == 1
    errors = error_lines(result)
    assert len(errors) == 1 and path in errors[0] and "larger than" in errors[0].split(path)[1], errors
    assert_others_synced(result)


def test_unquoted_off_and_other_spellings_in_formats_are_format_names(app, runner, courses_dir):
    write_course(courses_dir, formats="[stl, off, Off, OFF, 3mf]")
    result = runner.invoke(["courses", "sync"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assignment = db.session().scalar(select(Assignment).join(Course).where(Course.slug == "bad-course"))
        assert assignment.requirements["formats"] == ["stl", "off", "off", "off", "3mf"]


def test_a_single_unquoted_format_is_a_name_too(app, runner, courses_dir):
    write_course(courses_dir, formats="off")
    assert runner.invoke(["courses", "sync"]).exit_code == 0
    with app.app_context():
        assignment = db.session().scalar(select(Assignment).join(Course).where(Course.slug == "bad-course"))
        assert assignment.requirements["formats"] == ["off"]


# --- symlinks ----------------------------------------------------------------------------------

SECRET = "the instance's secret key"


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text(SECRET)
    return path


@pytest.mark.parametrize("where", ["assets/leak.txt", "lessons/leak.md", "leak", "assets/sub/leak.txt"])
def test_sync_refuses_a_symlink_anywhere_in_a_course_folder(app, runner, courses_dir, secret, where):
    folder = courses_dir / "bad-course"
    write_course(courses_dir)
    link = folder / where
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(secret, link)
    result = runner.invoke(["courses", "sync"])
    assert result.exit_code == 1
    errors = error_lines(result)
    assert len(errors) == 1 and str(link) in errors[0] and "symbolic link" in errors[0].split(str(link))[1], errors
    assert_others_synced(result)
    with app.app_context():
        assert db.session().scalar(select(Course).where(Course.slug == "bad-course")) is None


def test_sync_refuses_a_symlinked_folder_inside_a_course(runner, courses_dir, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    write_course(courses_dir)
    os.symlink(outside, courses_dir / "bad-course" / "assets")
    result = runner.invoke(["courses", "sync"])
    assert result.exit_code == 1 and "symbolic link" in result.output.split("bad-course")[-1], result.output


def test_a_symlink_added_after_sync_is_not_served(app, client, runner, courses_dir, secret, tmp_path):
    assert runner.invoke(["courses", "sync"]).exit_code == 0
    assets = courses_dir / GOOD[0] / "assets"
    os.symlink(secret, assets / "leak.txt")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    os.symlink(outside, assets / "dir")
    for name in ("leak.txt", "dir/secret.txt"):
        response = client.get(f"/courses/{GOOD[0]}/files/assets/{name}")
        assert response.status_code == 404, name
        assert SECRET not in response.get_data(as_text=True)
    response = client.get(f"/courses/{GOOD[0]}/files/assets/fdm-printer.svg")
    assert response.status_code == 200 and b"<svg" in response.data
    response.close()


def test_only_regular_files_are_served(app, client, runner, courses_dir):
    """A guard for the real-path check below: a FIFO or device under assets/ is not a file to send."""
    assert runner.invoke(["courses", "sync"]).exit_code == 0
    os.mkfifo(courses_dir / GOOD[0] / "assets" / "pipe.svg")
    response = client.get(f"/courses/{GOOD[0]}/files/assets/pipe.svg")  # would block reading a FIFO
    assert response.status_code == 404


def test_assets_are_served_when_the_courses_folder_itself_is_a_symlink(app_config, tmp_path, courses_dir):
    """The real path check resolves the configured folder too: a symlinked deployment path keeps working."""
    from lms import create_app
    from lms.catalog.operations import sync_courses

    linked = tmp_path / "linked-courses"
    os.symlink(courses_dir, linked)
    app = create_app({**app_config, "LMS_COURSES_PATH": str(linked)})
    try:
        with app.app_context():
            report = sync_courses(db.session(), linked)
            db.session().commit()
        assert not report.errors, report.errors
        response = app.test_client().get(f"/courses/{GOOD[0]}/files/assets/fdm-printer.svg")
        assert response.status_code == 200 and b"<svg" in response.data
        response.close()
    finally:
        db.get_db(app).engine.dispose()


def test_error_lines_name_files_not_values(runner, courses_dir):
    write_course(courses_dir, slug=laughs(levels=3))
    result = runner.invoke(["courses", "sync"])
    assert "'lol', 'lol'" not in result.output
