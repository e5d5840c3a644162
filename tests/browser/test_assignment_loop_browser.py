"""The assignment loop in Debian's chromium: upload with a note through the real form, a failing report,
a new attempt, grading per criterion with a running total, and what the learner then sees.

Saves screenshots of the assignment page, a failing report and a graded submission at 1366 px and
390 px to bench/out/ (look at them after a change to these pages).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.test_overlays_browser import _expected_overhang_faces, strict_assignment  # noqa: F401 - fixture
from tests.browser.test_submission_page import logged_in_page
from tests.browser.test_viewer_static import browser  # noqa: F401 - the browser fixture
from tests.models import binary_stl, cube_stl
from tests.shelf_model import shelf_triangles
from tests.test_assignments import ASSIGNMENT_URL, COURSE

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "out"
pytestmark = pytest.mark.browser
WIDTHS = {"desktop": 1366, "phone": 390}


def _shoot(browser, live_server, email, path, name):
    OUT.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": 900})
        page, errors = logged_in_page(context, live_server, email)
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(OUT / f"{name}-{label}.png"), full_page=True)
        assert not errors, errors
        context.close()


def test_upload_with_note_grade_per_criterion_learner_sees_it(app, users, synced, tasks_running, live_server,
                                                              browser, strict_assignment, tmp_path):
    users.create("learner@example.org", "Чыныбаев Мирлан Үңөөвич")
    users.create("instructor@fablab.kg", "Гүлнара Токтогулова", role="instructor")
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page, errors = logged_in_page(context, live_server, "learner@example.org")
    page.goto(f"{live_server}/courses/{COURSE}/")
    page.click("form[action$='/enrol'] button")
    page.goto(f"{live_server}{ASSIGNMENT_URL}")
    assert "How your work is graded" in page.inner_text("main")
    _shoot(browser, live_server, "learner@example.org", ASSIGNMENT_URL, "assignment")

    # A shelf (overhanging undersides) with two triangles missing (holes): both are marked in the viewer.
    holes = tmp_path / "holes.stl"
    holes.write_bytes(binary_stl(shelf_triangles(10.0, 1.0)[:-2]))
    overhanging = _expected_overhang_faces(holes.read_bytes(), tmp_path, 45.0)
    assert overhanging > 0
    page.set_input_files("#model", str(holes))
    page.fill("#note", "Layer **0.2 mm**, 3 walls. Holes measured: 2.9 / 3.1 / 3.3 mm.")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/submissions/\d+/$"), timeout=30_000)
    page.wait_for_selector(".report", timeout=60_000)
    first = page.url.replace(live_server, "")
    assert "0.2 mm" in page.inner_text("main")
    page.wait_for_selector('.model-viewer[data-state="ready"]', timeout=30_000)
    legend = page.locator(".model-viewer .mv-legend")
    assert legend.locator('[data-problem="overhang"] [data-count]').inner_text() == str(overhanging)
    assert int(legend.locator('[data-problem="open_edges"] [data-count]').inner_text()) > 0
    _shoot(browser, live_server, "learner@example.org", first, "report-failing")
    context.close()

    # The instructor grades per criterion; the running total follows the scores typed.
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page, errors = logged_in_page(context, live_server, "instructor@fablab.kg")
    sid = re.search(r"/submissions/(\d+)/", first).group(1)
    page.goto(f"{live_server}/teach/submissions/{sid}/grade")
    assert "0.2 mm" in page.inner_text("main")  # the learner's note beside the model
    page.fill("#scores-0", "12")
    page.fill("#scores-1", "7.5")
    assert page.inner_text("#total") == "19.5"
    page.fill("#comments-0", "Two holes in the top face.")
    page.fill("#feedback", "Close the holes and upload again.")
    page.check("input[name=decision][value=returned]")
    page.click("button[type=submit].primary")
    page.wait_for_url(re.compile(r".*/grading/$"))
    assert not errors, errors
    context.close()

    # The learner sees points per criterion, the comment and the feedback, and can upload again from there.
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page, errors = logged_in_page(context, live_server, "learner@example.org")
    page.goto(f"{live_server}{first}")
    text = page.inner_text("main")
    assert "Two holes in the top face." in text and "Close the holes and upload again." in text
    assert "19.5" in text
    _shoot(browser, live_server, "learner@example.org", first, "graded")
    fixed = tmp_path / "fixed.stl"
    fixed.write_bytes(cube_stl(20))
    page.set_input_files("#model", str(fixed))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(lambda url: re.search(r"/submissions/\d+/$", url) and not url.endswith(first), timeout=30_000)
    assert "Attempt 2" in page.inner_text("h1")
    assert not errors, errors
    context.close()
