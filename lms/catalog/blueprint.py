from __future__ import annotations

import os
import stat
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.security import safe_join

from lms import completion, db
from lms.catalog import operations as ops
from lms.catalog import queries, reading
from lms.catalog.forms import EnrolForm
from lms.catalog.markdown import render_markdown
from lms.catalog.models import Course, Enrolment, Lesson
from lms.web_helpers import lang

bp = Blueprint("catalog", __name__)


def load_course(slug: str) -> Course:
    course = queries.course_by_slug(db.session(), slug)
    if course is None or (course.archived and not (current_user.is_authenticated and current_user.is_staff)):
        abort(404)
    return course


def load_lesson(course: Course, slug: str) -> Lesson:
    lesson = queries.lesson_by_slug(db.session(), course, slug)
    if lesson is None or lesson.archived:
        abort(404)
    return lesson


def can_read(course: Course) -> Enrolment | None | bool:
    """The learner's enrolment; True for staff who teach it; None when the user may not read lessons."""
    sess = db.session()
    if ops.instructs(sess, current_user, course):
        return True
    return ops.get_enrolment(sess, current_user, course)


def asset_base_for(course: Course) -> str:
    """The URL that a course-relative path is appended to (the course's file route)."""
    probe = "assets"
    return url_for("catalog.course_asset", slug=course.slug, path=probe)[: -len(probe)]


@bp.route("/courses/")
def catalogue():
    sess = db.session()
    courses = queries.live_courses(sess)
    enrolled = queries.enrolled_course_ids(sess, current_user) if current_user.is_authenticated else set()
    return render_template("catalog/catalogue.html", courses=courses, enrolled=enrolled, lang=lang())


@bp.route("/courses/<slug>/")
def course_page(slug: str):
    sess = db.session()
    course = load_course(slug)
    enrolment = can_read(course) if current_user.is_authenticated else None
    modules = queries.live_modules(sess, course)
    lessons = ops.live_lessons(sess, course)
    assignments = queries.live_assignments(sess, course.id)
    done = ops.completed_lesson_ids(sess, current_user, course) if enrolment else set()
    progress = ops.Progress(sum(1 for x in lessons if x.id in done), len(lessons))
    order = reading.reading_order(course, lang())
    shown = reading.shown_language(course, order)
    return render_template(
        "catalog/course.html", course=course, modules=modules, lessons=lessons, assignments=assignments,
        enrolment=enrolment, done=done, progress=progress, form=EnrolForm(), lang=shown, content_lang=shown,
        summary_html=render_markdown(course.summary_in(shown)), notice=reading.notice(course, order[0], shown, lang()),
    )


@bp.route("/courses/<slug>/enrol", methods=["POST"])
@login_required
def enrol(slug: str):
    course = load_course(slug)
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            ops.enrol(db.session(), current_user, course, form.key.data)
        except ops.EnrolmentError as exc:
            form.key.errors.append(_("The enrolment key is not right.") if "key" in str(exc) else _("This course is closed."))
        else:
            flash(_("You are enrolled. Welcome to the course!"), "success")
            return redirect(url_for("catalog.course_page", slug=slug), 303)
    sess = db.session()
    lessons = ops.live_lessons(sess, course)
    modules = queries.live_modules(sess, course)
    return render_template(
        "catalog/course.html", course=course, modules=modules, lessons=lessons, assignments=[], enrolment=None,
        done=set(), progress=ops.Progress(0, len(lessons)), form=form, lang=lang(),
        summary_html=render_markdown(course.summary_in(lang())),
    ), 400


@bp.route("/courses/<slug>/lessons/<lesson_slug>/")
@login_required
def lesson_page(slug: str, lesson_slug: str):
    sess = db.session()
    course = load_course(slug)
    lesson = load_lesson(course, lesson_slug)
    enrolment = can_read(course)
    if not enrolment:
        flash(_("Enrol in the course to read its lessons."), "info")
        return redirect(url_for("catalog.course_page", slug=slug), 303)
    if isinstance(enrolment, Enrolment):
        ops.record_visit(enrolment, lesson)
    lessons = ops.live_lessons(sess, course)
    index = next(i for i, x in enumerate(lessons) if x.id == lesson.id)
    done = ops.completed_lesson_ids(sess, current_user, course)
    return render_template(
        "catalog/lesson.html", course=course, lesson=lesson, lessons=lessons, done=done, position=index + 1,
        **reading.lesson_content(course, lesson, lang(), asset_base_for(course)),
        prev_lesson=lessons[index - 1] if index > 0 else None,
        next_lesson=lessons[index + 1] if index + 1 < len(lessons) else None,
    )


@bp.route("/courses/<slug>/lessons/<lesson_slug>/complete", methods=["POST"])
@login_required
def complete_lesson(slug: str, lesson_slug: str):
    sess = db.session()
    course = load_course(slug)
    lesson = load_lesson(course, lesson_slug)
    enrolment = ops.get_enrolment(sess, current_user, course)
    if enrolment is None:
        abort(403)
    ops.mark_lesson_done(sess, current_user, lesson)
    completion.progress_changed(sess, current_user, course)
    lessons = ops.live_lessons(sess, course)
    index = next(i for i, x in enumerate(lessons) if x.id == lesson.id)
    if index + 1 < len(lessons):
        return redirect(url_for("catalog.lesson_page", slug=slug, lesson_slug=lessons[index + 1].slug), 303)
    return redirect(url_for("catalog.course_page", slug=slug), 303)


def asset_file(course: Course, relative: str) -> Path:
    """The real path of a course asset: a regular file inside the course's ``assets/`` folder, or 404.

    Resolved with symlinks followed, then checked: a link added to the folder after the sync (pointing at
    the instance's secret key, say) leads outside it and is refused, whatever ``relative`` says.
    """
    assets = (Path(current_app.config["LMS_COURSES_PATH"]) / course.slug / "assets").resolve()
    target = safe_join(str(assets), relative)
    if target is None:
        abort(404)
    real = Path(os.path.realpath(target))
    try:
        is_regular = stat.S_ISREG(real.stat().st_mode)
    except OSError:
        abort(404)
    if not is_regular or not real.is_relative_to(assets):
        abort(404)
    return real


@bp.route("/courses/<slug>/files/<path:path>")
def course_asset(slug: str, path: str):
    """Images and attachments of a course: only files under its ``assets/`` folder."""
    course = load_course(slug)
    if not path.startswith("assets/"):
        abort(404)
    response = send_file(asset_file(course, path[len("assets/"):]), max_age=3600, conditional=True)
    # SVGs can carry script: never let an asset run in our origin.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/dashboard/")
@login_required
def dashboard():
    sess = db.session()
    items = queries.dashboard_courses(sess, current_user)
    extras = completion.dashboard_panels(sess, current_user, [item["course"] for item in items])
    teaching = ops.taught_courses(sess, current_user) if current_user.is_staff else []
    return render_template("catalog/dashboard.html", items=items, extras=extras, teaching=teaching, lang=lang())
