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
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from numbers import Real
from pathlib import Path
from typing import Any

import jinja2
import segno
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from pypdf import PdfReader, PdfWriter
from weasyprint import CSS, HTML
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.text.fonts import FontConfiguration

from .pdf_fetcher import BASE_URL, TemplateAssetFetcher
from .pdf_labels import LABELS, LANGUAGES, format_date, format_hours

__all__ = [
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


def _qr_svg(url: str) -> Markup:
    # segno escapes nothing but only emits a path of the module matrix; the
    # URL itself never appears in the SVG text.
    qr = segno.make(url, error="m", micro=False)
    return Markup(qr.svg_inline(scale=1, border=0, omitsize=True, dark="#000", svgclass="qrcode"))


class CertificateRenderer:
    """Loads one template folder once and renders many certificates with it.

    Rendering is serialised by a lock (WeasyPrint's font configuration is
    not meant to be shared between threads); use one renderer per process.
    """

    def __init__(
        self,
        template_dir: Path | str,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        max_data_url_bytes: int | None = None,
    ):
        root = Path(template_dir)
        if not root.is_dir():
            raise CertificateTemplateError(f"certificate template folder not found: {root}")
        self.template_dir = root.resolve()
        self.chunk_size = max(1, int(chunk_size))
        kwargs = {} if max_data_url_bytes is None else {"max_data_url_bytes": max_data_url_bytes}
        #: The only URL fetcher WeasyPrint gets; its ``refused`` log is public.
        self.fetcher = TemplateAssetFetcher(self.template_dir, **kwargs)
        self._lock = threading.RLock()

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
            "qr_svg": _qr_svg(str(data.verify_url)),
            "name_size": _size_class(holder, 30, 46),
            "course_size": _size_class(course, 60, 110),
            "extra": dict(data.extra or {}),
        }

    def render_html(self, items: Sequence[CertificateData]) -> str:
        """The HTML document for ``items`` (one page each); useful for previews."""
        certificates = [self.context(d) for d in items]
        if len(certificates) == 1:
            first = items[0]
            title = f"{certificates[0]['labels']['document_title']} {first.serial}"
        else:
            title = f"{LABELS['en']['document_title']} ×{len(certificates)}"
        try:
            return self._template.render(certificates=certificates, document_title=title)
        except jinja2.TemplateError as exc:
            raise CertificateTemplateError(f"template.html: {exc}") from exc

    # -- WeasyPrint ---------------------------------------------------------------
    def _layout(self, items: Sequence[CertificateData]):
        """Lay out ``items`` as one WeasyPrint document, one page each."""
        html = self.render_html(items)
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
        if len(document.pages) != len(items):
            raise CertificateTemplateError(
                f"template produced {len(document.pages)} pages for {len(items)} "
                "certificates; each certificate must fit exactly one page"
            )
        return document

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
            return single.write_pdf()

    # -- public API ---------------------------------------------------------------
    def render_one(self, data: CertificateData) -> bytes:
        """One certificate as one PDF."""
        document = self._layout([data])
        return self._write_single(document, document.pages[0], data)

    def render_many(
        self,
        items: Iterable[CertificateData],
        *,
        progress: Progress | None = None,
    ) -> list[bytes]:
        """One separate PDF per certificate, in order.

        Certificates are laid out ``chunk_size`` at a time in one document
        (one HTML parse, one cascade), then each page is written as its own PDF.
        """
        items = list(items)
        total = len(items)
        out: list[bytes] = []
        for start in range(0, total, self.chunk_size):
            chunk = items[start:start + self.chunk_size]
            document = self._layout(chunk)
            for page, data in zip(document.pages, chunk):
                out.append(self._write_single(document, page, data))
            del document
            if progress is not None:
                progress(len(out), total)
        return out

    def render_batch(
        self,
        items: Iterable[CertificateData],
        *,
        progress: Progress | None = None,
        title: str | None = None,
    ) -> bytes:
        """One print-ready PDF, one certificate per page, in order."""
        items = list(items)
        if not items:
            raise ValueError("render_batch needs at least one certificate")
        total = len(items)
        documents = []
        done = 0
        for start in range(0, total, self.chunk_size):
            chunk = items[start:start + self.chunk_size]
            documents.append(self._layout(chunk))
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        pages = [page for document in documents for page in document.pages]
        combined = documents[0].copy(pages)
        combined.metadata = DocumentMetadata(
            title=title or f"{LABELS['en']['document_title']} ×{total}",
            generator="FabLab LMS",
        )
        with self._lock:
            return combined.write_pdf()


def _as_date(value: _dt.date) -> _dt.date:
    return value.date() if isinstance(value, _dt.datetime) else value


def merge_pdfs(pdfs: Sequence[bytes], *, progress: Progress | None = None) -> bytes:
    """Concatenate PDFs (e.g. frozen issued certificates) into one file.

    Pages are copied as they are, so each certificate prints exactly as it
    was issued.
    """
    if not pdfs:
        raise ValueError("merge_pdfs needs at least one PDF")
    writer = PdfWriter()
    total = len(pdfs)
    for index, blob in enumerate(pdfs, 1):
        writer.append(PdfReader(io.BytesIO(blob)))
        if progress is not None and (index % 50 == 0 or index == total):
            progress(index, total)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_certificate(template_dir: Path | str, data: CertificateData) -> bytes:
    """Convenience: load ``template_dir`` and render one certificate."""
    return CertificateRenderer(template_dir).render_one(data)
