"""What the SMTP fixtures of conftest.py keep (an aiosmtpd handler) and helpers to read it."""
from __future__ import annotations

import re
from email import message_from_bytes, policy


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


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]
