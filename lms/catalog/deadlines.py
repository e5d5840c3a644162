"""Assignment deadlines: course.yaml gives dates or date-times in the course's time zone; we store UTC.

A bare date means the end of that day where the course runs (a teacher who reads "due 30 June"
expects to upload on the evening of the 30th), so it becomes 23:59:59 local time.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Bishkek"


def course_zone(name: str | None) -> ZoneInfo:
    """The course's time zone; ValueError names what to write when the name is unknown."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"timezone must be an IANA time zone name such as {DEFAULT_TIMEZONE}") from None


def to_utc(value: date | datetime, zone: ZoneInfo) -> datetime:
    """A course.yaml date or date-time as naive UTC (how every time is stored)."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59, 59))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC).replace(tzinfo=None)


def deadline_state(now: datetime, due_at: datetime | None, cutoff_at: datetime | None,
                   extended_until: datetime | None = None) -> str:
    """'open', 'late' (past due, still accepted) or 'closed' (past the cutoff), for naive UTC times.

    An extension moves both the due time and the cutoff to its own end for that learner.
    """
    if extended_until is not None:
        return "open" if now <= extended_until else "closed"
    if cutoff_at is not None and now > cutoff_at:
        return "closed"
    if due_at is not None and now > due_at:
        return "late"
    return "open"


def parse_local_deadline(text: str, zone_name: str | None) -> datetime:
    """'2027-06-30' or '2027-06-30 18:00' in the course's zone, as naive UTC; ValueError says what to write."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("write a date like 2027-06-30 or a date-time like 2027-06-30 18:00") from None
    if len(text.strip()) <= 10:  # a bare date: the end of that day
        value = value.date()
    return to_utc(value, course_zone(zone_name))
