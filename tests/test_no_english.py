"""Every kind of page, rendered in Kyrgyz, Russian and Turkish as the role that sees it, shows no interface
string in English: no msgid of the catalogue whose translation differs appears in the page's text.

Only whole interface sentences and labels count (no placeholders, at least two words): names of people,
courses written in one language, file names and figures are content, not interface.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import csrf_token
from tests.test_accessibility_pages import PAGES  # the page kinds and who sees them

TRANSLATIONS = Path(__file__).resolve().parent.parent / "lms" / "translations"
#: Configured names: the verify page shows the issuer as the certificate froze it, which is a record, not interface.
CONFIGURED_NAMES = {"University FabLab", "FabLab Academy"}
_TAGS = re.compile(r"<script.*?</script>|<style.*?</style>|<[^>]+>", re.S)


def _interface_strings(lang: str) -> list[str]:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    out = []
    for m in catalog:
        if not m.id or isinstance(m.id, (list, tuple)) or "%" in m.id or len(m.id.split()) < 2:
            continue
        if m.string != m.id and m.id not in CONFIGURED_NAMES:  # untranslated ones count: they show English
            out.append(m.id)
    return out


def _text(page: str) -> str:
    return " ".join(html.unescape(_TAGS.sub(" ", page)).split())


@pytest.mark.parametrize("lang", ["ky", "ru", "tr"])
def test_pages_show_no_english_interface_string(app, world, lang):
    strings = _interface_strings(lang)
    assert len(strings) > 200
    found = {}
    clients = {}
    for kind, (who, template) in PAGES.items():
        if who not in clients:
            client = app.test_client()
            client.post("/language", data={"lang": lang, "next": "/courses/", "csrf_token": csrf_token(client, "/courses/")})
            if who:
                r = client.post("/login", data={"email": who, "password": "correct horse battery",
                                                "csrf_token": csrf_token(client)})
                assert r.status_code == 303, kind
            clients[who] = client
        response = clients[who].get(template.format(**world))
        assert response.status_code == 200, (kind, response.status_code)
        text = _text(response.get_data(as_text=True))
        english = [s for s in strings if s in text]
        if english:
            found[kind] = english
    assert not found, found
