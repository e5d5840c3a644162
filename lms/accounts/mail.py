"""Outgoing mail: SMTP when configured, else nothing is sent (the CLI prints links)."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session


def send_mail(to: str, subject: str, body: str) -> bool:
    """Send one plain-text message; False when SMTP is not configured or the server cannot take it.

    A mail server that is down must not turn a form submission into a 500 (nor tell an
    attacker, by failing, that the address has an account), so errors are logged, not raised."""
    host = current_app.config.get("LMS_SMTP_HOST")
    if not host:
        current_app.logger.info("SMTP not configured; not sending %r to %s", subject, to)
        return False
    msg = EmailMessage()
    msg["From"] = current_app.config["LMS_MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    try:
        with smtplib.SMTP(host, int(current_app.config["LMS_SMTP_PORT"]), timeout=10) as smtp:
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        current_app.logger.error("could not send %r to %s: %s", subject, to, exc)
        return False
    return True


_OUTBOX = "lms_outbox"


def send_after_commit(to: str, subject: str, body: str) -> None:
    """Send once the request's writes are committed: never for a rolled-back account, and no database
    lock is held while talking to the mail server."""
    from lms import db

    db.session().info.setdefault(_OUTBOX, []).append((to, subject, body))


@event.listens_for(Session, "after_commit")
def _send_outbox(sess: Session) -> None:
    if not sess.in_nested_transaction():  # the request's own commit, not a savepoint's
        for to, subject, body in sess.info.pop(_OUTBOX, []):
            send_mail(to, subject, body)


@event.listens_for(Session, "after_rollback")
def _drop_outbox(sess: Session) -> None:
    if not sess.in_nested_transaction():
        sess.info.pop(_OUTBOX, None)
