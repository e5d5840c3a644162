"""CSV downloads that a spreadsheet program opens as data, never as formulas.

Every CSV export goes through ``csv_response``: OWASP's CSV-injection sheet says to prefix a cell that begins
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return with a single quote, so the program reads it as text.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """``value`` unchanged unless it is text that a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([spreadsheet_safe(v) for v in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(v) for v in row])
    return out.getvalue()


def csv_response(filename: str, header: Iterable[object], rows: Iterable[Iterable[object]]) -> Response:
    # A BOM so that spreadsheet programs read Cyrillic names as UTF-8.
    return Response("\ufeff" + csv_text(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
