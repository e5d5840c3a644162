"""Assignment verbs: submit, check, grade, complete. They flush; the caller commits."""
from __future__ import annotations

import json
from datetime import date
from typing import BinaryIO

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms import geometry
from lms.accounts.models import User
from lms.assignments.models import Completion, Grade, Notification, Submission
from lms.catalog.models import Assignment, Course
from lms.db import utcnow
from lms.storage import LocalStorage, TooLarge

HEAD_BYTES = 4096


class SubmissionError(ValueError):
    """A problem the learner can fix; ``message``/``params`` are a translatable template."""

    def __init__(self, message: str, status: int = 400, **params):
        super().__init__(message % params if params else message)
        self.message, self.params, self.status = message, params, status


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


def can_submit(sess: Session, user: User, assignment: Assignment) -> str | None:
    """None when a new attempt is allowed, else why not (a translatable message)."""
    if assignment.archived:
        return "This assignment is closed."
    if is_accepted(sess, user, assignment):
        return "Your work was accepted; no more attempts are needed."
    if assignment.max_attempts and attempts_used(sess, user, assignment) >= assignment.max_attempts:
        return "You have used all %(n)d attempts." % {"n": assignment.max_attempts}
    return None


def submit_model(sess: Session, storage: LocalStorage, user: User, assignment: Assignment,
                 stream: BinaryIO, filename: str) -> Submission:
    """Store the upload (content-addressed) and then its row, so a crash never leaves a row without a file."""
    reason = can_submit(sess, user, assignment)
    if reason:
        raise SubmissionError(reason, 409)
    limit = assignment_max_bytes(assignment)
    try:
        sha, size, head = storage.put_stream(stream, max_bytes=limit, head_size=HEAD_BYTES)
    except TooLarge:
        raise SubmissionError("The file is larger than %(mb)s MB.", 413, mb=_mb(limit)) from None
    if size == 0:
        raise SubmissionError("The file is empty.")
    display_name = _display_name(filename)
    fmt = geometry.detect_format(head, display_name)
    allowed = [f.lower() for f in assignment.requirements.get("formats") or geometry.FORMATS]
    if fmt is None:
        raise SubmissionError("This file is not a 3D model we can read. Upload %(formats)s.", 415,
                              formats=", ".join(f.upper() for f in allowed))
    if fmt not in allowed:
        raise SubmissionError("%(format)s files are not accepted here. Upload %(formats)s.", 415,
                              format=fmt.upper(), formats=", ".join(f.upper() for f in allowed))
    late = bool(assignment.due and date.today() > assignment.due)
    for _ in range(20):  # concurrent uploads by the same learner race for the attempt number
        attempt = attempts_used(sess, user, assignment) + 1
        if assignment.max_attempts and attempt > assignment.max_attempts:
            raise SubmissionError("You have used all %(n)d attempts.", 409, n=assignment.max_attempts)
        submission = Submission(assignment_id=assignment.id, user_id=user.id, attempt=attempt, file_sha256=sha,
                                file_size=size, file_format=fmt, original_name=display_name, late=late)
        try:
            with sess.begin_nested():
                sess.add(submission)
            return submission
        except IntegrityError:
            continue
    raise SubmissionError("Too many uploads at once. Try again.", 409)


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
    submission.viewer_sha256 = storage.put_bytes(artifacts.viewer_json_gz)
    submission.repaired_sha256 = storage.put_bytes(artifacts.repaired_stl) if artifacts.repaired_stl else None
    submission.state, submission.error = "checked", None
    submission.checked_at = submission.updated_at = utcnow()


def mark_failed(submission: Submission, template: str, params: dict | None = None) -> None:
    """Record why the file could not be checked, as a message template and its figures,
    so that each reader sees it in their own language."""
    params = params or {}
    error = json.dumps({"message": template % params, "message_template": template, "params": params},
                       ensure_ascii=False, default=str)
    submission.state, submission.error, submission.updated_at = "failed", error, utcnow()


# --- grading -----------------------------------------------------------------------------------


def grade_submission(sess: Session, grader: User, submission: Submission, assignment: Assignment,
                     rubric_scores: list[float], feedback: str, decision: str) -> Grade:
    rubric = assignment.rubric or []
    if len(rubric_scores) != len(rubric):
        raise SubmissionError("Give a score for every criterion.")
    for item, value in zip(rubric, rubric_scores):
        if not 0 <= value <= item["points"]:  # NaN included
            raise SubmissionError("A score is outside its range.")
    max_score = float(sum(item["points"] for item in rubric))
    score = float(sum(rubric_scores))
    grade = Grade(submission_id=submission.id, grader_id=grader.id, rubric_scores=list(rubric_scores), score=score,
                  max_score=max_score, feedback=feedback.strip(), decision=decision)
    sess.add(grade)
    submission.decision = decision
    submission.score = round(100 * score / max_score, 1) if max_score else None
    submission.updated_at = utcnow()
    notify(sess, submission.user_id, f"submission_{decision}", {"assignment": assignment.title, "attempt": submission.attempt},
           f"submission:{submission.id}")
    sess.flush()
    return grade


def notify(sess: Session, user_id: int, kind: str, params: dict, target: str) -> None:
    sess.add(Notification(user_id=user_id, kind=kind, params=params, target=target))


# --- completion --------------------------------------------------------------------------------


def completion_status(sess: Session, user: User, course: Course) -> tuple[bool, float | None]:
    """(rule met, final score in percent) by the course's completion rule."""
    from lms.catalog.operations import completed_lesson_ids, live_lessons

    rule = course.completion or {}
    if rule.get("lessons", "all") == "all":
        done = completed_lesson_ids(sess, user, course)
        if any(lesson.id not in done for lesson in live_lessons(sess, course)):
            return False, None
    which = rule.get("assignments", "required")
    assignments = list(sess.scalars(select(Assignment).where(Assignment.course_id == course.id, Assignment.archived.is_(False))))
    needed = [] if which == "none" else [a for a in assignments if which == "all" or a.required]
    scores = []
    for a in needed:
        best = sess.scalar(select(func.max(Submission.score)).where(
            Submission.assignment_id == a.id, Submission.user_id == user.id, Submission.decision == "accepted"))
        if not is_accepted(sess, user, a):
            return False, None
        if best is not None:
            scores.append(best)
    final = round(sum(scores) / len(scores), 1) if scores else None
    minimum = rule.get("min_score")
    if minimum is not None and final is not None and final < minimum:
        return False, final
    return True, final


def record_completion(sess: Session, user: User, course: Course, *, final_score: float | None, source: str,
                      reason: str | None = None, recorded_by: User | None = None,
                      completed_on: date | None = None) -> Completion | None:
    """Write the completion once; returns None when it already exists."""
    existing = sess.scalar(select(Completion).where(Completion.user_id == user.id, Completion.course_id == course.id))
    if existing is not None:
        return None
    completion = Completion(user_id=user.id, course_id=course.id, completed_on=completed_on or date.today(),
                            hours=course.hours, final_score=final_score, source=source, reason=reason,
                            recorded_by_id=recorded_by.id if recorded_by else None)
    try:
        with sess.begin_nested():
            sess.add(completion)
    except IntegrityError:  # recorded concurrently
        return None
    notify(sess, user.id, "course_completed", {"course": course.title}, f"course:{course.slug}")
    from lms.completion import completion_recorded

    completion_recorded(sess, completion)
    return completion


def evaluate_completion(sess: Session, user: User, course: Course) -> Completion | None:
    met, score = completion_status(sess, user, course)
    if met:
        return record_completion(sess, user, course, final_score=score, source="rule")
    return None
