"""Printer verbs: add, update, list. They flush; the caller commits. API keys are write-only."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.errors import UserFacingError
from lms.geometry.i18n import N_
from lms.lab import profiles
from lms.lab.models import Printer

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,59}$")


class LabError(UserFacingError):
    """A problem with a printer or a print job that the user can fix."""


def _clean_url(url: str | None) -> str | None:
    url = (url or "").strip().rstrip("/")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LabError(N_("The OctoPrint address must start with http:// or https://."))
    return url


def add_printer(sess: Session, name: str, profile: str, octoprint_url: str | None = None,
                api_key: str | None = None, cost_per_kg: float | None = None) -> Printer:
    name = " ".join((name or "").split())
    if not _NAME.match(name):
        raise LabError(N_("A printer name has 1 to 60 letters, digits, spaces, dots, dashes or underscores."))
    if profile not in profiles.PROFILES:
        raise LabError(N_("Unknown profile %(profile)s. Known profiles: %(known)s."), profile=profile,
                       known=", ".join(sorted(profiles.PROFILES)) or "-")
    if cost_per_kg is not None and not 0 <= cost_per_kg <= 100000:
        raise LabError(N_("The cost per kilogram must be a number from 0 to 100000."))
    url = _clean_url(octoprint_url)
    key = (api_key or "").strip() or None
    if url and not key:
        raise LabError(N_("An OctoPrint printer needs its API key."))
    if sess.scalar(select(Printer.id).where(Printer.name == name)) is not None:
        raise LabError(N_("A printer named %(name)s already exists."), 409, name=name)
    printer = Printer(name=name, profile=profile, octoprint_url=url, api_key=key, cost_per_kg=cost_per_kg)
    try:
        with sess.begin_nested():
            sess.add(printer)
    except IntegrityError:
        raise LabError(N_("A printer named %(name)s already exists."), 409, name=name) from None
    return printer


def update_printer(printer: Printer, *, profile: str, octoprint_url: str | None, api_key: str | None,
                   cost_per_kg: float | None, active: bool) -> None:
    """An empty ``api_key`` keeps the stored one (it is never shown, so the form cannot echo it)."""
    if profile not in profiles.PROFILES:
        raise LabError(N_("Unknown profile %(profile)s. Known profiles: %(known)s."), profile=profile,
                       known=", ".join(sorted(profiles.PROFILES)))
    printer.profile, printer.octoprint_url = profile, _clean_url(octoprint_url)
    printer.cost_per_kg, printer.active = cost_per_kg, active
    if (api_key or "").strip():
        printer.api_key = api_key.strip()


def list_printers(sess: Session, active_only: bool = False) -> list[Printer]:
    query = select(Printer).order_by(Printer.name)
    if active_only:
        query = query.where(Printer.active.is_(True))
    return list(sess.scalars(query))


def public(printer: Printer) -> dict:
    """What may be shown or printed about a printer: everything but its key."""
    return {"id": printer.id, "name": printer.name, "profile": printer.profile, "octoprint_url": printer.octoprint_url,
            "has_api_key": bool(printer.api_key), "cost_per_kg": printer.cost_per_kg, "active": printer.active,
            "state": printer.state, "state_at": printer.state_at.isoformat() + "Z" if printer.state_at else None}
