"""The language a reader sees a course's content in: the web side of ``lms.catalog.languages``.

The reader's interface language is wanted, unless they picked another of the
course's languages with ``?lang=`` (remembered per course in the session).  When a
piece is not in the wanted language, the reader gets the next of the course's
languages their browser accepts (a Turkish reader who also reads English gets
English), and the course's own language last.
"""
from __future__ import annotations

from babel import Locale
from flask import request, session

from lms.catalog.languages import LANGUAGES, pick, rubric_in
from lms.catalog.markdown import render_markdown
from lms.i18n import LANGUAGE_NAMES

_SESSION_KEY = "lms_content_lang"


def course_languages(course) -> list[str]:
    """The languages the course is complete in, its own language first."""
    return list(course.languages or [course.language])


def wanted_language(course, interface: str) -> str:
    remembered = dict(session.get(_SESSION_KEY) or {})
    chosen = request.args.get("lang", "")
    if chosen in LANGUAGES and chosen in course_languages(course):
        if remembered.get(course.slug) != chosen:
            session[_SESSION_KEY] = {**remembered, course.slug: chosen}
        return chosen
    return remembered.get(course.slug) or interface


def reading_order(course, interface: str) -> list[str]:
    """The languages to show the course's content in, best first; the course's own is last."""
    order = [wanted_language(course, interface)]
    available = course_languages(course)
    for value, _quality in request.accept_languages:
        code = value.split("-")[0].lower()
        if code in available and code not in order:
            order.append(code)
    if course.language not in order:
        order.append(course.language)
    return order


def shown_language(course, order: list[str]) -> str:
    """The first language of ``order`` the course is complete in."""
    available = course_languages(course)
    return next((code for code in order if code in available), course.language)


def language_name(code: str, reader: str) -> str:
    """The name of language ``code`` in the reader's language ("англисче" for en in ky)."""
    try:
        return Locale.parse(code).get_display_name(reader) or code
    except (ValueError, LookupError):
        return LANGUAGE_NAMES.get(code, code)


def language_links(course) -> list[tuple[str, str]]:
    """``(code, name in that language)`` for each language the course has."""
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in course_languages(course)]


def notice(course, wanted: str, shown: str, interface: str) -> dict | None:
    """What the page says when it shows content in another language than the one wanted."""
    if shown == wanted:
        return None
    return {"shown": shown, "shown_name": language_name(shown, interface),
            "links": [(code, name) for code, name in language_links(course) if code != shown]}


def lesson_content(course, lesson, interface: str, asset_base: str) -> dict:
    """Template values for a lesson page: its body in the best language, which one, and the note."""
    order = reading_order(course, interface)
    body, shown = pick({course.language: lesson.body_md, **(lesson.bodies or {})}, *order)
    return {"lang": shown, "content_lang": shown, "notice": notice(course, order[0], shown, interface),
            "body_html": render_markdown(without_title(body), asset_base)}


def without_title(markdown: str) -> str:
    """The lesson text without its leading '# Title' line: the page prints the title once, as its h1."""
    first, _sep, rest = (markdown or "").lstrip().partition("\n")
    return rest if first.startswith("# ") else markdown


def assignment_content(course, assignment, interface: str) -> dict:
    """Template values for an assignment page: brief and rubric in the best language, and the note."""
    order = reading_order(course, interface)
    brief, shown = pick({course.language: assignment.brief_md, **(assignment.briefs or {})}, *order)
    return {"lang": shown, "content_lang": shown, "notice": notice(course, order[0], shown, interface),
            "brief_html": render_markdown(brief), "rubric": rubric_in(assignment.rubric or [], *order)}
