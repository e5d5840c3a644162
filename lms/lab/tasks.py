"""Lab tasks: slice a model once its checks pass; follow the print jobs on their printers."""
from __future__ import annotations

import logging

from huey import crontab
from sqlalchemy.exc import OperationalError

from lms import db
from lms.assignments.models import Submission
from lms.assignments.signals import model_checked
from lms.catalog.models import Assignment
from lms.lab import jobs, slicing
from lms.storage_app import get_storage
from lms.tasks import failure_recorded, huey, task_app

log = logging.getLogger(__name__)


@model_checked.connect
def _slice_when_passed(_sender, submission_id: int, passed: bool, **_extra) -> None:
    if passed:
        slice_task(submission_id)


@huey.task(retries=2, retry_delay=10)
def slice_task(submission_id: int) -> None:
    with task_app().app_context():
        run_slice(submission_id)


def run_slice(submission_id: int) -> None:
    from flask import current_app

    with db.get_db().session() as sess:
        sub = sess.get(Submission, submission_id)
        assignment = sub and sess.get(Assignment, sub.assignment_id)
        if sub is None or not slicing.wants_slicing(sub, assignment):
            return
        slicing.mark_slicing(sub, slicing.profile_for(assignment))
        sess.commit()

        def failed(exc: Exception) -> None:
            slicing._record(sess.get(Submission, submission_id), {
                "state": "failed", "profile": slicing.profile_for(assignment),
                "message_template": slicing.REFUSALS["error"], "params": {}, "kind": type(exc).__name__})

        with failure_recorded(sess, log, f"slicing submission {submission_id}", failed,
                              transient=(OperationalError, OSError)):
            slicing.slice_submission(sess, get_storage(), sub, assignment, current_app.config)
            sess.commit()


@huey.task()
def follow_task() -> None:
    with task_app().app_context():
        jobs.follow_all()


@huey.periodic_task(crontab(minute="*"))
def follow_periodic() -> None:
    """Every minute: start queued jobs on free printers and read the progress of running ones."""
    with task_app().app_context():
        jobs.follow_all()
