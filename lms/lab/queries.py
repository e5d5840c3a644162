"""Reads of the lab: a submission's print state, the queue, jobs of the day."""
from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.assignments.models import Submission
from lms.lab.models import OPEN_STATES, LabJob, Printer


def latest_job(sess: Session, submission_id: int) -> LabJob | None:
    return sess.scalar(select(LabJob).where(LabJob.submission_id == submission_id)
                       .order_by(LabJob.created_at.desc(), LabJob.id.desc()).limit(1))


def print_json(sess: Session, submission_id: int) -> dict | None:
    """``print`` of the submission JSON: the latest job, once one exists."""
    job = latest_job(sess, submission_id)
    if job is None:
        return None
    printer = sess.get(Printer, job.printer_id)
    return {"state": job.state, "printer": printer.name if printer else None, "progress": job.progress,
            "time_left_s": job.time_left_s, "updated_at": job.updated_at.isoformat() + "Z", "job_id": job.id}


def queue(sess: Session) -> list[tuple[LabJob, Printer, Submission, User]]:
    return list(sess.execute(_joined().where(LabJob.state.in_(OPEN_STATES)).order_by(LabJob.position)).all())


def jobs_of_the_day(sess: Session, day: datetime) -> list[tuple[LabJob, Printer, Submission, User]]:
    start = datetime.combine(day.date(), time.min)
    return list(sess.execute(_joined().where(LabJob.state.not_in(OPEN_STATES), LabJob.updated_at >= start)
                             .order_by(LabJob.updated_at.desc())).all())


def _joined():
    return (select(LabJob, Printer, Submission, User).join(Printer, Printer.id == LabJob.printer_id)
            .join(Submission, Submission.id == LabJob.submission_id).join(User, User.id == Submission.user_id))


def job_row(job: LabJob, printer: Printer, sub: Submission, user: User) -> dict:
    return {"id": job.id, "state": job.state, "printer": printer.name, "submission_id": sub.id, "learner": user.name,
            "file": sub.original_name, "progress": job.progress, "time_left_s": job.time_left_s,
            "position": job.position, "updated_at": job.updated_at.isoformat() + "Z"}
