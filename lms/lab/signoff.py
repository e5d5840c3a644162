"""Printed-part verification: a photo (by the learner or an instructor) and an instructor's sign-off.

Flushes; the caller commits. Signing off re-evaluates the course's completion (one more rule).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import completion
from lms.accounts.models import User
from lms.assignments.models import Submission
from lms.catalog.models import Assignment, Course
from lms.db import utcnow
from lms.geometry.i18n import N_
from lms.lab.models import LabJob, PrintSignoff
from lms.lab.photos import MAX_BYTES, clean_photo
from lms.lab.printers import LabError
from lms.storage import LocalStorage

MAX_PHOTO_READ = MAX_BYTES + 1  # one byte more than allowed, so a larger file is refused, not cut


def signoff_of(sess: Session, sub: Submission) -> PrintSignoff | None:
    return sess.scalar(select(PrintSignoff).where(PrintSignoff.submission_id == sub.id))


def printed_job(sess: Session, sub: Submission) -> LabJob | None:
    return sess.scalar(select(LabJob).where(LabJob.submission_id == sub.id, LabJob.state == "printed")
                       .order_by(LabJob.finished_at.desc()).limit(1))


def add_photo(sess: Session, storage: LocalStorage, sub: Submission, data: bytes, by: User) -> PrintSignoff:
    """Store the re-encoded photo (PhotoError on a bad image: nothing is written)."""
    jpeg = clean_photo(data)
    record = signoff_of(sess, sub)
    if record is not None and record.signed_at is not None:
        raise LabError(N_("This part is already signed off."), 409)
    if record is None:
        record = PrintSignoff(submission_id=sub.id)
        sess.add(record)
    record.photo_sha256, record.photo_by_id = storage.put_bytes(jpeg), by.id
    sess.flush()
    return record


def sign_off(sess: Session, sub: Submission, instructor: User, outside_queue: bool = False) -> PrintSignoff:
    """The instructor confirms the part in the photo; the course completion is evaluated again."""
    record = signoff_of(sess, sub)
    if record is None or not record.photo_sha256:
        raise LabError(N_("Add a photo of the printed part first."), 409)
    if record.signed_at is not None:
        raise LabError(N_("This part is already signed off."), 409)
    job = printed_job(sess, sub)
    if job is None and not outside_queue:
        raise LabError(N_("No print of this model has finished. Tick “printed outside the queue” if it was."), 409)
    record.job_id, record.signed_by_id, record.signed_at = job.id if job else None, instructor.id, utcnow()
    sess.flush()
    course = sess.get(Course, sess.get(Assignment, sub.assignment_id).course_id)
    completion.progress_changed(sess, sess.get(User, sub.user_id), course)
    return record
