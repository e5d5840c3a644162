"""The lab loop, printing half, against a real OctoPrint server and its Virtual Printer (see octoprint_server.py).

upload → checked → sliced → accepted → sent → printing → printed → photo → signed off → complete → certificate;
and the faults: OctoPrint stopped mid-job, a wrong key, a cancelled job, two jobs for one printer.
"""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from lms import db
from lms.assignments.models import Completion
from lms.certificates.models import Certificate, CertificateEvent
from lms.lab.octoprint import OctoPrint
from tests.polling import json_of, poll
from tests.test_assignments import grade, switch
from tests.test_lab import courses_dir, lab_people, need_slicer, submit_cube, wait_sliced  # noqa: F401 - fixtures

pytestmark = need_slicer


@pytest.fixture
def idle(octoprint):
    """The shared printer free and fast before each test."""
    client = OctoPrint(octoprint.url, octoprint.api_key)
    client.cancel()
    poll(client.job, lambda job: not job.printing, 30, 0.5)
    octoprint.fast()
    return octoprint


def add_printer(runner, server, name: str = "MINI-1", key: str | None = None) -> None:
    r = runner.invoke(["printers", "add", name, "--profile", "prusa-mini", "--octoprint-url", server.url,
                       "--api-key-stdin", "--cost-per-kg", "30"], input=(key or server.api_key) + "\n")
    assert r.exit_code == 0, r.output


def accepted_submission(client, auth, email: str = "learner@example.org") -> dict:
    """A learner's cube, checked and sliced, accepted by the instructor (who stays logged in)."""
    switch(client, auth, email)
    data = submit_cube(client, auth) if email == "learner@example.org" else _submit_as(client, auth)
    assert data["slicer"]["state"] == "sliced"
    switch(client, auth, "instructor@fablab.kg")
    assert grade(auth, client, data["id"], [100], "accepted", "Print it").status_code == 303
    return data


def _submit_as(client, auth) -> dict:
    from tests.models import cube_stl
    from tests.test_assignments import upload, wait_done
    from tests.test_lab import LAB, LAB_URL

    assert auth.post(f"/courses/{LAB}/enrol").status_code == 303
    r = upload(auth, cube_stl(15), url=LAB_URL)
    wait_done(client, r.headers["Location"])
    return wait_sliced(client, r.headers["Location"]) | {"url": r.headers["Location"]}


def printer_id(app, name: str = "MINI-1") -> int:
    from lms.lab.models import Printer

    with app.app_context():
        return db.session().scalar(select(Printer.id).where(Printer.name == name))


def send(auth, data: dict, pid: int):
    return auth.post(f"{data['url']}print", data={"printer": pid})


def follow(runner) -> None:
    r = runner.invoke(["prints", "follow"])
    assert r.exit_code == 0, r.output


def job_state(client, data: dict) -> dict:
    return json_of(client, data["url"])["print"]


def follow_until(runner, client, data: dict, states: tuple, timeout: float = 120) -> dict:
    def followed() -> dict:
        follow(runner)
        return job_state(client, data)

    return poll(followed, lambda state: state["state"] in states, timeout, 1)


def photo_with_location() -> bytes:
    image = Image.new("RGB", (640, 480), (200, 80, 20))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (42.0, 52.0, 0.0), 3: "E", 4: (74.0, 36.0, 0.0)}  # GPS: Bishkek
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_the_whole_loop_from_upload_to_certificate(app, client, auth, runner, lab_people, idle):
    add_printer(runner, idle)
    data = accepted_submission(client, auth)
    with app.app_context():  # accepted, but the part is not printed yet: the course is not complete
        assert db.session().scalar(select(Completion)) is None
    assert send(auth, data, printer_id(app)).status_code == 303
    assert send(auth, data, printer_id(app)).status_code == 409  # a double click queues nothing more
    assert job_state(client, data)["state"] == "queued"
    follow(runner)
    printing = job_state(client, data)
    assert printing["state"] == "printing" and printing["printer"] == "MINI-1"
    assert OctoPrint(idle.url, idle.api_key).job().printing
    lab_page = client.get("/lab/").get_data(as_text=True)
    assert "MINI-1" in lab_page and "printing" in lab_page
    done = follow_until(runner, client, data, ("printed", "failed", "cancelled"))
    assert done["state"] == "printed" and done["progress"] == 100.0, done

    switch(client, auth, "learner@example.org")
    assert "is printed on MINI-1" in client.get("/dashboard/").get_data(as_text=True)
    assert job_state(client, data)["state"] == "printed"
    bad = auth.post(f"{data['url']}photo", data={"photo": (io.BytesIO(b"%PDF-1.4 not an image"), "part.jpg")},
                    content_type="multipart/form-data")
    assert bad.status_code == 400 and "JPEG or PNG" in bad.get_data(as_text=True)
    r = auth.post(f"{data['url']}photo", data={"photo": (io.BytesIO(photo_with_location()), "part.jpg")},
                  content_type="multipart/form-data")
    assert r.status_code == 303
    with client.get(f"{data['url']}photo") as stored:
        image = Image.open(io.BytesIO(stored.data))
        assert image.format == "JPEG" and not image.getexif()  # location and camera gone
    assert auth.post(f"{data['url']}signoff").status_code == 404  # only an instructor signs off

    switch(client, auth, "instructor@fablab.kg")
    assert auth.post(f"{data['url']}signoff").status_code == 303
    with app.app_context():
        s = db.session()
        completion = s.scalar(select(Completion))
        assert completion is not None and completion.user_id == lab_people["learner"]
        cert = s.scalar(select(Certificate).where(Certificate.completion_id == completion.id))
        assert cert is not None
        event = s.scalar(select(CertificateEvent).where(CertificateEvent.certificate_id == cert.id))
        assert event.details["printed_part"] == "printed part verified"


def test_a_wrong_key_fails_the_job_with_a_message_and_it_can_be_retried(app, client, auth, runner, lab_people, idle):
    add_printer(runner, idle, key="WRONG-KEY")
    data = accepted_submission(client, auth)
    assert send(auth, data, printer_id(app)).status_code == 303
    follow(runner)
    assert job_state(client, data)["state"] == "failed"
    page = client.get("/lab/").get_data(as_text=True)
    assert "refused the printer" in page and "WRONG-KEY" not in page
    job_id = job_state(client, data)["job_id"]
    assert auth.post(f"/lab/jobs/{job_id}/retry").status_code == 303
    assert job_state(client, data)["state"] == "queued"
    assert not OctoPrint(idle.url, idle.api_key).job().printing  # nothing reached the printer


def test_two_jobs_for_one_printer_wait_their_turn_and_cancel(app, client, auth, runner, users, lab_people, idle):
    users.create("second@example.org", "Second Learner")
    add_printer(runner, idle)
    first = accepted_submission(client, auth)
    second = accepted_submission(client, auth, "second@example.org")
    pid = printer_id(app)
    assert send(auth, first, pid).status_code == 303 and send(auth, second, pid).status_code == 303
    assert follow_until(runner, client, first, ("printing",), timeout=60)["state"] == "printing"
    assert job_state(client, second)["state"] == "queued"
    follow(runner)  # the printer is busy: the second waits
    assert job_state(client, second)["state"] == "queued"
    listed = runner.invoke(["prints", "list", "--json"]).output
    assert '"state": "printing"' in listed and '"state": "queued"' in listed
    # cancelled from the lab page: OctoPrint stops, the next job starts
    assert auth.post(f"/lab/jobs/{job_state(client, first)['job_id']}/cancel").status_code == 303
    assert job_state(client, first)["state"] == "cancelled"
    assert follow_until(runner, client, second, ("printing", "failed"), timeout=60)["state"] == "printing"
    r = runner.invoke(["prints", "cancel", str(job_state(client, second)["job_id"])])
    assert r.exit_code == 0, r.output
    assert job_state(client, second)["state"] == "cancelled"


def test_octoprint_stopped_mid_job_is_a_state_with_a_message(app, client, auth, runner, lab_people, idle):
    add_printer(runner, idle)
    data = accepted_submission(client, auth)
    assert send(auth, data, printer_id(app)).status_code == 303
    # The shared printer may still be finishing the previous test's cancel: the job waits in the queue.
    assert follow_until(runner, client, data, ("printing",), timeout=60)["state"] == "printing"
    idle.stop()
    try:
        follow(runner)  # no answer: the job keeps its state, with a message; the printer says unreachable
        assert job_state(client, data)["state"] == "printing"
        assert "does not answer" in client.get("/lab/").get_data(as_text=True)
    finally:
        idle.start()
    follow(runner)  # OctoPrint is back without the job: it is lost, and says so
    assert job_state(client, data)["state"] == "failed"
    assert "no longer runs this job" in client.get("/lab/").get_data(as_text=True)
