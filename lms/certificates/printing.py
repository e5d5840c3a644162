"""Selection and printing: which valid certificates to print, and one print file (a
PDF of the frozen issued files, or a ZIP of them) made by a background print job."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.catalog.models import Enrolment
from lms.certificates.issuing import CertificateError, actor_id, by_ids, record_event
from lms.certificates.models import Certificate, PrintJob
from lms.certificates.pdf import merge_pdfs
from lms.db import utcnow
from lms.storage_app import get_storage


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
    query = _selection_query(sel)
    if not sel.serials:
        return list(sess.scalars(query.order_by(Certificate.serial))), []
    found = []
    for i in range(0, len(sel.serials), 500):
        found.extend(sess.scalars(query.where(Certificate.serial.in_(sel.serials[i:i + 500]))))
    known = {c.serial for c in found}
    return sorted(found, key=lambda c: c.serial), [s for s in sel.serials if s not in known]


def _selection_query(sel: Selection):
    query = select(Certificate).where(Certificate.status == "valid")
    if sel.course_id:
        query = query.where(Certificate.course_id == sel.course_id)
    if sel.completed_from:
        query = query.where(Certificate.completed_on >= sel.completed_from)
    if sel.completed_to:
        query = query.where(Certificate.completed_on <= sel.completed_to)
    if sel.enrolled_from or sel.enrolled_to:
        same = (Enrolment.user_id == Certificate.user_id) & (Enrolment.course_id == Certificate.course_id)
        query = query.join(Enrolment, same)
    if sel.enrolled_from:
        query = query.where(Enrolment.created_at >= _midnight(sel.enrolled_from))
    if sel.enrolled_to:
        query = query.where(Enrolment.created_at < _midnight(sel.enrolled_to + timedelta(days=1)))
    return query


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


def stored_pdf(cert: Certificate) -> bytes:
    return get_storage().path(cert.pdf_sha256).read_bytes()


def print_pdf(certs: Sequence[Certificate], progress=None) -> bytes:
    """One print-ready PDF: the frozen issued files, page by page, unchanged."""
    return merge_pdfs([stored_pdf(c) for c in certs], progress=progress, title=f"Certificates ×{len(certs)}")


def print_zip(certs: Sequence[Certificate], progress=None) -> bytes:
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
    job = PrintJob(created_by_id=actor_id(actor), output=output, selection=sel.describe(),
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
    by_id = {c.id: c for c in by_ids(sess, Certificate, set(ids))}
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
