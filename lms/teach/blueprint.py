"""Instructor pages: courses taught, learners and progress, CSV export, cohort import."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms import db
from lms.accounts.operations import make_reset_token
from lms.catalog import operations as ops
from lms.catalog.cohort import import_people
from lms.catalog.forms import CohortImportForm
from lms.catalog.queries import course_by_slug
from lms.catalog.models import Course
from lms.teach.export import csv_response
from lms.urls import absolute_url
from lms.web_helpers import lang

bp = Blueprint("teach", __name__)
MAX_CSV_BYTES = 1_000_000


def load_taught_course(slug: str) -> Course:
    course = course_by_slug(db.session(), slug)
    if course is None or not ops.instructs(db.session(), current_user, course):
        abort(404)
    return course


def progress_rows(course: Course) -> tuple[list[dict], int, list[str]]:
    """Rows for the progress table and CSV, plus any extra column names (e.g. completion)."""
    from lms.teach.columns import extra_columns

    sess = db.session()
    total = len(ops.live_lessons(sess, course))
    names, values = extra_columns(sess, course)
    rows = []
    for user, enrolment, done in ops.progress_table(sess, course):
        rows.append({"user": user, "enrolment": enrolment, "done": done,
                     "percent": round(100 * done / total) if total else 0, "extra": values.get(user.id, {})})
    return rows, total, names


@bp.route("/teach/")
@login_required
def index():
    if not current_user.is_staff:
        abort(404)
    return render_template("teach/index.html", courses=ops.taught_courses(db.session(), current_user), lang=lang())


@bp.route("/teach/<slug>/")
@login_required
def course_progress(slug: str):
    course = load_taught_course(slug)
    rows, total, extra = progress_rows(course)
    return render_template("teach/progress.html", course=course, rows=rows, total=total, extra=extra,
                           form=CohortImportForm(), lang=lang())


@bp.route("/teach/<slug>/progress.csv")
@login_required
def progress_csv(slug: str):
    course = load_taught_course(slug)
    rows, total, extra = progress_rows(course)
    header = ["name", "email", "enrolled_at", "lessons_done", "lessons_total", "percent", *extra]
    lines = ([r["user"].name, r["user"].email, r["enrolment"].created_at.date().isoformat(), r["done"], total,
              r["percent"], *[r["extra"].get(k, "") for k in extra]] for r in rows)
    return csv_response(f"{course.slug}-progress.csv", header, lines)


@bp.route("/teach/<slug>/import", methods=["POST"])
@login_required
def import_cohort(slug: str):
    course = load_taught_course(slug)
    form = CohortImportForm()
    if form.validate_on_submit():
        raw = form.csv_file.data.read(MAX_CSV_BYTES + 1)
        if len(raw) > MAX_CSV_BYTES:
            form.csv_file.errors.append(_("The file is larger than 1 MB."))
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                form.csv_file.errors.append(_("Save the file as UTF-8 CSV and try again."))
            else:
                report = import_people(db.session(), text, course)
                if report.errors:
                    form.csv_file.errors.extend(report.errors)
                else:
                    links = {u.email: absolute_url("accounts.reset_password", token=make_reset_token(u, invite=True))
                             for u in report.created}
                    flash(_("%(n)d learners enrolled, %(c)d new accounts created.", n=report.enrolled, c=len(report.created)),
                          "success")
                    from lms.accounts.mail import send_after_commit

                    for email, link in links.items():  # after the commit: no lock held while mailing a cohort
                        send_after_commit(email, _("You are invited to %(course)s", course=course.title_in(lang())),
                                  _("Set your password here: %(link)s", link=link))
                    return redirect(url_for("teach.course_progress", slug=slug), 303)
    rows, total, extra = progress_rows(course)
    return render_template("teach/progress.html", course=course, rows=rows, total=total, extra=extra, form=form,
                           lang=lang()), 400
