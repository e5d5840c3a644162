"""A real SMTP server on localhost (aiosmtpd) for the hostile tests, and helpers to read what it received."""
from __future__ import annotations

import re
from email import message_from_bytes, policy

import pytest

from tests.processes import free_port


class Inbox:
    """aiosmtpd handler keeping every message it is given."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages_to(self, address: str) -> list:
        return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes if address in e.rcpt_tos]

    def links_to(self, address: str) -> list[str]:
        return [link for m in self.messages_to(address) for link in re.findall(r"https?://\S+", m.get_content())]


@pytest.fixture
def inbox(app):
    """The app sends its mail to a real SMTP server listening on localhost."""
    from aiosmtpd.controller import Controller

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(LMS_SMTP_HOST="127.0.0.1", LMS_SMTP_PORT=controller.port, LMS_MAIL_FROM="lms@fablab.kg")
    yield handler
    controller.stop()


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]
