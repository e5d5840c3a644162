"""Outgoing mail: SMTP when configured, else nothing is sent (the CLI prints links)."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


def send_mail(to: str, subject: str, body: str) -> bool:
    host = current_app.config.get("LMS_SMTP_HOST")
    if not host:
        current_app.logger.info("SMTP not configured; not sending %r to %s", subject, to)
        return False
    msg = EmailMessage()
    msg["From"] = current_app.config["LMS_MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    with smtplib.SMTP(host, int(current_app.config["LMS_SMTP_PORT"]), timeout=10) as smtp:
        smtp.send_message(msg)
    return True
