"""Pure certificate PDF renderer (no Flask).

Usage::

    renderer = CertificateRenderer(Path("certificates/default"))  # loads once
    pdf = renderer.render_one(data)                 # one certificate
    pdfs = renderer.render_many(items)              # N separate PDFs, fast
    print_file = renderer.render_batch(items)       # one PDF, one page each
    print_file = merge_pdfs(frozen_pdfs)            # re-print issued PDFs

A template folder holds ``template.html`` (Jinja, autoescape on, sandboxed),
``style.css`` and its assets (fonts, images). The template receives
``certificates`` (a list, one entry per page; see :meth:`CertificateRenderer.context`)
and ``document_title``, and must lay out exactly one page per certificate.

Layers (fast path). A template that uses the variable ``layer`` is rendered in
two layers: ``layer == "background"`` (everything that is the same for every
certificate of a course batch -- frame, logo, headings, course, hours, issue
date, labels, signatories) is laid out and written by WeasyPrint *once* per
distinct background (cached by its HTML), and ``layer == "variable"`` (holder,
completion date, serial, code, URL) is laid out for a whole chunk of certificates in one lean WeasyPrint
document written once. pikepdf then builds each certificate's page from its
variable page with the shared background page underneath as a Form XObject
(stored once per output file), and draws the QR code as plain rectangles into
the box the variable layer marks with ``data-certificate-qr``. ``layer ==
"full"`` is the whole certificate in one page (previews, the naive
per-certificate render, and templates without layers); the two layers must
paint what "full" paints, at the same places (see certificates/default).

WeasyPrint only ever sees strings: the HTML produced by Jinja and the CSS
text read from ``style.css``. Its ``base_url`` is a pseudo-origin served by
:class:`~lms.certificates.pdf_fetcher.TemplateAssetFetcher`, which serves
files of the template folder and refuses everything else.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import logging
import multiprocessing
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from numbers import Real
from pathlib import Path
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import jinja2
import jinja2.meta
import segno
import weasyprint
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from pypdf import PdfReader, PdfWriter
from weasyprint import CSS, HTML
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.text.fonts import FontConfiguration

try:  # optional, much faster merging/printing of issued PDFs
    import pikepdf as _pikepdf
except ImportError:  # pragma: no cover - depends on the environment
    _pikepdf = None
#: pikepdf for the layered renderer (separate from the merge engine switch).
_pk = _pikepdf

from .pdf_fetcher import BASE_URL, TemplateAssetFetcher
from .signing import PdfSigner, SigningMaterial
from .pdf_labels import LABELS, LANGUAGES, format_date, format_hours

__all__ = [
    "Attachment",
    "CertificateData",
    "CertificateRenderer",
    "CertificateTemplateError",
    "merge_pdfs",
    "render_certificate",
    "LANGUAGES",
]

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

#: Certificates laid out together in one WeasyPrint document by render_many
#: and render_batch. Bigger chunks amortise more, but hold more pages in memory.
DEFAULT_CHUNK_SIZE = 50


class CertificateTemplateError(Exception):
    """The template folder is missing, incomplete or does not render."""


@dataclass(frozen=True)
class Attachment:
    """A file that travels inside the certificate PDF (e.g. its Open Badges credential)."""

    filename: str
    data: bytes
    mime_type: str = "application/octet-stream"
    description: str = ""


@dataclass
class CertificateData:
    """Everything printed on one certificate."""

    serial: str
    code: str
    holder_name: str
    course_title: str
    hours: int | float | Decimal
    completed_on: _dt.date
    issued_on: _dt.date
    verify_url: str
    language: str  # 'en' | 'ru' | 'ky'
    institution: str
    #: (name, title) tuples or {"name": ..., "title": ...} dicts, in order.
    signatories: Sequence[Any] = field(default_factory=list)
    #: Free-form values for custom templates (``c.extra`` in the template).
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: Files embedded in the issued PDF (before it is signed).
    attachments: Sequence[Attachment] = field(default_factory=tuple)

    def normalized_signatories(self) -> list[dict[str, str]]:
        out = []
        for item in self.signatories or ():
            if isinstance(item, Mapping):
                name, title = item.get("name", ""), item.get("title", "")
            else:
                name, title = item
            out.append({"name": str(name or ""), "title": str(title or "")})
        return out


def _size_class(text: str, long: int, very_long: int) -> str:
    n = len(text)
    if n > very_long:
        return "very-long"
    if n > long:
        return "long"
    return "normal"


#: QR mask pattern. segno picks the "best" of 8 masks by scoring all of them,
#: which costs ~15 ms per code; any mask is valid per ISO/IEC 18004 (readers
#: take it from the format information), so a fixed one is used.
QR_MASK = 0


def _qr(url: str) -> "segno.QRCode":
    return segno.make(url, error="m", micro=False, mask=QR_MASK)


def _qr_svg_markup(qr: "segno.QRCode") -> Markup:
    return Markup(qr.svg_inline(scale=1, border=0, omitsize=True, dark="#000", svgclass="qrcode"))


def qr_svg(url: str) -> Markup:
    """The verification QR code as an inline SVG element (no XML declaration).

    segno only emits one path drawing the module matrix; the URL itself never
    appears in the SVG text, so the markup is safe to insert unescaped.
    """
    return _qr_svg_markup(_qr(url))


class LazyQR:
    """``c.qr_svg`` in the template context: the QR code of one verify URL,
    encoded on first use and printed (``{{ c.qr_svg }}``) as the inline SVG of
    :func:`qr_svg`. The layered renderer never prints it (it draws the code
    itself), so most certificates never build the SVG text."""

    __slots__ = ("url", "_qr", "_svg")

    def __init__(self, url: str):
        self.url = url
        self._qr = None
        self._svg = None

    @property
    def qr(self) -> "segno.QRCode":
        if self._qr is None:
            self._qr = _qr(self.url)
        return self._qr

    def __html__(self) -> str:
        if self._svg is None:
            self._svg = _qr_svg_markup(self.qr)
        return self._svg

    __str__ = __html__

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    __hash__ = None


def _qr_form_content(qr: "segno.QRCode") -> tuple[int, bytes]:
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


#: Attribute a variable-layer element carries to be filled with the QR code.
QR_BOX_ATTRIBUTE = "data-certificate-qr"
#: Distinct backgrounds kept per renderer (one per language / institution /
#: signatories combination in practice).
BACKGROUND_CACHE_SIZE = 32
_PRODUCER = f"WeasyPrint {weasyprint.__version__} (layered with pikepdf)"


class CertificateRenderer:
    """Loads one template folder once and renders many certificates with it.

    Rendering is serialised by a lock (WeasyPrint's font configuration is
    not meant to be shared between threads).

    ``workers`` > 1 lets :meth:`render_many` and :meth:`render_batch` spread
    chunks of a large batch over that many worker processes (``spawn``ed
    lazily on first use, each loading the template once, kept until
    :meth:`close`). WeasyPrint is pure Python for the most part, so this is
    the only way to use more than one core. Batches of at most
    ``chunk_size`` certificates are always rendered in-process.
    """

    def __init__(
        self,
        template_dir: Path | str,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        workers: int = 1,
        max_data_url_bytes: int | None = None,
        layers: bool = True,
        keep_workers: bool = True,
        signing: SigningMaterial | None = None,
    ):
        root = Path(template_dir)
        if not root.is_dir():
            raise CertificateTemplateError(f"certificate template folder not found: {root}")
        self.template_dir = root.resolve()
        self.chunk_size = max(1, int(chunk_size))
        self.workers = max(1, int(workers or 1))
        self._max_data_url_bytes = max_data_url_bytes
        self._pool: ProcessPoolExecutor | None = None
        #: False: stop the worker processes after each batch (a long-lived web process
        #: should not hold idle renderers in memory between rare large batches).
        self.keep_workers = keep_workers
        kwargs = {} if max_data_url_bytes is None else {"max_data_url_bytes": max_data_url_bytes}
        #: The only URL fetcher WeasyPrint gets; its ``refused`` log is public.
        self.fetcher = TemplateAssetFetcher(self.template_dir, **kwargs)
        self._lock = threading.RLock()
        #: render_one and render_many sign each PDF with this key (PAdES); batches for print are not signed.
        self.signing = signing
        self._signer = PdfSigner(signing) if signing is not None else None

        env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader(str(self.template_dir)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        try:
            self._template = env.get_template("template.html")
        except jinja2.TemplateNotFound:
            raise CertificateTemplateError(f"{root}/template.html is missing") from None
        except jinja2.TemplateSyntaxError as exc:
            raise CertificateTemplateError(
                f"{root}/template.html line {exc.lineno}: {exc.message}"
            ) from exc
        #: True when render_many/render_batch/render_one use the layered fast
        #: path: the template uses ``layer`` and pikepdf is installed.
        self.layered = bool(layers) and _pk is not None and _uses_layers(env)
        self._layers_requested = bool(layers)
        self._backgrounds: dict[str, Any] = {}

        css_path = self.template_dir / "style.css"
        try:
            self.css_text = css_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CertificateTemplateError(f"{root}/style.css is missing") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CertificateTemplateError(f"{root}/style.css is unreadable: {exc}") from exc

        self.labels = self._load_labels()

        # Parse the CSS and load its @font-face fonts once; every document
        # rendered by this object shares them (and the image cache).
        self._font_config = FontConfiguration()
        try:
            self._css = CSS(
                string=self.css_text,
                base_url=BASE_URL,
                url_fetcher=self.fetcher,
                font_config=self._font_config,
            )
        except Exception as exc:  # tinycss2 is tolerant; this is a real failure
            raise CertificateTemplateError(f"{root}/style.css: {exc}") from exc
        self._image_cache: dict = {}

    # -- template data ------------------------------------------------------------
    def _load_labels(self) -> dict[str, dict[str, str]]:
        labels = {lang: dict(values) for lang, values in LABELS.items()}
        path = self.template_dir / "labels.json"
        if path.is_file():
            try:
                custom = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CertificateTemplateError(f"{path}: {exc}") from exc
            if not isinstance(custom, dict):
                raise CertificateTemplateError(f"{path}: expected an object of languages")
            for lang, values in custom.items():
                if lang not in labels or not isinstance(values, dict):
                    raise CertificateTemplateError(f"{path}: unknown language {lang!r}")
                labels[lang].update({str(k): str(v) for k, v in values.items()})
        return labels

    def context(self, data: CertificateData) -> dict[str, Any]:
        """The values one certificate passes to the template (``c`` in the loop)."""
        if not isinstance(data, CertificateData):
            raise TypeError(f"expected CertificateData, got {type(data).__name__}")
        lang = data.language
        if lang not in self.labels:
            raise ValueError(f"unsupported certificate language {lang!r}; use one of {LANGUAGES}")
        if not isinstance(data.hours, (Real, Decimal)) or isinstance(data.hours, bool):
            raise TypeError("hours must be a number")
        holder = str(data.holder_name).strip()
        course = str(data.course_title).strip()
        return {
            "serial": str(data.serial),
            "code": str(data.code),
            "holder_name": holder,
            "course_title": course,
            "hours": data.hours,
            "hours_text": format_hours(data.hours, lang),
            "completed_on": data.completed_on,
            "completed_on_text": format_date(data.completed_on, lang),
            "issued_on": data.issued_on,
            "issued_on_text": format_date(data.issued_on, lang),
            "verify_url": str(data.verify_url),
            "language": lang,
            "institution": str(data.institution),
            "signatories": data.normalized_signatories(),
            "labels": self.labels[lang],
            "qr_svg": LazyQR(str(data.verify_url)),
            "name_size": _size_class(holder, 30, 46),
            "course_size": _size_class(course, 60, 110),
            "extra": dict(data.extra or {}),
        }

    def render_html(self, items: Sequence[CertificateData], *, layer: str = "full") -> str:
        """The HTML document for ``items`` (one page each); useful for previews.

        ``layer`` is "full" (the whole certificate), "background" or
        "variable" (see the module docstring)."""
        certificates = [self.context(d) for d in items]
        return self._render_template(certificates, [d.serial for d in items], layer)

    def _render_template(self, certificates: list[dict], serials: Sequence[str], layer: str) -> str:
        if len(certificates) == 1:
            title = f"{certificates[0]['labels']['document_title']} {serials[0]}"
        else:
            title = f"{LABELS['en']['document_title']} ×{len(certificates)}"
        try:
            return self._template.render(certificates=certificates, document_title=title, layer=layer)
        except jinja2.TemplateError as exc:
            raise CertificateTemplateError(f"template.html: {exc}") from exc

    # -- WeasyPrint ---------------------------------------------------------------
    def _layout(self, items: Sequence[CertificateData]):
        """Lay out ``items`` as one WeasyPrint document, one page each."""
        return self._layout_html(self.render_html(items), len(items))

    def _layout_html(self, html: str, count: int):
        with self._lock:
            try:
                document = HTML(
                    string=html, base_url=BASE_URL, url_fetcher=self.fetcher
                ).render(
                    stylesheets=[self._css],
                    font_config=self._font_config,
                    cache=self._image_cache,
                )
            except Exception as exc:
                raise CertificateTemplateError(f"WeasyPrint failed: {exc}") from exc
        if len(document.pages) != count:
            raise CertificateTemplateError(
                f"template produced {len(document.pages)} pages for {count} "
                "certificates; each certificate must fit exactly one page"
            )
        return document

    # -- layers -------------------------------------------------------------------
    def _background(self, context: dict[str, Any]):
        """The (cached) one-page background PDF for one certificate's context,
        opened with pikepdf, and its page as a Form XObject of that PDF."""
        html = self._render_template([context], [""], "background")
        cached = self._backgrounds.get(html)
        if cached is not None:
            return cached
        document = self._layout_html(html, 1)
        document.metadata = DocumentMetadata(generator="FabLab LMS")
        with self._lock:
            blob = document.write_pdf()
        source = _pk.open(io.BytesIO(blob))
        form = source.pages[0].as_form_xobject()
        if len(self._backgrounds) >= BACKGROUND_CACHE_SIZE:
            self._backgrounds.pop(next(iter(self._backgrounds)))[0].close()
        self._backgrounds[html] = cached = (source, form)
        return cached

    def _layered_chunk(self, items: Sequence[CertificateData]):
        """Lay out and write the variable layer of ``items`` as one PDF.

        Returns ``(pdf, [(background, qr boxes, qr code, bookmarks)...])``:
        the pikepdf PDF of the variable pages (one per item) and, per page,
        its background, the PDF rectangles (points, y up) to draw its QR code
        into, and its bookmark tree (WeasyPrint's: the holder's heading)."""
        contexts = [self.context(d) for d in items]
        backgrounds = [self._background(c) for c in contexts]
        html = self._render_template(contexts, [d.serial for d in items], "variable")
        document = self._layout_html(html, len(items))
        pages = []
        for page, context, background in zip(document.pages, contexts, backgrounds):
            height = page.height * 0.75
            boxes = []
            for box in page._page_box.descendants():
                element = getattr(box, "element", None)
                if element is None or element.get(QR_BOX_ATTRIBUTE) is None:
                    continue
                if any(element is seen for seen, _ in boxes):
                    continue  # anonymous boxes share their parent's element
                x, y = box.content_box_x() * 0.75, box.content_box_y() * 0.75
                w, h = box.width * 0.75, box.height * 0.75
                boxes.append((element, _pk.Rectangle(x, height - y - h, x + w, height - y)))
            outline = document.copy([page]).make_bookmark_tree(scale=0.75, transform_pages=True)
            pages.append((background, [rect for _, rect in boxes], context["qr_svg"], outline))
        document.metadata = DocumentMetadata(generator="FabLab LMS")
        with self._lock:
            blob = document.write_pdf()
        return _pk.open(io.BytesIO(blob)), pages

    @staticmethod
    def _compose(out, page, background, rects, qr, forms: dict) -> None:
        """Put ``background`` under ``page`` (of ``out``) and the QR code in ``rects``.

        The XObjects get fixed resource names (not pikepdf's random ones
        from add_underlay) so that the same input gives the same bytes."""
        source, form = background
        key = id(source)
        if key not in forms:
            forms[key] = out.copy_foreign(form)
        resources = page.obj.get("/Resources")
        if resources is None:
            page.obj.Resources = resources = _pk.Dictionary()
        xobjects = resources.get("/XObject")
        if xobjects is None:
            resources.XObject = xobjects = _pk.Dictionary()

        def name_for(stem: str) -> str:
            index = 0
            while f"/{stem}{index}" in xobjects:
                index += 1
            return f"/{stem}{index}"

        bg_name = name_for("CertBackground")
        xobjects[bg_name] = forms[key]
        # The background page has the size of the variable page; its form
        # (as_form_xobject) already maps it onto the same user space.
        page.contents_add(_pk.Stream(out, f"q\n{bg_name} Do\nQ\nq\n".encode()), prepend=True)
        tail = ["Q"]
        if rects:
            size, content = _qr_form_content(qr.qr)
            qr_form = _pk.Stream(out, content)
            qr_form.Type = _pk.Name.XObject
            qr_form.Subtype = _pk.Name.Form
            qr_form.BBox = _pk.Array([0, 0, size, size])
            qr_name = name_for("CertQR")
            xobjects[qr_name] = qr_form
            for rect in rects:
                sx, sy = rect.width / size, rect.height / size
                tail.append(f"q {sx:.6f} 0 0 {sy:.6f} {rect.llx:.6f} {rect.lly:.6f} cm {qr_name} Do Q")
        page.contents_add(_pk.Stream(out, ("\n".join(tail) + "\n").encode()), prepend=False)

    @staticmethod
    def _save(out) -> bytes:
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

    def _layered_many(self, items: Sequence[CertificateData]) -> list[bytes]:
        with self._lock:
            variable, pages = self._layered_chunk(items)
            out_pdfs = []
            try:
                for index, (data, (background, rects, qr, outline)) in enumerate(zip(items, pages)):
                    with _pk.new() as out:
                        out.pages.append(variable.pages[index])
                        self._compose(out, out.pages[0], background, rects, qr, {})
                        _add_outline(out, [(0, outline)])
                        _set_metadata(out, self._metadata(data, self.labels[data.language]))
                        _attach(out, data.attachments)
                        out_pdfs.append(self._sign(self._save(out)))
            finally:
                variable.close()
            return out_pdfs

    def _layered_batch(self, chunks: Iterable[Sequence[CertificateData]], title: str | None,
                       progress: Progress | None = None, total: int = 0) -> bytes:
        with self._lock, _pk.new() as out:
            forms: dict = {}
            sources = []
            outlines = []
            done = 0
            for chunk in chunks:
                variable, pages = self._layered_chunk(chunk)
                sources.append(variable)
                for index, (background, rects, qr, outline) in enumerate(pages):
                    out.pages.append(variable.pages[index])
                    self._compose(out, out.pages[-1], background, rects, qr, forms)
                    outlines.append((len(out.pages) - 1, outline))
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
            _set_metadata(out, DocumentMetadata(title=title, generator="FabLab LMS"))
            _add_outline(out, outlines)
            try:
                return self._save(out)
            finally:
                for source in sources:
                    source.close()

    @staticmethod
    def _metadata(data: CertificateData, labels: Mapping[str, str]) -> DocumentMetadata:
        return DocumentMetadata(
            title=f"{labels['document_title']} {data.serial} — {data.holder_name}",
            authors=[data.institution] if data.institution else [],
            description=str(data.course_title),
            generator="FabLab LMS",
            created=_as_date(data.issued_on).isoformat(),
            modified=_as_date(data.issued_on).isoformat(),
            lang=data.language,
        )

    def _write_single(self, document, page, data: CertificateData) -> bytes:
        single = document.copy([page])
        single.metadata = self._metadata(data, self.labels[data.language])
        with self._lock:
            blob = single.write_pdf()
        if data.attachments:
            with _pk.open(io.BytesIO(blob)) as pdf:
                _attach(pdf, data.attachments)
                blob = self._save(pdf)
        return self._sign(blob)

    def _sign(self, pdf: bytes) -> bytes:
        return pdf if self._signer is None else self._signer.sign(pdf)

    def _write_combined(self, items: Sequence[CertificateData]) -> bytes:
        if self.layered:
            return self._layered_batch([items], None)
        document = self._layout(items)
        document.metadata = DocumentMetadata(generator="FabLab LMS")
        with self._lock:
            return document.write_pdf()

    def _render_many_here(self, items: Sequence[CertificateData]) -> list[bytes]:
        if self.layered:
            return self._layered_many(items)
        document = self._layout(items)
        return [self._write_single(document, page, data) for page, data in zip(document.pages, items)]

    # -- worker processes ---------------------------------------------------------
    def _chunks(self, items: Sequence[CertificateData]) -> list[Sequence[CertificateData]]:
        return [items[i:i + self.chunk_size] for i in range(0, len(items), self.chunk_size)]

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_init,
                initargs=(str(self.template_dir), self.chunk_size, self._max_data_url_bytes,
                          self._layers_requested, self.signing),
            )
        return self._pool

    def _map_chunks(self, func, items, progress):
        """Run ``func`` (a module-level worker function) over chunks, in order."""
        chunks = self._chunks(items)
        total, done = len(items), 0
        if self.workers > 1 and len(chunks) > 1:
            futures = [self._executor().submit(func, list(chunk)) for chunk in chunks]
            try:
                for chunk, future in zip(chunks, futures):
                    yield future.result()
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
            finally:
                for future in futures:
                    future.cancel()
                if not self.keep_workers:
                    self.close()
            return
        local = {_worker_many: self._render_many_here, _worker_batch: self._write_combined}[func]
        for chunk in chunks:
            yield local(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "CertificateRenderer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- public API ---------------------------------------------------------------
    def render_one(self, data: CertificateData) -> bytes:
        """One certificate as one PDF."""
        if self.layered:
            return self._layered_many([data])[0]
        document = self._layout([data])
        return self._write_single(document, document.pages[0], data)

    def render_many(
        self,
        items: Iterable[CertificateData],
        *,
        progress: Progress | None = None,
    ) -> list[bytes]:
        """One separate PDF per certificate, in the order given.

        Certificates are laid out ``chunk_size`` at a time in one WeasyPrint
        document (one HTML parse, one style cascade, shared CSS and fonts),
        then each laid-out page is written as its own PDF. ``progress(done,
        total)`` is called after each chunk.
        """
        items = list(items)
        out: list[bytes] = []
        for pdfs in self._map_chunks(_worker_many, items, progress):
            out.extend(pdfs)
        return out

    def render_batch(
        self,
        items: Iterable[CertificateData],
        *,
        progress: Progress | None = None,
        title: str | None = None,
    ) -> bytes:
        """One print-ready PDF, one certificate per page, in the order given."""
        items = list(items)
        if not items:
            raise ValueError("render_batch needs at least one certificate")
        title = title or f"{LABELS['en']['document_title']} ×{len(items)}"
        if self.workers > 1 and len(items) > self.chunk_size:
            parts = list(self._map_chunks(_worker_batch, items, progress))
            return merge_pdfs(parts, title=title)
        if self.layered:
            return self._layered_batch(self._chunks(items), title, progress, len(items))
        # In-process: lay out chunk by chunk, then write all pages as one
        # document (fonts subset and embedded once for the whole batch).
        total, documents = len(items), []
        for chunk in self._chunks(items):
            documents.append(self._layout(chunk))
            if progress is not None:
                progress(sum(len(d.pages) for d in documents), total)
        combined = documents[0].copy([page for d in documents for page in d.pages])
        combined.metadata = DocumentMetadata(title=title, generator="FabLab LMS")
        with self._lock:
            return combined.write_pdf()


# Worker-process side of CertificateRenderer(workers=N). Module-level so that
# they pickle by name; each worker loads the template once in _worker_init.
_WORKER: CertificateRenderer | None = None


def _worker_init(template_dir: str, chunk_size: int, max_data_url_bytes: int | None,
                 layers: bool = True, signing: SigningMaterial | None = None) -> None:
    global _WORKER
    _WORKER = CertificateRenderer(
        template_dir, chunk_size=chunk_size, workers=1, max_data_url_bytes=max_data_url_bytes,
        layers=layers, signing=signing,
    )


def _worker_many(items: list[CertificateData]) -> list[bytes]:
    assert _WORKER is not None
    return _WORKER._render_many_here(items)


def _worker_batch(items: list[CertificateData]) -> bytes:
    assert _WORKER is not None
    return _WORKER._write_combined(items)


def _as_date(value: _dt.date) -> _dt.date:
    return value.date() if isinstance(value, _dt.datetime) else value


def _uses_layers(env: jinja2.Environment) -> bool:
    """Whether template.html refers to the ``layer`` variable."""
    try:
        source = env.loader.get_source(env, "template.html")[0]
        return "layer" in jinja2.meta.find_undeclared_variables(env.parse(source))
    except jinja2.TemplateError:
        return False


def _add_outline(pdf, trees) -> None:
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


def _attach(pdf, attachments: Sequence[Attachment]) -> None:
    """Embed ``attachments`` as associated files (supplements) of the document."""
    for item in attachments:
        spec = _pk.AttachedFileSpec(pdf, item.data, description=item.description, filename=item.filename,
                                    mime_type=item.mime_type, relationship=_pk.Name.Supplement)
        pdf.attachments[item.filename] = spec


def _pdf_date(value: str) -> str:
    return "D:" + value.replace("-", "")


def _set_metadata(pdf, metadata: DocumentMetadata) -> None:
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


def merge_pdfs(
    pdfs: Sequence[bytes], *, progress: Progress | None = None, title: str | None = None
) -> bytes:
    """Concatenate PDFs (e.g. frozen issued certificates) into one file.

    Pages are copied as they are (content streams, fonts and images
    untouched), so each certificate prints exactly as it was issued. Uses
    pikepdf (qpdf, ~1 ms a file) when it is installed, pypdf (~11 ms a file)
    otherwise.
    """
    if not pdfs:
        raise ValueError("merge_pdfs needs at least one PDF")
    if _pikepdf is not None:
        return _merge_pikepdf(pdfs, progress, title)
    writer = PdfWriter()
    total = len(pdfs)
    for index, blob in enumerate(pdfs, 1):
        for page in PdfReader(io.BytesIO(blob)).pages:
            writer.add_page(page)
        if progress is not None and (index % 50 == 0 or index == total):
            progress(index, total)
    if title:
        writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _drop_signature_widgets(page) -> None:  # noqa: ANN001
    annots = page.obj.get("/Annots")
    if annots is None:
        return
    kept = [a for a in annots if a.get("/FT") != "/Sig" and a.get("/Parent", {}).get("/FT") != "/Sig"]
    if len(kept) != len(annots):
        if kept:
            page.obj.Annots = _pikepdf.Array(kept)
        else:
            del page.obj["/Annots"]


def _merge_pikepdf(pdfs: Sequence[bytes], progress: Progress | None, title: str | None) -> bytes:
    total = len(pdfs)
    with _pikepdf.new() as merged:
        sources = []
        for index, blob in enumerate(pdfs, 1):
            source = _pikepdf.open(io.BytesIO(blob))
            sources.append(source)  # pages are copied lazily on save
            with warnings.catch_warnings():
                # The signature fields stay behind on purpose: a signature covers its own file only.
                warnings.simplefilter("ignore", _pikepdf.PageCopyWarning)
                merged.pages.extend(source.pages)
            for page in merged.pages[len(merged.pages) - len(source.pages):]:
                _drop_signature_widgets(page)
            if progress is not None and (index % 50 == 0 or index == total):
                progress(index, total)
        if title:
            merged.docinfo["/Title"] = title
        out = io.BytesIO()
        merged.save(out)
        for source in sources:
            source.close()
    return out.getvalue()


def render_certificate(template_dir: Path | str, data: CertificateData) -> bytes:
    """Convenience: load ``template_dir`` and render one certificate."""
    return CertificateRenderer(template_dir).render_one(data)
