"""Every label of every course diagram lies inside the diagram's viewBox (none clipped), in every language.

Measured by Debian's chromium: each SVG is opened on its own and every <text>'s bounding box is compared
with the viewBox.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_viewer_static import browser  # noqa: F401 - the browser fixture

REPO = Path(__file__).resolve().parents[2]
SVGS = sorted((REPO / "courses").glob("*/assets/**/*.svg"))
pytestmark = pytest.mark.browser

_CLIPPED = """() => {
  const svg = document.querySelector('svg');
  const vb = svg.viewBox.baseVal;
  return [...svg.querySelectorAll('text')].map(t => ({text: t.textContent, box: t.getBBox()}))
    .filter(({box}) => box.x < vb.x - 0.5 || box.y < vb.y - 0.5 || box.x + box.width > vb.x + vb.width + 0.5
                       || box.y + box.height > vb.y + vb.height + 0.5)
    .map(({text, box}) => `${text} (${Math.round(box.x)}..${Math.round(box.x + box.width)})`);
}"""


def test_there_are_diagrams():
    assert SVGS


@pytest.mark.parametrize("path", SVGS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_no_label_is_clipped(browser, path):
    page = browser.new_page()
    try:
        page.goto(path.as_uri())
        clipped = page.evaluate(_CLIPPED)
    finally:
        page.close()
    assert not clipped, f"{path.name}: labels outside the viewBox: {clipped}"
