"""The dashboard's notifications, completions and certificates of one learner, and for each course
what is still needed for the certificate, in the reader's language."""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.assignments.models import Completion, Notification
from lms.assignments.notifications import describe
from lms.catalog.models import Course
from lms.certificates.models import Certificate
from lms.certificates.settings import course_issuing
from lms.completion.records import Remaining, remaining_needs


def dashboard_panels(sess: Session, user: User, courses: Iterable[Course] = ()) -> dict:
    """``still_needed``: {course id: text} for the given courses that are not complete yet;
    ``certificate_state``: {course id: text} for the completed ones that have no valid certificate."""
    notes = sess.scalars(select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                         .order_by(Notification.created_at.desc()).limit(10)).all()
    completions = {c.course_id: c for c in sess.scalars(select(Completion).where(Completion.user_id == user.id))}
    certificates = _valid_certificates(sess, user) if completions else {}
    courses = list(courses)
    return {"notifications": [describe(n) for n in notes], "completions": completions, "certificates": certificates,
            "still_needed": {c.id: still_needed_text(remaining_needs(sess, user, c))
                             for c in courses if c.id not in completions},
            "certificate_state": {c.id: certificate_state_text(sess, user, c) for c in courses
                                  if c.id in completions and c.id not in certificates}}


def _valid_certificates(sess: Session, user: User) -> dict:
    rows = sess.scalars(select(Certificate).where(Certificate.user_id == user.id, Certificate.status == "valid"))
    return {c.course_id: c for c in rows}


def still_needed_text(needs: Remaining) -> str:
    """E.g. "2 lessons and 1 assignment left; score 60% needed" ("" when the rule asks nothing more)."""
    items = [text for count, text in (
        (needs.lessons, ngettext("%(num)d lesson", "%(num)d lessons", needs.lessons)),
        (needs.assignments, ngettext("%(num)d assignment", "%(num)d assignments", needs.assignments)),
        (needs.printed, ngettext("%(num)d printed part", "%(num)d printed parts", needs.printed)),
    ) if count]
    parts = [_("%(items)s left", items=_joined(items))] if items else []
    if needs.score is not None:
        parts.append(_("score %(score)s%% needed", score=format_decimal(round(needs.score, 1), "#,##0.#")))
    return "; ".join(parts)


def _joined(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    if len(items) == 1:
        return items[0]
    return _("%(first)s and %(last)s", first=", ".join(items[:-1]), last=items[-1])


def certificate_state_text(sess: Session, user: User, course: Course) -> str:
    """A completed course without a valid certificate: revoked, waiting for approval, or being prepared."""
    latest = sess.scalar(select(Certificate).where(Certificate.user_id == user.id, Certificate.course_id == course.id)
                         .order_by(Certificate.id.desc()).limit(1))
    if latest is not None and latest.status == "revoked":
        return _("Your certificate for this course was revoked.")
    if course_issuing(course) == "approved":
        return _("Your certificate is waiting for approval by an administrator.")
    return _("Your certificate is being prepared.")
