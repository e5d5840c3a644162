"""Stored files that certificates refer to (kept by `lms storage sweep`)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.certificates.models import Certificate, PrintJob


def certificate_hashes(sess: Session) -> set[str]:
    refs = set(sess.scalars(select(Certificate.pdf_sha256)))
    refs.update(sess.scalars(select(PrintJob.result_sha256).where(PrintJob.result_sha256.is_not(None))))
    return refs
