"""3D model assignments end to end through HTTP: upload, checks, grading, resubmission, completion."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from lms import db
from lms.assignments.models import Completion, Submission
from tests.conftest import csrf_token
from tests.models import cube_stl
from tests.polling import json_of, poll

COURSE = "test-course"
ASSIGNMENT_URL = f"/courses/{COURSE}/assignments/cube/"


def upload(auth, data: bytes, name: str = "cube.stl", url: str = ASSIGNMENT_URL, **kwargs):
    return auth.post(url, data={"model": (io.BytesIO(data), name)}, content_type="multipart/form-data", **kwargs)


def wait_done(client, url: str, timeout: float = 60) -> dict:
    """Poll the submission's JSON until its check has finished (immediately in immediate mode)."""
    return poll(lambda: json_of(client, url), lambda data: data["state"] in ("checked", "failed"), timeout)


@pytest.fixture
def people(users, synced, tasks_running):
    users.create("learner@example.org", "Чыныбаев Мирлан Үңөөвич")
    users.create("instructor@fablab.kg", "Гүлнара Токтогулова", role="instructor")
    users.create("other@example.org", "Other Learner")


def enrol_and_read(auth):
    auth.login("learner@example.org")
    assert auth.post(f"/courses/{COURSE}/enrol").status_code == 303
    assert auth.post(f"/courses/{COURSE}/lessons/intro/complete").status_code == 303


def switch(client, auth, email):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/courses/")})
    auth.login(email)


def grade(auth, client, submission_id: int, scores, decision: str, feedback: str):
    return auth.post(f"/teach/submissions/{submission_id}/grade",
                     data={**{f"scores-{i}": s for i, s in enumerate(scores)}, "feedback": feedback, "decision": decision})


def test_full_path_upload_grade_return_resubmit_accept_complete(app, client, auth, people):
    enrol_and_read(auth)
    page = client.get(ASSIGNMENT_URL).get_data(as_text=True)
    assert "The surface must be closed" in page and 'name="model"' in page

    # 1. A cube with holes: checked, and the closed requirement fails.
    r = upload(auth, cube_stl(20, drop_faces=2), "../../etc/кубик.stl")
    assert r.status_code == 303
    first_url = r.headers["Location"]
    first = wait_done(client, first_url)
    assert first["state"] == "checked", first
    report = first["report"]
    assert report["closed"] is False and report["holes"] >= 1 and report["open_edges"] > 0
    assert not report["ok"]
    assert any(item["passed"] is False for item in report["requirements"])
    html = client.get(first_url).get_data(as_text=True)
    assert "кубик.stl" in html and "etc/" not in html  # the name is display text only
    assert 'class="model-viewer"' in html
    sid1 = int(re.search(r"/submissions/(\d+)/", first_url).group(1))
    with client.get(f"/submissions/{sid1}/thumbnail.png") as thumb:
        assert thumb.headers["Content-Type"] == "image/png" and thumb.data.startswith(b"\x89PNG")
    viewer = client.get(f"/submissions/{sid1}/viewer.json").get_json()
    assert viewer["problems"]["open_edges"]
    with client.get(f"/submissions/{sid1}/file") as original:
        assert original.data == cube_stl(20, drop_faces=2)
    with client.get(f"/submissions/{sid1}/repaired.stl") as repaired:
        assert repaired.status_code == 200 and len(repaired.data) > 84

    # 2. The instructor sees it in the queue and returns it.
    switch(client, auth, "instructor@fablab.kg")
    queue = client.get(f"/teach/{COURSE}/grading/").get_data(as_text=True)
    assert "Чыныбаев Мирлан Үңөөвич" in queue
    failing = client.get(f"/teach/{COURSE}/grading/?filter=failing").get_data(as_text=True)
    assert f"/teach/submissions/{sid1}/grade" in failing
    assert grade(auth, client, sid1, [10, 10], "returned", "Close the two holes, please.").status_code == 303

    # 3. The learner sees the feedback and a notification, and resubmits.
    switch(client, auth, "learner@example.org")
    assert "returned for revision" in client.get("/dashboard/").get_data(as_text=True)
    assert "Close the two holes, please." in client.get(first_url).get_data(as_text=True)
    r = upload(auth, cube_stl(20))
    second_url = r.headers["Location"]
    second = wait_done(client, second_url)
    assert second["state"] == "checked" and second["report"]["ok"] is True and second["attempt"] == 2
    assert second["report"]["volume_mm3"] == pytest.approx(8000, rel=1e-6)
    sid2 = int(re.search(r"/submissions/(\d+)/", second_url).group(1))

    # 4. Accepted: the course is complete (lessons done, required assignment accepted, score ≥ 50%).
    switch(client, auth, "instructor@fablab.kg")
    assert grade(auth, client, sid2, [55, 30], "accepted", "Well done.").status_code == 303
    with app.app_context():
        completion = db.session().scalar(select(Completion))
        assert completion is not None and completion.final_score == 85.0 and completion.hours == 8
    csv_text = client.get(f"/teach/{COURSE}/progress.csv").get_data(as_text=True)
    assert "Completed on" in csv_text and ",85" in csv_text

    switch(client, auth, "learner@example.org")
    dash = client.get("/dashboard/").get_data(as_text=True)
    assert "Completed on" in dash
    # No more attempts once accepted.
    r = upload(auth, cube_stl(20))
    assert r.status_code == 409


def test_others_cannot_see_a_submission(app, client, auth, people):
    enrol_and_read(auth)
    r = upload(auth, cube_stl(10))
    url = r.headers["Location"]
    sid = int(re.search(r"/submissions/(\d+)/", url).group(1))
    switch(client, auth, "other@example.org")
    for path in (url, f"/submissions/{sid}/file", f"/submissions/{sid}/thumbnail.png", f"/submissions/{sid}/viewer.json",
                 f"/teach/submissions/{sid}/grade"):
        with client.get(path) as r:
            assert r.status_code == 404, path


def test_attempt_limit_and_late_marking(app, client, auth, people):
    from lms.catalog.models import Assignment

    enrol_and_read(auth)
    with app.app_context():
        a = db.session().scalar(select(Assignment).where(Assignment.slug == "cube"))
        import datetime

        a.due = datetime.date(2020, 1, 1)
        db.session().commit()
    for _ in range(4):
        assert upload(auth, cube_stl(10, drop_faces=1)).status_code == 303
    r = upload(auth, cube_stl(10))
    assert r.status_code == 409 and "used all 4 attempts" in r.get_data(as_text=True)
    with app.app_context():
        subs = db.session().scalars(select(Submission)).all()
        assert [s.attempt for s in sorted(subs, key=lambda s: s.attempt)] == [1, 2, 3, 4]
        assert all(s.late for s in subs)


def test_manual_completion_cli_and_web(app, client, auth, runner, people):
    result = runner.invoke(["completions", "add", "--course", COURSE, "learner@example.org", "--reason", "Done in person"])
    assert result.exit_code == 0, result.output
    assert "1 completions recorded" in result.output
    again = runner.invoke(["completions", "add", "--course", COURSE, "learner@example.org", "--reason", "Again"])
    assert "already completed" in again.output
    bad = runner.invoke(["completions", "add", "--course", COURSE, "ghost@example.org", "--reason", "x y z"])
    assert bad.exit_code != 0 and "ghost@example.org" in bad.output
    auth.login("instructor@fablab.kg")
    r = auth.post(f"/teach/{COURSE}/completions", data={"emails": "other@example.org", "reason": "Workshop in Bishkek"})
    assert r.status_code == 303
    page = client.get(f"/teach/{COURSE}/completions").get_data(as_text=True)
    assert "Workshop in Bishkek" in page and "Other Learner" in page
    with app.app_context():
        assert db.session().scalar(select(func.count(Completion.id))) == 2
