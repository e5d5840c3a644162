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

import io
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.text.fonts import FontConfiguration

from . import pdf_layers as layers
from .pdf_fetcher import BASE_URL, TemplateAssetFetcher
from .pdf_labels import LABELS, LANGUAGES
from .pdf_layers import _pk
from .pdf_merge import _pikepdf as _pikepdf  # re-exported: the benches print the merge engine
from .pdf_merge import merge_pdfs
from .pdf_pool import WorkerPool
from .pdf_template import (
    Attachment,
    CertificateData,
    CertificateTemplate,
    CertificateTemplateError,
    LazyQR,
    qr_svg,
)
from .signing import PdfSigner, SigningMaterial

__all__ = [
    "LANGUAGES",
    "Attachment",
    "CertificateData",
    "CertificateRenderer",
    "CertificateTemplateError",
    "LazyQR",
    "merge_pdfs",
    "qr_svg",
    "render_certificate",
]

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

#: Certificates laid out together in one WeasyPrint document by render_many
#: and render_batch. Bigger chunks amortise more, but hold more pages in memory.
DEFAULT_CHUNK_SIZE = 50
#: Distinct backgrounds kept per renderer (one per language / institution /
#: signatories combination in practice).
BACKGROUND_CACHE_SIZE = 32
QR_BOX_ATTRIBUTE = layers.QR_BOX_ATTRIBUTE


class CertificateRenderer:
    """Loads one template folder once and renders many certificates with it.

    Rendering is serialised by a lock (WeasyPrint's font configuration is
    not meant to be shared between threads).

    ``workers`` > 1 lets :meth:`render_many` and :meth:`render_batch` spread
    chunks of a large batch over that many worker processes (see
    :mod:`~lms.certificates.pdf_pool`). Batches of at most ``chunk_size``
    certificates are always rendered in-process.
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
        #: The only URL fetcher WeasyPrint gets; its ``refused`` log is public.
        self.fetcher = _fetcher(self.template_dir, max_data_url_bytes)
        self._lock = threading.RLock()
        #: render_one and render_many sign each PDF with this key (PAdES); batches for print are not signed.
        self.signing = signing
        self._signer = PdfSigner(signing) if signing is not None else None
        self.template = CertificateTemplate(self.template_dir, shown=root)
        self.css_text, self.labels = self.template.css_text, self.template.labels
        #: True when render_many/render_batch/render_one use the layered fast
        #: path: the template uses ``layer`` and pikepdf is installed.
        self.layered = bool(layers) and _pk is not None and self.template.uses_layers
        self._backgrounds: dict[str, Any] = {}
        self._load_css(root)
        self._workers = WorkerPool(self.workers, keep_workers, CertificateRenderer, {
            "template_dir": str(self.template_dir), "chunk_size": self.chunk_size, "workers": 1,
            "max_data_url_bytes": max_data_url_bytes, "layers": bool(layers), "signing": signing,
        })

    def _load_css(self, root: Path) -> None:
        """Parse the CSS and load its @font-face fonts once; every document
        rendered by this object shares them (and the image cache)."""
        self._font_config = FontConfiguration()
        try:
            self._css = CSS(string=self.css_text, base_url=BASE_URL, url_fetcher=self.fetcher,
                            font_config=self._font_config)
        except Exception as exc:  # tinycss2 is tolerant; this is a real failure
            raise CertificateTemplateError(f"{root}/style.css: {exc}") from exc
        self._image_cache: dict = {}

    @property
    def keep_workers(self) -> bool:
        return self._workers.keep_workers

    @property
    def _pool(self):
        """The worker process pool, None until a large batch started it (or after close)."""
        return self._workers._pool

    # -- template data ------------------------------------------------------------
    def context(self, data: CertificateData) -> dict[str, Any]:
        """The values one certificate passes to the template (``c`` in the loop)."""
        return self.template.context(data)

    def render_html(self, items: Sequence[CertificateData], *, layer: str = "full") -> str:
        """The HTML document for ``items`` (one page each); useful for previews.

        ``layer`` is "full" (the whole certificate), "background" or
        "variable" (see the module docstring)."""
        return self.template.render_html(items, layer=layer)

    # -- WeasyPrint ---------------------------------------------------------------
    def _layout(self, items: Sequence[CertificateData]):
        """Lay out ``items`` as one WeasyPrint document, one page each."""
        return self._layout_html(self.render_html(items), len(items))

    def _layout_html(self, html: str, count: int):
        with self._lock:
            try:
                document = HTML(string=html, base_url=BASE_URL, url_fetcher=self.fetcher).render(
                    stylesheets=[self._css], font_config=self._font_config, cache=self._image_cache,
                )
            except Exception as exc:
                raise CertificateTemplateError(f"WeasyPrint failed: {exc}") from exc
        if len(document.pages) != count:
            raise CertificateTemplateError(
                f"template produced {len(document.pages)} pages for {count} "
                "certificates; each certificate must fit exactly one page"
            )
        return document

    def _write(self, document) -> bytes:
        with self._lock:
            return document.write_pdf()

    # -- layers -------------------------------------------------------------------
    def _background(self, context: dict[str, Any]):
        """The (cached) one-page background PDF for one certificate's context,
        opened with pikepdf, and its page as a Form XObject of that PDF."""
        html = self.template.render_template([context], [""], "background")
        cached = self._backgrounds.get(html)
        if cached is not None:
            return cached
        document = self._layout_html(html, 1)
        document.metadata = DocumentMetadata(generator="FabLab LMS")
        source = _pk.open(io.BytesIO(self._write(document)))
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
        html = self.template.render_template(contexts, [d.serial for d in items], "variable")
        document = self._layout_html(html, len(items))
        pages = []
        for page, context, background in zip(document.pages, contexts, backgrounds):
            rects = layers.qr_rectangles(page, QR_BOX_ATTRIBUTE)
            outline = document.copy([page]).make_bookmark_tree(scale=layers.PX_TO_PT, transform_pages=True)
            pages.append((background, rects, context["qr_svg"], outline))
        document.metadata = DocumentMetadata(generator="FabLab LMS")
        return _pk.open(io.BytesIO(self._write(document))), pages

    def _layered_many(self, items: Sequence[CertificateData]) -> list[bytes]:
        with self._lock:
            variable, pages = self._layered_chunk(items)
            try:
                return [self._layered_one(variable, index, data, page)
                        for index, (data, page) in enumerate(zip(items, pages))]
            finally:
                variable.close()

    def _layered_one(self, variable, index: int, data: CertificateData, page) -> bytes:
        background, rects, qr, outline = page
        with _pk.new() as out:
            out.pages.append(variable.pages[index])
            layers.compose(out, out.pages[0], background, rects, qr.qr, {})
            layers.add_outline(out, [(0, outline)])
            layers.set_metadata(out, layers.certificate_metadata(data, self.labels[data.language]))
            layers.attach(out, data.attachments)
            return self._sign(layers.save(out))

    def _layered_batch(self, chunks: Iterable[Sequence[CertificateData]], title: str | None,
                       progress: Progress | None = None, total: int = 0) -> bytes:
        with self._lock, _pk.new() as out:
            forms: dict = {}
            sources, outlines, done = [], [], 0
            try:
                for chunk in chunks:
                    variable, pages = self._layered_chunk(chunk)
                    sources.append(variable)
                    for index, (background, rects, qr, outline) in enumerate(pages):
                        out.pages.append(variable.pages[index])
                        layers.compose(out, out.pages[-1], background, rects, qr.qr, forms)
                        outlines.append((len(out.pages) - 1, outline))
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
                layers.set_metadata(out, DocumentMetadata(title=title, generator="FabLab LMS"))
                layers.add_outline(out, outlines)
                return layers.save(out)
            finally:
                for source in sources:
                    source.close()

    # -- whole documents ----------------------------------------------------------
    def _write_single(self, document, page, data: CertificateData) -> bytes:
        single = document.copy([page])
        single.metadata = layers.certificate_metadata(data, self.labels[data.language])
        blob = self._write(single)
        if data.attachments:
            with _pk.open(io.BytesIO(blob)) as pdf:
                layers.attach(pdf, data.attachments)
                blob = layers.save(pdf)
        return self._sign(blob)

    def _sign(self, pdf: bytes) -> bytes:
        return pdf if self._signer is None else self._signer.sign(pdf)

    def _write_combined(self, items: Sequence[CertificateData]) -> bytes:
        if self.layered:
            return self._layered_batch([items], None)
        document = self._layout(items)
        document.metadata = DocumentMetadata(generator="FabLab LMS")
        return self._write(document)

    def _render_many_here(self, items: Sequence[CertificateData]) -> list[bytes]:
        if self.layered:
            return self._layered_many(items)
        document = self._layout(items)
        return [self._write_single(document, page, data) for page, data in zip(document.pages, items)]

    def _chunks(self, items: Sequence[CertificateData]) -> list[Sequence[CertificateData]]:
        return [items[i:i + self.chunk_size] for i in range(0, len(items), self.chunk_size)]

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        self._workers.close()

    def __enter__(self) -> CertificateRenderer:
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

    def render_many(self, items: Iterable[CertificateData], *, progress: Progress | None = None) -> list[bytes]:
        """One separate PDF per certificate, in the order given.

        Certificates are laid out ``chunk_size`` at a time in one WeasyPrint
        document (one HTML parse, one style cascade, shared CSS and fonts),
        then each laid-out page is written as its own PDF. ``progress(done,
        total)`` is called after each chunk.
        """
        chunks = self._chunks(list(items))
        out: list[bytes] = []
        for pdfs in self._workers.map("many", chunks, self._render_many_here, progress):
            out.extend(pdfs)
        return out

    def render_batch(self, items: Iterable[CertificateData], *, progress: Progress | None = None,
                     title: str | None = None) -> bytes:
        """One print-ready PDF, one certificate per page, in the order given."""
        items = list(items)
        if not items:
            raise ValueError("render_batch needs at least one certificate")
        title = title or f"{LABELS['en']['document_title']} ×{len(items)}"
        if self.workers > 1 and len(items) > self.chunk_size:
            parts = list(self._workers.map("batch", self._chunks(items), self._write_combined, progress))
            return merge_pdfs(parts, title=title)
        if self.layered:
            return self._layered_batch(self._chunks(items), title, progress, len(items))
        return self._plain_batch(items, title, progress)

    def _plain_batch(self, items: list[CertificateData], title: str, progress: Progress | None) -> bytes:
        """Lay out chunk by chunk, then write all pages as one document (fonts
        subset and embedded once for the whole batch)."""
        total, documents = len(items), []
        for chunk in self._chunks(items):
            documents.append(self._layout(chunk))
            if progress is not None:
                progress(sum(len(d.pages) for d in documents), total)
        combined = documents[0].copy([page for d in documents for page in d.pages])
        combined.metadata = DocumentMetadata(title=title, generator="FabLab LMS")
        return self._write(combined)


def _fetcher(template_dir: Path, max_data_url_bytes: int | None) -> TemplateAssetFetcher:
    kwargs = {} if max_data_url_bytes is None else {"max_data_url_bytes": max_data_url_bytes}
    return TemplateAssetFetcher(template_dir, **kwargs)


def render_certificate(template_dir: Path | str, data: CertificateData) -> bytes:
    """Convenience: load ``template_dir`` and render one certificate."""
    return CertificateRenderer(template_dir).render_one(data)
