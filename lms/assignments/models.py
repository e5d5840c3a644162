from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, utcnow

STATES = ("queued", "checking", "checked", "failed")
DECISIONS = ("accepted", "returned")


class Submission(Base):
    """One attempt at an assignment: the uploaded file (by hash), its check state and report."""

    __tablename__ = "lms_submissions"
    __table_args__ = (
        UniqueConstraint("assignment_id", "user_id", "attempt"),
        Index("ix_lms_submissions_state_updated", "state", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("lms_assignments.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"), index=True)
    attempt: Mapped[int]
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_size: Mapped[int]
    file_format: Mapped[str] = mapped_column(String(8))
    original_name: Mapped[str] = mapped_column(String(255))  # display text only
    note: Mapped[str] = mapped_column(Text, default="")  # the learner's note (Markdown), kept with the attempt
    late: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    report: Mapped[dict | None]
    error: Mapped[str | None] = mapped_column(Text)
    checks_passed: Mapped[bool | None]
    thumbnail_sha256: Mapped[str | None] = mapped_column(String(64))
    thumbnail_small_sha256: Mapped[str | None] = mapped_column(String(64))
    viewer_sha256: Mapped[str | None] = mapped_column(String(64))
    repaired_sha256: Mapped[str | None] = mapped_column(String(64))
    decision: Mapped[str | None] = mapped_column(String(10))  # accepted | returned, from the latest grade
    score: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_at: Mapped[datetime | None]

    @property
    def error_item(self) -> dict:
        """Why the check failed, as {message, message_template, params} (translatable when the engine said why)."""
        if not self.error:
            return {}
        try:
            item = json.loads(self.error)
        except ValueError:
            item = None
        return item if isinstance(item, dict) else {"message": self.error}


class Grade(Base):
    __tablename__ = "lms_grades"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("lms_submissions.id"), index=True)
    grader_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"))
    rubric_scores: Mapped[list]
    rubric_comments: Mapped[list | None]  # one comment per criterion, same order as rubric_scores
    score: Mapped[float]
    max_score: Mapped[float]
    feedback: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Completion(Base):
    """A learner completed a course: written once, by the rule or by hand with a reason."""

    __tablename__ = "lms_completions"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_courses.id"), index=True)
    completed_on: Mapped[date]
    hours: Mapped[float]
    final_score: Mapped[float | None]
    source: Mapped[str] = mapped_column(String(10))  # rule | manual
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    __tablename__ = "lms_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    params: Mapped[dict] = mapped_column(default=dict)
    target: Mapped[str] = mapped_column(String(200))  # "submission:<id>" or "course:<slug>"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class Extension(Base):
    """An instructor gave one learner more time on one assignment: uploads count as on time until ``until``."""

    __tablename__ = "lms_extensions"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("lms_assignments.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"), index=True)
    until: Mapped[datetime]  # UTC, naive like every stored time
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
