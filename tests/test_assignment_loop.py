"""The assignment loop a workshop runs: the learner's note, the rubric up front, grading per criterion with
comments, save-and-next, deadlines with a cutoff, and extensions (web and CLI)."""
from __future__ import annotations

import datetime as dt
import email
import re
import time

import pytest
from sqlalchemy import select

from lms import db
from lms.assignments.models import Submission
from lms.catalog.models import Assignment
from tests.models import cube_stl
from tests.test_assignments import ASSIGNMENT_URL, COURSE, enrol_and_read, people, switch, upload, wait_done  # noqa: F401

NOTE = "Layer **0.2 mm**, 3 walls, 15 % infill. <script>alert(1)</script>\n\nMeasured holes: 2.9 / 3.1 / 3.3 mm."


def _sid(url: str) -> int:
    return int(re.search(r"/submissions/(\d+)/", url).group(1))


def _set_deadlines(app, due_at=None, cutoff_at=None) -> None:
    with app.app_context():
        a = db.session().scalar(select(Assignment).where(Assignment.slug == "cube"))
        a.due_at, a.cutoff_at = due_at, cutoff_at
        db.session().commit()


def test_note_is_kept_rendered_safely_and_in_json_and_queue(app, client, auth, people):
    enrol_and_read(auth)
    page = client.get(ASSIGNMENT_URL).get_data(as_text=True)
    assert 'name="note"' in page
    r = auth.post(ASSIGNMENT_URL, data={"model": (__import__("io").BytesIO(cube_stl(20)), "cube.stl"), "note": NOTE},
                  content_type="multipart/form-data")
    assert r.status_code == 303
    url = r.headers["Location"]
    data = wait_done(client, url)
    assert data["note"] == NOTE.strip()
    html = client.get(url).get_data(as_text=True)
    assert "<strong>0.2 mm</strong>" in html and "<script>alert(1)</script>" not in html

    switch(client, auth, "instructor@fablab.kg")
    grading = client.get(f"/teach/submissions/{_sid(url)}/grade").get_data(as_text=True)
    assert "<strong>0.2 mm</strong>" in grading
    queue = client.get(f"/teach/{COURSE}/grading/").get_data(as_text=True)
    assert "Layer **0.2 mm**" in queue and "Measured holes" not in queue  # shortened


def test_a_note_over_5000_characters_is_refused_and_leaves_no_row(app, client, auth, people):
    enrol_and_read(auth)
    r = auth.post(ASSIGNMENT_URL, data={"model": (__import__("io").BytesIO(cube_stl(20)), "cube.stl"), "note": "x" * 5001},
                  content_type="multipart/form-data")
    assert r.status_code == 400
    assert "5000" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session().scalar(select(Submission)) is None


def test_rubric_and_attempts_left_are_shown_before_the_first_upload(app, client, auth, people):
    enrol_and_read(auth)
    page = client.get(ASSIGNMENT_URL).get_data(as_text=True)
    with app.app_context():
        rubric = db.session().scalar(select(Assignment).where(Assignment.slug == "cube")).rubric
    assert rubric, "the test course has a rubric"
    for item in rubric:
        assert item["criterion"] in page
    assert "How your work is graded" in page and "4 attempts left." in page


def test_graded_per_criterion_with_comments_seen_by_the_learner_and_in_json(app, client, auth, people):
    enrol_and_read(auth)
    url = upload(auth, cube_stl(20, drop_faces=2)).headers["Location"]
    wait_done(client, url)
    sid = _sid(url)
    switch(client, auth, "instructor@fablab.kg")
    r = auth.post(f"/teach/submissions/{sid}/grade", data={
        "scores-0": 12, "scores-1": 7.5, "comments-0": "Two holes in the top face.", "comments-1": "Neat edges.",
        "feedback": "Close the holes and upload again.", "decision": "returned"})
    assert r.status_code == 303

    switch(client, auth, "learner@example.org")
    data = client.get(url, headers={"Accept": "application/json"}).get_json()
    grade = data["grade"]
    assert grade["decision"] == "returned" and grade["total"] == 19.5 and grade["feedback"].startswith("Close")
    assert [c["points"] for c in grade["criteria"]] == [12, 7.5]
    assert [c["comment"] for c in grade["criteria"]] == ["Two holes in the top face.", "Neat edges."]
    assert all(c["max"] for c in grade["criteria"]) and grade["max"] == sum(c["max"] for c in grade["criteria"])
    html = client.get(url).get_data(as_text=True)
    assert "Two holes in the top face." in html and "Neat edges." in html
    # Returned: a new attempt can be uploaded from the same page.
    assert 'id="upload-form"' in html and f'action="{ASSIGNMENT_URL}"' in html


def test_save_and_next_goes_to_the_next_attempt_in_the_queue(app, client, auth, people):
    enrol_and_read(auth)
    first = upload(auth, cube_stl(20, drop_faces=2)).headers["Location"]
    wait_done(client, first)
    switch(client, auth, "other@example.org")
    assert auth.post(f"/courses/{COURSE}/enrol").status_code == 303
    second = upload(auth, cube_stl(20)).headers["Location"]
    wait_done(client, second)
    switch(client, auth, "instructor@fablab.kg")
    r = auth.post(f"/teach/submissions/{_sid(first)}/grade",
                  data={"scores-0": 10, "scores-1": 10, "feedback": "", "decision": "returned", "next": "1"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/teach/submissions/{_sid(second)}/grade")
    r = auth.post(f"/teach/submissions/{_sid(second)}/grade",
                  data={"scores-0": 10, "scores-1": 10, "feedback": "", "decision": "returned", "next": "1"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/teach/{COURSE}/grading/")  # queue empty


def test_after_due_an_upload_is_late_and_after_cutoff_it_is_refused(app, client, auth, people):
    enrol_and_read(auth)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    _set_deadlines(app, due_at=now - dt.timedelta(hours=1), cutoff_at=now + dt.timedelta(hours=1))
    url = upload(auth, cube_stl(20, drop_faces=1)).headers["Location"]
    assert wait_done(client, url)["late"] is True
    assert "new attempts are marked late" in client.get(ASSIGNMENT_URL).get_data(as_text=True)

    _set_deadlines(app, due_at=now - dt.timedelta(hours=2), cutoff_at=now - dt.timedelta(hours=1))
    r = upload(auth, cube_stl(20))
    assert r.status_code == 409 and "uploads are closed" in r.get_data(as_text=True)
    with app.app_context():
        assert len(db.session().scalars(select(Submission)).all()) == 1


def test_an_extension_reopens_uploads_for_one_learner(app, client, auth, runner, people):
    enrol_and_read(auth)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    _set_deadlines(app, due_at=now - dt.timedelta(days=2), cutoff_at=now - dt.timedelta(days=1))
    assert upload(auth, cube_stl(20)).status_code == 409

    bad = runner.invoke(["assignments", "extend", "--course", COURSE, "--assignment", "cube", "learner@example.org",
                         "--until", "next tuesday"])
    assert bad.exit_code != 0 and "2027-06-30" in bad.output
    until = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    result = runner.invoke(["assignments", "extend", "--course", COURSE, "--assignment", "cube",
                            "learner@example.org", "--until", until])
    assert result.exit_code == 0, result.output
    url = upload(auth, cube_stl(20)).headers["Location"]
    assert wait_done(client, url)["late"] is False  # on time within the extension
    assert "Your extension" in client.get(ASSIGNMENT_URL).get_data(as_text=True)

    switch(client, auth, "other@example.org")
    assert auth.post(f"/courses/{COURSE}/enrol").status_code == 303
    assert upload(auth, cube_stl(20)).status_code == 409  # the others are still closed


def test_instructor_gives_an_extension_on_the_page(app, client, auth, people):
    enrol_and_read(auth)
    switch(client, auth, "instructor@fablab.kg")
    page_url = f"/teach/{COURSE}/assignments/cube/extensions"
    assert client.get(page_url).status_code == 200
    r = auth.post(page_url, data={"email": "ghost@example.org", "until": "2030-01-01T18:00"})
    assert r.status_code == 400 and "No learner with this e-mail" in r.get_data(as_text=True)
    r = auth.post(page_url, data={"email": "learner@example.org", "until": "2030-01-01T18:00"})
    assert r.status_code == 303
    page = client.get(page_url).get_data(as_text=True)
    # 18:00 in Bishkek (UTC+6) is 12:00 UTC.
    assert "learner@example.org" in page and "Jan 1, 2030 12:00" in page  # in the reader's format


@pytest.mark.parametrize("value, message", [("soon", "must be a date"), ("2027-06-31", "must be a date")])
def test_course_file_deadlines_are_checked_at_sync(courses_dir, value, message):
    from lms.catalog.loader import CourseFileError, load_course

    path = courses_dir / "test-course" / "course.yaml"
    text = path.read_text("utf-8").replace("        max_attempts: 4", f"        max_attempts: 4\n        cutoff: {value}")
    path.write_text(text, "utf-8")
    with pytest.raises(CourseFileError, match=message):
        load_course(courses_dir / "test-course")


def test_course_file_due_time_is_read_in_the_course_time_zone(courses_dir):
    from lms.catalog.loader import load_course

    path = courses_dir / "test-course" / "course.yaml"
    text = path.read_text("utf-8").replace(
        "        max_attempts: 4", '        max_attempts: 4\n        due: 2027-06-30\n        cutoff: "2027-07-02 18:00"')
    path.write_text(text.replace("hours:", "timezone: Europe/Istanbul\nhours:", 1), "utf-8")
    spec = load_course(courses_dir / "test-course")
    cube = spec.modules[0].assignments[0]
    assert cube.due_at == dt.datetime(2027, 6, 30, 20, 59, 59)  # 23:59:59 at UTC+3
    assert cube.cutoff_at == dt.datetime(2027, 7, 2, 15, 0)


def test_course_page_and_dashboard_show_each_assignment_state(app, client, auth, people):
    enrol_and_read(auth)
    course_url = f"/courses/{COURSE}/"
    assert "not started" in client.get(course_url).get_data(as_text=True)
    dash = client.get("/dashboard/").get_data(as_text=True)
    assert "Assignments to do" in dash and "A printable cube" in dash and "not started" in dash
    url = upload(auth, cube_stl(20, drop_faces=2)).headers["Location"]
    wait_done(client, url)
    assert "needs fixing" in client.get(course_url).get_data(as_text=True)
    wait_done(client, upload(auth, cube_stl(20)).headers["Location"])  # with Redis workers the check takes a moment
    assert "waiting for grading" in client.get(course_url).get_data(as_text=True)
    with app.app_context():
        second = db.session().scalar(select(Submission).where(Submission.attempt == 2))
        sid = second.id
    switch(client, auth, "instructor@fablab.kg")
    auth.post(f"/teach/submissions/{sid}/grade", data={"scores-0": 50, "scores-1": 30, "decision": "accepted"})
    switch(client, auth, "learner@example.org")
    page = client.get(course_url).get_data(as_text=True)
    assert "accepted · 80.0%" in page
    assert "Assignments to do" not in client.get("/dashboard/").get_data(as_text=True)


def test_progress_table_and_csv_have_a_column_per_assignment(app, client, auth, people):
    enrol_and_read(auth)
    url = upload(auth, cube_stl(20)).headers["Location"]
    wait_done(client, url)
    switch(client, auth, "instructor@fablab.kg")
    auth.post(f"/teach/submissions/{_sid(url)}/grade", data={"scores-0": 50, "scores-1": 30, "decision": "accepted"})
    table = client.get(f"/teach/{COURSE}/").get_data(as_text=True)
    assert "A printable cube" in table and "accepted · 80%" in table
    csv_text = client.get(f"/teach/{COURSE}/progress.csv").get_data(as_text=True)
    header, row = csv_text.splitlines()[0], next(line for line in csv_text.splitlines() if "learner@example.org" in line)
    assert "A printable cube" in header and "accepted · 80%" in row


def _mails_to(inbox, address: str, count: int, timeout: float = 20) -> list[str]:
    """The bodies of the messages ``address`` received, once there are ``count`` (mail goes out after commit)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        mails = [e for e in inbox.envelopes if address in e.rcpt_tos]
        if len(mails) >= count:
            return [email.message_from_bytes(e.content).get_payload(decode=True).decode() for e in mails]
        time.sleep(0.2)
    raise AssertionError(f"{address} got {len(mails)} mails, expected {count}")


def test_problems_and_return_are_notified_in_app_and_by_mail_in_the_learners_language(app, client, auth, people,
                                                                                      smtp_inbox):
    from lms.accounts.models import User
    from lms.assignments.models import Notification

    app.config.update(LMS_SMTP_HOST="127.0.0.1", LMS_SMTP_PORT=smtp_inbox.port, LMS_MAIL_FROM="lms@fablab.kg",
                      LMS_BASE_URL="https://lms.fablab.kg")
    with app.app_context():
        db.session().scalar(select(User).where(User.email == "learner@example.org")).locale = "ky"
        db.session().commit()
    enrol_and_read(auth)
    url = upload(auth, cube_stl(20, drop_faces=2)).headers["Location"]
    wait_done(client, url)
    (problems,) = _mails_to(smtp_inbox, "learner@example.org", 1)
    assert "көйгөй" in problems and f"https://lms.fablab.kg/submissions/{_sid(url)}/" in problems
    with app.app_context():
        kinds = [n.kind for n in db.session().scalars(select(Notification))]
    assert kinds == ["check_problems"]

    switch(client, auth, "instructor@fablab.kg")
    auth.post(f"/teach/submissions/{_sid(url)}/grade", data={"scores-0": 10, "scores-1": 10, "decision": "returned"})
    returned = _mails_to(smtp_inbox, "learner@example.org", 2)[1]
    assert "кайтарылды" in returned, returned


def test_a_grade_that_is_rolled_back_mails_nobody(app, client, auth, people, smtp_inbox):
    app.config.update(LMS_SMTP_HOST="127.0.0.1", LMS_SMTP_PORT=smtp_inbox.port, LMS_MAIL_FROM="lms@fablab.kg")
    enrol_and_read(auth)
    url = upload(auth, cube_stl(20)).headers["Location"]
    wait_done(client, url)
    switch(client, auth, "instructor@fablab.kg")
    r = auth.post(f"/teach/submissions/{_sid(url)}/grade", data={"scores-0": 999, "scores-1": 10, "decision": "returned"})
    assert r.status_code == 400
    time.sleep(1)
    assert smtp_inbox.envelopes == []


def test_accepted_models_zip_names_files_after_the_learner(app, client, auth, people):
    import io
    import zipfile

    enrol_and_read(auth)
    url = upload(auth, cube_stl(20)).headers["Location"]
    wait_done(client, url)
    switch(client, auth, "instructor@fablab.kg")
    empty = client.get(f"/teach/{COURSE}/accepted-models.zip")
    assert empty.status_code == 303  # nothing accepted yet: back to the queue with a message
    auth.post(f"/teach/submissions/{_sid(url)}/grade", data={"scores-0": 50, "scores-1": 30, "decision": "accepted"})
    with client.get(f"/teach/{COURSE}/accepted-models.zip") as r:
        assert r.status_code == 200 and r.headers["Content-Type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(r.data))
    assert archive.namelist() == ["cube/Чыныбаев Мирлан Үңөөвич-1.stl"]
    assert archive.read(archive.namelist()[0]) == cube_stl(20)


def test_two_attempts_side_by_side(app, client, auth, people):
    enrol_and_read(auth)
    first = upload(auth, cube_stl(20, drop_faces=2)).headers["Location"]
    wait_done(client, first)
    second = upload(auth, cube_stl(20)).headers["Location"]
    wait_done(client, second)
    switch(client, auth, "instructor@fablab.kg")
    grading = client.get(f"/teach/submissions/{_sid(second)}/grade").get_data(as_text=True)
    compare_url = f"/teach/submissions/{_sid(first)}/compare/{_sid(second)}"
    assert compare_url in grading
    page = client.get(compare_url).get_data(as_text=True)
    assert "Attempt 1" in page and "Attempt 2" in page and page.count('class="report') >= 2
    switch(client, auth, "other@example.org")
    assert client.get(compare_url).status_code == 404
