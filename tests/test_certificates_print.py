"""Batch printing: selection by course, cohort and serials; one merged PDF or a ZIP of the frozen files; the job."""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lms import db
from lms.accounts.models import User
from lms.catalog.models import Course, Enrolment
from lms.certificates import operations as ops
from lms.certificates import printing
from lms.certificates.models import Certificate, CertificateEvent, PrintJob
from lms.completion import record_completion
from tests.conftest import csrf_token
from tests.polling import json_of, poll

COURSE = "test-course"


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def cohort(app, users, synced, tasks_running, courses_dir):
    """60 learners of test-course (an "approved" course), issued in one batch; half enrolled a year ago."""
    from lms.catalog.operations import sync_courses

    yaml_path = courses_dir / COURSE / "course.yaml"
    yaml_path.write_text(yaml_path.read_text().replace("issuing: automatic", "issuing: approved"))
    users.create("admin@example.org", "Admin", role="admin")
    with app.app_context():
        s = db.session()
        people = [User(email=f"p{i:02d}@example.org", name=f"Learner {i:02d}") for i in range(60)]  # no password: fast
        s.add_all(people)
        s.flush()
        ids = [u.id for u in people]
        sync_courses(s, courses_dir)
        course = s.scalar(select(Course).where(Course.slug == COURSE))
        long_ago = datetime.now() - timedelta(days=365)
        for n, uid in enumerate(ids):
            user = s.get(User, uid)
            s.add(Enrolment(user_id=uid, course_id=course.id, created_at=long_ago if n % 2 else datetime.now()))
            record_completion(s, user, course, final_score=None, source="manual", reason="in person",
                              completed_on=date.today() - timedelta(days=n))
        s.commit()
        assert s.scalar(select(Certificate)) is None  # approved course: nothing yet
        issued = ops.issue_due(s, course, action="approve")
        s.commit()
        return {"course_id": course.id, "serials": [c.serial for c in issued]}


def admin(client, auth):
    assert auth.login("admin@example.org").status_code == 303


def wait_job(client, url: str, timeout: float = 120) -> dict:
    return poll(lambda: json_of(client, url), lambda data: data["state"] in ("done", "failed"), timeout)


def stored(app, serial: str) -> bytes:
    from lms.storage_app import get_storage

    with app.app_context():
        cert = db.session().scalar(select(Certificate).where(Certificate.serial == serial))
        return get_storage(app).path(cert.pdf_sha256).read_bytes()


def test_print_a_course_as_one_pdf_through_a_job_with_progress(app, client, auth, cohort, monkeypatch):
    seen: list[tuple[int, int, int]] = []
    real_merge = ops.merge_pdfs

    def watching_merge(pdfs, progress=None, title=None):
        def report(done, total):
            progress(done, total)
            with db.get_db(app).session() as other:  # what the polling page sees, from another session
                job = other.scalars(select(PrintJob).order_by(PrintJob.id.desc())).first()
                seen.append((done, total, job.done))

        return real_merge(pdfs, progress=report, title=title)

    monkeypatch.setattr(printing, "merge_pdfs", watching_merge)  # print_pdf lives there
    admin(client, auth)
    r = auth.post("/admin/certificates/print", data={"course": str(cohort["course_id"]), "output": "pdf"})
    assert r.status_code == 303
    job_url = r.headers["Location"]
    data = wait_job(client, job_url)
    assert data["state"] == "done" and data["done"] == data["total"] == 60
    assert seen[0] == (50, 60, 50) and seen[-1] == (60, 60, 60)  # progress is committed as it goes
    page = client.get(job_url).get_data(as_text=True)
    assert "Ready" in page and data["download"] in page
    with client.get(data["download"]) as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        merged = response.data
    reader = PdfReader(io.BytesIO(merged))
    assert len(reader.pages) == 60
    first = reader.pages[0].extract_text()
    assert cohort["serials"][0] in first
    # The printed pages are the issued files: each page's content stream equals the frozen PDF's.
    for index in (0, 59):
        frozen = PdfReader(io.BytesIO(stored(app, cohort["serials"][index]))).pages[0]
        assert reader.pages[index].get_contents().get_data() == frozen.get_contents().get_data()
    with app.app_context():
        assert db.session().scalar(select(CertificateEvent).where(CertificateEvent.action == "print")).details["count"] == 60


def test_print_a_zip_of_serials_and_a_cohort(app, client, auth, cohort):
    admin(client, auth)
    chosen = cohort["serials"][3:6]
    r = auth.post("/admin/certificates/print", data={"serials": "\n".join(chosen) + "\n", "output": "zip"})
    assert r.status_code == 303
    data = wait_job(client, r.headers["Location"])
    with client.get(data["download"]) as response:
        assert response.mimetype == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert archive.namelist() == [f"{s}.pdf" for s in chosen]
    for serial in chosen:
        assert archive.read(f"{serial}.pdf") == stored(app, serial)  # byte-identical

    # Cohort: enrolled a year ago (every other learner), and completed within the last 10 days.
    today = date.today()
    r = auth.post("/admin/certificates/print", data={
        "course": str(cohort["course_id"]), "enrolled_from": (today - timedelta(days=400)).isoformat(),
        "enrolled_to": (today - timedelta(days=300)).isoformat(), "completed_from": (today - timedelta(days=9)).isoformat(),
        "output": "zip"})
    data = wait_job(client, r.headers["Location"])
    with client.get(data["download"]) as response:
        names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert len(names) == 5  # learners 1, 3, 5, 7, 9


def test_print_form_errors_rerender_with_400(app, client, auth, cohort):
    admin(client, auth)
    r = auth.post("/admin/certificates/print", data={"output": "pdf"})
    assert r.status_code == 400 and "Choose a course or give serial numbers." in r.get_data(as_text=True)
    r = auth.post("/admin/certificates/print", data={"serials": "LAB-1999-000001", "output": "pdf"})
    assert r.status_code == 400 and "LAB-1999-000001" in r.get_data(as_text=True)
    r = auth.post("/admin/certificates/print", data={"serials": "not a serial", "output": "pdf"})
    assert r.status_code == 400 and "Not a serial number" in r.get_data(as_text=True)
    future = (date.today() + timedelta(days=5)).isoformat()
    r = auth.post("/admin/certificates/print", data={"course": str(cohort["course_id"]), "completed_from": future,
                                                     "output": "pdf"})
    assert r.status_code == 400 and "No valid certificates match" in r.get_data(as_text=True)
    r = auth.post("/admin/certificates/print", data={"course": str(cohort["course_id"]), "completed_from": future,
                                                     "completed_to": date.today().isoformat(), "output": "pdf"})
    assert r.status_code == 400 and "The end is before the start." in r.get_data(as_text=True)
    with app.app_context():
        assert db.session().scalar(select(PrintJob)) is None


def test_admin_list_filters_and_pages(app, client, auth, cohort):
    app.config["LMS_PAGE_SIZE"] = 25
    admin(client, auth)
    page = client.get(f"/admin/certificates/?course={cohort['course_id']}&status=valid").get_data(as_text=True)
    assert "60 certificates" in page and "Page 1 of 3" in page
    last = client.get(f"/admin/certificates/?course={cohort['course_id']}&status=valid&page=3").get_data(as_text=True)
    assert cohort["serials"][0] in last and cohort["serials"][-1] not in last
    token = csrf_token(client, "/admin/certificates/")
    assert token
