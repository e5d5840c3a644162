"""Certificates: frozen issued rows (with their PDF by hash), serial counters, the audit log, print jobs."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, utcnow

STATUSES = ("valid", "revoked")
JOB_STATES = ("queued", "running", "done", "failed")


class Certificate(Base):
    """One issued certificate. Everything printed on it is copied here at issue time and never changes;
    only the revocation columns are written later."""

    __tablename__ = "lms_certificates"
    __table_args__ = (
        # At most one valid certificate per completion, even when two issuers race.
        Index("uq_lms_certificates_valid_completion", "completion_id", unique=True,
              sqlite_where=text("status = 'valid'"), postgresql_where=text("status = 'valid'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    completion_id: Mapped[int] = mapped_column(ForeignKey("lms_completions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_courses.id"), index=True)
    holder_name: Mapped[str] = mapped_column(String(200))
    course_title: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(8))
    hours: Mapped[float]
    completed_on: Mapped[date]
    issued_on: Mapped[date]
    issuer: Mapped[str] = mapped_column(String(300))
    template: Mapped[str] = mapped_column(String(100))
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)
    pdf_size: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="valid", index=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("lms_certificates.id"))
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    #: The signed Open Badges 3.0 credential (a VC-JWT), also embedded in the PDF; None before keys existed.
    credential_jwt: Mapped[str | None] = mapped_column(Text)
    #: This certificate's bit in the revocation status list (see status_list.py).
    status_index: Mapped[int | None] = mapped_column(unique=True, index=True)


class SerialCounter(Base):
    """The last serial number used per (prefix, year): incremented atomically in the issuing transaction,
    so numbers are neither duplicated nor skipped (a rolled-back issue rolls its numbers back too)."""

    __tablename__ = "lms_certificate_counters"

    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class CertificateEvent(Base):
    """The audit log: every issue, approval, revocation, reissue and print."""

    __tablename__ = "lms_certificate_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))  # None: the system or the CLI
    action: Mapped[str] = mapped_column(String(20))  # issue | approve | revoke | reissue | print
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("lms_certificates.id"), index=True)
    details: Mapped[dict] = mapped_column(default=dict)


class PrintJob(Base):
    """A batch print (one merged PDF or a ZIP of the frozen PDFs), produced by a background task."""

    __tablename__ = "lms_certificate_print_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    output: Mapped[str] = mapped_column(String(4))  # pdf | zip
    selection: Mapped[dict] = mapped_column(default=dict)  # what was asked for, for the page
    certificate_ids: Mapped[list] = mapped_column(default=list)  # frozen at creation, in print order
    state: Mapped[str] = mapped_column(String(10), default="queued")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    result_sha256: Mapped[str | None] = mapped_column(String(64))
    result_size: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class VerifyRateLimit(Base):
    """Requests per client and minute on the public verification pages (shared by every worker process)."""

    __tablename__ = "lms_verify_rate_limits"

    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    minute: Mapped[int] = mapped_column(primary_key=True, index=True)
    count: Mapped[int] = mapped_column(default=0)
