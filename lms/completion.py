"""Course completion and the dashboard panels that report it, evaluated whenever progress changes."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.catalog.models import Course


def progress_changed(sess: Session, user: User, course: Course) -> None:
    """Called after a lesson is completed or an assignment is accepted."""
    from lms.assignments.operations import evaluate_completion

    evaluate_completion(sess, user, course)


def completion_recorded(sess: Session, completion) -> None:  # noqa: ANN001
    """Called once when a completion is written: certificates hook in here."""
    try:
        from lms.certificates.operations import on_completion
    except ImportError:
        return
    on_completion(sess, completion)


def dashboard_panels(sess: Session, user: User) -> dict:
    """Notifications and completions for ``user``'s dashboard."""
    from lms.assignments.models import Completion, Notification
    from lms.assignments.notifications import describe

    notes = sess.scalars(select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                         .order_by(Notification.created_at.desc()).limit(10)).all()
    completions = {c.course_id: c for c in sess.scalars(select(Completion).where(Completion.user_id == user.id))}
    return {"notifications": [describe(n) for n in notes], "completions": completions,
            "certificates": _valid_certificates(sess, user) if completions else {}}


def _valid_certificates(sess: Session, user: User) -> dict:
    """The learner's valid certificate per course id (none when the certificates feature is absent)."""
    try:
        from lms.certificates.models import Certificate
    except ImportError:
        return {}
    rows = sess.scalars(select(Certificate).where(Certificate.user_id == user.id, Certificate.status == "valid"))
    return {c.course_id: c for c in rows}
