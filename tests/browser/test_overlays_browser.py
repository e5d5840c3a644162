"""Overhang and thin-wall overlays, "view from below" and the measuring tool on the real submission
page, in Debian's chromium driven by Playwright.

A shelf (tests/shelf_model.py: a column carrying a slab whose undersides overhang, and a 1 mm fin)
is uploaded to an assignment that allows a 45° overhang on 50 mm² and asks for 2 mm walls; the
legend's counts are compared with the geometry check's own figures, each overlay's checkbox hides
and shows its pixels, and two points picked on a 20 mm cube measure their distance. Screenshots of
the page with the overlays on (1366 and 390 px, English and Kyrgyz) go to bench/out/viewer/.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from lms import db, geometry
from lms.geometry.overhang import overhang_faces
from lms.geometry.topology import analyse_topology
from tests.browser.test_submission_page import logged_in_page
from tests.browser.test_viewer_static import browser, next_frames  # noqa: F401 - the browser fixture
from tests.models import cube_stl
from tests.shelf_model import shelf_stl
from tests.test_assignments import ASSIGNMENT_URL, COURSE, wait_done

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "out" / "viewer"
VIEWER = ".model-viewer"
pytestmark = pytest.mark.browser

# Pixels of the overlays' colours (viewer.css --mv-overhang #1749c4, --mv-thin #0a8f4d) as drawn.
_COLOUR_COUNTS = """() => {
    const canvas = document.querySelector('.model-viewer canvas');
    const copy = document.createElement('canvas');
    copy.width = canvas.width; copy.height = canvas.height;
    const ctx = copy.getContext('2d');
    ctx.drawImage(canvas, 0, 0);
    const d = ctx.getImageData(0, 0, copy.width, copy.height).data;
    let blue = 0, green = 0;
    for (let i = 0; i < d.length; i += 4) {
        const r = d[i], g = d[i + 1], b = d[i + 2];
        if (b > 150 && r < 90 && g < 130) blue++;
        if (g > 110 && r < 70 && b < 110) green++;
    }
    return { blue, green };
}"""


@pytest.fixture
def strict_assignment(app, courses_dir):
    """test-course's cube assignment with an overhang limit and a minimum wall."""
    from lms.catalog.operations import sync_courses

    yaml_path = courses_dir / COURSE / "course.yaml"
    yaml_path.write_text(yaml_path.read_text().replace(
        "          closed: true\n",
        "          closed: true\n          min_wall_mm: 2\n          overhang_angle_deg: 45\n"
        "          max_overhang_area_mm2: 50\n"))
    with app.app_context():
        sync_courses(db.session(), courses_dir)
        db.session().commit()


def _upload(client, auth, email: str, name: str, data: bytes) -> tuple[str, dict]:
    auth.login(email)
    auth.post(f"/courses/{COURSE}/enrol")
    r = auth.post(ASSIGNMENT_URL, data={"model": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    path = r.headers["Location"].replace("http://lms.test", "")
    done = wait_done(client, path)
    assert done["state"] == "checked", done
    return path, done["report"]


def _expected_overhang_faces(data: bytes, tmp_path: Path, angle: float) -> int:
    """The faces the overhang check counts, from the geometry library on the same file."""
    path = tmp_path / "model.stl"
    path.write_bytes(data)
    mesh = geometry.load_mesh(path)
    topo = analyse_topology(mesh.vertices, mesh.faces)
    return len(overhang_faces(mesh.vertices, mesh.faces, topo.normal_z, angle))


def _open(browser, live_server, email, path, width=1366, locale="en-US"):
    context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1, locale=locale)
    page, errors = logged_in_page(context, live_server, email)
    page.goto(f"{live_server}{path}")
    page.wait_for_selector(f'{VIEWER}[data-state="ready"]', timeout=30_000)
    next_frames(page)
    return context, page, errors


def _describe(page):
    return page.evaluate("() => window.__lmsViewers[0].describe()")


def _toggle(page, kind: str, on: bool):
    box = page.locator(f'{VIEWER} input[data-toggle="{kind}"]')
    box.check() if on else box.uncheck()
    next_frames(page)


def test_overlays_counts_toggles_and_view_from_below(app, client, auth, users, synced, tasks_running, live_server,
                                                     browser, strict_assignment, tmp_path):
    users.create("learner@example.org", "Чыныбаев Мирлан Үңөөвич")
    data = shelf_stl(depth=10.0, fin=1.0)
    path, report = _upload(client, auth, "learner@example.org", "shelf.stl", data)
    faces = _expected_overhang_faces(data, tmp_path, report["overhang_angle_deg"])
    thin = report["wall_thickness"]["thin_count"]
    assert faces > 0 and thin > 0  # the model is what the test needs

    context, page, errors = _open(browser, live_server, "learner@example.org", path)
    legend = page.locator(f"{VIEWER} .mv-legend")
    overhang = legend.locator('[data-problem="overhang"]')
    assert overhang.locator("[data-count]").inner_text() == str(faces)
    assert overhang.locator("[data-detail]").inner_text() == f"{report['overhang_area_mm2']:.0f} mm²"
    assert overhang.locator("[data-title]").inner_text() == "Overhangs beyond 45°"
    thin_item = legend.locator('[data-problem="thin_wall"]')
    assert thin_item.locator("[data-count]").inner_text() == str(thin)
    assert thin_item.locator("[data-title]").inner_text() == "Walls thinner than 2 mm"
    info = _describe(page)
    assert info["problemCounts"]["overhang"] == faces and info["problemCounts"]["thin_wall"] == thin
    assert info["overlaysDrawn"]["overhang"] and info["overlaysDrawn"]["thin_wall"]

    before = info["camera"][2] - info["target"][2]
    page.click(f'{VIEWER} [data-action="below"]')
    next_frames(page, 4)
    below = _describe(page)
    assert before > 0 > below["camera"][2] - below["target"][2]  # now looking up from under the bed
    on = page.evaluate(_COLOUR_COUNTS)
    assert on["blue"] > 2000 and on["green"] > 50, on  # the slab's undersides and the fin's crossings

    _toggle(page, "overhang", False)
    off = page.evaluate(_COLOUR_COUNTS)
    assert off["blue"] < on["blue"] * 0.05 and off["green"] > 50, (on, off)
    assert not _describe(page)["overlaysDrawn"]["overhang"]
    _toggle(page, "thin_wall", False)
    assert page.evaluate(_COLOUR_COUNTS)["green"] < on["green"] * 0.1
    _toggle(page, "overhang", True)
    _toggle(page, "thin_wall", True)
    assert page.evaluate(_COLOUR_COUNTS) == on
    assert not errors, errors
    context.close()
    _screenshots(browser, live_server, "learner@example.org", path)


def _screenshots(browser, live_server, email, path):
    OUT.mkdir(parents=True, exist_ok=True)
    for locale in ("en-US", "ky-KG"):
        for label, width in (("desktop", 1366), ("phone", 390)):
            context, page, errors = _open(browser, live_server, email, path, width=width, locale=locale)
            page.click(f'{VIEWER} [data-action="below"]')
            next_frames(page, 4)
            page.screenshot(path=str(OUT / f"overlays-{locale[:2]}-{label}.png"), full_page=True)
            assert not errors, errors
            context.close()


def test_measuring_two_points_on_a_cube(app, client, auth, users, synced, tasks_running, live_server, browser):
    users.create("learner@example.org", "Асанова Гүлнара")
    path, _report = _upload(client, auth, "learner@example.org", "cube.stl", cube_stl(20))
    context, page, errors = _open(browser, live_server, "learner@example.org", path)
    readout = page.locator(f'{VIEWER} [data-field="measure"]')
    page.click(f'{VIEWER} [data-action="measure"]')
    assert page.locator(f'{VIEWER} [data-action="measure"]').get_attribute("aria-pressed") == "true"
    assert readout.is_visible()
    for point in ([3, 10, 20], [17, 10, 20]):  # on the top face, 14 mm apart
        xy = page.evaluate("(p) => window.__lmsViewers[0].projectToClient(p)", point)
        page.mouse.click(xy["x"], xy["y"])
    measure = _describe(page)["measure"]
    assert len(measure["points"]) == 2 and all(abs(p[2] - 20) < 1e-3 for p in measure["points"])
    assert abs(measure["distanceMm"] - 14) < 0.1, measure
    assert readout.inner_text() == f"Distance: {measure['distanceMm']:.1f}".rstrip("0").rstrip(".") + " mm"

    page.click(f'{VIEWER} [data-action="measure-clear"]')
    assert _describe(page)["measure"]["points"] == [] and readout.inner_text() != ""
    page.focus(f"{VIEWER} canvas")
    page.keyboard.press("Enter")  # the point under the centre of the view
    assert len(_describe(page)["measure"]["points"]) == 1
    page.keyboard.press("Escape")
    assert _describe(page)["measure"]["points"] == []
    assert not errors, errors
    context.close()
