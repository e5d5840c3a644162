"""Notification texts, translated when shown."""
from __future__ import annotations

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from lms.assignments.models import Notification
from lms.catalog.models import localized


def _target_url(target: str) -> str:
    kind, _sep, key = target.partition(":")
    if kind == "submission":
        return url_for("assignments.submission_page", submission_id=int(key))
    return url_for("catalog.course_page", slug=key)


def describe(note: Notification) -> dict:
    lang = str(get_locale() or "en")
    p = {k: localized(v, lang) if isinstance(v, dict) else v for k, v in note.params.items()}
    if note.kind == "submission_accepted":
        text = _("Your work on “%(assignment)s” (attempt %(attempt)s) was accepted.", assignment=p["assignment"], attempt=p["attempt"])
    elif note.kind == "submission_returned":
        text = _("Your work on “%(assignment)s” (attempt %(attempt)s) was returned for revision.",
                 assignment=p["assignment"], attempt=p["attempt"])
    elif note.kind == "check_problems":
        text = _("The check of your work on “%(assignment)s” (attempt %(attempt)s) found problems to fix.",
                 assignment=p["assignment"], attempt=p["attempt"])
    elif note.kind == "extension_granted":
        text = _("You have until %(until)s UTC to submit “%(assignment)s”.", until=p["until"], assignment=p["assignment"])
    elif note.kind == "course_completed":
        text = _("You completed “%(course)s”. Congratulations!", course=p["course"])
    elif note.kind.startswith("print_"):
        text = _print_text(note.kind, p)
    else:
        text = note.kind
    return {"id": note.id, "text": text, "url": _target_url(note.target)}


def _print_text(kind: str, p: dict) -> str:
    """A print job of the learner's work changed state (lms.lab)."""
    texts = {
        "print_printing": _("Your part for “%(assignment)s” is printing on %(printer)s.", **p),
        "print_printed": _("Your part for “%(assignment)s” is printed on %(printer)s. Collect it from the lab.", **p),
        "print_failed": _("The print of your part for “%(assignment)s” on %(printer)s failed.", **p),
        "print_cancelled": _("The print of your part for “%(assignment)s” on %(printer)s was cancelled.", **p),
    }
    return texts.get(kind, kind)
