from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from lms.db import Base, utcnow


def localized(value: dict | str | None, lang: str, fallback: str = "en") -> str:
    """Pick a language from a ``{lang: text}`` map, falling back sensibly."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.get(lang) or value.get(fallback) or next(iter(value.values()), "")


class Course(Base):
    __tablename__ = "lms_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[dict]
    summary: Mapped[dict]
    language: Mapped[str] = mapped_column(String(8))
    hours: Mapped[float]
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Bishkek")  # where due dates are read
    enrolment: Mapped[str] = mapped_column(String(10), default="open")
    enrolment_key: Mapped[str | None] = mapped_column(String(200))
    instructor_emails: Mapped[list] = mapped_column(default=list)
    certificate: Mapped[dict] = mapped_column(default=dict)
    completion: Mapped[dict] = mapped_column(default=dict)
    check_lessons: Mapped[dict | None]  # model-check topic -> slug of the lesson that teaches it
    lab: Mapped[dict] = mapped_column(default=dict)  # {gcode_download, self_service}: the lab loop's options
    archived: Mapped[bool] = mapped_column(default=False)
    source_hash: Mapped[str | None] = mapped_column(String(64))
    languages: Mapped[list] = mapped_column(default=list)  # complete in these, its own language first
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)

    modules: Mapped[list[Module]] = relationship(back_populates="course", order_by="Module.position")

    def title_in(self, lang: str) -> str:
        return localized(self.title, lang, self.language)

    def summary_in(self, lang: str) -> str:
        return localized(self.summary, lang, self.language)


class CourseInstructor(Base):
    """Instructors assigned by an administrator (besides those named in course.yaml)."""

    __tablename__ = "lms_course_instructors"

    course_id: Mapped[int] = mapped_column(ForeignKey("lms_courses.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"), primary_key=True)


class Module(Base):
    __tablename__ = "lms_modules"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_courses.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[dict]
    position: Mapped[int]
    archived: Mapped[bool] = mapped_column(default=False)

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(back_populates="module", order_by="Lesson.position")


class _ModuleItem:
    """What a lesson and an assignment share: a slug unique in its course, the module it stands in, a title."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (UniqueConstraint("course_id", "slug"),)  # a constraint belongs to one table: made for each

    # sort_order: these columns come first in each table, where they stood before the mixin
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-5)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_courses.id"), index=True, sort_order=-4)
    module_id: Mapped[int] = mapped_column(ForeignKey("lms_modules.id"), index=True, sort_order=-3)
    slug: Mapped[str] = mapped_column(String(100), sort_order=-2)
    title: Mapped[dict] = mapped_column(sort_order=-1)


class Lesson(_ModuleItem, Base):
    __tablename__ = "lms_lessons"

    source_file: Mapped[str] = mapped_column(String(300))
    body_md: Mapped[str] = mapped_column(Text)
    bodies: Mapped[dict] = mapped_column(default=dict)  # translations of body_md: {lang: markdown}
    position: Mapped[int]
    archived: Mapped[bool] = mapped_column(default=False)

    module: Mapped[Module] = relationship(back_populates="lessons")


class Assignment(_ModuleItem, Base):
    __tablename__ = "lms_assignments"

    brief_md: Mapped[str] = mapped_column(Text, default="")
    briefs: Mapped[dict] = mapped_column(default=dict)  # the brief in every language given: {lang: markdown}
    required: Mapped[bool] = mapped_column(default=True)
    due: Mapped[date | None]
    due_at: Mapped[datetime | None]  # UTC: the end of the due day (or the due time) in the course's time zone
    cutoff_at: Mapped[datetime | None]  # UTC: after this, uploads are refused (unless extended)
    max_attempts: Mapped[int | None]
    requirements: Mapped[dict] = mapped_column(default=dict)
    rubric: Mapped[list] = mapped_column(default=list)
    printed: Mapped[bool] = mapped_column(default=False)  # counts only once its part is printed and signed off
    position: Mapped[int]
    archived: Mapped[bool] = mapped_column(default=False)


class Enrolment(Base):
    __tablename__ = "lms_enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_courses.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lms_lessons.id"))
    last_seen_at: Mapped[datetime | None]


class LessonProgress(Base):
    __tablename__ = "lms_lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lms_lessons.id"), index=True)
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
