"""The layered fast path's PDF work: where the variable layer marks its QR
code (the one place that reads WeasyPrint's internal box tree), and the pikepdf
side that puts a shared background under each variable page, draws the QR code
as rectangles, and writes bookmarks, metadata and attachments. Pure: no Flask."""

from __future__ import annotations

import datetime as _dt
import io
from collections.abc import Mapping, Sequence

import segno
import weasyprint
from weasyprint.pdf.metadata import DocumentMetadata

from .pdf_template import Attachment, CertificateData

try:  # optional: without pikepdf the renderer lays out every certificate in full
    import pikepdf as _pk
except ImportError:  # pragma: no cover - depends on the environment
    _pk = None

#: Attribute a variable-layer element carries to be filled with the QR code.
QR_BOX_ATTRIBUTE = "data-certificate-qr"
#: Distinct backgrounds kept per renderer (one per language / institution /
_PRODUCER = f"WeasyPrint {weasyprint.__version__} (layered with pikepdf)"
#: WeasyPrint lays out in CSS pixels (96 per inch); PDF points are 72 per inch.
PX_TO_PT = 0.75


class WeasyPrintInternalsChanged(RuntimeError):
    """The WeasyPrint box tree no longer looks as :func:`marked_boxes` expects."""


def marked_boxes(page, attribute: str) -> list[tuple[float, float, float, float]]:
    """Content boxes ``(x, y, width, height)`` in CSS px, y down from the top of
    ``page`` (a laid-out ``weasyprint.Page``), of the elements carrying ``attribute``.

    WeasyPrint has no public API for the position of an element, so this reads
    its private ``page._page_box`` tree; it is the ONLY code that does, and
    tests/certificates_pdf/test_weasyprint_internals.py pins it, so that a
    WeasyPrint upgrade that changes the tree fails loudly there."""
    try:
        root = page._page_box
        found, seen = [], []
        for box in root.descendants():
            element = getattr(box, "element", None)
            if element is None or element.get(attribute) is None:
                continue
            if any(element is other for other in seen):
                continue  # anonymous boxes share their parent's element
            seen.append(element)
            found.append((box.content_box_x(), box.content_box_y(), box.width, box.height))
    except AttributeError as exc:
        raise WeasyPrintInternalsChanged(
            f"WeasyPrint {weasyprint.__version__}: page box tree changed ({exc}); "
            "update lms/certificates/pdf_layers.py:marked_boxes"
        ) from exc
    return found


def qr_rectangles(page, attribute: str) -> list:
    """The boxes of :func:`marked_boxes` as pikepdf rectangles in PDF points (y up)."""
    height = page.height * PX_TO_PT
    rects = []
    for x, y, w, h in marked_boxes(page, attribute):
        x, y, w, h = x * PX_TO_PT, y * PX_TO_PT, w * PX_TO_PT, h * PX_TO_PT
        rects.append(_pk.Rectangle(x, height - y - h, x + w, height - y))
    return rects


def _qr_form_content(qr: segno.QRCode) -> tuple[int, bytes]:
    """PDF content drawing the dark modules of ``qr`` as filled rectangles, one
    per horizontal run, in a ``size`` x ``size`` unit square (y up)."""
    matrix = qr.matrix
    size = len(matrix)
    ops = []
    for row_index, row in enumerate(matrix):
        y = size - 1 - row_index
        x, width = 0, len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                ops.append(f"{start} {y} {x - start} 1 re")
            else:
                x += 1
    return size, ("0 0 0 rg\n" + "\n".join(ops) + "\nf\n").encode("ascii")



def _xobject_name(xobjects, stem: str) -> str:
    index = 0
    while f"/{stem}{index}" in xobjects:
        index += 1
    return f"/{stem}{index}"


def _page_xobjects(page):
    resources = page.obj.get("/Resources")
    if resources is None:
        page.obj.Resources = resources = _pk.Dictionary()
    xobjects = resources.get("/XObject")
    if xobjects is None:
        resources.XObject = xobjects = _pk.Dictionary()
    return xobjects


def compose(out, page, background, rects, qr: segno.QRCode, forms: dict) -> None:
    """Put ``background`` under ``page`` (of ``out``) and the QR code in ``rects``.

    The XObjects get fixed resource names (not pikepdf's random ones
    from add_underlay) so that the same input gives the same bytes."""
    source, form = background
    key = id(source)
    if key not in forms:
        forms[key] = out.copy_foreign(form)
    xobjects = _page_xobjects(page)
    bg_name = _xobject_name(xobjects, "CertBackground")
    xobjects[bg_name] = forms[key]
    # The background page has the size of the variable page; its form
    # (as_form_xobject) already maps it onto the same user space.
    page.contents_add(_pk.Stream(out, f"q\n{bg_name} Do\nQ\nq\n".encode()), prepend=True)
    tail = ["Q"]
    if rects:
        qr_name = _xobject_name(xobjects, "CertQR")
        size, xobjects[qr_name] = _qr_form(out, qr)
        for rect in rects:
            sx, sy = rect.width / size, rect.height / size
            tail.append(f"q {sx:.6f} 0 0 {sy:.6f} {rect.llx:.6f} {rect.lly:.6f} cm {qr_name} Do Q")
    page.contents_add(_pk.Stream(out, ("\n".join(tail) + "\n").encode()), prepend=False)


def _qr_form(out, qr: segno.QRCode):
    size, content = _qr_form_content(qr)
    form = _pk.Stream(out, content)
    form.Type = _pk.Name.XObject
    form.Subtype = _pk.Name.Form
    form.BBox = _pk.Array([0, 0, size, size])
    return size, form


def save(out) -> bytes:
    """``out`` as deterministic, compressed PDF 1.7 bytes."""
    buffer = io.BytesIO()
    out.save(
        buffer,
        min_version="1.7",
        compress_streams=True,
        stream_decode_level=_pk.StreamDecodeLevel.none,
        object_stream_mode=_pk.ObjectStreamMode.generate,
        deterministic_id=True,
    )
    return buffer.getvalue()


def certificate_metadata(data: CertificateData, labels: Mapping[str, str]) -> DocumentMetadata:
    """The document information of one issued certificate's PDF."""
    return DocumentMetadata(
        title=f"{labels['document_title']} {data.serial} — {data.holder_name}",
        authors=[data.institution] if data.institution else [],
        description=str(data.course_title),
        generator="FabLab LMS",
        created=_as_date(data.issued_on).isoformat(),
        modified=_as_date(data.issued_on).isoformat(),
        lang=data.language,
    )


def _as_date(value: _dt.date) -> _dt.date:
    return value.date() if isinstance(value, _dt.datetime) else value



def add_outline(pdf, trees) -> None:
    """Bookmarks: ``trees`` is ``[(page index in pdf, WeasyPrint bookmark tree
    of that one page)]``; a tree is ``[(label, (page, x, y), children, state)]``."""
    if not any(tree for _, tree in trees):
        return

    def items(page_index, tree):
        for label, (_page, x, y), children, state in tree:
            item = _pk.OutlineItem(label, page_index, "XYZ", left=x, top=y)
            item.is_closed = state == "closed"
            item.children.extend(items(page_index, children))
            yield item

    with pdf.open_outline() as outline:
        for page_index, tree in trees:
            outline.root.extend(items(page_index, tree))


def attach(pdf, attachments: Sequence[Attachment]) -> None:
    """Embed ``attachments`` as associated files (supplements) of the document."""
    for item in attachments:
        spec = _pk.AttachedFileSpec(pdf, item.data, description=item.description, filename=item.filename,
                                    mime_type=item.mime_type, relationship=_pk.Name.Supplement)
        pdf.attachments[item.filename] = spec


def _pdf_date(value: str) -> str:
    return "D:" + value.replace("-", "")


def set_metadata(pdf, metadata: DocumentMetadata) -> None:
    """Write ``metadata`` as WeasyPrint would (Info dictionary, /Lang)."""
    info = pdf.docinfo
    if metadata.title:
        info["/Title"] = metadata.title
    if metadata.authors:
        info["/Author"] = ", ".join(metadata.authors)
    if metadata.description:
        info["/Subject"] = metadata.description
    if metadata.generator:
        info["/Creator"] = metadata.generator
    info["/Producer"] = _PRODUCER
    if metadata.created:
        info["/CreationDate"] = _pdf_date(metadata.created)
    if metadata.modified:
        info["/ModDate"] = _pdf_date(metadata.modified)
    if metadata.lang:
        pdf.Root.Lang = _pk.String(metadata.lang)

