"""Lab pages: printers (admin), the lab page (queue and live state), sending, G-code, photos and sign-off."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms import db
from lms.accounts.access import admin_required
from lms.assignments.blueprint import load_submission
from lms.assignments.describe import translate_result
from lms.catalog import operations as catalog
from lms.db import utcnow
from lms.geometry.i18n import N_
from lms.lab import jobs, printers, profiles, queries, signoff
from lms.lab import tasks as _tasks  # noqa: F401 - connects "slice when a check passes"
from lms.lab.forms import JobActionForm, PhotoForm, PrinterForm, SendForm, SignoffForm
from lms.lab.models import LabJob, Printer
from lms.lab.photos import PhotoError
from lms.storage_app import get_storage
from lms.web_helpers import error_text, send_stored, wants_json

bp = Blueprint("lab", __name__)


@bp.record_once
def _load_configured_profiles(state) -> None:  # noqa: ANN001
    profiles.load_profiles(state.app.config.get("LMS_LAB_PROFILES") or {})


def _staff_required() -> None:
    if not current_user.is_staff:
        abort(404)


def _refuse(exc, status: int | None = None):  # noqa: ANN001
    """A LabError or PhotoError as a 4xx: JSON, or the error page with the message in the reader's language."""
    status = status or getattr(exc, "status", 400)
    message = error_text(exc)
    if wants_json():
        return {"error": message}, status
    return render_template("error.html", code=status, title=_("That did not work"), message=message), status


def _back(sub_id: int):
    return redirect(url_for("assignments.submission_page", submission_id=sub_id), 303)


# --- printers (administrators) ---------------------------------------------------------------------


@bp.route("/admin/printers", methods=["GET", "POST"])
@admin_required
def printers_page():
    sess = db.session()
    form = PrinterForm()
    form.profile.choices = sorted(profiles.PROFILES)
    status = 200
    if form.validate_on_submit():
        try:
            printers.add_printer(sess, form.name.data, form.profile.data, form.octoprint_url.data, form.api_key.data,
                                 form.cost_per_kg.data)
        except printers.LabError as exc:
            form.name.errors.append(_(exc.message, **exc.params))
            status = exc.status
        else:
            flash(_("Printer added."), "success")
            return redirect(url_for("lab.printers_page"), 303)
    elif request.method == "POST":
        status = 400
    rows = [printers.public(p) for p in printers.list_printers(sess)]
    return render_template("lab/printers.html", form=form, rows=rows, profiles=profiles.PROFILES), status


# --- the lab page ------------------------------------------------------------------------------------


@bp.route("/lab/")
@login_required
def lab_page():
    _staff_required()
    sess = db.session()
    queue = [queries.job_row(*row) for row in queries.queue(sess)]
    today = [queries.job_row(*row) for row in queries.jobs_of_the_day(sess, utcnow())]
    printer_rows = [printers.public(p) for p in printers.list_printers(sess)]
    if wants_json():
        return {"printers": printer_rows, "queue": queue, "today": today}
    messages = {j.id: translate_result(jobs.message_item(j)) for j in sess.query(LabJob).filter(
        LabJob.id.in_([r["id"] for r in queue + today]), LabJob.message.is_not(None))}
    return render_template("lab/lab.html", printers=printer_rows, queue=queue, today=today, messages=messages,
                           form=JobActionForm())


@bp.route("/lab/jobs/<int:job_id>/<any(cancel, retry, up, down):action>", methods=["POST"])
@login_required
def job_action(job_id: int, action: str):
    _staff_required()
    sess = db.session()
    job = sess.get(LabJob, job_id)
    if job is None or not JobActionForm().validate_on_submit():
        abort(404 if job is None else 400)
    try:
        {"cancel": lambda: jobs.cancel(sess, job), "retry": lambda: jobs.retry(sess, job),
         "up": lambda: jobs.move(sess, job, -1), "down": lambda: jobs.move(sess, job, +1)}[action]()
    except printers.LabError as exc:
        return _refuse(exc)
    if wants_json():
        return {"id": job.id, "state": job.state}
    return redirect(url_for("lab.lab_page"), 303)


# --- one submission ----------------------------------------------------------------------------------


@bp.route("/submissions/<int:submission_id>/print", methods=["POST"])
@login_required
def send_to_printer(submission_id: int):
    sub, _assignment, _course = load_submission(submission_id, for_grading=True)
    sess = db.session()
    form = SendForm()
    form.printer.choices = [(p.id, p.name) for p in printers.list_printers(sess, active_only=True)]
    if not form.validate_on_submit():
        return _refuse(printers.LabError(N_("Choose a printer.")))
    try:
        job = jobs.send(sess, sub, sess.get(Printer, form.printer.data), current_user.id)
    except printers.LabError as exc:
        return _refuse(exc)
    _tasks.follow_task.schedule(delay=2)  # after this request's commit: start it without waiting a minute
    if wants_json():
        return {"job_id": job.id, "state": job.state}, 201
    flash(_("Sent to the lab queue."), "success")
    return _back(sub.id)


@bp.route("/submissions/<int:submission_id>/model.gcode")
@login_required
def gcode(submission_id: int):
    sub, _assignment, course = load_submission(submission_id)
    teaches = catalog.instructs(db.session(), current_user, course)
    if not teaches and not (course.lab or {}).get("gcode_download"):
        abort(404)
    sha = ((sub.report or {}).get("slicer") or {}).get("gcode_sha256")
    stem = sub.original_name.rsplit(".", 1)[0]
    return send_stored(sha, "text/x-gcode", f"{stem}.gcode", max_age=0)  # a new slice replaces it


@bp.route("/submissions/<int:submission_id>/photo", methods=["GET", "POST"])
@login_required
def photo(submission_id: int):
    sub, _assignment, _course = load_submission(submission_id)
    sess = db.session()
    if request.method == "GET":
        record = signoff.signoff_of(sess, sub)
        if record is None:
            abort(404)
        return send_stored(record.photo_sha256, "image/jpeg", max_age=0)  # a new photo replaces it
    form = PhotoForm()
    if not form.validate_on_submit():
        return _refuse(printers.LabError(N_("Choose a photo to upload.")))
    try:
        signoff.add_photo(sess, get_storage(), sub, form.photo.data.read(signoff.MAX_PHOTO_READ), current_user)
    except (PhotoError, printers.LabError) as exc:
        return _refuse(exc)
    flash(_("Photo added."), "success")
    return _back(sub.id)


@bp.route("/submissions/<int:submission_id>/signoff", methods=["POST"])
@login_required
def sign_off(submission_id: int):
    sub, _assignment, _course = load_submission(submission_id, for_grading=True)
    form = SignoffForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        signoff.sign_off(db.session(), sub, current_user, outside_queue=bool(form.outside_queue.data))
    except printers.LabError as exc:
        return _refuse(exc)
    flash(_("Printed part signed off."), "success")
    return _back(sub.id)


@bp.app_template_global()
def lab_panel(sub) -> dict:  # noqa: ANN001
    """What the submission page shows of the lab: the latest job, the photo, the forms."""
    sess = db.session()
    job = queries.latest_job(sess, sub.id)
    send = SendForm()
    send.printer.choices = [(p.id, p.name) for p in printers.list_printers(sess, active_only=True)]
    return {"job": job, "print": queries.print_json(sess, sub.id),
            "message": translate_result(jobs.message_item(job)) if job and job.message else None,
            "signoff": signoff.signoff_of(sess, sub), "send": send, "photo_form": PhotoForm(),
            "signoff_form": SignoffForm()}
