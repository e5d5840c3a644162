"""Completion rules: one small function per rule, run in order; a course is complete when all pass.

A rule takes the Context of one learner in one course and returns True when it is met, and writes
what is still missing for it into ``ctx.needs`` (``lessons``, ``assignments``, ``printed``: how many
left; ``score``: the minimum score while it is not reached), which the dashboard shows. The
assignments rule also sets ``ctx.final_score`` (the mean of the best accepted scores), which the
minimum-score rule reads. Add a rule with ``@completion_rule("name")``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.assignments.models import Submission
from lms.catalog.models import Assignment, Course
from lms.lab.models import PrintSignoff


@dataclass
class Context:
    sess: Session
    user: User
    course: Course
    final_score: float | None = None
    cache: dict = field(default_factory=dict)
    needs: dict = field(default_factory=dict)

    @property
    def settings(self) -> dict:
        return self.course.completion or {}

    def needed_assignments(self) -> list[Assignment]:
        """The live assignments this course's rule counts ("required", "all" or "none")."""
        if "needed" not in self.cache:
            which = self.settings.get("assignments", "required")
            live = self.sess.scalars(select(Assignment).where(Assignment.course_id == self.course.id,
                                                              Assignment.archived.is_(False)))
            self.cache["needed"] = [] if which == "none" else [a for a in live if which == "all" or a.required]
        return self.cache["needed"]


Rule = Callable[[Context], bool]
RULES: list[tuple[str, Rule]] = []


def completion_rule(name: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES.append((name, fn))
        return fn
    return register


@completion_rule("lessons")
def lessons_done(ctx: Context) -> bool:
    from lms.catalog.operations import completed_lesson_ids, live_lessons

    if ctx.settings.get("lessons", "all") != "all":
        return True
    done = completed_lesson_ids(ctx.sess, ctx.user, ctx.course)
    ctx.needs["lessons"] = sum(1 for lesson in live_lessons(ctx.sess, ctx.course) if lesson.id not in done)
    return ctx.needs["lessons"] == 0


@completion_rule("assignments")
def assignments_accepted(ctx: Context) -> bool:
    scores, left = [], 0
    for assignment in ctx.needed_assignments():
        accepted = (Submission.assignment_id == assignment.id, Submission.user_id == ctx.user.id,
                    Submission.decision == "accepted")
        if ctx.sess.scalar(select(Submission.id).where(*accepted).limit(1)) is None:
            left += 1
            continue
        best = ctx.sess.scalar(select(func.max(Submission.score)).where(*accepted))
        if best is not None:
            scores.append(best)
    ctx.needs["assignments"] = left
    if left:
        return False
    ctx.final_score = round(sum(scores) / len(scores), 1) if scores else None
    return True


@completion_rule("printed")
def printed_parts_verified(ctx: Context) -> bool:
    """Assignments with ``printed: true`` count only once their part was printed and signed off with a photo."""
    left = 0
    for assignment in ctx.needed_assignments():
        if not assignment.printed:
            continue
        signed = select(PrintSignoff.id).join(Submission, Submission.id == PrintSignoff.submission_id).where(
            Submission.assignment_id == assignment.id, Submission.user_id == ctx.user.id,
            PrintSignoff.signed_at.is_not(None), PrintSignoff.photo_sha256.is_not(None))
        if ctx.sess.scalar(signed.limit(1)) is None:
            left += 1
    ctx.needs["printed"] = left
    return left == 0


@completion_rule("min_score")
def minimum_score(ctx: Context) -> bool:
    minimum = ctx.settings.get("min_score")
    met = minimum is None or ctx.final_score is None or ctx.final_score >= minimum
    undecided = ctx.needs.get("assignments", 0) > 0  # the final score is known once every assignment is accepted
    if minimum is not None and (not met or undecided):
        ctx.needs["score"] = minimum
    return met
