"""Certificate template: the data printed on a certificate, the template folder
(Jinja ``template.html``, ``style.css``, optional ``labels.json``) and the QR code
markup the template prints. Pure: no Flask, no WeasyPrint."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from numbers import Real
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import segno
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .pdf_labels import LABELS, LANGUAGES, format_date, format_hours


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


def _qr(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False, mask=QR_MASK)


def _qr_svg_markup(qr: segno.QRCode) -> Markup:
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

    __slots__ = ("_qr", "_svg", "url")

    def __init__(self, url: str):
        self.url = url
        self._qr = None
        self._svg = None

    @property
    def qr(self) -> segno.QRCode:
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


class CertificateTemplate:
    """One template folder, loaded once: the sandboxed Jinja template, the CSS
    text and the labels per language."""

    def __init__(self, root: Path, shown: Path | None = None):
        """``root``: the resolved folder; ``shown``: the folder as the caller named it (for messages)."""
        shown = root if shown is None else shown
        self.root = root
        self.env = _environment(root)
        self.template = _load_template(self.env, shown)
        self.css_text = _read_css(root, shown)
        self.labels = _load_labels(root)
        #: Whether template.html refers to the ``layer`` variable.
        self.uses_layers = _uses_layers(self.env)

    def context(self, data: CertificateData) -> dict[str, Any]:
        """The values one certificate passes to the template (``c`` in the loop)."""
        self._check(data)
        lang = data.language
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

    def _check(self, data: CertificateData) -> None:
        if not isinstance(data, CertificateData):
            raise TypeError(f"expected CertificateData, got {type(data).__name__}")
        if data.language not in self.labels:
            raise ValueError(f"unsupported certificate language {data.language!r}; use one of {LANGUAGES}")
        if not isinstance(data.hours, (Real, Decimal)) or isinstance(data.hours, bool):
            raise TypeError("hours must be a number")

    def render_html(self, items: Sequence[CertificateData], *, layer: str = "full") -> str:
        """The HTML document for ``items`` (one page each); useful for previews.

        ``layer`` is "full" (the whole certificate), "background" or
        "variable" (see the module docstring)."""
        certificates = [self.context(d) for d in items]
        return self.render_template(certificates, [d.serial for d in items], layer)

    def render_template(self, certificates: list[dict], serials: Sequence[str], layer: str) -> str:
        """The HTML of prepared ``certificates`` contexts for one ``layer``."""
        if len(certificates) == 1:
            title = f"{certificates[0]['labels']['document_title']} {serials[0]}"
        else:
            title = f"{LABELS['en']['document_title']} ×{len(certificates)}"
        try:
            return self.template.render(certificates=certificates, document_title=title, layer=layer)
        except jinja2.TemplateError as exc:
            raise CertificateTemplateError(f"template.html: {exc}") from exc



def _environment(root: Path) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(root)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _load_template(env: jinja2.Environment, root: Path) -> jinja2.Template:
    try:
        return env.get_template("template.html")
    except jinja2.TemplateNotFound:
        raise CertificateTemplateError(f"{root}/template.html is missing") from None
    except jinja2.TemplateSyntaxError as exc:
        raise CertificateTemplateError(f"{root}/template.html line {exc.lineno}: {exc.message}") from exc


def _read_css(root: Path, shown: Path) -> str:
    try:
        return (root / "style.css").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CertificateTemplateError(f"{shown}/style.css is missing") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CertificateTemplateError(f"{shown}/style.css is unreadable: {exc}") from exc


def _load_labels(root: Path) -> dict[str, dict[str, str]]:
    labels = {lang: dict(values) for lang, values in LABELS.items()}
    path = root / "labels.json"
    if not path.is_file():
        return labels
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

def _uses_layers(env: jinja2.Environment) -> bool:
    """Whether template.html refers to the ``layer`` variable."""
    try:
        source = env.loader.get_source(env, "template.html")[0]
        return "layer" in jinja2.meta.find_undeclared_variables(env.parse(source))
    except jinja2.TemplateError:
        return False

