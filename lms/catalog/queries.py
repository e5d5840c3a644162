"""Reads for the catalogue pages: one function per question a page asks."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.catalog.models import Assignment, Course, Enrolment, Lesson, Module
from lms.catalog.operations import Progress, completed_lesson_ids, live_lessons


def course_by_slug(sess: Session, slug: str) -> Course | None:
    return sess.scalar(select(Course).where(Course.slug == slug))


def lesson_by_slug(sess: Session, course: Course, slug: str) -> Lesson | None:
    return sess.scalar(select(Lesson).where(Lesson.course_id == course.id, Lesson.slug == slug))


def live_courses(sess: Session) -> list[Course]:
    """The courses the catalogue lists, by slug."""
    return list(sess.scalars(select(Course).where(Course.archived.is_(False)).order_by(Course.slug)))


def enrolled_course_ids(sess: Session, user: User) -> set[int]:
    return set(sess.scalars(select(Enrolment.course_id).where(Enrolment.user_id == user.id)))


def live_modules(sess: Session, course: Course) -> list[Module]:
    return list(sess.scalars(select(Module).where(Module.course_id == course.id, Module.archived.is_(False))
                             .order_by(Module.position)))


def live_assignments(sess: Session, course_id: int) -> list[Assignment]:
    return list(sess.scalars(select(Assignment).where(Assignment.course_id == course_id, Assignment.archived.is_(False))
                             .order_by(Assignment.position)))


def dashboard_courses(sess: Session, user: User) -> list[dict]:
    """The learner's courses, the one they worked in last first: {course, enrolment, resume, progress}.

    ``resume`` is the lesson they last opened unless it is done, else the first lesson not done."""
    rows = sess.execute(
        select(Enrolment, Course).join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user.id).order_by(Enrolment.last_seen_at.desc().nulls_last(), Course.slug)
    ).all()
    items = []
    for enrolment, course in rows:
        lessons = live_lessons(sess, course)
        done = completed_lesson_ids(sess, user, course)
        resume = next((x for x in lessons if x.id == enrolment.last_lesson_id), None)
        if resume is None or resume.id in done:
            resume = next((x for x in lessons if x.id not in done), resume)
        items.append({"course": course, "enrolment": enrolment, "resume": resume,
                      "progress": Progress(sum(1 for x in lessons if x.id in done), len(lessons))})
    return items
