"""Demo content: users in three roles, enrolments and some progress, so a new site looks alive."""
from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.operations import create_user, find_user
from lms.catalog import operations as catalog
from lms.catalog.models import Course

DEMO_PASSWORD = "demo-password"
PEOPLE = [
    ("admin@fablab.kg", "Айбек Асанов", "admin"),
    ("instructor@fablab.kg", "Гүлнара Токтогулова", "instructor"),
    ("aigul.instructor@fablab.kg", "Айгүл Сыдыкова", "instructor"),
    ("teacher@school.kg", "Чыныбаев Мирлан Үңөөвич", "learner"),
    ("nurlan@school.kg", "Нурлан Бейшеев", "learner"),
    ("elena@school.kg", "Елена Ковалёва", "learner"),
    ("ayse@school.kg", "Ayşe Yılmaz", "learner"),
]


def load_demo(sess: Session) -> list[str]:
    lines = []
    report = catalog.sync_courses(sess, Path(current_app.config["LMS_COURSES_PATH"]))
    lines += [f"course error: {e}" for e in report.errors]
    for email, name, role in PEOPLE:
        if find_user(email) is None:
            create_user(email, name, DEMO_PASSWORD, role)
            lines.append(f"user {email} ({role}) password: {DEMO_PASSWORD}")
    courses = list(sess.scalars(select(Course).where(Course.archived.is_(False)).order_by(Course.slug)))
    learners = [find_user(e) for e, _, role in PEOPLE if role == "learner"]
    for i, user in enumerate(learners):
        for course in courses[: 1 + i % 2]:
            catalog.enrol(sess, user, course, check_key=False)
            lessons = catalog.live_lessons(sess, course)
            for lesson in lessons[: (len(lessons) * (i + 1)) // (len(learners) + 2)]:
                catalog.mark_lesson_done(sess, user, lesson)
    lines += _demo_completions(sess, {c.slug: c for c in courses})
    sess.commit()
    lines.append(f"{len(courses)} courses, {len(learners)} learners enrolled")
    return lines


# Completed training recorded by hand: one course issues its certificate at once (automatic),
# the other leaves it waiting for an administrator's approval.
DEMO_COMPLETIONS = [("elena@school.kg", "3d-printing-classroom"), ("nurlan@school.kg", "electronics-teachers")]


def _demo_completions(sess: Session, courses: dict[str, Course]) -> list[str]:
    from lms.completion import record_completion

    admin, lines = find_user("admin@fablab.kg"), []
    for email, slug in DEMO_COMPLETIONS:
        course, user = courses.get(slug), find_user(email)
        if course is None or user is None:
            continue
        catalog.enrol(sess, user, course, check_key=False)
        if record_completion(sess, user, course, final_score=None, source="manual", recorded_by=admin,
                             reason="Demo: training done in person"):
            lines.append(f"completion: {email} in {slug}")
    return lines
