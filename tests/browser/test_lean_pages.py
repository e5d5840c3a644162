"""Lean pages: the submission page of an 80k-triangle model, cold cache, in Debian's chromium.

Counts every byte the page transfers (Chrome's own encodedDataLength: headers and compressed bodies)
until the viewer has drawn the model, and fails above 600 kB. Also: no CSP violation on the way, the
static files come under versioned URLs with a year's cache lifetime, and a second visit re-fetches
nothing but the page and its data.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from lms import db
from tests.browser.test_submission_page import logged_in_page
from tests.browser.test_viewer_static import browser, canvas_stats  # noqa: F401 - fixture
from tests.models import binary_stl
from tests.test_assignments import ASSIGNMENT_URL, COURSE, wait_done

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
from make_icosphere import icosphere  # noqa: E402

pytestmark = pytest.mark.browser
BUDGET = 600 * 1024


@pytest.fixture
def roomy_assignment(app, courses_dir):
    """test-course's cube assignment with room for a 4 MB model."""
    from lms.catalog.operations import sync_courses

    yaml_path = courses_dir / COURSE / "course.yaml"
    yaml_path.write_text(yaml_path.read_text().replace("max_file_mb: 1", "max_file_mb: 10")
                         .replace("max_dimensions_mm: [100, 100, 100]", "max_dimensions_mm: [200, 200, 200]"))
    with app.app_context():
        sync_courses(db.session(), courses_dir)
        db.session().commit()


def _sphere_stl(subdivisions: int = 6) -> bytes:
    vertices, faces = icosphere(subdivisions, 40.0)
    return binary_stl(vertices[faces].astype("<f4"))


def _measure(context, page, url: str) -> dict:
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: dict[str, int] = {}
    urls: dict[str, str] = {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    page.goto(url)
    page.wait_for_selector('.model-viewer[data-state="ready"]', timeout=60_000)
    page.wait_for_load_state("networkidle")
    return {urls.get(key, key): size for key, size in sizes.items()}


def test_an_80k_triangle_submission_page_transfers_under_600_kB(app, client, auth, users, synced, tasks_running,
                                                                roomy_assignment, live_server, browser):
    users.create("learner@example.org", "Чыныбаев Мирлан Үңөөвич")
    auth.login("learner@example.org")
    auth.post(f"/courses/{COURSE}/enrol")
    model = _sphere_stl()
    r = auth.post(ASSIGNMENT_URL, data={"model": (io.BytesIO(model), "sphere.stl")}, content_type="multipart/form-data")
    assert r.status_code == 303, r.get_data(as_text=True)[:300]
    path = r.headers["Location"].replace("http://lms.test", "")
    result = wait_done(client, path, timeout=120)
    assert result["state"] == "checked" and result["report"]["faces"] == 81920, result

    login = browser.new_context()
    logged_in_page(login, live_server, "learner@example.org")
    # A fresh context with only the login cookie: nothing of the site in its cache.
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, storage_state=login.storage_state())
    login.close()
    page = context.new_page()
    errors: list[str] = []
    csp: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text
            or "Permissions-Policy" in m.text else None)
    transferred = _measure(context, page, f"{live_server}{path}")
    total = sum(transferred.values())
    report = "\n".join(f"{size:>9} {url}" for url, size in sorted(transferred.items(), key=lambda kv: -kv[1]))
    print(f"\n80k-triangle submission page: {total} bytes transferred\n{report}")
    assert total < BUDGET, report
    assert page.locator(".model-viewer").get_attribute("data-level") is None  # one level: already full detail
    assert page.evaluate("() => window.__lmsViewers[0].describe().faceCount") == 81920
    stats = canvas_stats(page, "")
    assert stats["differ"] > 0.05 * stats["total"], stats  # the sphere is drawn
    assert not csp and not errors, (csp, errors)

    # Static files: versioned URLs, cached for a year, so a second visit fetches only the page and its data.
    statics = [url for url in transferred if "/static/" in url]
    assert statics and all("?v=" in url or "/dist/chunks/" in url for url in statics), statics
    again = _measure(context, page, f"{live_server}{path}")
    assert not [url for url, size in again.items() if "/static/" in url and size > 0], again
    context.close()
