"""Wording, dates and hours in en, ru and ky."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lms.certificates.pdf_labels import LABELS, LANGUAGES, format_date, format_hours


def test_every_language_has_every_label():
    keys = set(LABELS["en"])
    assert set(LANGUAGES) == {"en", "ru", "ky"}
    for language in LANGUAGES:
        assert set(LABELS[language]) == keys
        assert all(value.strip() for value in LABELS[language].values())


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", ["1 January 2025", "12 May 2025", "31 December 2025"]),
        ("ru", ["1 января 2025 г.", "12 мая 2025 г.", "31 декабря 2025 г."]),
        ("ky", ["2025-жылдын 1-январы", "2025-жылдын 12-майы", "2025-жылдын 31-декабры"]),
    ],
)
def test_dates(language, expected):
    days = [dt.date(2025, 1, 1), dt.date(2025, 5, 12), dt.datetime(2025, 12, 31, 23, 59)]
    assert [format_date(d, language) for d in days] == expected


@pytest.mark.parametrize(
    "hours, en, ru, ky",
    [
        (1, "1 hour", "1 час", "1 саат"),
        (2, "2 hours", "2 часа", "2 саат"),
        (5, "5 hours", "5 часов", "5 саат"),
        (11, "11 hours", "11 часов", "11 саат"),
        (21, "21 hours", "21 час", "21 саат"),
        (72, "72 hours", "72 часа", "72 саат"),
        (112, "112 hours", "112 часов", "112 саат"),
        (1.5, "1.5 hours", "1,5 часа", "1,5 саат"),
        (Decimal("36.0"), "36 hours", "36 часов", "36 саат"),
    ],
)
def test_hours(hours, en, ru, ky):
    assert format_hours(hours, "en") == en
    assert format_hours(hours, "ru") == ru
    assert format_hours(hours, "ky") == ky


@pytest.mark.parametrize("bad", ["72", None, True, float("nan"), -3])
def test_bad_hours(bad):
    with pytest.raises((TypeError, ValueError)):
        format_hours(bad, "en")
