"""Completion records: evaluated by the rules when progress changes, or written by hand with a reason.

They flush; the caller commits, and the commit announces them (signals.completion_recorded).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.assignments.models import Completion, Notification
from lms.catalog.models import Course
from lms.completion.rules import RULES, Context
from lms.completion.signals import announce_after_commit


def completion_status(sess: Session, user: User, course: Course) -> tuple[bool, float | None]:
    """(every rule met, final score in percent)."""
    ctx = Context(sess, user, course)
    for _name, rule in RULES:
        if not rule(ctx):
            return False, ctx.final_score
    return True, ctx.final_score


@dataclass(frozen=True)
class Remaining:
    """What one learner still needs for a course's completion, from its rule (all zero/None: nothing)."""

    lessons: int = 0
    assignments: int = 0
    printed: int = 0
    score: float | None = None

    @property
    def nothing(self) -> bool:
        return not (self.lessons or self.assignments or self.printed) and self.score is None


def remaining_needs(sess: Session, user: User, course: Course) -> Remaining:
    """Every rule's unmet part, counted (unlike ``completion_status``, which stops at the first unmet rule)."""
    ctx = Context(sess, user, course)
    for _name, rule in RULES:
        rule(ctx)
    return Remaining(**{key: ctx.needs.get(key, default) for key, default in
                        (("lessons", 0), ("assignments", 0), ("printed", 0), ("score", None))})


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
    sess.add(Notification(user_id=user.id, kind="course_completed", params={"course": course.title},
                          target=f"course:{course.slug}"))
    announce_after_commit(sess, completion.id)
    return completion


def evaluate_completion(sess: Session, user: User, course: Course) -> Completion | None:
    met, score = completion_status(sess, user, course)
    if met:
        return record_completion(sess, user, course, final_score=score, source="rule")
    return None


def progress_changed(sess: Session, user: User, course: Course) -> Completion | None:
    """Called after a lesson is completed, an assignment accepted or a printed part signed off."""
    return evaluate_completion(sess, user, course)
