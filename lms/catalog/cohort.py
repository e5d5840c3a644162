"""Create accounts (and optionally enrol them) from a CSV of names and e-mails."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from lms.accounts import operations as accounts
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.catalog.operations import enrol

MAX_ROWS = 5000


@dataclass
class ImportReport:
    created: list[User] = field(default_factory=list)
    existing: list[User] = field(default_factory=list)
    enrolled: int = 0
    errors: list[str] = field(default_factory=list)


def parse_people(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, email) rows from CSV text with columns name,email (a header row is optional)."""
    rows, errors = [], []
    sample = text[:2048]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    for lineno, row in enumerate(reader, start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if lineno == 1 and {c.lower() for c in cells} & {"email", "e-mail", "name", "имя", "аты"}:
            continue  # header
        if len(cells) < 2:
            errors.append(f"line {lineno}: expected name and e-mail")
            continue
        name, email = (cells[0], cells[1]) if "@" in cells[1] else (cells[1], cells[0])
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            errors.append(f"line {lineno}: {email!r} is not an e-mail address")
            continue
        if not name:
            errors.append(f"line {lineno}: the name is empty")
            continue
        rows.append((name[:200], email))
        if len(rows) > MAX_ROWS:
            errors.append(f"more than {MAX_ROWS} rows; split the file")
            return [], errors
    return rows, errors


def import_people(sess: Session, text: str, course: Course | None = None) -> ImportReport:
    rows, errors = parse_people(text)
    report = ImportReport(errors=errors)
    if errors:
        return report  # all or nothing: fix the file and import again
    for name, email in rows:
        user = accounts.find_user(email)
        if user is None:
            user = accounts.create_user(email, name)
            report.created.append(user)
        else:
            report.existing.append(user)
        if course is not None:
            enrol(sess, user, course, check_key=False)
            report.enrolled += 1
    return report
