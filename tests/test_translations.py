"""The Russian, Kyrgyz and Turkish catalogues are complete, compile, and are what the app serves.

The catalogues are compiled here with Babel's API into a temporary folder, so the
tests check the committed ``.po`` files (``.mo`` files are git-ignored and may be
stale) and never write into the source tree.  ``lms/translations/update.sh``
refreshes ``messages.pot`` and the ``.po`` files after code or templates change.
"""
from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from lms import i18n

TRANSLATIONS = Path(__file__).resolve().parent.parent / "lms" / "translations"
POT = TRANSLATIONS / "messages.pot"
LANGUAGES = ("ru", "ky", "tr")
NPLURALS = {"ru": 3, "ky": 2, "tr": 2}

# A printf-style conversion: %(name)s, %d, %5.1f, %% ...
_CONVERSION = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
_NAMED = re.compile(r"%\(([^)]*)\)")


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _template_messages():
    return [m for m in _read(POT) if m.id]


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


class _Any(dict):
    """Format arguments for any named placeholder (1 suits %s, %d, %r and %f)."""

    def __missing__(self, key):
        return 1


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> Path:
    """The .po files compiled into ``<tmp>/<lang>/LC_MESSAGES/messages.mo``."""
    root = tmp_path_factory.mktemp("translations")
    for lang in LANGUAGES:
        catalog = _read(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", lang)
        out = root / lang / "LC_MESSAGES"
        out.mkdir(parents=True)
        with (out / "messages.mo").open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
    return root


def test_template_exists_and_app_reads_this_folder():
    assert POT.is_file(), "run lms/translations/update.sh"
    assert Path(i18n.TRANSLATIONS_DIR).resolve() == TRANSLATIONS
    assert len(_template_messages()) > 100


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_with_the_same_placeholders(lang):
    catalog = _read(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", lang)
    assert str(catalog.locale) == lang
    assert catalog.num_plurals == NPLURALS[lang]
    problems = []
    for source in _template_messages():
        message = catalog.get(source.id, source.context)
        if message is None:
            problems.append(f"missing: {source.id!r}")
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {source.id!r}")
        strings = _strings(message)
        if isinstance(source.id, (list, tuple)) and len(strings) != catalog.num_plurals:
            problems.append(f"wrong number of plural forms: {source.id!r}")
        if not all(s and s.strip() for s in strings):
            problems.append(f"untranslated: {source.id!r}")
            continue
        names = sorted(set(_NAMED.findall(_ids(source)[0])))
        conversions = sorted(_CONVERSION.findall(_ids(source)[0]))
        for text in strings:
            if sorted(set(_NAMED.findall(text))) != names:
                problems.append(f"placeholders differ: {source.id!r} -> {text!r}")
            elif "python-format" in source.flags:
                if sorted(_CONVERSION.findall(text)) != conversions:
                    problems.append(f"conversions differ: {source.id!r} -> {text!r}")
                else:
                    try:
                        text % _Any()
                    except (TypeError, ValueError, KeyError) as exc:
                        problems.append(f"cannot be formatted ({exc}): {text!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_stale_entries_and_no_obsolete_source(lang):
    """The .po holds exactly the template's messages (update.sh was run after the last extract)."""
    catalog = _read(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", lang)
    template = {(m.context, _ids(m)[0]) for m in _template_messages()}
    translated = {(m.context, _ids(m)[0]) for m in catalog if m.id}
    assert translated == template


@pytest.mark.parametrize("lang, expected", [("ru", "Войти"), ("ky", "Кирүү"), ("tr", "Giriş yap")])
def test_compiled_catalogue_translates(compiled, lang, expected):
    translations = gettext.translation("messages", str(compiled), languages=[lang])
    assert translations.gettext("Log in") == expected
    assert translations.gettext("%(name)s now teaches this course.") % {"name": "A"}


@pytest.fixture
def app_config(app_config, compiled):
    """The app fixtures of conftest.py, serving the catalogues compiled above."""
    return {**app_config, "BABEL_TRANSLATION_DIRECTORIES": str(compiled)}


@pytest.mark.parametrize("lang, words, absent", [
    ("ky", ["Кирүү", "Сырсөз", "Электрондук почта", "Курстар", "Сырсөздү унуттуңузбу?"], "Войти"),
    ("ru", ["Войти", "Пароль", "Электронная почта", "Курсы", "Забыли пароль?"], "Кирүү"),
    ("tr", ["Giriş yap", "Şifre", "E-posta", "Kurslar", "Şifrenizi mi unuttunuz?"], "Войти"),
    ("en", ["Log in", "Password", "E-mail", "Courses", "Forgot your password?"], "Войти"),
])
def test_login_page_speaks_the_browser_language(client, lang, words, absent):
    response = client.get("/login", headers={"Accept-Language": lang})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(rf'<html lang="{lang}"', page), page[:200]
    for word in words:
        assert word in page, f"{word!r} missing from the {lang} login page"
    assert absent not in page
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title.startswith(words[0])


def test_weighted_accept_language_picks_kyrgyz(client):
    page = client.get("/login", headers={"Accept-Language": "ky-KG,ky;q=0.9,ru;q=0.8,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="ky"' in page
    assert "Кирүү" in page


def test_switcher_offers_turkish_and_the_choice_sticks(client):
    page = client.get("/login", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert re.search(r'<button[^>]*value="tr"[^>]*lang="tr"[^>]*>Türkçe</button>', page), "no Türkçe button"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/language", data={"csrf_token": token, "lang": "tr", "next": "/login"})
    assert response.status_code == 303
    page = client.get("/login", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="tr"' in page
    assert "Şifrenizi mi unuttunuz?" in page and "Войти" not in page


# Cyrillic catalogues only: in Turkish every word is Latin, so this check cannot tell.
@pytest.mark.parametrize("lang", ["ru", "ky"])
@pytest.mark.parametrize("size", [(212, 100, 20), (100, 212, 20), (100, 100, 240), (240, 100, 20)],
                         ids=["wide", "deep", "tall", "turned"])
def test_fit_messages_carry_no_english_words(compiled, lang, size):
    """The engine's parameters are figures, names and symbols: a translated fit message has no English left."""
    import re

    from lms.geometry import analyse, evaluate
    from tests.geometry.geometry_helpers import box_mesh

    translations = gettext.translation("messages", str(compiled), languages=[lang])
    report = analyse(box_mesh(size), printer="ender-3")
    items = [next(c for c in report["checks"] if c["id"] == "fit"), evaluate(report, {"printer": "ender-3"})[0]]
    for item in items:
        text = translations.gettext(item["message_template"]) % item["params"]
        words = set(re.findall(r"[A-Za-z]{2,}", text)) - {"Creality", "Ender", "mm"}
        assert not words, (text, words)
