"""The layered fast path (shared background + per-certificate variable page)
paints what the full template paints, at the same places."""
from __future__ import annotations

import io

import pikepdf
import pytest
from certificates_pdf_helpers import (
    DEFAULT_TEMPLATE,
    KYRGYZ_NAME,
    TURKISH_NAME,
    make_data,
    pdftoppm,
    pdftotext,
    zbarimg,
)
from PIL import Image, ImageChops
from pypdf import PdfReader
from weasyprint import HTML

from lms.certificates.pdf import BASE_URL, CertificateRenderer


def _full_layer_pdf(renderer: CertificateRenderer, data) -> bytes:
    """The whole certificate as one WeasyPrint page (what the naive render does)."""
    return HTML(string=renderer.render_html([data]), base_url=BASE_URL, url_fetcher=renderer.fetcher).write_pdf(
        stylesheets=[renderer._css], font_config=renderer._font_config)


def _qr_rect(pdf: bytes):
    with pikepdf.open(io.BytesIO(pdf)) as doc:  # closed here, not whenever the GC gets to it
        contents = doc.pages[0].obj.Contents
        content = b"".join(s.read_bytes() for s in (contents if isinstance(contents, pikepdf.Array) else [contents]))
    tail = content.decode("latin-1").rsplit("cm /CertQR0 Do", 1)[0].rsplit("q ", 1)[1].split()
    sx, _, _, sy, x, y = map(float, tail)
    return x, y, sx, sy


def test_default_template_is_layered(renderer):
    assert renderer.layered
    assert not CertificateRenderer(DEFAULT_TEMPLATE, layers=False).layered


@pytest.mark.parametrize("data", [
    make_data(),
    make_data(language="en", holder_name=TURKISH_NAME, signatories=[("A One", "Director")]),
    make_data(language="ru", holder_name="Абдыкадырова-Султанбекова Гүлжамал Өмүрбековна кызы " * 2,
              course_title="Санариптик өндүрүш: лазердик кесүү, фрезердик иштетүү " * 3),
], ids=["ky", "en-one-signatory", "ru-long-wrapping"])
def test_layered_page_looks_like_the_full_page(renderer, tmp_path, data):
    layered = renderer.render_one(data)
    full = _full_layer_pdf(renderer, data)
    (a,) = pdftoppm(layered, tmp_path, dpi=100, name="layered")
    (b,) = pdftoppm(full, tmp_path, dpi=100, name="full")
    img_a, img_b = Image.open(a).convert("L"), Image.open(b).convert("L")
    assert img_a.size == img_b.size
    # Outside the QR code (drawn as rectangles instead of an SVG path) the
    # pages are the same pixel for pixel.
    x, y, _sx, _sy = _qr_rect(layered)
    width_pt = 30 / 25.4 * 72
    scale = 100 / 72
    page_h = img_a.size[1]
    box = (int(x * scale) - 2, int(page_h - (y + width_pt) * scale) - 2,
           int((x + width_pt) * scale) + 3, int(page_h - y * scale) + 3)
    diff = ImageChops.difference(img_a, img_b)
    diff.paste(0, box)
    assert diff.getbbox() is None, diff.getbbox()
    # and inside it, the same code
    assert zbarimg(a) == [data.verify_url]


def test_layered_text_and_metadata(renderer, tmp_path):
    pdf = renderer.render_one(make_data())
    text = pdftotext(pdf, tmp_path)
    assert KYRGYZ_NAME in text and "Бишкек FabLab".upper().replace(" ", "") in text.upper().replace(" ", "")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == f"Сертификат FL-2025-000123 — {KYRGYZ_NAME}"
    assert reader.metadata.author == "Бишкек FabLab"
    assert reader.metadata.creator == "FabLab LMS"
    assert reader.trailer["/Root"]["/Lang"] == "ky"
    assert [o.title for o in reader.outline if not isinstance(o, list)] == [KYRGYZ_NAME]


def test_background_is_rendered_once_per_distinct_background(tmp_path):
    renderer = CertificateRenderer(DEFAULT_TEMPLATE, chunk_size=4)
    items = [make_data(serial=f"S-{i}", holder_name=f"Student {i}", language=("en", "ru")[i % 2]) for i in range(10)]
    pdfs = renderer.render_many(items)
    assert len(renderer._backgrounds) == 2  # one per language
    for i, pdf in enumerate(pdfs):
        text = pdftotext(pdf, tmp_path)
        assert f"Student {i}" in text and f"S-{i}" in text
        assert all(f"Student {j}\n" not in text for j in range(10) if j != i)


def test_background_is_stored_once_in_a_batch():
    renderer = CertificateRenderer(DEFAULT_TEMPLATE, chunk_size=3)
    items = [make_data(serial=f"S-{i}", holder_name=f"Student {i}", language="en") for i in range(7)]
    with pikepdf.open(io.BytesIO(renderer.render_batch(items))) as batch:
        forms = {page.Resources.XObject["/CertBackground0"].objgen for page in batch.pages}
        assert len(batch.pages) == 7 and len(forms) == 1


def test_render_one_matches_render_many(renderer):
    data = make_data(serial="X-1")
    assert renderer.render_one(data) == renderer.render_many([data])[0]


def test_layers_off_and_templates_without_layers_still_render(tmp_path):
    off = CertificateRenderer(DEFAULT_TEMPLATE, layers=False)
    pdf = off.render_many([make_data(holder_name="No Layers", language="en")])[0]
    assert "No Layers" in pdftotext(pdf, tmp_path)
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "template.html").write_text(
        "{% for c in certificates %}<section><p>{{ c.holder_name }}</p>{{ c.qr_svg }}</section>{% endfor %}")
    (tmp_path / "plain" / "style.css").write_text("@page { size: A4 landscape } svg { width: 30mm }")
    plain = CertificateRenderer(tmp_path / "plain")
    assert not plain.layered
    pdf = plain.render_one(make_data(holder_name="Plain Template", language="en"))
    assert "Plain Template" in pdftotext(pdf, tmp_path)
    (png,) = pdftoppm(pdf, tmp_path, dpi=100)
    assert zbarimg(png) == [make_data().verify_url]
