"""Verification: finding a certificate by its typed or scanned code or by the SHA-256
of its PDF, what anyone may see of it, and the verify page's per-client rate limit."""
from __future__ import annotations

import time

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import db
from lms.certificates import codes
from lms.certificates.issuing import hours_value
from lms.certificates.models import Certificate, VerifyRateLimit


def find_by_code(sess: Session, code: str) -> Certificate | None:
    """The certificate of a typed or scanned code: a legacy token exactly, a new code however it is written."""
    for candidate in codes.candidates(code):
        cert = sess.scalar(select(Certificate).where(Certificate.code == candidate))
        if cert is not None:
            return cert
    return None


def find_by_sha256(sess: Session, sha: str) -> Certificate | None:
    query = select(Certificate).where(Certificate.pdf_sha256 == sha)
    return sess.scalar(query.order_by(Certificate.id.desc()).limit(1))


def public_record(cert: Certificate) -> dict:
    """What anyone may see about a certificate (the verify page and its JSON)."""
    return {
        "serial": cert.serial, "code": cert.code, "holder": cert.holder_name, "course": cert.course_title,
        "hours": hours_value(cert.hours), "completed_on": cert.completed_on.isoformat(),
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


