"""The default template renders real, readable, scannable certificates."""
from __future__ import annotations

import io
import re
from html import unescape

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
from PIL import Image
from pypdf import PdfReader

import lms.certificates.pdf_merge as pdf_merge
from lms.certificates.pdf import (
    CertificateRenderer,
    CertificateTemplateError,
    merge_pdfs,
    render_certificate,
)


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def test_kyrgyz_name_serial_and_code_are_extractable(kyrgyz_pdf, tmp_path):
    text = pdftotext(kyrgyz_pdf, tmp_path)
    assert KYRGYZ_NAME in text
    assert "FL-2025-000123" in text
    assert "K7QX-4M2P-9TZC" in text
    assert "Бишкек FabLab".upper() in text.upper().replace(" ", "") or "БИШКЕК" in text.replace(" ", "")
    # Kyrgyz wording, date and hours
    assert "Окуунун көлөмү: 72 саат" in text
    assert "2025-жылдын 20-марты" in text
    assert "Асанова Гүлнара" in text and "Курстун жетекчиси" in text


def test_turkish_letters_are_extractable(renderer, tmp_path):
    pdf = renderer.render_one(make_data(holder_name=TURKISH_NAME, language="en"))
    text = pdftotext(pdf, tmp_path)
    assert TURKISH_NAME in text
    assert "72 hours" in text and "20 March 2025" in text


def test_only_the_shipped_font_is_used(kyrgyz_pdf):
    """Every glyph (Kyrgyz ң ө ү included) comes from the template's @font-face
    family; no fallback to whatever system font fontconfig would pick."""
    fonts = set()
    for page in PdfReader(io.BytesIO(kyrgyz_pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all("Certificate-Serif" in name for name in fonts), fonts


def test_qr_code_decodes_to_the_verify_url(kyrgyz_pdf, tmp_path):
    (png,) = pdftoppm(kyrgyz_pdf, tmp_path, dpi=150)
    assert zbarimg(png) == ["https://lms.fablab.kg/certificates/verify/K7QX-4M2P-9TZC"]


def test_many_qr_codes_decode(renderer, tmp_path):
    """The fixed QR mask must not make some codes unreadable."""
    items = [make_data(serial=f"S{i}", verify_url=f"https://lms.fablab.kg/v/{i:05d}-{'AB' * (i % 7)}")
             for i in range(8)]
    batch = renderer.render_batch(items)
    pngs = pdftoppm(batch, tmp_path, dpi=110)
    assert [zbarimg(p) for p in pngs] == [[item.verify_url] for item in items]


def test_page_is_a4_landscape_and_the_name_sits_inside_it(kyrgyz_pdf, tmp_path):
    (png,) = pdftoppm(kyrgyz_pdf, tmp_path, dpi=72)
    image = Image.open(png).convert("L")
    width, height = image.size
    assert width > height
    assert abs(width / height - 297 / 210) < 0.01
    assert abs(width - 842) <= 2 and abs(height - 595) <= 2  # A4 at 72 dpi

    bbox_html = pdftotext(kyrgyz_pdf, tmp_path, "-bbox")
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', bbox_html)
    page_w, page_h = float(page[1]), float(page[2])
    words = [
        (float(a), float(b), float(c), float(d), unescape(w))
        for a, b, c, d, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', bbox_html
        )
    ]
    parts = KYRGYZ_NAME.split()
    for i in range(len(words) - len(parts) + 1):
        if [w[4] for w in words[i:i + len(parts)]] == parts:
            boxes = words[i:i + len(parts)]
            break
    else:
        pytest.fail("the holder's name is not a run of words on the page")
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    margin = 20 / 25.4 * 72  # inside the 20 mm frame
    assert margin < x0 < x1 < page_w - margin
    assert margin < y0 < y1 < page_h - margin
    # horizontally centred, in the upper-middle part of the page
    assert abs((x0 + x1) / 2 - page_w / 2) < 15
    assert page_h * 0.25 < y0 < page_h * 0.6
    # the words are really painted there
    crop = image.crop((int(x0), int(y0), int(x1) + 1, int(y1) + 1))
    dark = sum(crop.histogram()[:128])
    assert dark > 0.05 * crop.size[0] * crop.size[1]


@pytest.mark.parametrize(
    "language, words",
    [
        ("en", ["CERTIFICATE", "This is to certify that", "Verification code"]),
        ("ru", ["СЕРТИФИКАТ", "Настоящий сертификат подтверждает, что", "Код проверки", "72 часа"]),
        ("ky", ["СЕРТИФИКАТ", "Бул сертификат төмөнкү адамга берилди:", "Текшерүү коду", "72 саат"]),
    ],
)
def test_labels_follow_the_certificate_language(renderer, tmp_path, language, words):
    text = pdftotext(renderer.render_one(make_data(language=language)), tmp_path)
    flat = text.replace(" ", "")
    for word in words:
        assert word in text or word.replace(" ", "") in flat, word


def test_long_names_and_titles_still_fit_one_page(renderer, tmp_path):
    name = "Абдыкадырова-Султанбекова Гүлжамал Өмүрбековна кызы " * 2
    course = "Санариптик өндүрүш: лазердик кесүү, фрезердик иштетүү, 3D басып чыгаруу " * 3
    pdf = renderer.render_one(make_data(holder_name=name.strip(), course_title=course.strip()))
    assert _pages(pdf) == 1
    assert "Гүлжамал" in pdftotext(pdf, tmp_path)


def test_one_or_three_signatories(renderer, tmp_path):
    for signatories in ([], [("Асанова Гүлнара", "Директор")],
                        [("A One", "Director"), ("B Two", "Head of courses"), ("C Three", "Instructor")]):
        pdf = renderer.render_one(make_data(signatories=signatories, language="en"))
        text = pdftotext(pdf, tmp_path)
        for name, _title in signatories:
            assert name in text


def test_render_many_gives_separate_pdfs_with_the_right_names(renderer, tmp_path):
    names = [KYRGYZ_NAME, TURKISH_NAME, "Jane O'Connor"]
    items = [make_data(holder_name=n, serial=f"FL-{i}", language=("ky", "en", "ru")[i]) for i, n in enumerate(names)]
    progress = []
    pdfs = renderer.render_many(items, progress=lambda done, total: progress.append((done, total)))
    assert len(pdfs) == 3
    for pdf, name in zip(pdfs, names):
        assert pdf.startswith(b"%PDF-")
        assert _pages(pdf) == 1
        text = pdftotext(pdf, tmp_path)
        assert name in text
        assert all(other not in text for other in names if other != name)
    assert progress[-1] == (3, 3)
    meta = PdfReader(io.BytesIO(pdfs[0])).metadata
    assert "FL-0" in meta.title and KYRGYZ_NAME in meta.title


def test_render_many_chunks_and_batch_pages(tmp_path):
    small = CertificateRenderer(DEFAULT_TEMPLATE, chunk_size=2)
    items = [make_data(holder_name=f"Student {i}", serial=f"S-{i}", language="en") for i in range(5)]
    progress = []
    pdfs = small.render_many(items, progress=lambda d, t: progress.append((d, t)))
    assert [_pages(p) for p in pdfs] == [1] * 5
    assert progress == [(2, 5), (4, 5), (5, 5)]
    batch = small.render_batch(items)
    assert _pages(batch) == 5
    text = pdftotext(batch, tmp_path)
    assert [f"Student {i}" in text for i in range(5)] == [True] * 5
    assert text.index("Student 0") < text.index("Student 4")


@pytest.mark.parametrize("engine", ["auto", "pypdf"])
def test_merge_pdfs_keeps_every_page_and_the_frozen_content(renderer, monkeypatch, tmp_path, engine):
    if engine == "pypdf":
        monkeypatch.setattr(pdf_merge, "_pikepdf", None)
    pdfs = renderer.render_many([make_data(holder_name=f"Frozen {i}", language="en") for i in range(3)])
    batch = renderer.render_batch([make_data(holder_name="Batch A", language="en"),
                                   make_data(holder_name="Batch B", language="en")])
    merged = merge_pdfs([*pdfs, batch], title="Cohort print")
    assert _pages(merged) == 5
    text = pdftotext(merged, tmp_path)
    for name in ("Frozen 0", "Frozen 1", "Frozen 2", "Batch A", "Batch B"):
        assert name in text
    # the content stream of each page is carried over byte for byte
    original = PdfReader(io.BytesIO(pdfs[1])).pages[0].get_contents().get_data()
    copied = PdfReader(io.BytesIO(merged)).pages[1].get_contents().get_data()
    assert original == copied
    assert PdfReader(io.BytesIO(merged)).metadata.title == "Cohort print"


def test_merge_pdfs_needs_input():
    with pytest.raises(ValueError):
        merge_pdfs([])


def test_render_certificate_convenience(tmp_path):
    pdf = render_certificate(DEFAULT_TEMPLATE, make_data(language="ru"))
    assert _pages(pdf) == 1
    assert KYRGYZ_NAME in pdftotext(pdf, tmp_path)


def test_same_input_gives_the_same_bytes(renderer):
    data = make_data()
    assert renderer.render_one(data) == renderer.render_one(data)


@pytest.mark.slow
def test_worker_processes_give_the_same_pdfs(tmp_path):
    items = [make_data(holder_name=f"Worker {i}", serial=f"W-{i}", language="en") for i in range(4)]
    with CertificateRenderer(DEFAULT_TEMPLATE, chunk_size=1, workers=2) as parallel:
        pdfs = parallel.render_many(items)
        batch = parallel.render_batch(items)
    local = CertificateRenderer(DEFAULT_TEMPLATE, chunk_size=1).render_many(items)
    assert pdfs == local
    assert _pages(batch) == 4
    # the app's renderer stops its workers after each batch instead of keeping them idle
    passing = CertificateRenderer(DEFAULT_TEMPLATE, chunk_size=1, workers=2, keep_workers=False)
    assert passing.render_many(items) == local and passing._pool is None


# -- errors -----------------------------------------------------------------------

def test_missing_template_folder(tmp_path):
    with pytest.raises(CertificateTemplateError, match="not found"):
        CertificateRenderer(tmp_path / "nope")


def test_missing_template_files(tmp_path):
    with pytest.raises(CertificateTemplateError, match=r"template\.html"):
        CertificateRenderer(tmp_path)
    (tmp_path / "template.html").write_text("<p>{{ document_title }}</p>")
    with pytest.raises(CertificateTemplateError, match=r"style\.css"):
        CertificateRenderer(tmp_path)


def test_broken_jinja_template(tmp_path):
    (tmp_path / "template.html").write_text("{% for c in certificates %}<p>{{ c.serial }</p>")
    (tmp_path / "style.css").write_text("")
    with pytest.raises(CertificateTemplateError, match=r"template\.html"):
        CertificateRenderer(tmp_path)


def test_undefined_variable_is_a_template_error(tmp_path):
    (tmp_path / "template.html").write_text("{% for c in certificates %}<p>{{ c.no_such_field }}</p>{% endfor %}")
    (tmp_path / "style.css").write_text("")
    with pytest.raises(CertificateTemplateError):
        CertificateRenderer(tmp_path).render_one(make_data())


def test_template_that_overflows_one_page_is_refused(tmp_path):
    (tmp_path / "template.html").write_text(
        "{% for c in certificates %}<section><p>{{ c.holder_name }}</p><p style='break-before: page'>2</p>"
        "</section>{% endfor %}"
    )
    (tmp_path / "style.css").write_text("@page { size: A4 landscape }")
    with pytest.raises(CertificateTemplateError, match="exactly one page"):
        CertificateRenderer(tmp_path).render_one(make_data())


def test_bad_labels_json(tmp_path):
    (tmp_path / "template.html").write_text("x")
    (tmp_path / "style.css").write_text("")
    (tmp_path / "labels.json").write_text('{"de": {"title": "Zertifikat"}}')
    with pytest.raises(CertificateTemplateError, match=r"labels\.json"):
        CertificateRenderer(tmp_path)


def test_labels_json_overrides_wording(tmp_path):
    for name in ("template.html", "style.css"):
        (tmp_path / name).write_bytes((DEFAULT_TEMPLATE / name).read_bytes())
    (tmp_path / "labels.json").write_text('{"ky": {"title": "Күбөлүк"}}', encoding="utf-8")
    html = CertificateRenderer(tmp_path).render_html([make_data()])
    assert "Күбөлүк" in html


def test_unsupported_language_and_bad_hours(renderer):
    with pytest.raises(ValueError, match="language"):
        renderer.render_one(make_data(language="de"))
    with pytest.raises(TypeError):
        renderer.render_one(make_data(hours="72"))
    with pytest.raises(ValueError):
        renderer.render_one(make_data(hours=-1))
