"""axe-core (from the npm registry, pinned in package-lock.json) over every kind of page, as the role that
sees it, in English and Kyrgyz, at 1366 px and 390 px: no violation of any impact.

The pages are the real app's, served on a loopback port and read by Debian's chromium. axe's script is
added to each page by Playwright (the context bypasses the site's CSP for that script alone).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.test_viewer_static import browser  # noqa: F401 - the browser fixture
from tests.conftest import DEMO_PASSWORD
from tests.test_accessibility_pages import PAGES

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
pytestmark = pytest.mark.browser

WIDTHS = (1366, 390)


def _shot(lang: str, width: int, kind: str) -> Path:
    """bench/out/pages/<lang>-<width>-<kind>.png: every page as the test saw it, to look at."""
    out = REPO / "bench" / "out" / "pages"
    out.mkdir(parents=True, exist_ok=True)
    return out / f"{lang}-{width}-{kind.replace(' ', '-')}.png"


def _axe(page) -> list[dict]:
    page.add_script_tag(content=AXE.read_text("utf-8"))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return result


@pytest.mark.parametrize("lang", ["en", "ky"])
@pytest.mark.parametrize("width", WIDTHS)
def test_no_accessibility_violations(app, world, live_server, browser, lang, width):
    if not AXE.is_file():
        pytest.skip("node_modules/axe-core missing: run `npm ci`")
    found = {}
    contexts = {}
    try:
        for kind, (who, template) in PAGES.items():
            if who not in contexts:
                context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True,
                                              locale="ky-KG" if lang == "ky" else "en-GB")
                page = context.new_page()
                page.goto(f"{live_server}/courses/")
                page.evaluate(f"""() => fetch('/language', {{method: 'POST', headers: {{'Content-Type':
                    'application/x-www-form-urlencoded'}}, body: 'lang={lang}&next=/courses/&csrf_token=' +
                    encodeURIComponent(document.querySelector('input[name=csrf_token]').value)}})""")
                if who:
                    page.goto(f"{live_server}/login")
                    page.fill("#email", who)
                    page.fill("#password", DEMO_PASSWORD)
                    page.click("button[type=submit].primary")
                    page.wait_for_url(f"{live_server}/dashboard/")
                contexts[who] = (context, page)
            page = contexts[who][1]
            page.goto(live_server + template.format(**world))
            page.wait_for_load_state("networkidle")
            assert page.evaluate("document.documentElement.lang") == lang, kind
            page.screenshot(path=str(_shot(lang, width, kind)), full_page=True)
            violations = _axe(page)
            if violations:
                found[kind] = violations
    finally:
        for context, _page in contexts.values():
            context.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
