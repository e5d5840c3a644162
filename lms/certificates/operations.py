"""Certificate verbs: issue (one or a batch), approve, revoke, reissue, verify, select and print.

They flush; the caller commits. The PDF is rendered once at issue time and stored
content-addressed; every later download and print uses those exact bytes.
"""
from __future__ import annotations

import io
import logging
import os
import re
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import db
from lms.accounts.models import User
from lms.assignments.models import Completion
from lms.catalog.models import Course, Enrolment
from lms.certificates import codes, publishing
from lms.certificates.serials import allocate_serials, serial_prefix  # noqa: F401 - the verbs callers use
from lms.certificates.models import Certificate, CertificateEvent, PrintJob, SerialCounter, VerifyRateLimit
from lms.certificates.pdf import LANGUAGES, CertificateData, CertificateRenderer, CertificateTemplateError, merge_pdfs
from lms.completion import completion_recorded
from lms.db import utcnow
from lms.storage_app import get_storage

log = logging.getLogger(__name__)

ISSUING = ("automatic", "approved")
DEFAULT_SIGNATORIES = [{"name": "", "title": "Director"}, {"name": "", "title": "Course instructor"}]
_TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")


class CertificateError(ValueError):
    """A problem the administrator can fix; ``message``/``params`` are a translatable template."""

    def __init__(self, message: str, status: int = 400, **params):
        super().__init__(message % params if params else message)
        self.message, self.params, self.status = message, params, status


# --- settings ----------------------------------------------------------------------------------


def verify_url(code: str) -> str:
    """The absolute, stable URL printed in the QR code; built from config so it works outside a request."""
    from lms.urls import absolute_url

    return absolute_url("certificates.verify", code=code)


def course_issuing(course: Course) -> str:
    issuing = (course.certificate or {}).get("issuing", "automatic")
    return issuing if issuing in ISSUING else "automatic"


def course_template(course: Course) -> str:
    return str((course.certificate or {}).get("template") or "default")


def renderer_for(template: str) -> CertificateRenderer:
    """One renderer per template folder and app, loaded once (fonts, CSS) and reused for every issue."""
    if not _TEMPLATE_NAME.match(template):
        raise CertificateError("The certificate template name %(name)s is not valid.", name=template)
    path = Path(current_app.config["LMS_CERTIFICATE_TEMPLATES_PATH"]) / template
    cache = current_app.extensions.setdefault("lms_cert_renderers", {})
    material = publishing.signing_material()  # a new key (keygen) makes new renderers
    key = (str(path), material.fingerprint() if material else None)
    renderer = cache.get(key)
    if renderer is None:
        try:
            renderer = CertificateRenderer(path, workers=render_workers(current_app.config), keep_workers=False,
                                           signing=material)
        except CertificateTemplateError as exc:
            raise CertificateError("The certificate template %(name)s cannot be used: %(error)s",
                                   name=template, error=str(exc)) from exc
        cache[key] = renderer
    return renderer


def render_workers(config) -> int:
    """Processes for batches larger than one chunk (single issues render in-process)."""
    workers = int(config.get("LMS_CERT_RENDER_WORKERS") or 0)
    return workers if workers > 0 else max(1, min(os.cpu_count() or 1, 4))


def new_code() -> str:
    """A code a person can type (see codes.py); never starts with "-", so a pasted code is no CLI option."""
    return codes.new_code()


def _hours(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


# --- issuing -----------------------------------------------------------------------------------


def record_event(sess: Session, action: str, certificate: Certificate | None, actor: User | None, **details) -> None:
    sess.add(CertificateEvent(action=action, certificate_id=certificate.id if certificate else None,
                              actor_id=_actor_id(actor),
                              details=details))


def issue_certificates(sess: Session, completions: Sequence[Completion], *, actor: User | None = None,
                       action: str = "issue", holder_names: dict[int, str] | None = None,
                       replaces: Certificate | None = None,
                       progress: Callable[[int, int], None] | None = None) -> list[Certificate]:
    """Issue one certificate per completion that has no valid one yet; return the new certificates.

    The batch is rendered with ``render_many`` (one WeasyPrint document per chunk, not one per
    certificate), each PDF is stored by its SHA-256, then the rows are written.
    """
    completions = list({c.id: c for c in completions}.values())
    if not completions:
        return []
    ids = [c.id for c in completions]
    already = set()
    for i in range(0, len(ids), 500):
        already.update(sess.scalars(select(Certificate.completion_id).where(
            Certificate.completion_id.in_(ids[i:i + 500]), Certificate.status == "valid")))
    completions = [c for c in completions if c.id not in already]
    if not completions:
        return []
    users = {u.id: u for u in _by_ids(sess, User, {c.user_id for c in completions})}
    courses = {c.id: c for c in _by_ids(sess, Course, {c.course_id for c in completions})}
    for completion in completions:  # fail on a bad template before any number is taken
        renderer_for(course_template(courses[completion.course_id]))

    today = date.today()
    serials = allocate_serials(sess, len(completions), today.year)
    config = current_app.config
    institution = str(config.get("LMS_INSTITUTION") or "")
    signatories = list(config.get("LMS_CERT_SIGNATORIES") or DEFAULT_SIGNATORIES)
    rows: list[tuple[Certificate, CertificateData]] = []
    for completion, serial in zip(completions, serials):
        course = courses[completion.course_id]
        language = course.language if course.language in LANGUAGES else "en"
        holder = (holder_names or {}).get(completion.id) or users[completion.user_id].name
        code = new_code()
        data = CertificateData(
            serial=serial, code=code, holder_name=holder.strip(), course_title=course.title_in(language).strip(),
            hours=_hours(completion.hours), completed_on=completion.completed_on, issued_on=today,
            verify_url=verify_url(code), language=language, institution=institution, signatories=signatories)
        cert = Certificate(
            serial=serial, code=code, completion_id=completion.id, user_id=completion.user_id, course_id=course.id,
            holder_name=data.holder_name, course_title=data.course_title, language=language, hours=completion.hours,
            completed_on=completion.completed_on, issued_on=today, issuer=institution,
            template=course_template(course), status="valid", issued_by_id=_actor_id(actor),
            replaces_id=replaces.id if replaces is not None else None)
        rows.append((cert, data))
    publishing.attach_credentials(sess, rows, courses, verify_url)

    by_template: dict[str, list[int]] = {}
    for index, (cert, _data) in enumerate(rows):
        by_template.setdefault(cert.template, []).append(index)
    storage = get_storage()
    done, total = 0, len(rows)
    for template, indexes in by_template.items():
        renderer = renderer_for(template)

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

    certificates = [cert for cert, _data in rows]
    sess.add_all(certificates)
    sess.flush()
    printed = printed_courses(sess, {cert.course_id for cert in certificates})
    for cert in certificates:
        details = {"serial": cert.serial, "completion_id": cert.completion_id, "holder": cert.holder_name,
                   "sha256": cert.pdf_sha256}
        if cert.course_id in printed:
            details["printed_part"] = "printed part verified"  # the course counts only signed-off prints
        if replaces is not None:
            details["replaces"] = replaces.serial
        record_event(sess, action, cert, actor, **details)
    sess.flush()
    return certificates


def printed_courses(sess: Session, course_ids: set[int]) -> set[int]:
    """The courses among ``course_ids`` whose completion needs a verified printed part."""
    from lms.catalog.models import Assignment

    if not course_ids:
        return set()
    return set(sess.scalars(select(Assignment.course_id).where(
        Assignment.course_id.in_(course_ids), Assignment.printed.is_(True), Assignment.archived.is_(False))))


def _by_ids(sess: Session, model, ids: set[int]) -> list:  # noqa: ANN001
    ids = list(ids)
    out = []
    for i in range(0, len(ids), 500):
        out.extend(sess.scalars(select(model).where(model.id.in_(ids[i:i + 500]))))
    return out


def _actor_id(actor: User | None) -> int | None:
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
              action: str = "issue", progress=None, limit: int | None = None) -> list[Certificate]:  # noqa: ANN001
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
        completions = [c for c in _by_ids(sess, Completion, set(completion_ids))
                       if course_issuing(sess.get(Course, c.course_id)) == "automatic"]
        if not completions:
            return []
        try:
            issued = issue_certificates(sess, completions)
            sess.commit()
            return issued
        except Exception:  # noqa: BLE001 - the completion stands; the certificate stays due for an administrator
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
    cert.revoked_by_id = _actor_id(actor)
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
    cert.status, cert.revoked_at, cert.revoked_by_id = "revoked", utcnow(), _actor_id(actor)
    cert.revoked_reason = "replaced"
    sess.flush()  # the old one stops being the completion's valid certificate
    new = issue_certificates(sess, [completion], actor=actor, action="reissue",
                             holder_names={completion.id: holder_name}, replaces=cert)[0]
    cert.revoked_reason = f"replaced by {new.serial}"
    record_event(sess, "revoke", cert, actor, serial=cert.serial, reason=cert.revoked_reason,
                 old_name=cert.holder_name, new_name=new.holder_name, note=note.strip())
    sess.flush()
    return new


# --- verification ------------------------------------------------------------------------------


def find_by_code(sess: Session, code: str) -> Certificate | None:
    """The certificate of a typed or scanned code: a legacy token exactly, a new code however it is written."""
    for candidate in codes.candidates(code):
        cert = sess.scalar(select(Certificate).where(Certificate.code == candidate))
        if cert is not None:
            return cert
    return None


def find_by_sha256(sess: Session, sha: str) -> Certificate | None:
    return sess.scalar(select(Certificate).where(Certificate.pdf_sha256 == sha).order_by(Certificate.id.desc()).limit(1))


def public_record(cert: Certificate) -> dict:
    """What anyone may see about a certificate (the verify page and its JSON)."""
    return {
        "serial": cert.serial, "code": cert.code, "holder": cert.holder_name, "course": cert.course_title,
        "hours": _hours(cert.hours), "completed_on": cert.completed_on.isoformat(),
        "issued_on": cert.issued_on.isoformat(), "issuer": cert.issuer, "status": cert.status,
        "revoked_on": cert.revoked_at.date().isoformat() if cert.revoked_at else None,
        "revoked_reason": cert.revoked_reason, "sha256": cert.pdf_sha256,
    }


def over_rate_limit(client: str, limit: int) -> bool:
    """Count one request of ``client`` in this minute; True when it is over ``limit``.

    Written in its own short transaction (not the request's), so refused and 404 requests count too,
    and every worker process shares the count.
    """
    if limit <= 0:
        return False
    minute = int(time.time() // 60)
    client = (client or "unknown")[:64]
    table = VerifyRateLimit.__table__
    bump = (update(table).where(table.c.client == client, table.c.minute == minute)
            .values(count=table.c.count + 1).returning(table.c.count))
    with db.get_db().engine.begin() as conn:
        count = conn.execute(bump).scalar()
        if count is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(table).values(client=client, minute=minute, count=1))
                count = 1
            except IntegrityError:
                count = conn.execute(bump).scalar() or 1
            conn.execute(delete(table).where(table.c.minute < minute - 1))  # once a minute per client
    return count > limit


# --- selection and printing --------------------------------------------------------------------


@dataclass
class Selection:
    """Which certificates to print: valid ones, by course, cohort dates and/or serials."""

    course_id: int | None = None
    enrolled_from: date | None = None
    enrolled_to: date | None = None
    completed_from: date | None = None
    completed_to: date | None = None
    serials: list[str] = field(default_factory=list)

    def describe(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v}


def select_certificates(sess: Session, sel: Selection) -> tuple[list[Certificate], list[str]]:
    """(valid certificates in serial order, serials asked for that are unknown or not valid)."""
    query = select(Certificate).where(Certificate.status == "valid")
    if sel.course_id:
        query = query.where(Certificate.course_id == sel.course_id)
    if sel.completed_from:
        query = query.where(Certificate.completed_on >= sel.completed_from)
    if sel.completed_to:
        query = query.where(Certificate.completed_on <= sel.completed_to)
    if sel.enrolled_from or sel.enrolled_to:
        query = query.join(Enrolment, (Enrolment.user_id == Certificate.user_id) & (Enrolment.course_id == Certificate.course_id))
        if sel.enrolled_from:
            query = query.where(Enrolment.created_at >= datetime.combine(sel.enrolled_from, datetime.min.time()))
        if sel.enrolled_to:
            query = query.where(Enrolment.created_at < datetime.combine(sel.enrolled_to + timedelta(days=1), datetime.min.time()))
    missing: list[str] = []
    if sel.serials:
        found = []
        for i in range(0, len(sel.serials), 500):
            found.extend(sess.scalars(query.where(Certificate.serial.in_(sel.serials[i:i + 500]))))
        known = {c.serial for c in found}
        missing = [s for s in sel.serials if s not in known]
        certs = sorted(found, key=lambda c: c.serial)
    else:
        certs = list(sess.scalars(query.order_by(Certificate.serial)))
    return certs, missing


def stored_pdf(cert: Certificate) -> bytes:
    return get_storage().path(cert.pdf_sha256).read_bytes()


def print_pdf(certs: Sequence[Certificate], progress=None) -> bytes:  # noqa: ANN001
    """One print-ready PDF: the frozen issued files, page by page, unchanged."""
    return merge_pdfs([stored_pdf(c) for c in certs], progress=progress, title=f"Certificates ×{len(certs)}")


def print_zip(certs: Sequence[Certificate], progress=None) -> bytes:  # noqa: ANN001
    """A ZIP of the frozen issued files, ``<serial>.pdf`` each (stored, not recompressed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for index, cert in enumerate(certs, 1):
            zf.writestr(f"{cert.serial}.pdf", stored_pdf(cert))
            if progress is not None and (index % 50 == 0 or index == len(certs)):
                progress(index, len(certs))
    return out.getvalue()


def create_print_job(sess: Session, certs: Sequence[Certificate], output: str, sel: Selection,
                     actor: User | None) -> PrintJob:
    if not certs:
        raise CertificateError("No valid certificates match this selection.")
    if output not in ("pdf", "zip"):
        raise CertificateError("Choose PDF or ZIP.")
    job = PrintJob(created_by_id=_actor_id(actor), output=output, selection=sel.describe(),
                   certificate_ids=[c.id for c in certs], total=len(certs), state="queued")
    sess.add(job)
    sess.flush()
    record_event(sess, "print", None, actor, job=job.id, output=output, count=len(certs), selection=sel.describe())
    return job


def run_print_job(sess: Session, job: PrintJob) -> None:
    """Produce the job's file, committing progress as it goes (called by the task with its own session)."""
    job.state, job.done, job.error, job.updated_at = "running", 0, None, utcnow()
    sess.commit()
    ids = list(job.certificate_ids)
    by_id = {c.id: c for c in _by_ids(sess, Certificate, set(ids))}
    certs = [by_id[i] for i in ids if i in by_id]

    def progress(done: int, total: int) -> None:
        job.done, job.updated_at = done, utcnow()
        sess.commit()

    blob = print_pdf(certs, progress) if job.output == "pdf" else print_zip(certs, progress)
    job.result_sha256 = get_storage().put_bytes(blob)
    job.result_size = len(blob)
    job.state, job.done, job.finished_at = "done", len(certs), utcnow()
    job.updated_at = job.finished_at
    sess.commit()
