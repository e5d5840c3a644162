"""Notifications also go out by e-mail when SMTP is configured: after the commit that wrote them, never before.

The rows a session flushes are collected on that session; when it commits, a task mails each one in the
learner's own language, so a rolled-back grade mails nobody and a slow mail server slows no page.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms import db
from lms.assignments.models import Notification
from lms.tasks import huey, task_app

_OUTBOX = "lms_mail_outbox"


def init_app(app: Flask) -> None:
    factory = db.get_db(app).session_factory
    event.listen(factory, "after_flush", _collect)
    event.listen(factory, "after_commit", _send_collected)
    event.listen(factory, "after_rollback", lambda sess: sess.info.pop(_OUTBOX, None))


def _collect(sess: Session, _context) -> None:
    ids = [obj.id for obj in sess.new if isinstance(obj, Notification)]
    if ids:
        sess.info.setdefault(_OUTBOX, []).extend(ids)


def _send_collected(sess: Session) -> None:
    for notification_id in sess.info.pop(_OUTBOX, []):
        mail_notification_task(notification_id)


@huey.task(retries=2, retry_delay=30)
def mail_notification_task(notification_id: int) -> None:
    app = task_app()
    if not app.config.get("LMS_SMTP_HOST"):
        return
    with app.app_context():
        mail_notification(notification_id)


def mail_notification(notification_id: int) -> bool:
    """Send one notification to its user, in their language, with an absolute link to what it is about."""
    from flask import current_app

    from lms.accounts.mail import send_mail
    from lms.accounts.models import User
    from lms.assignments.notifications import describe
    from lms.urls import base_url

    with db.get_db().session() as sess:
        note = sess.get(Notification, notification_id)
        user = note and sess.get(User, note.user_id)
        if user is None or not user.active:
            return False
        base = base_url()
        with current_app.test_request_context(base_url=base), force_locale(user.locale or "en"):
            item = describe(note)
            link = base.rstrip("/") + item["url"] if item["url"].startswith("/") else item["url"]
            subject = _("FabLab LMS: %(text)s", text=item["text"])[:200]
            body = "\n\n".join((item["text"], _("Open it here: %(link)s", link=link)))
        return send_mail(user.email, subject, body)



