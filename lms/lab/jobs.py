"""Print jobs: send, cancel, retry, reorder, and ``follow_all`` that moves them along on OctoPrint.

States: queued → uploading → printing → printed, or failed / cancelled. Faults are states with a
message (a translatable template); transient ones (OctoPrint unreachable, printer offline or busy,
upload interrupted) keep the job queued and retry with back-off.
"""
from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms import db
from lms.assignments.models import Submission
from lms.assignments.operations import notify
from lms.catalog.models import Assignment, Course
from lms.db import utcnow
from lms.geometry.i18n import N_
from lms.lab.models import OPEN_STATES, LabJob, Printer
from lms.lab.octoprint import OctoPrint, OctoPrintError
from lms.lab.printers import LabError
from lms.storage import LocalStorage

log = logging.getLogger(__name__)
FAULTS = {
    "unreachable": N_("OctoPrint does not answer (%(detail)s). Trying again shortly."),
    "auth": N_("OctoPrint refused the printer's API key. An administrator must enter the right key, then retry."),
    "offline": N_("The printer is not connected to OctoPrint. Trying again shortly."),
    "busy": N_("The printer is busy with another print. The job waits its turn."),
    "rejected": N_("OctoPrint refused the job (%(detail)s)."),
    "interrupted": N_("The upload to the printer was interrupted. Trying again shortly."),
    "lost": N_("The printer no longer runs this job (OctoPrint was restarted or another print replaced it)."),
    "cancelled_at_printer": N_("The print was cancelled at the printer."),
}
MAX_BACKOFF_S = 300
UPLOAD_GRACE = timedelta(minutes=5)  # an upload older than this without a started print was interrupted


def _message(key: str, **params) -> str:
    return json.dumps({"message_template": FAULTS[key], "params": params}, ensure_ascii=False)


def message_item(job: LabJob) -> dict:
    try:
        return json.loads(job.message) if job.message else {}
    except ValueError:
        return {"message": job.message}


def can_send(sess: Session, sub: Submission, course: Course) -> str | None:
    """None when this submission may go to a printer, else why not (a translatable message)."""
    slicer = (sub.report or {}).get("slicer") or {}
    if slicer.get("state") != "sliced":
        return N_("This model has no G-code yet: it is sent once it is sliced.")
    allowed = sub.decision == "accepted" or ((course.lab or {}).get("self_service") and sub.checks_passed)
    if not allowed:
        return N_("Only accepted work goes to a printer in this course.")
    return None


def send(sess: Session, sub: Submission, printer: Printer, actor_id: int | None) -> LabJob:
    course = sess.get(Course, sess.get(Assignment, sub.assignment_id).course_id)
    reason = can_send(sess, sub, course)
    if reason:
        raise LabError(reason, 409)
    if not printer.active or not printer.octoprint_url:
        raise LabError(N_("The printer %(name)s takes no jobs."), 409, name=printer.name)
    if sess.scalar(select(LabJob.id).where(LabJob.submission_id == sub.id, LabJob.state.in_(OPEN_STATES))):
        raise LabError(N_("This model is already in the lab queue."), 409)
    last = sess.scalar(select(func.max(LabJob.position))) or 0
    job = LabJob(submission_id=sub.id, printer_id=printer.id, gcode_sha256=sub.report["slicer"]["gcode_sha256"],
                 position=last + 1, created_by_id=actor_id)
    sess.add(job)
    sess.flush()
    return job


def cancel(sess: Session, job: LabJob) -> None:
    """Cancel a queued job, or stop a running one at the printer (the state says so once OctoPrint agrees)."""
    if job.state not in OPEN_STATES:
        raise LabError(N_("This job has already ended."), 409)
    if job.state in ("uploading", "printing"):
        printer = sess.get(Printer, job.printer_id)
        try:
            _client(printer).cancel()
        except OctoPrintError as exc:
            raise LabError(N_("OctoPrint could not cancel the print: %(detail)s"), 502, detail=exc.kind) from None
    _finish(job, "cancelled")


def retry(sess: Session, job: LabJob) -> None:
    if job.state not in ("failed", "cancelled"):
        raise LabError(N_("Only a failed or cancelled job can be retried."), 409)
    job.state, job.message, job.attempts, job.retry_at = "queued", None, 0, None
    job.progress = job.time_left_s = None
    job.position = (sess.scalar(select(func.max(LabJob.position))) or 0) + 1
    job.updated_at = utcnow()


def move(sess: Session, job: LabJob, direction: int) -> None:
    """Swap a queued job with its neighbour in the queue (-1: earlier, +1: later)."""
    if job.state != "queued":
        raise LabError(N_("Only a waiting job can move in the queue."), 409)
    order = LabJob.position.desc() if direction < 0 else LabJob.position
    near = LabJob.position < job.position if direction < 0 else LabJob.position > job.position
    other = sess.scalar(select(LabJob).where(LabJob.state == "queued", near).order_by(order).limit(1))
    if other is not None:
        job.position, other.position = other.position, job.position


def _client(printer: Printer) -> OctoPrint:
    return OctoPrint(printer.octoprint_url, printer.api_key or "")


def _tell_learner(job: LabJob, state: str) -> None:
    """A notification on the learner's dashboard when the part starts printing or its job ends."""

    sess = Session.object_session(job)
    sub = sess.get(Submission, job.submission_id)
    assignment = sess.get(Assignment, sub.assignment_id)
    printer = sess.get(Printer, job.printer_id)
    notify(sess, sub.user_id, f"print_{state}", {"assignment": assignment.title, "printer": printer.name},
           f"submission:{sub.id}")


def _finish(job: LabJob, state: str, message: str | None = None) -> None:
    _tell_learner(job, state)
    job.state, job.message, job.finished_at = state, message, utcnow()
    job.updated_at, job.retry_at = job.finished_at, None
    if state != "printed":
        job.time_left_s = None


def _back_off(job: LabJob, kind: str, detail: str = "") -> None:
    job.attempts += 1
    job.message = _message(kind, detail=detail[:120])
    job.retry_at = utcnow() + timedelta(seconds=min(MAX_BACKOFF_S, 5 * 2 ** min(job.attempts, 10)))
    job.updated_at = utcnow()


# --- following: one pass over every printer --------------------------------------------------------


_following = threading.Lock()  # one follower per process; FOR UPDATE SKIP LOCKED keeps processes apart


def follow_all(storage: LocalStorage | None = None) -> None:
    """Poll every active OctoPrint printer once; each printer in its own transaction.

    Two followers at once (the periodic task and the one a "send" schedules) must not both start the
    same job: a second one in this process returns at once, one in another process skips a locked printer."""
    from lms.storage_app import get_storage

    if not _following.acquire(blocking=False):
        return
    try:
        storage = storage or get_storage()
        with db.get_db().session() as sess:
            ids = [p.id for p in sess.scalars(select(Printer).where(Printer.active.is_(True),
                                                                     Printer.octoprint_url.is_not(None)))]
        for printer_id in ids:
            with db.get_db().session() as sess:
                printer = sess.scalar(select(Printer).where(Printer.id == printer_id)
                                      .with_for_update(skip_locked=True))
                if printer is not None:
                    follow_printer(sess, storage, printer)
                sess.commit()
    finally:
        _following.release()


def follow_printer(sess: Session, storage: LocalStorage, printer: Printer) -> None:
    running = sess.scalar(select(LabJob).where(LabJob.printer_id == printer.id,
                                               LabJob.state.in_(("uploading", "printing"))).limit(1))
    client = _client(printer)
    try:
        if running is not None:
            _poll(client, printer, running)
        else:
            _start_next(sess, storage, client, printer)
    except OctoPrintError as exc:
        _printer_state(printer, exc.kind, exc.detail)
        if running is not None and exc.kind != "auth":
            running.message, running.updated_at = _message(exc.kind, detail=exc.detail[:120]), utcnow()


def _printer_state(printer: Printer, state: str, message: str | None = None) -> None:
    printer.state, printer.state_message, printer.state_at = state, message, utcnow()


def _poll(client: OctoPrint, printer: Printer, job: LabJob) -> None:
    status = client.job()
    _printer_state(printer, status.state.lower())
    if status.file_name != job.remote_name and job.state == "uploading":
        if utcnow() - job.updated_at < UPLOAD_GRACE:
            return  # another follower is still sending it
        job.state = "queued"  # the process stopped mid-upload: send it again
        _back_off(job, "interrupted")
    elif status.file_name != job.remote_name:
        _finish(job, "failed", _message("lost"))
    elif status.printing:
        job.message, job.updated_at = None, utcnow()
        job.progress = round(float(status.progress or 0), 1)
        job.time_left_s = status.time_left_s
    elif (status.progress or 0) >= 100:
        job.progress, job.time_left_s = 100.0, 0
        _finish(job, "printed")
    elif status.state.startswith("Operational"):
        _finish(job, "cancelled", _message("cancelled_at_printer"))
    else:  # Error, Offline...: the printer lost its job
        _finish(job, "failed", _message("lost"))


def _start_next(sess: Session, storage: LocalStorage, client: OctoPrint, printer: Printer) -> None:
    now = utcnow()
    job = sess.scalar(select(LabJob).where(LabJob.printer_id == printer.id, LabJob.state == "queued",
                                           (LabJob.retry_at.is_(None)) | (LabJob.retry_at <= now))
                      .order_by(LabJob.position).limit(1))
    try:
        connection = client.connection()
        state = str(connection.get("state") or "Closed")
        _printer_state(printer, state.lower())
        if job is None:
            return
        if state.startswith(("Closed", "Offline", "Error")):
            client.connect()  # OctoPrint's own default port and baud rate
            _back_off(job, "offline")
            return
        _upload(sess, storage, client, job)
    except OctoPrintError as exc:
        _printer_state(printer, exc.kind, exc.detail)
        if job is None:
            return
        if exc.kind == "auth":
            _finish(job, "failed", _message("auth"))
        else:
            job.state = "queued"
            _back_off(job, exc.kind, exc.detail)


def _upload(sess: Session, storage: LocalStorage, client: OctoPrint, job: LabJob) -> None:
    job.state, job.updated_at = "uploading", utcnow()
    job.remote_name = f"lms-job-{job.id}-{job.gcode_sha256[:8]}.gcode"
    sess.commit()  # the lab page shows "uploading" while the file travels
    client.upload_and_print(storage.path(job.gcode_sha256), job.remote_name)
    _tell_learner(job, "printing")
    job.state, job.message, job.started_at = "printing", None, utcnow()
    job.progress, job.updated_at = 0.0, utcnow()
