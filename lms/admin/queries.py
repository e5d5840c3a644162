"""Reads for the administrator pages."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.catalog.models import Course, CourseInstructor
from lms.db import count_rows


def users_page(sess: Session, search: str | None, page: int, size: int) -> tuple[list[User], int]:
    """One page of accounts by name, those whose name or e-mail contains ``search`` when given, and the total."""
    query = select(User)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(User.name).like(pattern), User.email.like(pattern)))
    total = count_rows(sess, query)
    return list(sess.scalars(query.order_by(User.name).offset((page - 1) * size).limit(size))), total


def courses_with_instructors(sess: Session) -> list[tuple[Course, list[User]]]:
    """Every course (live ones first) with the instructors assigned to it here (not those in course.yaml)."""
    items = []
    for course in sess.scalars(select(Course).order_by(Course.archived, Course.slug)):
        assigned = sess.scalars(select(User).join(CourseInstructor, CourseInstructor.user_id == User.id)
                                .where(CourseInstructor.course_id == course.id)).all()
        items.append((course, list(assigned)))
    return items
