"""Assignment verbs: submit, check, grade. They flush; the caller commits. Completion lives in lms.completion."""
from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import BinaryIO

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import geometry
from lms.accounts.models import User
from lms.assignments.models import Extension, Grade, Notification, Submission
from lms.catalog.deadlines import deadline_state
from lms.catalog.models import Assignment, Course
from lms.completion import completion_status, evaluate_completion, record_completion  # noqa: F401 - moved there
from lms.db import utcnow
from lms.errors import UserFacingError
from lms.geometry.i18n import N_
from lms.storage import LocalStorage, Staged, TooLarge

HEAD_BYTES = 4096
MAX_NOTE_CHARS = 5000


class SubmissionError(UserFacingError):
    """A problem the learner can fix; ``message``/``params`` are a translatable template."""


def assignment_max_bytes(assignment: Assignment) -> int:
    limit_mb = assignment.requirements.get("max_file_mb") or current_app.config["LMS_MAX_UPLOAD_MB"]
    return int(min(float(limit_mb), current_app.config["LMS_MAX_UPLOAD_MB"]) * 1024 * 1024)


def attempts_used(sess: Session, user: User, assignment: Assignment) -> int:
    return sess.scalar(select(func.count(Submission.id)).where(
        Submission.assignment_id == assignment.id, Submission.user_id == user.id)) or 0


def is_accepted(sess: Session, user: User, assignment: Assignment) -> bool:
    return sess.scalar(select(Submission.id).where(
        Submission.assignment_id == assignment.id, Submission.user_id == user.id,
        Submission.decision == "accepted").limit(1)) is not None


def extension_for(sess: Session, user: User, assignment: Assignment) -> Extension | None:
    return sess.scalar(select(Extension).where(Extension.assignment_id == assignment.id, Extension.user_id == user.id))


def deadline_for(sess: Session, user: User, assignment: Assignment) -> str:
    """'open', 'late' or 'closed' for this learner now, counting an extension they were given."""
    extension = extension_for(sess, user, assignment)
    return deadline_state(utcnow(), _due_at(assignment), assignment.cutoff_at, extension.until if extension else None)


def _due_at(assignment: Assignment) -> datetime | None:
    """Rows synced before due times existed have only the due date."""
    if assignment.due_at is None and assignment.due is not None:
        return datetime.combine(assignment.due, time(23, 59, 59))
    return assignment.due_at


def grant_extension(sess: Session, granter: User | None, user: User, assignment: Assignment,
                    until: datetime) -> Extension:
    """Give one learner time until ``until`` (naive UTC); a second grant replaces the first."""
    extension = extension_for(sess, user, assignment)
    if extension is None:
        extension = Extension(assignment_id=assignment.id, user_id=user.id, until=until)
        sess.add(extension)
    extension.until, extension.granted_by_id = until, granter.id if granter else None
    course = sess.get(Course, assignment.course_id)
    notify(sess, user.id, "extension_granted", {"assignment": assignment.title, "until": until.isoformat(" ", "minutes")},
           f"course:{course.slug}")
    sess.flush()
    return extension


def can_submit(sess: Session, user: User, assignment: Assignment) -> SubmissionError | None:
    """None when a new attempt is allowed, else why not (raise it, or show its translatable message)."""
    if assignment.archived:
        return SubmissionError(N_("This assignment is closed."), 409)
    if deadline_for(sess, user, assignment) == "closed":
        return SubmissionError(N_("The deadline for this assignment has passed; uploads are closed. "
                                  "Ask your instructor for an extension."), 409)
    if is_accepted(sess, user, assignment):
        return SubmissionError(N_("Your work was accepted; no more attempts are needed."), 409)
    if assignment.max_attempts and attempts_used(sess, user, assignment) >= assignment.max_attempts:
        return SubmissionError(N_("You have used all %(n)d attempts."), 409, n=assignment.max_attempts)
    return None


def submit_model(sess: Session, storage: LocalStorage, user: User, assignment: Assignment,
                 stream: BinaryIO, filename: str, note: str = "") -> Submission:
    """Read the upload aside, check it, add its row, and only then store the file (content-addressed).

    A refused upload leaves nothing on disk; the row is committed by the request after the file is stored,
    so a crash never leaves a row without a file."""
    refusal = can_submit(sess, user, assignment)
    if refusal:
        raise refusal
    note = (note or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise SubmissionError(N_("The note is longer than %(n)d characters."), n=MAX_NOTE_CHARS)
    limit = assignment_max_bytes(assignment)
    try:
        staged = storage.stage(stream, max_bytes=limit, head_size=HEAD_BYTES)
    except TooLarge:
        raise SubmissionError(N_("The file is larger than %(mb)s MB."), 413, mb=_mb(limit)) from None
    with staged:  # any refusal below discards the file
        display_name = _display_name(filename)
        fmt = _accepted_format(assignment, staged, display_name)
        submission = _add_attempt(sess, user, assignment, staged, fmt, display_name, note)
        staged.commit()
    return submission


def _accepted_format(assignment: Assignment, staged: Staged, display_name: str) -> str:
    if staged.size == 0:
        raise SubmissionError(N_("The file is empty."))
    fmt = geometry.detect_format(staged.head, display_name, size=staged.size)
    allowed = [f.lower() for f in assignment.requirements.get("formats") or geometry.FORMATS]
    if fmt is None:
        raise SubmissionError(N_("This file is not a 3D model we can read. Upload %(formats)s."), 415,
                              formats=", ".join(f.upper() for f in allowed))
    if fmt not in allowed:
        raise SubmissionError(N_("%(format)s files are not accepted here. Upload %(formats)s."), 415,
                              format=fmt.upper(), formats=", ".join(f.upper() for f in allowed))
    return fmt


def _add_attempt(sess: Session, user: User, assignment: Assignment, staged: Staged, fmt: str,
                 display_name: str, note: str) -> Submission:
    late = deadline_for(sess, user, assignment) == "late"
    for _ in range(20):  # concurrent uploads by the same learner race for the attempt number
        attempt = attempts_used(sess, user, assignment) + 1
        if assignment.max_attempts and attempt > assignment.max_attempts:
            raise SubmissionError(N_("You have used all %(n)d attempts."), 409, n=assignment.max_attempts)
        submission = Submission(assignment_id=assignment.id, user_id=user.id, attempt=attempt,
                                file_sha256=staged.sha256, file_size=staged.size, file_format=fmt,
                                original_name=display_name, late=late, note=note)
        try:
            with sess.begin_nested():
                sess.add(submission)
            return submission
        except IntegrityError:
            continue
    raise SubmissionError(N_("Too many uploads at once. Try again."), 409)


def _mb(limit: int) -> str:
    return f"{limit / 1024 / 1024:g}"


def _display_name(filename: str | None) -> str:
    """The original name, as display text only: no path, no control characters."""
    name = (filename or "model").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "model"
    return name[:200]


# --- checking (runs in a task) -----------------------------------------------------------------


def store_check_result(sess: Session, storage: LocalStorage, submission: Submission, artifacts) -> None:  # noqa: ANN001
    submission.report = artifacts.report
    submission.checks_passed = bool(artifacts.report["ok"])
    submission.thumbnail_sha256 = storage.put_bytes(artifacts.thumbnail)
    submission.thumbnail_small_sha256 = storage.put_bytes(artifacts.thumbnail_small)
    submission.viewer_sha256 = storage.put_bytes(artifacts.viewer_package)
    submission.repaired_sha256 = storage.put_bytes(artifacts.repaired_stl) if artifacts.repaired_stl else None
    submission.state, submission.error = "checked", None
    submission.checked_at = submission.updated_at = utcnow()
    if not submission.checks_passed:
        assignment = sess.get(Assignment, submission.assignment_id)
        notify(sess, submission.user_id, "check_problems", {"assignment": assignment.title, "attempt": submission.attempt},
               f"submission:{submission.id}")


def mark_failed(submission: Submission, template: str, params: dict | None = None) -> None:
    """Record why the file could not be checked, as a message template and its figures,
    so that each reader sees it in their own language."""
    params = params or {}
    error = json.dumps({"message": template % params, "message_template": template, "params": params},
                       ensure_ascii=False, default=str)
    submission.state, submission.error, submission.updated_at = "failed", error, utcnow()


# --- grading -----------------------------------------------------------------------------------


def grade_submission(sess: Session, grader: User, submission: Submission, assignment: Assignment,
                     rubric_scores: list[float], feedback: str, decision: str,
                     comments: list[str] | None = None) -> Grade:
    rubric = assignment.rubric or []
    if len(rubric_scores) != len(rubric):
        raise SubmissionError(N_("Give a score for every criterion."))
    comments = [(c or "").strip() for c in (comments or [])][:len(rubric)]
    comments += [""] * (len(rubric) - len(comments))
    for item, value in zip(rubric, rubric_scores):
        if not 0 <= value <= item["points"]:  # NaN included
            raise SubmissionError(N_("A score is outside its range."))
    max_score = float(sum(item["points"] for item in rubric))
    score = float(sum(rubric_scores))
    grade = Grade(submission_id=submission.id, grader_id=grader.id, rubric_scores=list(rubric_scores), score=score,
                  max_score=max_score, feedback=feedback.strip(), decision=decision, rubric_comments=comments)
    sess.add(grade)
    submission.decision = decision
    submission.score = round(100 * score / max_score, 1) if max_score else None
    submission.updated_at = utcnow()
    notify(sess, submission.user_id, f"submission_{decision}", {"assignment": assignment.title, "attempt": submission.attempt},
           f"submission:{submission.id}")
    sess.flush()
    return grade


def mark_notifications_read(sess: Session, user: User, target: str) -> None:
    """The user has seen the page the notifications point to (e.g. ``submission:12``)."""
    unread = select(Notification).where(Notification.user_id == user.id, Notification.target == target,
                                        Notification.read_at.is_(None))
    for note in sess.scalars(unread):
        note.read_at = utcnow()


def notify(sess: Session, user_id: int, kind: str, params: dict, target: str) -> None:
    sess.add(Notification(user_id=user_id, kind=kind, params=params, target=target))
