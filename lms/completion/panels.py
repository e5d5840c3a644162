"""The dashboard's notifications, completions and certificates of one learner."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.assignments.models import Completion, Notification
from lms.assignments.notifications import describe
from lms.certificates.models import Certificate


def dashboard_panels(sess: Session, user: User) -> dict:
    notes = sess.scalars(select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                         .order_by(Notification.created_at.desc()).limit(10)).all()
    completions = {c.course_id: c for c in sess.scalars(select(Completion).where(Completion.user_id == user.id))}
    return {"notifications": [describe(n) for n in notes], "completions": completions,
            "certificates": _valid_certificates(sess, user) if completions else {}}


def _valid_certificates(sess: Session, user: User) -> dict:
    rows = sess.scalars(select(Certificate).where(Certificate.user_id == user.id, Certificate.status == "valid"))
    return {c.course_id: c for c in rows}
