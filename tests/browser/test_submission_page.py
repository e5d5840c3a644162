"""The real submission page of a model with holes, in Debian's chromium driven by Playwright.

Checks that the viewer drew the model (non-blank canvas pixels) and that the problem overlay is on,
and saves a screenshot to bench/out/submission.png.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.browser.test_viewer_static import BACKGROUND, browser, canvas_stats  # noqa: F401 - the browser fixture
from tests.conftest import DEMO_PASSWORD
from tests.models import cube_stl
from tests.test_assignments import ASSIGNMENT_URL, COURSE, wait_done

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser


def logged_in_page(context, live_server: str, email: str):
    """A page of ``context`` logged in through the real form, and the list its script errors go to."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server}/dashboard/")
    return page, errors


def test_submission_page_shows_model_and_problems(app, client, auth, users, synced, tasks_running, live_server, browser):
    if not (REPO / "node_modules" / "three" / "build" / "three.module.js").is_file():
        pytest.skip("node_modules/three missing: run `npm ci`")
    users.create("learner@example.org", "Чыныбаев Мирлан Үңөөвич")
    auth.login("learner@example.org")
    auth.post(f"/courses/{COURSE}/enrol")
    r = auth.post(ASSIGNMENT_URL, data={"model": (io.BytesIO(cube_stl(20, drop_faces=2)), "holes.stl")},
                  content_type="multipart/form-data")
    path = r.headers["Location"].replace("http://lms.test", "")
    assert wait_done(client, path)["state"] == "checked"

    context = browser.new_context(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
    page, errors = logged_in_page(context, live_server, "learner@example.org")
    page.goto(f"{live_server}{path}")
    page.wait_for_selector('.model-viewer[data-state="ready"]', timeout=30_000)
    viewer = page.locator(".model-viewer")
    assert viewer.get_attribute("data-problems-visible") == "true"
    stats = canvas_stats(page, "")
    assert stats["differ"] > 0.05 * stats["total"], stats  # the model is drawn
    assert stats["red"] > 20, stats  # open edges are marked
    legend = page.locator(".model-viewer").inner_text()
    assert "12" in legend or "open" in legend.lower()
    out = REPO / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "submission.png"), full_page=True)
    assert not errors, errors
    context.close()


def test_upload_through_the_browser_form(app, client, auth, users, synced, tasks_running, live_server, browser, tmp_path):
    """The real form with its script (XHR upload with a progress bar) lands on the new submission's page."""
    users.create("learner@example.org", "Асанова Гүлнара")
    auth.login("learner@example.org")
    auth.post(f"/courses/{COURSE}/enrol")
    model = tmp_path / "кубик.stl"
    model.write_bytes(cube_stl(20))

    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page, errors = logged_in_page(context, live_server, "learner@example.org")
    page.goto(f"{live_server}{ASSIGNMENT_URL}")
    page.set_input_files("#upload-form input[type=file]", str(model))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/submissions/*/", timeout=30_000)
    page.wait_for_selector('#report[data-state="checked"]', timeout=60_000)  # with Redis: after polling
    text = page.inner_text("main")
    assert "кубик.stl" in text and "All required checks pass." in text, (page.url, text[:2000], errors)
    assert not errors, errors
    context.close()
