"""Serial numbers (LAB-2026-000042) and other gapless counters, allocated in the issuing transaction."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lms.certificates.models import SerialCounter


class SerialError(RuntimeError):
    """The counter row kept vanishing (only under a broken database)."""


def serial_prefix() -> str:
    return str(current_app.config.get("LMS_CERT_SERIAL_PREFIX", "LAB"))


def allocate_serials(sess: Session, n: int, year: int, prefix: str | None = None) -> list[str]:
    """``n`` consecutive serials, e.g. LAB-2026-000042, from the (prefix, year) counter row.

    One atomic ``UPDATE ... SET last = last + n RETURNING last`` in the caller's transaction: the row
    stays locked until it commits (PostgreSQL row lock, SQLite write lock), so concurrent issuers wait
    for each other, and a rolled-back issue gives its numbers back. No duplicates, no gaps.
    """
    prefix = prefix or serial_prefix()
    last = bump_counter(sess, prefix, year, n)
    return [f"{prefix}-{year}-{k:06d}" for k in range(last - n + 1, last + 1)]


def bump_counter(sess: Session, prefix: str, year: int, n: int) -> int:
    """Add ``n`` to the (prefix, year) counter row, creating it at 0 first; return the new last value."""
    bump = (update(SerialCounter).where(SerialCounter.prefix == prefix, SerialCounter.year == year)
            .values(last=SerialCounter.last + n).returning(SerialCounter.last)
            .execution_options(synchronize_session=False))
    last = None
    for _attempt in range(3):
        last = sess.execute(bump).scalar()
        if last is not None:
            break
        try:  # the first serial of this prefix and year: create the row, then bump it
            with sess.begin_nested():
                sess.execute(insert(SerialCounter).values(prefix=prefix, year=year, last=0))
        except IntegrityError:  # created concurrently; the bump now waits for it
            continue
    if last is None:  # pragma: no cover - only when the row keeps vanishing
        raise SerialError("No serial number could be allocated. Try again.")
    return last
