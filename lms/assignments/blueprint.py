"""Model assignments: upload, submission pages, files, grading queue, grading, manual completions."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms import completion, db
from lms.accounts.models import User
from lms.accounts.operations import find_user
from lms.assignments import export, mailing, queries
from lms.assignments import operations as ops
from lms.assignments.describe import describe_requirements, translate_result
from lms.assignments.forms import ExtensionForm, ManualCompletionForm, UploadForm, grade_form
from lms.assignments.models import Submission
from lms.assignments.presenting import lesson_links, rubric_of, submission_json
from lms.catalog import operations as catalog
from lms.catalog import reading
from lms.catalog.blueprint import load_course
from lms.catalog.deadlines import course_zone, to_utc
from lms.catalog.markdown import render_markdown
from lms.catalog.models import Assignment, Course
from lms.catalog.queries import live_assignments
from lms.geometry.viewer import read_package
from lms.storage_app import get_storage
from lms.teach.blueprint import load_taught_course
from lms.web_helpers import error_text, gzipped_response, lang, page_arg, send_stored, wants_json

bp = Blueprint("assignments", __name__)
bp.record_once(lambda state: mailing.init_app(state.app))


@bp.app_template_global("assignment_status")
def assignment_status_global(assignment: Assignment) -> dict:
    """For the course page and dashboard: the current learner's state on one assignment, with its label."""
    status = queries.assignment_status(db.session(), current_user.id, assignment)
    return dict(status, label=_(queries.STATUS_LABELS[status["state"]]))


@bp.app_template_global("assignments_to_do")
def assignments_to_do(course: Course) -> list[tuple[Assignment, dict]]:
    """For the dashboard: the course's live assignments the current learner has not had accepted yet."""
    items = [(a, assignment_status_global(a)) for a in live_assignments(db.session(), course.id)]
    return [(a, st) for a, st in items if st["state"] != "accepted"]


def load_assignment(course: Course, slug: str) -> Assignment:
    assignment = queries.assignment_of(db.session(), course, slug)
    if assignment is None:
        abort(404)
    return assignment


def load_submission(submission_id: int, for_grading: bool = False) -> tuple[Submission, Assignment, Course]:
    """The submission when the current user owns it or teaches its course; 404 otherwise."""
    sess = db.session()
    sub = sess.get(Submission, submission_id)
    if sub is None:
        abort(404)
    assignment = sess.get(Assignment, sub.assignment_id)
    course = sess.get(Course, assignment.course_id)
    teaches = catalog.instructs(sess, current_user, course)
    if not teaches and (for_grading or sub.user_id != current_user.id):
        abort(404)
    return sub, assignment, course


def upload_limit() -> None:
    """Before the body is read (CSRF reads the form): cap it at the assignment's own limit."""
    if request.method != "POST" or request.endpoint != "assignments.assignment_page":
        return
    args = request.view_args or {}
    _course, assignment = queries.find_assignment(db.session(), args.get("slug"), args.get("assignment_slug"))
    if assignment is not None:
        request.max_content_length = ops.assignment_max_bytes(assignment) + 64 * 1024  # room for the form fields


# --- learner -----------------------------------------------------------------------------------


@bp.route("/courses/<slug>/assignments/<assignment_slug>/", methods=["GET", "POST"])
@login_required
def assignment_page(slug: str, assignment_slug: str):
    sess = db.session()
    course = load_course(slug)
    assignment = load_assignment(course, assignment_slug)
    enrolment = catalog.get_enrolment(sess, current_user, course)
    teaches = catalog.instructs(sess, current_user, course)
    if enrolment is None and not teaches:
        flash(_("Enrol in the course to submit work."), "info")
        return redirect(url_for("catalog.course_page", slug=slug), 303)
    form = UploadForm()
    status = 200
    if request.method == "POST":
        if enrolment is None:
            abort(403)
        if form.validate_on_submit():
            upload = form.model.data
            try:
                submission = ops.submit_model(sess, get_storage(), current_user, assignment, upload.stream, upload.filename,
                                              note=form.note.data or "")
            except ops.SubmissionError as exc:
                form.model.errors.append(error_text(exc))
                status = exc.status
            else:
                from lms.assignments.tasks import enqueue_check

                db.after_commit(sess, lambda: enqueue_check(submission))  # the task loads the committed row
                return redirect(url_for("assignments.submission_page", submission_id=submission.id), 303)
        else:
            status = 400
        if wants_json():
            return {"errors": form.model.errors or form.errors}, status
    attempts = queries.attempts_of(sess, assignment.id, current_user.id)
    return render_template(
        "assignments/assignment.html", course=course, assignment=assignment, form=form, attempts=attempts,
        **reading.assignment_content(course, assignment, lang()), requirements=describe_requirements(assignment.requirements),
        blocked=ops.can_submit(sess, current_user, assignment) if enrolment else None,
        deadline=ops.deadline_for(sess, current_user, assignment), extension=ops.extension_for(sess, current_user, assignment),
        max_mb=ops.assignment_max_bytes(assignment) / 1024 / 1024, today=date.today(),
    ), status


@bp.route("/submissions/<int:submission_id>/")
@login_required
def submission_page(submission_id: int):
    sub, assignment, course = load_submission(submission_id)
    if wants_json():
        return submission_json(sub, assignment)
    sess = db.session()
    grades = queries.grades_of(sess, sub)
    others = queries.attempts_of(sess, assignment.id, sub.user_id)
    ops.mark_notifications_read(sess, current_user, f"submission:{sub.id}")  # reading the page reads them
    data = submission_json(sub, assignment)
    resubmit = (sub.user_id == current_user.id and sub.decision == "returned"
                and ops.can_submit(sess, current_user, assignment) is None)
    return render_template("assignments/submission.html", sub=sub, assignment=assignment, course=course, grades=grades,
                           others=others, learner=sess.get(User, sub.user_id), lang=lang(), translate=translate_result,
                           data=data, teaches=catalog.instructs(sess, current_user, course),
                           note_html=render_markdown(sub.note) if sub.note else "", lessons=lesson_links(course),
                           upload_form=UploadForm() if resubmit else None,
                           max_mb=ops.assignment_max_bytes(assignment) / 1024 / 1024)


@bp.route("/submissions/<int:submission_id>/file")
@login_required
def submission_file(submission_id: int):
    sub, _a, _c = load_submission(submission_id)
    return send_stored(sub.file_sha256, "application/octet-stream", sub.original_name)


@bp.route("/submissions/<int:submission_id>/repaired.stl")
@login_required
def repaired_file(submission_id: int):
    sub, _a, _c = load_submission(submission_id)
    stem = sub.original_name.rsplit(".", 1)[0]
    return send_stored(sub.repaired_sha256, "model/stl", f"{stem}-repaired.stl")


@bp.route("/submissions/<int:submission_id>/thumbnail.png")
@login_required
def thumbnail(submission_id: int):
    sub, _a, _c = load_submission(submission_id)
    sha = sub.thumbnail_small_sha256 if request.args.get("size") == "small" else sub.thumbnail_sha256
    return send_stored(sha, "image/png")


@bp.route("/submissions/<int:submission_id>/viewer.json")
@login_required
def viewer_data(submission_id: int):
    """The viewer's meta (bounds, problems, levels of detail with their URLs); older submissions: the whole JSON."""
    sub, _a, _c = load_submission(submission_id)
    if not sub.viewer_sha256 or not get_storage().exists(sub.viewer_sha256):
        abort(404)
    blob = get_storage().path(sub.viewer_sha256).read_bytes()
    package = read_package(blob)
    if package is not None:
        meta, _levels = package
        for number, level in enumerate(meta["levels"]):
            level["url"] = url_for("assignments.viewer_mesh", submission_id=sub.id, level=number)
        response = jsonify(meta)
        response.vary.add("Accept-Encoding")  # as the gzip answer of older submissions does
        response.headers["Cache-Control"] = "private, max-age=3600"
        return response
    return gzipped_response(blob, "application/json", max_age=3600)


@bp.route("/submissions/<int:submission_id>/mesh-<int:level>.bin")
@login_required
def viewer_mesh(submission_id: int, level: int):
    """One level of detail in the compact binary form, sent as stored (gzip)."""
    sub, _a, _c = load_submission(submission_id)
    package = read_package(get_storage().path(sub.viewer_sha256).read_bytes()) if sub.viewer_sha256 else None
    if package is None or level >= len(package[0]["levels"]):
        abort(404)
    meta, levels = package
    entry = meta["levels"][level]
    body = levels[entry["offset"]:entry["offset"] + entry["length"]]
    return gzipped_response(body, "application/octet-stream", max_age=86400)  # a submission's mesh never changes


# --- instructors -------------------------------------------------------------------------------


@bp.route("/teach/<slug>/grading/")
@login_required
def queue(slug: str):
    sess = db.session()
    course = load_taught_course(slug)
    chosen = request.args.get("assignment", "")
    which = request.args.get("filter", "needs-grading")
    which = which if which in queries.QUEUE_FILTERS else "needs-grading"
    page = page_arg()
    size = current_app.config["LMS_PAGE_SIZE"]
    rows, total = queries.queue_page(sess, course.id, chosen, which, page, size)
    return render_template("assignments/queue.html", course=course, assignments=queries.course_assignments(sess, course.id),
                           rows=rows, which=which, chosen=chosen, page=page, pages=max(1, -(-total // size)),
                           total=total, lang=lang(), filters=queries.QUEUE_FILTERS)


@bp.route("/teach/submissions/<int:submission_id>/grade", methods=["GET", "POST"])
@login_required
def grade(submission_id: int):
    sess = db.session()
    sub, assignment, course = load_submission(submission_id, for_grading=True)
    rubric = rubric_of(assignment)
    form = grade_form(len(rubric))  # one score and one comment per criterion, whatever was posted
    status = 200
    if form.validate_on_submit():
        try:
            ops.grade_submission(sess, current_user, sub, assignment if assignment.rubric else _with_rubric(assignment, rubric),
                                 [float(x) for x in form.scores.data], form.feedback.data or "", form.decision.data,
                                 comments=list(form.comments.data))
        except ops.SubmissionError as exc:
            form.feedback.errors.append(error_text(exc))
            status = 400
        else:
            if form.decision.data == "accepted":
                completion.progress_changed(sess, sess.get(User, sub.user_id), course)
            flash(_("Grade saved."), "success")
            following = queries.next_to_grade(sess, course.id, sub) if request.form.get("next") else None
            if following is not None:
                return redirect(url_for("assignments.grade", submission_id=following.id), 303)
            return redirect(url_for("assignments.queue", slug=course.slug), 303)
    elif request.method == "POST":
        status = 400
    grades = queries.grades_of(sess, sub)
    others = queries.attempts_of(sess, assignment.id, sub.user_id)
    return render_template("assignments/grade.html", sub=sub, assignment=assignment, course=course, form=form,
                           rubric=rubric, grades=grades, others=others, learner=sess.get(User, sub.user_id), lang=lang(),
                           translate=translate_result, data=submission_json(sub, assignment),
                           note_html=render_markdown(sub.note) if sub.note else "", lessons=lesson_links(course)), status


@bp.route("/teach/submissions/<int:submission_id>/compare/<int:other_id>")
@login_required
def compare(submission_id: int, other_id: int):
    """Two attempts of one learner at one assignment, their reports side by side."""
    left, assignment, course = load_submission(submission_id, for_grading=True)
    right, _a, _c = load_submission(other_id, for_grading=True)
    if (right.assignment_id, right.user_id) != (left.assignment_id, left.user_id):
        abort(404)
    return render_template("assignments/compare.html", pair=[(s, submission_json(s, assignment)) for s in (left, right)],
                           assignment=assignment, course=course, learner=db.session().get(User, left.user_id),
                           lang=lang(), translate=translate_result)


def _with_rubric(assignment: Assignment, rubric: list) -> Assignment:
    """Grade against a default one-line rubric without changing the synced assignment."""
    return Assignment(id=assignment.id, course_id=assignment.course_id, title=assignment.title, rubric=rubric)


@bp.route("/teach/<slug>/accepted-models.zip")
@login_required
def accepted_models_zip(slug: str):
    course = load_taught_course(slug)
    entries = queries.accepted_models(db.session(), course.id)
    if not entries:
        flash(_("No accepted models yet."), "info")
        return redirect(url_for("assignments.queue", slug=slug, filter="accepted"), 303)
    archive = export.accepted_models_zip(get_storage(), entries)
    return send_file(archive, mimetype="application/zip", as_attachment=True,
                     download_name=f"{course.slug}-accepted-models.zip")


@bp.route("/teach/<slug>/completions", methods=["GET", "POST"])
@login_required
def completions(slug: str):
    sess = db.session()
    course = load_taught_course(slug)
    form = ManualCompletionForm()
    status = 200
    if form.validate_on_submit():
        emails = [e.strip().lower() for e in form.emails.data.split() if e.strip()]
        missing = [e for e in emails if find_user(e) is None]
        if missing:
            form.emails.errors.append(_("No account for: %(emails)s", emails=", ".join(missing)))
            status = 400
        else:
            added = 0
            for email in emails:
                if completion.record_completion(sess, find_user(email), course, final_score=None, source="manual",
                                         reason=form.reason.data.strip(), recorded_by=current_user,
                                         completed_on=form.completed_on.data):
                    added += 1
            flash(_("%(n)d completions recorded.", n=added), "success")
            return redirect(url_for("assignments.completions", slug=slug), 303)
    elif request.method == "POST":
        status = 400
    return render_template("assignments/completions.html", course=course, form=form,
                           rows=queries.completions_of(sess, course.id), lang=lang()), status


@bp.route("/teach/<slug>/assignments/<assignment_slug>/extensions", methods=["GET", "POST"])
@login_required
def extensions(slug: str, assignment_slug: str):
    sess = db.session()
    course = load_taught_course(slug)
    assignment = load_assignment(course, assignment_slug)
    form = ExtensionForm()
    status = 200
    if form.validate_on_submit():
        learner = find_user(form.email.data)
        if learner is None or catalog.get_enrolment(sess, learner, course) is None:
            form.email.errors.append(_("No learner with this e-mail is enrolled in the course."))
            status = 400
        else:
            until = to_utc(form.until.data, course_zone(course.timezone))
            ops.grant_extension(sess, current_user, learner, assignment, until)
            flash(_("Extension saved."), "success")
            return redirect(url_for("assignments.extensions", slug=slug, assignment_slug=assignment_slug), 303)
    elif request.method == "POST":
        status = 400
    return render_template("assignments/extensions.html", course=course, assignment=assignment, form=form,
                           rows=queries.extensions_of(sess, assignment), lang=lang()), status
