"""Figures with units in the reader's language: one formatter each for time, mass, length, area and volume.

A figure shown in two places goes through the same function, so a print time cannot read "0 h 6 min"
on one page and "0 h 07 min" on another. Numbers use the locale's separators (Flask-Babel).
"""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_decimal, format_time
from flask_babel import gettext as _


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = max(1, round(seconds / 60)) if seconds > 0 else 0
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(h)s h %(m)s min", h=format_decimal(hours), m=format_decimal(minutes))
    return _("%(m)s min", m=format_decimal(minutes))


def mass(grams: float | None) -> str:
    return "—" if grams is None else _("%(n)s g", n=format_decimal(round(grams, 1), "#,##0.#"))


def length_mm(mm: float | None, digits: int = 1) -> str:
    return "—" if mm is None else _("%(n)s mm", n=format_decimal(round(mm, digits), "#,##0." + "#" * digits))


def length_m(metres: float | None) -> str:
    return "—" if metres is None else _("%(n)s m", n=format_decimal(round(metres, 2), "#,##0.##"))


def area_mm2(mm2: float | None) -> str:
    return "—" if mm2 is None else _("%(n)s mm²", n=format_decimal(round(mm2), "#,##0"))


def volume_cm3(mm3: float | None) -> str:
    return "—" if mm3 is None else _("%(n)s cm³", n=format_decimal(round(mm3 / 1000, 2), "#,##0.##"))


def size_mm(extents: list[float]) -> str:
    """20 × 20 × 20 mm."""
    return _("%(n)s mm", n=" × ".join(format_decimal(round(v, 1), "#,##0.#") for v in extents))


def day(value: date | datetime | None) -> str:
    """A date as the reader's language writes it (1 Dec 2026, 1 дек. 2026 г., 2026-ж., 1-дек.)."""
    return "—" if value is None else format_date(value, "medium")


def moment(value: datetime | None) -> str:
    """A stored (UTC) time as date and hours:minutes in the reader's language."""
    return "—" if value is None else f"{format_date(value, 'medium')} {format_time(value, 'short')}"


FILTERS = {"day": day, "moment": moment, "duration": duration, "mass": mass, "length_mm": length_mm,
           "length_m": length_m, "area_mm2": area_mm2, "volume_cm3": volume_cm3, "size_mm": size_mm}


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
