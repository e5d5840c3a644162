"""Browser test of the three.js model viewer (lms/static/viewer) on a static harness.

No Flask app is involved: tests/browser/harness/viewer_site.py renders the real
`_viewer.html` macros with stub url_for/_/g into a temp dir that symlinks
node_modules/three and lms/static/viewer, and serves it on 127.0.0.1.  The mesh
is a cube with two faces removed (and two flipped triangles), generated with
numpy in harness/sample_mesh.py.

Needs Debian's chromium (/usr/bin/chromium), Playwright for Python and
`npm install` (node_modules/three); skipped otherwise.  WebGL comes from
SwiftShader; see CHROMIUM_ARGS.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HARNESS = Path(__file__).resolve().parent / "harness"
CHROMIUM = Path(os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOT = REPO / "bench" / "out" / "viewer.png"

# Headless chromium with --disable-gpu falls back to ANGLE on SwiftShader
# (WebGL 2).  The second set forces that explicitly, for builds where the
# automatic software fallback is switched off.
BASE_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]
CHROMIUM_ARGS = [BASE_ARGS, [*BASE_ARGS, "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]]

GOOD = "#good .model-viewer"
BROKEN = "#broken .model-viewer"
BACKGROUND = (0xEE, 0xF1, 0xF5)  # --mv-bg in viewer.css

pytestmark = pytest.mark.browser


def _load_harness():
    spec = importlib.util.spec_from_file_location("viewer_harness_site", HARNESS / "viewer_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def harness():
    pytest.importorskip("jinja2")
    pytest.importorskip("numpy")
    return _load_harness()


@pytest.fixture(scope="module")
def site(harness, tmp_path_factory):
    if not (REPO / "node_modules" / "three" / "build" / "three.module.js").is_file():
        pytest.skip("node_modules/three missing: run `npm install`")
    root = harness.build_site(tmp_path_factory.mktemp("viewer-site"))
    server, base_url = harness.serve(root)
    yield base_url
    server.shutdown()
    server.server_close()


_WEBGL_PROBE = """() => {
  const c = document.createElement('canvas');
  const gl = c.getContext('webgl2') || c.getContext('webgl');
  if (!gl) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
}"""


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} missing (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        for args in CHROMIUM_ARGS:
            b = pw.chromium.launch(executable_path=str(CHROMIUM), args=args)
            page = b.new_page()
            renderer = page.evaluate(_WEBGL_PROBE)
            page.close()
            if renderer:
                b.webgl_renderer = renderer
                b.launch_args = args
                yield b
                b.close()
                return
            b.close()
        pytest.skip("no WebGL in headless chromium with any known flag set")


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, device_scale_factor=1)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(f"{site}/index.html")
    pg.page_errors = errors
    yield pg
    context.close()


def wait_ready(pg, selector=GOOD):
    pg.wait_for_selector(f'{selector}[data-state="ready"]', timeout=30_000)


def next_frames(pg, n=2):
    pg.evaluate("""(n) => new Promise((resolve) => {
        const step = (k) => k <= 0 ? resolve() : requestAnimationFrame(() => step(k - 1));
        step(n);
    })""", n)


def canvas_stats(pg, selector=GOOD):
    """Count canvas pixels: different from the background, red (open edges), magenta (inverted)."""
    return pg.evaluate("""([selector, bg]) => {
        const canvas = document.querySelector(selector + ' canvas');
        const w = canvas.width, h = canvas.height;
        const copy = document.createElement('canvas');
        copy.width = w; copy.height = h;
        const ctx = copy.getContext('2d');
        ctx.drawImage(canvas, 0, 0);
        const d = ctx.getImageData(0, 0, w, h).data;
        let differ = 0, red = 0, magenta = 0;
        for (let i = 0; i < d.length; i += 4) {
            const r = d[i], g = d[i + 1], b = d[i + 2];
            if (Math.max(Math.abs(r - bg[0]), Math.abs(g - bg[1]), Math.abs(b - bg[2])) > 48) differ++;
            if (r > 170 && g < 90 && b < 90) red++;
            if (r > 150 && g < 110 && b > 150) magenta++;
        }
        return { total: w * h, differ, red, magenta, dataUrlLength: canvas.toDataURL('image/png').length };
    }""", [selector, list(BACKGROUND)])


def describe(pg, index=0):
    return pg.evaluate("(i) => window.__lmsViewers[i].describe()", index)


# ------------------------------------------------------------------ tests

@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_macro_emits_assets_once(harness):
    html = harness.render_page(data_url="/a.json", broken_url="/b.json", thumbnail_url="/t.png")
    assert "<script" in html and 'type="importmap"' not in html  # no inline script (CSP)
    assert html.count("dist/viewer.js") == 1  # the bundle (viewer.js with three.js), once
    # Buttons are real buttons with toggle state; a no-JS thumbnail exists.
    # reset, below, wireframe, problems, full detail, measure, clear measurement per viewer
    assert html.count("<button type=\"button\"") == 14
    assert html.count('<input type="checkbox" data-toggle=') == 10  # one per overlay kind per viewer
    assert 'data-action="measure" aria-pressed="false"' in html
    assert 'data-action="wireframe" aria-pressed="false"' in html
    assert 'data-action="problems" aria-pressed="true"' in html
    assert '<noscript><img class="mv-fallback mv-noscript" src="/t.png" alt="cube_with_holes.stl">' in html


def test_viewer_draws_model_with_problem_overlay(page, browser, harness):
    wait_ready(page)
    root = page.locator(GOOD)
    info = describe(page)
    assert info["state"] == "ready"
    assert info["webgl"] in (1, 2)
    assert info["faceCount"] == 128

    stats = canvas_stats(page)
    assert stats["total"] > 100_000
    # The cube covers a good part of the view, and the overlay is on it.
    assert stats["differ"] / stats["total"] > 0.10, stats
    assert stats["red"] > 500, stats
    assert stats["magenta"] > 200, stats

    assert root.get_attribute("data-problems-visible") == "true"
    assert root.locator('[data-action="problems"]').get_attribute("aria-pressed") == "true"
    open_edges = root.locator('[data-problem="open_edges"] [data-count]')
    assert open_edges.is_visible()
    assert int(open_edges.inner_text()) == 24
    assert root.locator('[data-problem="nonmanifold_edges"] [data-count]').inner_text() == "0"
    assert root.locator('[data-problem="inverted_faces"] [data-count]').inner_text() == "2"

    assert root.locator('[data-field="dimensions"]').inner_text() == "20 × 20 × 20 mm"
    assert root.locator('[data-field="grid"]').inner_text() == "5 mm"
    assert root.locator(".mv-scalebar").is_visible()
    assert root.locator(".mv-toolbar").is_visible()
    assert root.locator(".mv-status").inner_text() == ""
    assert not page.page_errors

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    box = root.bounding_box()
    pad = 16
    page.screenshot(path=str(SCREENSHOT), clip={
        "x": max(0, box["x"] - pad), "y": max(0, box["y"] - pad),
        "width": box["width"] + 2 * pad, "height": box["height"] + 2 * pad,
    })
    assert SCREENSHOT.stat().st_size > 10_000


def test_wireframe_toggle(page):
    wait_ready(page)
    button = page.locator(f'{GOOD} [data-action="wireframe"]')
    before = canvas_stats(page)
    assert button.get_attribute("aria-pressed") == "false"

    button.click()
    next_frames(page)
    assert button.get_attribute("aria-pressed") == "true"
    assert describe(page)["wireframe"] is True
    during = canvas_stats(page)
    # Shaded faces become lines: far fewer model pixels.
    assert during["differ"] < before["differ"] * 0.7, (before, during)

    button.press("Enter")  # keyboard works too: it is a real <button>
    next_frames(page)
    assert button.get_attribute("aria-pressed") == "false"
    after = canvas_stats(page)
    assert abs(after["differ"] - before["differ"]) < before["differ"] * 0.02


def test_problems_toggle_hides_overlay(page):
    wait_ready(page)
    root = page.locator(GOOD)
    button = root.locator('[data-action="problems"]')
    button.click()
    next_frames(page)
    assert root.get_attribute("data-problems-visible") == "false"
    assert button.get_attribute("aria-pressed") == "false"
    stats = canvas_stats(page)
    assert stats["red"] < 20 and stats["magenta"] < 20, stats

    button.click()
    next_frames(page)
    assert root.get_attribute("data-problems-visible") == "true"
    assert canvas_stats(page)["red"] > 500


def test_keyboard_orbits_and_reset_view(page):
    wait_ready(page)
    start = describe(page)["camera"]
    canvas = page.locator(f"{GOOD} canvas")
    canvas.focus()
    for _ in range(4):
        canvas.press("ArrowLeft")
    canvas.press("ArrowUp")
    page.wait_for_timeout(400)  # damping settles
    moved = describe(page)["camera"]
    assert max(abs(a - b) for a, b in zip(start, moved)) > 1.0

    page.locator(f'{GOOD} [data-action="reset"]').click()
    next_frames(page, 3)
    back = describe(page)["camera"]
    assert max(abs(a - b) for a, b in zip(start, back)) < 1e-3, (start, back)


def test_fetch_failure_shows_thumbnail(page):
    page.locator(BROKEN).scroll_into_view_if_needed()
    page.wait_for_selector(f'{BROKEN}[data-state="fallback"]', timeout=30_000)
    root = page.locator(BROKEN)
    img = root.locator("img.mv-fallback:not(.mv-noscript)")
    assert img.is_visible()
    assert img.evaluate("(el) => el.complete && el.naturalWidth > 0")
    assert "could not be loaded" in root.locator(".mv-status").inner_text()
    assert root.locator(".mv-toolbar").is_hidden()
    assert root.get_attribute("data-problems-visible") == "false"


def test_no_webgl_falls_back_to_thumbnail(browser, site):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.add_init_script("""
        const orig = HTMLCanvasElement.prototype.getContext;
        HTMLCanvasElement.prototype.getContext = function (type, ...rest) {
            return /webgl/i.test(type) ? null : orig.call(this, type, ...rest);
        };
    """)
    pg = context.new_page()
    try:
        pg.goto(f"{site}/index.html")
        pg.wait_for_selector(f'{GOOD}[data-state="fallback"]', timeout=30_000)
        root = pg.locator(GOOD)
        assert root.locator("img.mv-fallback:not(.mv-noscript)").is_visible()
        assert "not available" in root.locator(".mv-status").inner_text()
        # The data did load, so dimensions and problem counts are still shown.
        assert root.locator('[data-problem="open_edges"] [data-count]').inner_text() == "24"
        assert root.locator('[data-field="dimensions"]').inner_text() == "20 × 20 × 20 mm"
    finally:
        context.close()


def test_resizes_with_container(page):
    wait_ready(page)
    wide = page.evaluate(f"document.querySelector('{GOOD} canvas').width")
    page.set_viewport_size({"width": 560, "height": 900})
    page.wait_for_function(
        f"document.querySelector('{GOOD} canvas').width < {wide}", timeout=10_000)
    next_frames(page, 3)
    size = page.evaluate(f"""(() => {{
        const c = document.querySelector('{GOOD} canvas');
        return [c.width, c.height, c.clientWidth, c.clientHeight];
    }})()""")
    assert size[0] == size[2] and size[1] == size[3], size  # drawing buffer follows CSS size
    stats = canvas_stats(page)
    assert stats["differ"] / stats["total"] > 0.10, stats
