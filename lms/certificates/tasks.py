"""Batch printing as a Huey task: the job row carries state, progress and the result's hash."""
from __future__ import annotations

import logging

from lms import db
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.certificates import operations as ops
from lms.certificates.models import PrintJob
from lms.db import utcnow
from lms.tasks import failure_recorded, huey, task_app

log = logging.getLogger(__name__)


def run(job_id: int) -> None:
    with db.get_db().session() as sess:
        job = sess.get(PrintJob, job_id)
        if job is None or job.state == "done":
            return  # unknown or already produced: running again changes nothing

        def failed(exc: Exception) -> None:
            again = sess.get(PrintJob, job_id)  # after the rollback
            again.state, again.error, again.updated_at = "failed", f"{type(exc).__name__}: {exc}", utcnow()

        with failure_recorded(sess, log, f"print job {job_id}", failed):
            ops.run_print_job(sess, job)


@huey.task(retries=2, retry_delay=5)
def print_job_task(job_id: int) -> None:
    with task_app().app_context():
        run(job_id)


def enqueue(job: PrintJob) -> None:
    print_job_task(job.id)


@huey.task(retries=2, retry_delay=5)
def issue_due_task(course_id: int | None, actor_id: int | None) -> None:
    """Approve and issue every due certificate (of one course), chunk by chunk.

    Idempotent: only completions without a certificate are due, so a retry or a second click
    carries on where the first stopped."""
    with task_app().app_context(), db.get_db().session() as sess:
        course = sess.get(Course, course_id) if course_id else None
        actor = sess.get(User, actor_id) if actor_id else None
        if course_id and course is None:
            return
        while True:  # a failed chunk is rolled back when the session closes; Huey retries from there
            issued = ops.issue_due(sess, course, actor=actor, action="approve", limit=ops.BACKGROUND_ISSUE_CHUNK)
            sess.commit()
            if len(issued) < ops.BACKGROUND_ISSUE_CHUNK:
                return
