"""Model checks as Huey tasks: idempotent per (submission, file hash); only transient failures retry."""
from __future__ import annotations

import logging
from datetime import timedelta

from huey import crontab
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from lms import db, geometry
from lms.assignments import operations as ops
from lms.assignments.models import Submission
from lms.assignments.pipeline import check_model
from lms.assignments.signals import model_checked
from lms.catalog.models import Assignment
from lms.db import utcnow
from lms.geometry.i18n import N_
from lms.storage_app import get_storage
from lms.tasks import huey, task_app

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=10)
INTERNAL_ERROR = N_("An internal error stopped the check (%(kind)s). Upload the file again later, "
                    "or tell your instructor if it happens again.")


class TransientError(Exception):
    """A failure worth retrying (database busy, storage briefly unavailable)."""


@huey.task(retries=3, retry_delay=5)
def check_submission_task(submission_id: int, sha256: str) -> None:
    app = task_app()
    with app.app_context():
        try:
            run_check(submission_id, sha256)
        except (OperationalError, OSError) as exc:
            raise TransientError(str(exc)) from exc


def run_check(submission_id: int, sha256: str) -> None:
    storage = get_storage()
    with db.get_db().session() as sess:
        sub = sess.get(Submission, submission_id)
        if sub is None or sub.file_sha256 != sha256 or sub.state == "checked":
            return  # unknown, replaced, or already done: running again changes nothing
        sub.state, sub.updated_at = "checking", utcnow()
        assignment = sess.get(Assignment, sub.assignment_id)
        sess.commit()
        limits = geometry.Limits(max_bytes=ops.assignment_max_bytes(assignment),
                                 max_faces=int(assignment.requirements.get("max_faces_hard", 3_000_000)))
        try:
            artifacts = check_model(storage.path(sha256), sub.original_name, assignment.requirements, limits)
        except geometry.GeometryError as exc:
            ops.mark_failed(sub, exc.message_template, exc.params)
            sess.commit()
            return
        except (OperationalError, OSError):
            sub.state = "queued"
            sess.commit()
            raise
        except Exception as exc:  # noqa: BLE001 - a bug must not leave the learner waiting forever
            log.exception("check of submission %s failed", submission_id)
            ops.mark_failed(sub, INTERNAL_ERROR, {"kind": type(exc).__name__})
            sess.commit()
            return
        ops.store_check_result(sess, storage, sub, artifacts)
        sess.commit()
        passed = bool(sub.checks_passed)
    model_checked.send(None, submission_id=submission_id, passed=passed)


def enqueue_check(submission: Submission) -> None:
    check_submission_task(submission.id, submission.file_sha256)


def requeue_stale(now=None) -> int:  # noqa: ANN001
    """Submissions whose task was lost (a killed process) are queued again."""
    cutoff = (now or utcnow()) - STALE_AFTER
    with db.get_db().session() as sess:
        stale = sess.scalars(select(Submission).where(
            Submission.state.in_(("queued", "checking")), Submission.updated_at < cutoff)).all()
        for sub in stale:
            sub.state, sub.updated_at = "queued", utcnow()
        sess.commit()
        pairs = [(s.id, s.file_sha256) for s in stale]
    for sid, sha in pairs:
        check_submission_task(sid, sha)
    return len(pairs)


@huey.periodic_task(crontab(minute="*/5"))
def requeue_stale_task() -> None:
    with task_app().app_context():
        count = requeue_stale()
        if count:
            log.warning("requeued %d stale submissions", count)
