"""Issuing verbs: issue (one, a batch, every due one, automatically on completion),
revoke and reissue. They flush; the caller commits. The PDF is rendered once at issue
time and stored content-addressed; every later download and print uses those bytes.
The cores take a :class:`~lms.certificates.settings.CertificateSettings` (defaulting
to the current app's) instead of reading ``current_app``."""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from lms import db
from lms.accounts.models import User
from lms.assignments.models import Completion
from lms.catalog.models import Course
from lms.certificates import codes, publishing
from lms.certificates.models import Certificate, CertificateEvent
from lms.certificates.pdf import LANGUAGES, CertificateData, CertificateRenderer, CertificateTemplateError
from lms.certificates.serials import allocate_serials
from lms.certificates.settings import CertificateSettings, course_issuing, current_settings
from lms.completion import completion_recorded
from lms.db import utcnow
from lms.errors import UserFacingError
from lms.storage_app import get_storage

log = logging.getLogger(__name__)

_TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")


class CertificateError(UserFacingError):
    """A problem the administrator can fix; ``message``/``params`` are a translatable template."""


# --- settings ----------------------------------------------------------------------------------


def verify_url(code: str) -> str:
    """The absolute, stable URL printed in the QR code; built from config so it works outside a request."""
    from lms.urls import absolute_url

    return absolute_url("certificates.verify", code=code)


def course_template(course: Course) -> str:
    return str((course.certificate or {}).get("template") or "default")


def renderer_for(template: str, settings: CertificateSettings | None = None) -> CertificateRenderer:
    """One renderer per template folder and app, loaded once (fonts, CSS) and reused for every issue."""
    if not _TEMPLATE_NAME.match(template):
        raise CertificateError("The certificate template name %(name)s is not valid.", name=template)
    settings = settings or current_settings()
    path = settings.templates_path / template
    material = publishing.signing_material()  # a new key (keygen) makes new renderers
    key = (str(path), material.fingerprint() if material else None)
    renderer = settings.renderers.get(key)
    if renderer is None:
        try:
            renderer = CertificateRenderer(path, workers=settings.render_workers, keep_workers=False,
                                           signing=material)
        except CertificateTemplateError as exc:
            raise CertificateError("The certificate template %(name)s cannot be used: %(error)s",
                                   name=template, error=str(exc)) from exc
        settings.renderers[key] = renderer
    return renderer


def new_code() -> str:
    """A code a person can type (see codes.py); never starts with "-", so a pasted code is no CLI option."""
    return codes.new_code()


def hours_value(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


# --- issuing -----------------------------------------------------------------------------------


def record_event(sess: Session, action: str, certificate: Certificate | None, actor: User | None, **details) -> None:
    sess.add(CertificateEvent(action=action, certificate_id=certificate.id if certificate else None,
                              actor_id=actor_id(actor),
                              details=details))


def issue_certificates(sess: Session, completions: Sequence[Completion], *, actor: User | None = None,
                       action: str = "issue", holder_names: dict[int, str] | None = None,
                       replaces: Certificate | None = None,
                       progress: Callable[[int, int], None] | None = None,
                       settings: CertificateSettings | None = None) -> list[Certificate]:
    """Issue one certificate per completion that has no valid one yet; return the new certificates.

    The batch is rendered with ``render_many`` (one WeasyPrint document per chunk, not one per
    certificate), each PDF is stored by its SHA-256, then the rows are written.
    """
    completions = _without_valid(sess, completions)
    if not completions:
        return []
    settings = settings or current_settings()
    courses = {c.id: c for c in by_ids(sess, Course, {c.course_id for c in completions})}
    for completion in completions:  # fail on a bad template before any number is taken
        renderer_for(course_template(courses[completion.course_id]), settings)
    rows = _build_rows(sess, completions, courses, holder_names or {}, actor, replaces, settings)
    publishing.attach_credentials(sess, rows, courses, verify_url)
    _render_and_store(rows, progress, settings)
    certificates = [cert for cert, _data in rows]
    sess.add_all(certificates)
    sess.flush()
    _record_issued(sess, certificates, action, actor, replaces)
    sess.flush()
    return certificates


def _without_valid(sess: Session, completions: Sequence[Completion]) -> list[Completion]:
    """The distinct completions among ``completions`` that have no valid certificate yet."""
    completions = list({c.id: c for c in completions}.values())
    ids = [c.id for c in completions]
    already = set()
    for i in range(0, len(ids), 500):
        already.update(sess.scalars(select(Certificate.completion_id).where(
            Certificate.completion_id.in_(ids[i:i + 500]), Certificate.status == "valid")))
    return [c for c in completions if c.id not in already]


def _build_rows(sess: Session, completions: list[Completion], courses: dict[int, Course],
                holder_names: dict[int, str], actor: User | None, replaces: Certificate | None,
                settings: CertificateSettings) -> list[tuple[Certificate, CertificateData]]:
    users = {u.id: u for u in by_ids(sess, User, {c.user_id for c in completions})}
    today = date.today()
    serials = allocate_serials(sess, len(completions), today.year)
    rows = []
    for completion, serial in zip(completions, serials):
        course = courses[completion.course_id]
        holder = holder_names.get(completion.id) or users[completion.user_id].name
        data = _certificate_data(completion, course, serial, holder, today, settings)
        cert = Certificate(
            serial=serial, code=data.code, completion_id=completion.id, user_id=completion.user_id,
            course_id=course.id, holder_name=data.holder_name, course_title=data.course_title,
            language=data.language, hours=completion.hours, completed_on=completion.completed_on,
            issued_on=today, issuer=settings.institution, template=course_template(course), status="valid",
            issued_by_id=actor_id(actor), replaces_id=replaces.id if replaces is not None else None)
        rows.append((cert, data))
    return rows


def _certificate_data(completion: Completion, course: Course, serial: str, holder: str, today: date,
                      settings: CertificateSettings) -> CertificateData:
    language = course.language if course.language in LANGUAGES else "en"
    code = new_code()
    return CertificateData(
        serial=serial, code=code, holder_name=holder.strip(), course_title=course.title_in(language).strip(),
        hours=hours_value(completion.hours), completed_on=completion.completed_on, issued_on=today,
        verify_url=verify_url(code), language=language, institution=settings.institution,
        signatories=settings.signatories)


def _render_and_store(rows: list[tuple[Certificate, CertificateData]], progress: Callable[[int, int], None] | None,
                      settings: CertificateSettings) -> None:
    """Render each template's certificates as one render_many batch and store the PDFs by SHA-256."""
    by_template: dict[str, list[int]] = {}
    for index, (cert, _data) in enumerate(rows):
        by_template.setdefault(cert.template, []).append(index)
    storage = get_storage()
    done, total = 0, len(rows)
    for template, indexes in by_template.items():
        renderer = renderer_for(template, settings)

        def _progress(n: int, _t: int, base=done) -> None:
            if progress is not None:
                progress(base + n, total)

        try:
            pdfs = renderer.render_many([rows[i][1] for i in indexes], progress=_progress)
        except CertificateTemplateError as exc:
            raise CertificateError("The certificate template %(name)s failed: %(error)s",
                                   name=template, error=str(exc)) from exc
        for i, pdf in zip(indexes, pdfs):
            rows[i][0].pdf_sha256 = storage.put_bytes(pdf)
            rows[i][0].pdf_size = len(pdf)
        done += len(indexes)


def _record_issued(sess: Session, certificates: list[Certificate], action: str, actor: User | None,
                   replaces: Certificate | None) -> None:
    printed = printed_courses(sess, {cert.course_id for cert in certificates})
    for cert in certificates:
        details = {"serial": cert.serial, "completion_id": cert.completion_id, "holder": cert.holder_name,
                   "sha256": cert.pdf_sha256}
        if cert.course_id in printed:
            details["printed_part"] = "printed part verified"  # the course counts only signed-off prints
        if replaces is not None:
            details["replaces"] = replaces.serial
        record_event(sess, action, cert, actor, **details)


def printed_courses(sess: Session, course_ids: set[int]) -> set[int]:
    """The courses among ``course_ids`` whose completion needs a verified printed part."""
    from lms.catalog.models import Assignment

    if not course_ids:
        return set()
    return set(sess.scalars(select(Assignment.course_id).where(
        Assignment.course_id.in_(course_ids), Assignment.printed.is_(True), Assignment.archived.is_(False))))


def by_ids(sess: Session, model, ids: set[int]) -> list:
    """Rows of ``model`` with these ids, fetched 500 at a time."""
    ids = list(ids)
    out = []
    for i in range(0, len(ids), 500):
        out.extend(sess.scalars(select(model).where(model.id.in_(ids[i:i + 500]))))
    return out


def actor_id(actor: User | None) -> int | None:
    return actor.id if actor is not None and getattr(actor, "is_authenticated", True) else None


def issue_certificate(sess: Session, completion: Completion, actor: User | None = None,
                      action: str = "issue") -> Certificate:
    """Issue for one completion (by hand or by approval); CertificateError when it already has one."""
    issued = issue_certificates(sess, [completion], actor=actor, action=action)
    if not issued:
        raise CertificateError("This completion already has a valid certificate.", 409)
    return issued[0]


def due_query(course: Course | None = None):
    """Completions without any certificate (a revoked one without a replacement is a decision, not a due)."""
    query = select(Completion).where(~exists().where(Certificate.completion_id == Completion.id))
    if course is not None:
        query = query.where(Completion.course_id == course.id)
    return query


def issue_due(sess: Session, course: Course | None = None, actor: User | None = None,
              action: str = "issue", progress=None, limit: int | None = None) -> list[Certificate]:
    """Every due certificate (of ``course``; the first ``limit`` of them), in one render_many batch per template."""
    query = due_query(course).order_by(Completion.completed_on, Completion.id)
    completions = list(sess.scalars(query if limit is None else query.limit(limit)))
    return issue_certificates(sess, completions, actor=actor, action=action, progress=progress)


def count_due(sess: Session, course: Course | None = None) -> int:
    return sess.scalar(select(func.count()).select_from(due_query(course).subquery())) or 0


#: Approving more than this many at once runs as a background task (see tasks.issue_due_task).
BACKGROUND_ISSUE_THRESHOLD = 50
#: The background task commits after every chunk, so the admin page shows its progress.
BACKGROUND_ISSUE_CHUNK = 200


# --- automatic issuing on completion -------------------------------------------------------------


@completion_recorded.connect
def issue_recorded(_sender, completion_ids: Sequence[int], **_extra) -> list[Certificate]:
    """Issue, in a transaction of its own, the certificates of just-committed completions in automatic courses.

    All completions of one commit render as one batch (a cohort recorded at once). Approved courses wait
    for an administrator; so does a completion whose issuing failed (it stays due, nothing is lost)."""
    with db.get_db().session() as sess:
        completions = [c for c in by_ids(sess, Completion, set(completion_ids))
                       if course_issuing(sess.get(Course, c.course_id)) == "automatic"]
        if not completions:
            return []
        try:
            issued = issue_certificates(sess, completions)
            sess.commit()
            return issued
        except Exception:  # the completion stands; the certificate stays due for an administrator
            log.exception("automatic issuing failed for completions %s; they stay due", list(completion_ids))
            sess.rollback()
            return []


# --- revoke and reissue ------------------------------------------------------------------------


def revoke(sess: Session, cert: Certificate, reason: str, actor: User | None = None) -> None:
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise CertificateError("Give a reason for the revocation.")
    if cert.status == "revoked":
        raise CertificateError("This certificate is already revoked.", 409)
    cert.status, cert.revoked_at, cert.revoked_reason = "revoked", utcnow(), reason[:2000]
    cert.revoked_by_id = actor_id(actor)
    record_event(sess, "revoke", cert, actor, serial=cert.serial, reason=cert.revoked_reason)
    sess.flush()


def reissue(sess: Session, cert: Certificate, holder_name: str, actor: User | None = None,
            note: str = "") -> Certificate:
    """Correct a certificate: revoke it ("replaced by <new serial>") and issue a new one with ``holder_name``."""
    holder_name = " ".join((holder_name or "").split())
    if not holder_name:
        raise CertificateError("Give the name to print.")
    if cert.status != "valid":
        raise CertificateError("Only a valid certificate can be reissued.", 409)
    completion = sess.get(Completion, cert.completion_id)
    cert.status, cert.revoked_at, cert.revoked_by_id = "revoked", utcnow(), actor_id(actor)
    cert.revoked_reason = "replaced"
    sess.flush()  # the old one stops being the completion's valid certificate
    new = issue_certificates(sess, [completion], actor=actor, action="reissue",
                             holder_names={completion.id: holder_name}, replaces=cert)[0]
    cert.revoked_reason = f"replaced by {new.serial}"
    record_event(sess, "revoke", cert, actor, serial=cert.serial, reason=cert.revoked_reason,
                 old_name=cert.holder_name, new_name=new.holder_name, note=note.strip())
    sess.flush()
    return new
