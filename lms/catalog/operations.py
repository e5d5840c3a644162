"""Catalogue verbs: sync course files, enrol, record progress. They flush; the caller commits."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.catalog.languages import complete_languages, missing_translations
from lms.catalog.loader import CourseFileError, CourseSpec, course_folders, load_course
from lms.catalog.models import (
    Assignment,
    Course,
    CourseInstructor,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
)
from lms.db import add_once, utcnow


class EnrolmentError(ValueError):
    pass


class SyncError(ValueError):
    """The sync cannot start (no courses folder, or nothing in it): nothing was changed."""


# --- sync -------------------------------------------------------------------------------------


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # slug -> {lang: pieces lacking it}, for the languages each course is being translated into
    missing: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def _requirements_validator():
    from lms.features import import_feature

    import_feature("lms.lab.profiles")  # the lab's printer profiles are printers a requirement may name
    try:
        from lms.geometry import validate_requirements
    except ImportError:  # the geometry engine is optional for pure catalogue use
        return None
    return validate_requirements


def sync_courses(sess: Session, root: Path) -> SyncReport:
    """Import every course folder under ``root``. A broken course is reported and left as it was.

    A missing or empty ``root`` raises SyncError: it is a wrong path or an unmounted disk, not an
    order to archive every course.
    """
    if not root.is_dir():
        raise SyncError(f"the courses folder {root} does not exist; nothing was changed")
    folders = course_folders(root)
    if not folders:
        raise SyncError(f"the courses folder {root} has no course folders; nothing was changed")
    report = SyncReport()
    validator = _requirements_validator()
    seen: set[str] = set()
    for folder in folders:
        try:
            spec = load_course(folder, validator)
        except CourseFileError as exc:
            report.errors.append(str(exc))
            seen.add(folder.name)  # a broken course is not archived either
            continue
        seen.add(spec.slug)
        if missing := missing_translations(spec):
            report.missing[spec.slug] = missing
        with sess.begin_nested():
            outcome = _apply_course(sess, spec)
        getattr(report, outcome).append(spec.slug)
    for course in sess.scalars(select(Course).where(Course.archived.is_(False))):
        if course.slug not in seen:
            course.archived = True
            report.archived.append(course.slug)
    sess.flush()
    return report


def _apply_course(sess: Session, spec: CourseSpec) -> str:
    course = sess.scalar(select(Course).where(Course.slug == spec.slug))
    # An empty languages list is a row from before content languages were recorded: refresh it.
    if course is not None and course.source_hash == spec.source_hash and not course.archived and course.languages:
        return "unchanged"
    outcome = "created" if course is None else "updated"
    if course is None:
        course = Course(slug=spec.slug, title={}, summary={}, language=spec.language, hours=spec.hours)
        sess.add(course)
    course.title, course.summary, course.language, course.hours = spec.title, spec.summary, spec.language, spec.hours
    course.timezone, course.check_lessons = spec.timezone, spec.check_lessons
    course.enrolment, course.enrolment_key = spec.enrolment, spec.enrolment_key
    course.instructor_emails, course.certificate, course.completion = spec.instructors, spec.certificate, spec.completion
    course.lab = spec.lab
    course.archived, course.source_hash, course.synced_at = False, spec.source_hash, utcnow()
    course.languages = complete_languages(spec)
    sess.flush()

    modules = {m.slug: m for m in sess.scalars(select(Module).where(Module.course_id == course.id))}
    lessons = {x.slug: x for x in sess.scalars(select(Lesson).where(Lesson.course_id == course.id))}
    assignments = {x.slug: x for x in sess.scalars(select(Assignment).where(Assignment.course_id == course.id))}
    live_modules, live_lessons, live_assignments = set(), set(), set()
    lesson_pos = assignment_pos = 0
    for mpos, mspec in enumerate(spec.modules):
        module = modules.get(mspec.slug) or Module(course_id=course.id, slug=mspec.slug, title={}, position=mpos)
        module.title, module.position, module.archived = mspec.title, mpos, False
        sess.add(module)
        sess.flush()
        live_modules.add(mspec.slug)
        for lspec in mspec.lessons:
            lesson = lessons.get(lspec.slug) or Lesson(course_id=course.id, slug=lspec.slug)
            lesson.module_id, lesson.title, lesson.source_file = module.id, lspec.title, lspec.file
            lesson.body_md, lesson.position, lesson.archived = lspec.body_md, lesson_pos, False
            lesson.bodies = lspec.bodies
            sess.add(lesson)
            live_lessons.add(lspec.slug)
            lesson_pos += 1
        for aspec in mspec.assignments:
            a = assignments.get(aspec.slug) or Assignment(course_id=course.id, slug=aspec.slug)
            a.module_id, a.title, a.brief_md, a.required = module.id, aspec.title, aspec.brief_md, aspec.required
            a.due, a.max_attempts, a.requirements, a.rubric = aspec.due, aspec.max_attempts, aspec.requirements, aspec.rubric
            a.due_at, a.cutoff_at = aspec.due_at, aspec.cutoff_at
            a.briefs = aspec.briefs
            a.printed = aspec.printed
            a.position, a.archived = assignment_pos, False
            sess.add(a)
            live_assignments.add(aspec.slug)
            assignment_pos += 1
    # Never delete: learners' progress and submissions point at these rows.
    for group, live in ((modules, live_modules), (lessons, live_lessons), (assignments, live_assignments)):
        for slug, row in group.items():
            if slug not in live:
                row.archived = True
    sess.flush()
    return outcome


# --- enrolment and progress -------------------------------------------------------------------


def get_enrolment(sess: Session, user: User, course: Course) -> Enrolment | None:
    return sess.scalar(select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id))


def enrol(sess: Session, user: User, course: Course, key: str | None = None, check_key: bool = True) -> Enrolment:
    existing = get_enrolment(sess, user, course)
    if existing is not None:
        return existing
    if course.archived:
        raise EnrolmentError("This course is closed.")
    if check_key and course.enrolment == "key":
        import hmac

        if not key or not hmac.compare_digest(key.strip().encode(), (course.enrolment_key or "").encode()):
            raise EnrolmentError("The enrolment key is not right.")
    return add_once(sess, Enrolment(user_id=user.id, course_id=course.id), lambda: get_enrolment(sess, user, course))


def live_lessons(sess: Session, course: Course) -> list[Lesson]:
    return list(
        sess.scalars(
            select(Lesson)
            .join(Module, Lesson.module_id == Module.id)
            .where(Lesson.course_id == course.id, Lesson.archived.is_(False))
            .order_by(Module.position, Lesson.position)
        )
    )


def completed_lesson_ids(sess: Session, user: User, course: Course) -> set[int]:
    return set(
        sess.scalars(
            select(LessonProgress.lesson_id)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(LessonProgress.user_id == user.id, Lesson.course_id == course.id)
        )
    )


def mark_lesson_done(sess: Session, user: User, lesson: Lesson) -> None:
    def find() -> LessonProgress | None:
        return sess.scalar(
            select(LessonProgress).where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id))

    if find() is None:
        add_once(sess, LessonProgress(user_id=user.id, lesson_id=lesson.id), find)


def record_visit(enrolment: Enrolment, lesson: Lesson) -> None:
    enrolment.last_lesson_id, enrolment.last_seen_at = lesson.id, utcnow()


@dataclass
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def course_progress(sess: Session, user: User, course: Course) -> Progress:
    lessons = live_lessons(sess, course)
    done = completed_lesson_ids(sess, user, course)
    return Progress(sum(1 for x in lessons if x.id in done), len(lessons))


def progress_table(sess: Session, course: Course) -> list[tuple[User, Enrolment, int]]:
    """(learner, enrolment, lessons done) for every enrolled learner, by name."""
    done = (
        select(LessonProgress.user_id, func.count(LessonProgress.id).label("n"))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(Lesson.course_id == course.id, Lesson.archived.is_(False))
        .group_by(LessonProgress.user_id)
        .subquery()
    )
    rows = sess.execute(
        select(User, Enrolment, func.coalesce(done.c.n, 0))
        .join(Enrolment, Enrolment.user_id == User.id)
        .outerjoin(done, done.c.user_id == User.id)
        .where(Enrolment.course_id == course.id)
        .order_by(User.name)
    )
    return [tuple(r) for r in rows]


def instructs(sess: Session, user: User, course: Course) -> bool:
    """Whether ``user`` may teach ``course``: admins always; instructors when named or assigned."""
    if not user.is_authenticated:
        return False
    if user.role == "admin":
        return True
    if user.role != "instructor":
        return False
    if user.email in (course.instructor_emails or []):
        return True
    return sess.get(CourseInstructor, (course.id, user.id)) is not None


def assign_instructor(sess: Session, course: Course, user: User) -> None:
    """Let ``user`` teach ``course``; a learner becomes an instructor. Assigning twice changes nothing."""
    if user.role == "learner":
        user.role = "instructor"
    if sess.get(CourseInstructor, (course.id, user.id)) is None:
        sess.add(CourseInstructor(course_id=course.id, user_id=user.id))


def remove_instructor(sess: Session, course: Course, user_id: int) -> bool:
    """Take an assignment back (the role stays); False when there was none."""
    link = sess.get(CourseInstructor, (course.id, user_id))
    if link is None:
        return False
    sess.delete(link)
    return True


def taught_courses(sess: Session, user: User) -> list[Course]:
    courses = sess.scalars(select(Course).where(Course.archived.is_(False)).order_by(Course.slug))
    return [c for c in courses if instructs(sess, user, c)]
