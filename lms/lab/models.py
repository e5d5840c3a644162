"""The lab's printers, print jobs on their OctoPrint servers, and the sign-off of a printed part."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, utcnow

JOB_STATES = ("queued", "uploading", "printing", "printed", "failed", "cancelled")
OPEN_STATES = ("queued", "uploading", "printing")


class Printer(Base):
    __tablename__ = "lms_lab_printers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    profile: Mapped[str] = mapped_column(String(60))  # a lab profile (lms.lab.profiles)
    octoprint_url: Mapped[str | None] = mapped_column(String(300))
    api_key: Mapped[str | None] = mapped_column(String(200))  # write-only: never rendered or printed
    cost_per_kg: Mapped[float | None]
    active: Mapped[bool] = mapped_column(default=True)
    state: Mapped[str] = mapped_column(String(20), default="unknown")  # last seen: ready, printing, offline...
    state_message: Mapped[str | None] = mapped_column(Text)
    state_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LabJob(Base):
    """One submission's G-code sent to one printer; ``position`` orders the queue."""

    __tablename__ = "lms_lab_jobs"
    __table_args__ = (Index("ix_lms_lab_jobs_state_position", "state", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("lms_submissions.id"), index=True)
    printer_id: Mapped[int] = mapped_column(ForeignKey("lms_lab_printers.id"), index=True)
    gcode_sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12), default="queued")
    message: Mapped[str | None] = mapped_column(Text)  # JSON {message_template, params}: translated when shown
    position: Mapped[int] = mapped_column(default=0)
    remote_name: Mapped[str | None] = mapped_column(String(120))  # the file's name on OctoPrint
    progress: Mapped[float | None]
    time_left_s: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    retry_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class PrintSignoff(Base):
    """An instructor confirmed the printed part, with a photo of it (re-encoded, stored by hash)."""

    __tablename__ = "lms_lab_signoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("lms_submissions.id"), unique=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("lms_lab_jobs.id"))  # None: printed outside the queue
    photo_sha256: Mapped[str | None] = mapped_column(String(64))
    photo_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    signed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
