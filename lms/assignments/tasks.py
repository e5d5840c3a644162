"""Model checks as Huey tasks: idempotent per (submission, file hash); only transient failures retry."""
from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import timedelta

from huey import crontab
from sqlalchemy import and_, or_, select, update
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
#: A queued check that no consumer started for this long lost its queue entry.
STALE_AFTER = timedelta(minutes=10)
#: A running check renews its lease every HEARTBEAT seconds; one not renewed for LEASE lost its worker.
LEASE = timedelta(seconds=30)
HEARTBEAT = 5.0
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
    database = db.get_db()
    if not claim(database, submission_id, sha256):
        return  # unknown, replaced, done, or running elsewhere under a live lease: running again changes nothing
    with database.session() as sess:
        sub = sess.get(Submission, submission_id)
        assignment = sess.get(Assignment, sub.assignment_id)
        limits = geometry.Limits(max_bytes=ops.assignment_max_bytes(assignment),
                                 max_faces=int(assignment.requirements.get("max_faces_hard", 3_000_000)))
        try:
            with heartbeat(database, submission_id):
                artifacts = check_model(storage.path(sha256), sub.original_name, assignment.requirements, limits)
        except geometry.GeometryError as exc:
            ops.mark_failed(sub, exc.message_template, exc.params)
            sess.commit()
            return
        except (OperationalError, OSError):
            sub.state = "queued"
            sess.commit()
            raise
        except Exception as exc:  # a bug must not leave the learner waiting forever
            log.exception("check of submission %s failed", submission_id)
            ops.mark_failed(sub, INTERNAL_ERROR, {"kind": type(exc).__name__})
            sess.commit()
            return
        ops.store_check_result(sess, storage, sub, artifacts)
        sess.commit()
        passed = bool(sub.checks_passed)
    model_checked.send(None, submission_id=submission_id, passed=passed)


def claim(database, submission_id: int, sha256: str) -> bool:
    """Take the check: one atomic UPDATE, so two consumers never both run it while its lease is alive."""
    now = utcnow()
    with database.session() as sess:
        taken = sess.execute(
            update(Submission)
            .where(Submission.id == submission_id, Submission.file_sha256 == sha256, Submission.state != "checked",
                   or_(Submission.state != "checking", Submission.updated_at < now - LEASE))
            .values(state="checking", updated_at=now)
        ).rowcount
        sess.commit()
    return taken == 1


@contextmanager
def heartbeat(database, submission_id: int):
    """Renew the check's lease (its updated_at) from a thread while the body runs."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(HEARTBEAT):
            try:
                with database.session() as sess:
                    running = update(Submission).where(Submission.id == submission_id, Submission.state == "checking")
                    sess.execute(running.values(updated_at=utcnow()))
                    sess.commit()
            except OperationalError:  # a busy database: the next beat tries again, well inside the lease
                log.warning("heartbeat of submission %s skipped", submission_id)

    thread = threading.Thread(target=beat, name=f"check-heartbeat-{submission_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def enqueue_check(submission: Submission) -> None:
    check_submission_task(submission.id, submission.file_sha256)


def requeue_stale(now=None) -> int:
    """Submissions whose task was lost (a killed process) are queued again: running ones by their lease."""
    now = now or utcnow()
    lost = or_(and_(Submission.state == "checking", Submission.updated_at < now - LEASE),
               and_(Submission.state == "queued", Submission.updated_at < now - STALE_AFTER))
    with db.get_db().session() as sess:
        stale = sess.scalars(select(Submission).where(lost)).all()
        for sub in stale:
            sub.state, sub.updated_at = "queued", utcnow()
        sess.commit()
        pairs = [(s.id, s.file_sha256) for s in stale]
    for sid, sha in pairs:
        check_submission_task(sid, sha)
    return len(pairs)


@huey.periodic_task(crontab(minute="*"))
def requeue_stale_task() -> None:
    with task_app().app_context():
        count = requeue_stale()
        if count:
            log.warning("requeued %d stale submissions", count)


_started = threading.Event()


@huey.on_startup()
def pick_up_lost_checks() -> None:
    """A (re)started consumer looks for checks its predecessor lost: now, and again when their leases have run out."""
    if _started.is_set():  # called by each worker of the consumer: once is enough
        return
    _started.set()
    requeue_stale_task()
    requeue_stale_task.schedule(delay=LEASE.total_seconds() + HEARTBEAT)
