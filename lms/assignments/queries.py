"""Reads for the assignment pages: one function per question a page asks."""
from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.assignments.models import Completion, Extension, Grade, Submission
from lms.catalog.models import Assignment, Course, Lesson
from lms.db import count_rows
from lms.geometry.i18n import N_


def grades_of(sess: Session, sub: Submission) -> list[Grade]:
    """Every grade of one attempt, newest first."""
    return list(sess.scalars(select(Grade).where(Grade.submission_id == sub.id).order_by(Grade.created_at.desc(),
                                                                                          Grade.id.desc())))


def attempts_of(sess: Session, assignment_id: int, user_id: int) -> list[Submission]:
    """One learner's attempts at one assignment, newest first."""
    return list(sess.scalars(select(Submission).where(Submission.assignment_id == assignment_id,
                                                      Submission.user_id == user_id).order_by(Submission.attempt.desc())))


def grade_breakdown(grade: Grade, rubric: list[dict]) -> dict:
    """The grade as the learner and the JSON see it: points and comment per criterion, total, decision."""
    comments = list(grade.rubric_comments or [])
    comments += [""] * (len(grade.rubric_scores) - len(comments))
    names = [item.get("criterion", "") for item in rubric] + [""] * len(grade.rubric_scores)
    maxima = [item.get("points") for item in rubric] + [None] * len(grade.rubric_scores)
    criteria = [{"criterion": names[i], "points": points, "max": maxima[i], "comment": comments[i]}
                for i, points in enumerate(grade.rubric_scores)]
    return {"criteria": criteria, "total": grade.score, "max": grade.max_score, "feedback": grade.feedback,
            "decision": grade.decision}


def next_to_grade(sess: Session, course_id: int, after: Submission) -> Submission | None:
    """The next attempt in the course's grading queue after ``after`` (oldest first, no decision yet)."""
    latest_ids = latest_attempt_ids(course_id)
    query = (select(Submission).join(Assignment, Assignment.id == Submission.assignment_id)
             .where(Assignment.course_id == course_id, Submission.decision.is_(None),
                    Submission.state.in_(("checked", "failed")), Submission.id != after.id,
                    Submission.id.in_(latest_ids))
             .order_by(Submission.created_at.asc(), Submission.id.asc()))
    later = sess.scalar(query.where((Submission.created_at > after.created_at)
                                    | ((Submission.created_at == after.created_at) & (Submission.id > after.id))).limit(1))
    return later or sess.scalar(query.limit(1))


def latest_attempt_ids(course_id: int) -> Select:
    """A subquery of the latest attempt of each learner at each assignment of the course."""
    latest = (select(Submission.assignment_id, Submission.user_id, func.max(Submission.attempt).label("attempt"))
              .join(Assignment, Assignment.id == Submission.assignment_id).where(Assignment.course_id == course_id)
              .group_by(Submission.assignment_id, Submission.user_id).subquery())
    return (select(Submission.id).join(latest, (latest.c.assignment_id == Submission.assignment_id)
                                       & (latest.c.user_id == Submission.user_id)
                                       & (latest.c.attempt == Submission.attempt)))


def find_assignment(sess: Session, course_slug: str,
                    assignment_slug: str) -> tuple[Course | None, Assignment | None]:
    """(course, assignment) by their slugs; either may be None."""
    course = sess.scalar(select(Course).where(Course.slug == course_slug))
    if course is None:
        return None, None
    return course, sess.scalar(select(Assignment).where(Assignment.course_id == course.id,
                                                        Assignment.slug == assignment_slug))


def assignment_of(sess: Session, course: Course, slug: str) -> Assignment | None:
    return sess.scalar(select(Assignment).where(Assignment.course_id == course.id, Assignment.slug == slug))


def course_assignments(sess: Session, course_id: int) -> list[Assignment]:
    """Every assignment of the course, closed ones too, in course order (the queue's filter)."""
    return list(sess.scalars(select(Assignment).where(Assignment.course_id == course_id).order_by(Assignment.position)))


#: The grading queue's filters, the default first.
QUEUE_FILTERS = ("needs-grading", "returned", "accepted", "failing", "late", "all")


def queue_page(sess: Session, course_id: int, assignment_slug: str, which: str, page: int,
               size: int) -> tuple[list[tuple], int]:
    """One page of (submission, learner, assignment) in the grading queue, oldest first, and the total."""
    query = (select(Submission, User, Assignment).join(User, User.id == Submission.user_id)
             .join(Assignment, Assignment.id == Submission.assignment_id).where(Assignment.course_id == course_id))
    if assignment_slug:
        query = query.where(Assignment.slug == assignment_slug)
    if which == "needs-grading":
        # The latest attempt of each learner that has no decision yet.
        query = query.where(Submission.id.in_(latest_attempt_ids(course_id)),
                            Submission.decision.is_(None), Submission.state.in_(("checked", "failed")))
    elif which == "failing":
        query = query.where(or_(Submission.checks_passed.is_(False), Submission.state == "failed"))
    elif which in ("returned", "accepted"):
        query = query.where(Submission.decision == which)
    elif which == "late":
        query = query.where(Submission.late.is_(True))
    total = count_rows(sess, query)
    rows = sess.execute(query.order_by(Submission.created_at.asc()).offset((page - 1) * size).limit(size)).all()
    return list(rows), total


def completions_of(sess: Session, course_id: int) -> list[tuple[Completion, User]]:
    """(completion, learner) of one course, the latest first."""
    return list(sess.execute(select(Completion, User).join(User, User.id == Completion.user_id)
                             .where(Completion.course_id == course_id).order_by(Completion.completed_on.desc())))


def extensions_of(sess: Session, assignment: Assignment) -> list[tuple]:
    """(extension, learner) for one assignment, latest deadline first."""
    return list(sess.execute(select(Extension, User).join(User, User.id == Extension.user_id)
                             .where(Extension.assignment_id == assignment.id).order_by(Extension.until.desc())))


STATUS_LABELS = {  # the order a learner goes through
    "not_started": N_("not started"), "checking": N_("checking"), "needs_fixing": N_("needs fixing"),
    "waiting": N_("waiting for grading"), "returned": N_("returned"), "accepted": N_("accepted"),
}


def assignment_status(sess: Session, user_id: int, assignment: Assignment) -> dict:
    """Where one learner stands on one assignment: {state, score, attempt} from their latest attempt."""
    return status_of_attempts(attempts_of(sess, assignment.id, user_id))


def status_of_attempts(attempts: list[Submission]) -> dict:
    """{state, score, attempt} from one learner's attempts at one assignment, newest first."""
    accepted = [s for s in attempts if s.decision == "accepted"]
    if accepted:
        return {"state": "accepted", "score": max((s.score or 0) for s in accepted), "attempt": accepted[0].attempt}
    if not attempts:
        return {"state": "not_started", "score": None, "attempt": None}
    latest = attempts[0]
    if latest.decision == "returned":
        state = "returned"
    elif latest.state in ("queued", "checking"):
        state = "checking"
    elif latest.state == "failed" or not latest.checks_passed:
        state = "needs_fixing"
    else:
        state = "waiting"
    return {"state": state, "score": latest.score, "attempt": latest.attempt}


def course_statuses(sess: Session, course_id: int) -> dict[tuple[int, int], dict]:
    """{(user_id, assignment_id): status} for every learner who attempted an assignment of the course."""
    rows = sess.scalars(select(Submission).join(Assignment, Assignment.id == Submission.assignment_id)
                        .where(Assignment.course_id == course_id).order_by(Submission.attempt.desc()))
    grouped: dict[tuple[int, int], list[Submission]] = {}
    for sub in rows:
        grouped.setdefault((sub.user_id, sub.assignment_id), []).append(sub)
    return {key: status_of_attempts(attempts) for key, attempts in grouped.items()}


def accepted_models(sess: Session, course_id: int) -> list[tuple[str, str, int, str, str]]:
    """(assignment slug, learner name, attempt, format, sha256) of each learner's latest accepted attempt."""
    rows = sess.execute(select(Assignment.slug, User.name, Submission.user_id, Submission.attempt, Submission.file_format,
                               Submission.file_sha256)
                        .join(Assignment, Assignment.id == Submission.assignment_id).join(User, User.id == Submission.user_id)
                        .where(Assignment.course_id == course_id, Submission.decision == "accepted")
                        .order_by(Assignment.position, User.name, Submission.attempt.desc()))
    latest: dict[tuple[str, int], tuple] = {}
    for slug, name, user_id, attempt, fmt, sha in rows:
        latest.setdefault((slug, user_id), (slug, name, attempt, fmt, sha))
    return list(latest.values())


def check_lessons(sess: Session, course: Course) -> dict[str, Lesson]:
    """The live lesson each model-check topic links to, as the course file names them."""
    wanted = course.check_lessons or {}
    if not wanted:
        return {}
    lessons = {x.slug: x for x in sess.scalars(select(Lesson).where(Lesson.course_id == course.id,
                                                                       Lesson.archived.is_(False)))}
    return {topic: lessons[slug] for topic, slug in wanted.items() if slug in lessons}
