"""Pins the one place that reads WeasyPrint internals (pdf_layers.marked_boxes:
``page._page_box``). A WeasyPrint upgrade that changes the box tree fails here,
loudly and by name, instead of printing certificates without their QR code."""
from __future__ import annotations

import pytest
import weasyprint

from lms.certificates import pdf_layers

HTML_DOC = """<html><head><style>
@page { size: 200px 100px; margin: 0 }
body { margin: 0 }
#qr { position: absolute; left: 20px; top: 10px; width: 40px; height: 30px; }
</style></head><body><p>text</p><div id="qr" data-certificate-qr><span>x</span></div></body></html>"""


@pytest.fixture(scope="module")
def page():
    return weasyprint.HTML(string=HTML_DOC).render().pages[0]


def test_page_has_the_private_box_tree_marked_boxes_reads(page):
    root = page._page_box
    assert callable(root.descendants), f"WeasyPrint {weasyprint.__version__}: _page_box.descendants changed"
    box = next(b for b in root.descendants() if getattr(b, "element", None) is not None)
    for name in ("content_box_x", "content_box_y"):
        assert callable(getattr(box, name, None)), f"WeasyPrint {weasyprint.__version__}: box.{name} gone"
    assert isinstance(box.width, (int, float)) and isinstance(box.height, (int, float))


def test_marked_boxes_finds_the_marked_element_once_at_its_place(page):
    # the span inside makes anonymous/child boxes that share or sit in the element
    assert pdf_layers.marked_boxes(page, "data-certificate-qr") == [(20, 10, 40, 30)]


def test_qr_rectangles_are_in_points_with_y_up(page):
    (rect,) = pdf_layers.qr_rectangles(page, "data-certificate-qr")
    # 0.75 pt per px; the page is 100 px = 75 pt high
    assert (rect.llx, rect.lly, rect.urx, rect.ury) == pytest.approx((15, 75 - 7.5 - 22.5, 45, 75 - 7.5))


def test_a_changed_tree_fails_loudly_by_name():
    class Changed:  # a page whose private tree is gone, as after an upgrade
        height = 100

    with pytest.raises(pdf_layers.WeasyPrintInternalsChanged, match="marked_boxes"):
        pdf_layers.marked_boxes(Changed(), "data-certificate-qr")


def test_no_other_module_reads_weasyprint_internals():
    from pathlib import Path

    root = Path(pdf_layers.__file__).parents[1]
    readers = sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if "_page_box" in p.read_text("utf-8"))
    assert readers == ["certificates/pdf_layers.py"]
