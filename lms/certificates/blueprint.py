"""Certificates on the web: my certificates, downloads, public verification, instructor and admin pages."""
from __future__ import annotations

import functools
import hashlib

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from lms import db
from lms.accounts.access import admin_required
from lms.accounts.models import User
from lms.assignments.models import Completion
from lms.catalog import operations as catalog
from lms.catalog.models import Course
from lms.certificates import codes, publishing, queries, tasks
from lms.certificates import operations as ops
from lms.certificates.forms import (
    ActionForm,
    FilterForm,
    PrintForm,
    ReissueForm,
    RevokeForm,
    VerifyCodeForm,
    VerifyUploadForm,
)
from lms.certificates.models import Certificate, PrintJob
from lms.extensions import csrf
from lms.teach.blueprint import load_taught_course
from lms.web_helpers import error_text, id_arg, lang, page_arg, send_stored, wants_json

bp = Blueprint("certificates", __name__)


def load_certificate(cert_id: int) -> Certificate:
    """The certificate when the current user holds it, teaches its course or is an administrator; 404 otherwise."""
    sess = db.session()
    cert = sess.get(Certificate, cert_id)
    if cert is None or not current_user.is_authenticated:
        abort(404)
    if cert.user_id != current_user.id and not catalog.instructs(sess, current_user, sess.get(Course, cert.course_id)):
        abort(404)
    return cert


def _or_404(row):
    """``row``, or a 404 answer when there is none."""
    if row is None:
        abort(404)
    return row


def load_admin_certificate(cert_id: int) -> Certificate:
    return _or_404(db.session().get(Certificate, cert_id))


def load_print_job(job_id: int) -> PrintJob:
    return _or_404(db.session().get(PrintJob, job_id))


# --- learners ----------------------------------------------------------------------------------


@bp.route("/certificates/")
@login_required
def mine():
    sess = db.session()
    rows = queries.holder_certificates(sess, current_user.id)
    waiting = queries.waiting_completions(sess, current_user.id)
    return render_template("certificates/mine.html", certificates=rows, waiting=waiting, lang=lang(),
                           issuing=ops.course_issuing)


@bp.route("/certificates/<int:cert_id>.pdf")
@login_required
def download(cert_id: int):
    cert = load_certificate(cert_id)
    return send_stored(cert.pdf_sha256, "application/pdf", f"{cert.serial}.pdf", max_age=0)


# --- public verification -----------------------------------------------------------------------


def _rate_limited():
    limit = int(current_app.config.get("LMS_CERT_VERIFY_RATE_LIMIT", 30))
    if not ops.over_rate_limit(request.remote_addr or "unknown", limit):
        return None
    message = _("Too many verification requests. Wait a minute and try again.")
    if wants_json():
        response = jsonify({"error": "Too Many Requests", "message": message})
    else:
        response = current_app.make_response(
            render_template("error.html", code=429, title=_("Too many requests"), message=message))
    response.status_code = 429
    response.headers["Retry-After"] = "60"
    return response


def verification_rate_limit(view):
    """The public verification views answer 429 instead, to an address that asked too often this minute."""
    @functools.wraps(view)
    def limited_view(*args, **kwargs):
        limited = _rate_limited()
        return limited if limited is not None else view(*args, **kwargs)
    return limited_view


def _public(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/verify/", methods=["GET", "POST"])
@csrf.exempt  # the upload form checks its own CSRF token, after the size limit below is set
@verification_rate_limit
def verify_index():
    code_form = VerifyCodeForm(request.args)
    if request.method == "GET" and "code" in request.args and code_form.validate():
        return redirect(url_for("certificates.verify", code=codes.canonical(code_form.code.data)), 303)
    limit_kb = int(current_app.config.get("LMS_CERT_VERIFY_MAX_KB", 5120))
    request.max_content_length = limit_kb * 1024 + 16 * 1024
    status, result = 200, None
    try:
        upload_form = VerifyUploadForm()
        if request.method == "POST":
            status = 400
            if upload_form.validate_on_submit():
                status, result = 200, _check_upload(upload_form.pdf.data, limit_kb * 1024)
                if result == "too-large":
                    upload_form.pdf.errors.append(_("The file is larger than %(kb)d KB.", kb=limit_kb))
                    status, result = 413, None
    except RequestEntityTooLarge:
        upload_form = VerifyUploadForm(formdata=None)
        upload_form.pdf.errors = [_("The file is larger than %(kb)d KB.", kb=limit_kb)]
        status = 413
    return _public(current_app.make_response((render_template(
        "certificates/verify_index.html", code_form=code_form, upload_form=upload_form, result=result,
        limit_kb=limit_kb, signer=publishing.signer_summary()), status)))


def _check_upload(upload, limit: int):
    blob = bytearray()
    while chunk := upload.stream.read(1 << 16):
        blob += chunk
        if len(blob) > limit:
            return "too-large"
    digest = hashlib.sha256(blob).hexdigest()
    cert = ops.find_by_sha256(db.session(), digest)
    return {"genuine": cert is not None, "sha256": digest, "signature": publishing.check_signature(bytes(blob)),
            "record": ops.public_record(cert) if cert else None}


@bp.route("/verify/<code>")
@verification_rate_limit
def verify(code: str):
    cert = ops.find_by_code(db.session(), code)
    if cert is None:
        if wants_json():
            return _public(current_app.make_response(
                ({"error": "Not Found", "status": "unknown", "message": _("No certificate has this code.")}, 404)))
        return _public(current_app.make_response((render_template("certificates/verify_unknown.html", code=code), 404)))
    record = ops.public_record(cert)
    if wants_json():
        return _public(jsonify(record))
    return _public(current_app.make_response(render_template("certificates/verify.html", c=record,
                                                             credential=bool(cert.credential_jwt),
                                                             signer=publishing.signer_summary())))


# --- instructors -------------------------------------------------------------------------------


@bp.route("/teach/<slug>/certificates")
@login_required
def course_holders(slug: str):
    course = load_taught_course(slug)
    rows = queries.course_certificates(db.session(), course.id)
    return render_template("certificates/course.html", course=course, certificates=rows, lang=lang())


# --- administrators ----------------------------------------------------------------------------


STATUSES = ("valid", "revoked")


def _course_choices(sess) -> list[tuple[str, str]]:
    return [("", _("All courses"))] + [(str(c.id), c.title_in(lang())) for c in queries.courses_by_slug(sess)]


def _admin_page(print_form: PrintForm | None = None, status: int = 200):
    sess = db.session()
    choices = _course_choices(sess)
    filters = FilterForm(request.args)
    filters.course.choices = choices
    course_id = id_arg("course")
    status_arg = request.args.get("status")
    page = page_arg()
    size = current_app.config["LMS_PAGE_SIZE"]
    rows, total = queries.certificate_page(sess, course_id, status_arg if status_arg in STATUSES else None,
                                           page, size)
    due, due_total = queries.due_page(sess, course_id)
    if print_form is None:
        print_form = PrintForm(formdata=None)
    print_form.course.choices = choices
    jobs = queries.recent_print_jobs(sess)
    return render_template(
        "certificates/admin.html", certificates=rows, filters=filters, page=page, pages=max(1, -(-total // size)),
        total=total, due=due, due_total=due_total, print_form=print_form, jobs=jobs, action_form=ActionForm(),
        issuing=ops.course_issuing, lang=lang(), course_id=course_id or "", status=request.args.get("status", ""),
    ), status


@bp.route("/admin/certificates/")
@admin_required
def admin_list():
    return _admin_page()


@bp.route("/admin/certificates/completions/<int:completion_id>/issue", methods=["POST"])
@admin_required
def admin_issue(completion_id: int):
    sess = db.session()
    completion = sess.get(Completion, completion_id)
    if completion is None:
        abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    course = sess.get(Course, completion.course_id)
    action = "approve" if ops.course_issuing(course) == "approved" else "issue"
    try:
        cert = ops.issue_certificate(sess, completion, actor=current_user, action=action)
    except ops.CertificateError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("certificates.admin_list"), 303)
    flash(_("Certificate %(serial)s issued to %(name)s.", serial=cert.serial, name=cert.holder_name), "success")
    return redirect(url_for("certificates.admin_list"), 303)


@bp.route("/admin/certificates/approve-all", methods=["POST"])
@admin_required
def admin_approve_all():
    sess = db.session()
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    course = sess.get(Course, id_arg("course", request.form) or 0)
    due = ops.count_due(sess, course)
    if due > ops.BACKGROUND_ISSUE_THRESHOLD:  # seconds of rendering: not inside a page request
        tasks.issue_due_task(course.id if course else None, current_user.id)
        flash(_("Issuing %(n)d certificates in the background. They appear on this page as they are ready.", n=due),
              "info")
        return redirect(url_for("certificates.admin_list", course=course.id if course else None), 303)
    try:
        issued = ops.issue_due(sess, course, actor=current_user, action="approve")
    except ops.CertificateError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("certificates.admin_list"), 303)
    flash(_("%(n)d certificates issued.", n=len(issued)), "success")
    return redirect(url_for("certificates.admin_list", course=course.id if course else None), 303)


def _detail_page(cert: Certificate, revoke_form=None, reissue_form=None, status: int = 200):
    sess = db.session()
    events, related = queries.certificate_history(sess, cert)
    if reissue_form is None:
        reissue_form = ReissueForm(formdata=None, holder_name=cert.holder_name)
    return render_template("certificates/admin_detail.html", cert=cert, events=events, related=related,
                           revoke_form=revoke_form or RevokeForm(formdata=None), reissue_form=reissue_form,
                           holder=sess.get(User, cert.user_id), record=ops.public_record(cert),
                           verify_url=ops.verify_url(cert.code)), status


@bp.route("/admin/certificates/<int:cert_id>")
@admin_required
def admin_detail(cert_id: int):
    return _detail_page(load_admin_certificate(cert_id))


def _posted_on_detail_page(cert: Certificate, form, form_name: str, field, act):
    """An administrator's form about ``cert``, posted from its page: ``act()`` runs the operation and returns the
    message and the certificate to show next; a refusal goes to ``field`` and the page again (``form_name`` says
    which form of the page this is), as does a form that does not validate (400)."""
    if not form.validate_on_submit():
        return _detail_page(cert, **{form_name: form}, status=400)
    try:
        message, shown = act()
    except ops.CertificateError as exc:
        field.errors.append(error_text(exc))
        return _detail_page(cert, **{form_name: form}, status=exc.status)
    flash(message, "success")
    return redirect(url_for("certificates.admin_detail", cert_id=shown.id), 303)


@bp.route("/admin/certificates/<int:cert_id>/revoke", methods=["POST"])
@admin_required
def admin_revoke(cert_id: int):
    cert, form = load_admin_certificate(cert_id), RevokeForm()

    def revoke():
        ops.revoke(db.session(), cert, form.reason.data, actor=current_user)
        return _("Certificate %(serial)s revoked.", serial=cert.serial), cert

    return _posted_on_detail_page(cert, form, "revoke_form", form.reason, revoke)


@bp.route("/admin/certificates/<int:cert_id>/reissue", methods=["POST"])
@admin_required
def admin_reissue(cert_id: int):
    cert, form = load_admin_certificate(cert_id), ReissueForm()

    def reissue():
        new = ops.reissue(db.session(), cert, form.holder_name.data, actor=current_user, note=form.note.data or "")
        return _("Certificate %(old)s replaced by %(new)s.", old=cert.serial, new=new.serial), new

    return _posted_on_detail_page(cert, form, "reissue_form", form.holder_name, reissue)


@bp.route("/admin/certificates/print", methods=["POST"])
@admin_required
def admin_print():
    sess = db.session()
    form = PrintForm()
    form.course.choices = _course_choices(sess)
    if not form.validate_on_submit():
        return _admin_page(form, 400)
    sel = ops.Selection(course_id=int(form.course.data) if (form.course.data or "").isdigit() else None,
                        enrolled_from=form.enrolled_from.data, enrolled_to=form.enrolled_to.data,
                        completed_from=form.completed_from.data, completed_to=form.completed_to.data,
                        serials=form.serial_list())
    certs, missing = ops.select_certificates(sess, sel)
    if missing:
        form.serials.errors.append(_("Unknown or revoked serial numbers: %(serials)s", serials=", ".join(missing[:20])))
        return _admin_page(form, 400)
    try:
        job = ops.create_print_job(sess, certs, form.output.data, sel, current_user)
    except ops.CertificateError as exc:
        form.course.errors.append(error_text(exc))
        return _admin_page(form, exc.status)
    db.after_commit(sess, lambda: tasks.enqueue(job))  # the task loads the job row: it must be committed first
    return redirect(url_for("certificates.print_job", job_id=job.id), 303)


def job_json(job: PrintJob) -> dict:
    return {"id": job.id, "state": job.state, "done": job.done, "total": job.total, "output": job.output,
            "error": job.error, "sha256": job.result_sha256, "size": job.result_size,
            "download": url_for("certificates.print_download", job_id=job.id) if job.state == "done" else None}


@bp.route("/admin/certificates/print/<int:job_id>")
@admin_required
def print_job(job_id: int):
    job = load_print_job(job_id)
    if wants_json():
        return job_json(job)
    return render_template("certificates/print_job.html", job=job, data=job_json(job))


@bp.route("/admin/certificates/print/<int:job_id>/download")
@admin_required
def print_download(job_id: int):
    job = load_print_job(job_id)
    if job.state != "done" or not job.result_sha256:
        abort(404)
    mimetype = "application/pdf" if job.output == "pdf" else "application/zip"
    return send_stored(job.result_sha256, mimetype, f"certificates-{job.id}.{job.output}", max_age=0)


from lms.certificates import public_keys  # noqa: E402,F401 - its routes join this blueprint
