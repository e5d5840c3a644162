"""Certificates end to end through the app: issue on completion, download, verify, revoke, reissue, approve."""
from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from lms import db
from lms.accounts.models import User
from lms.assignments.models import Completion
from lms.catalog.models import Course
from lms.certificates.models import Certificate, CertificateEvent

sys.path.insert(0, str(Path(__file__).parent / "certificates_pdf"))
from certificates_pdf_helpers import need, pdftoppm, pdftotext, zbarimg

from tests.conftest import csrf_token
from tests.models import cube_stl
from tests.test_assignments import COURSE, grade, switch, upload, wait_done

BASE_URL = "https://lms.fablab.kg"
KYRGYZ = "Чыныбаев Мирлан Үңөөвич"


pytestmark = [pytest.mark.app_config(LMS_BASE_URL=BASE_URL, LMS_CERT_SERIAL_PREFIX="LAB",
                                      LMS_INSTITUTION="Бишкек FabLab"),
              pytest.mark.usefixtures("english")]


@pytest.fixture
def people(users, synced, tasks_running):
    return {
        "learner": users.create("learner@example.org", KYRGYZ),
        "instructor": users.create("instructor@fablab.kg", "Гүлнара Токтогулова", role="instructor"),
        "other": users.create("other@example.org", "Other Learner"),
        "admin": users.create("admin@example.org", "Admin", role="admin"),
    }


def complete(app, user_id: int, slug: str = COURSE) -> int:
    """Record a completion through the real operation (which calls lms.completion.completion_recorded) and commit."""
    from lms.completion import record_completion

    with app.app_context():
        s = db.session()
        course = s.scalar(select(Course).where(Course.slug == slug))
        completion = record_completion(s, s.get(User, user_id), course, final_score=90.0, source="manual",
                                       reason="in person")
        s.commit()
        return completion.id


def certificate_of(app, user_id: int, status: str = "valid") -> Certificate | None:
    with app.app_context():
        s = db.session()
        cert = s.scalar(select(Certificate).where(Certificate.user_id == user_id, Certificate.status == status))
        if cert is not None:
            s.expunge(cert)  # readable after the context ends
        return cert


def require_approval(app, courses_dir) -> None:
    """Switch test-course to issuing: approved (completions then wait for an administrator)."""
    from lms.catalog.operations import sync_courses

    yaml_path = courses_dir / COURSE / "course.yaml"
    yaml_path.write_text(yaml_path.read_text().replace("issuing: automatic", "issuing: approved"))
    with app.app_context():
        sync_courses(db.session(), courses_dir)
        db.session().commit()


def login(client, auth, email: str):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/courses/")})
    assert auth.login(email).status_code == 303


def download(client, url: str) -> tuple[int, bytes]:
    with client.get(url) as response:  # file responses must be closed
        return response.status_code, response.data


def stored_bytes(app, cert: Certificate) -> bytes:
    from lms.storage_app import get_storage

    return get_storage(app).path(cert.pdf_sha256).read_bytes()


def test_completing_the_course_issues_a_certificate_that_downloads_and_scans(app, client, auth, people, tmp_path):
    # The learner completes test-course through HTTP, as in test_assignments.
    auth.login("learner@example.org")
    assert auth.post(f"/courses/{COURSE}/enrol").status_code == 303
    assert auth.post(f"/courses/{COURSE}/lessons/intro/complete").status_code == 303
    r = upload(auth, cube_stl(20))
    assert wait_done(client, r.headers["Location"])["state"] == "checked"
    sid = int(re.search(r"/submissions/(\d+)/", r.headers["Location"]).group(1))
    switch(client, auth, "instructor@fablab.kg")
    assert grade(auth, client, sid, [55, 30], "accepted", "Well done.").status_code == 303

    # Issued automatically when the grading request committed.
    cert = certificate_of(app, people["learner"])
    assert cert is not None
    assert re.fullmatch(r"LAB-\d{4}-000001", cert.serial)
    assert len(cert.code) == 14 and cert.holder_name == KYRGYZ and cert.course_title == "Test course" and cert.hours == 8
    assert cert.issuer == "Бишкек FabLab"

    switch(client, auth, "learner@example.org")
    page = client.get("/certificates/").get_data(as_text=True)
    assert cert.serial in page and f"/certificates/{cert.id}.pdf" in page
    dashboard = client.get("/dashboard/").get_data(as_text=True)
    assert f"Your certificate {cert.serial} (PDF)" in dashboard and f"/certificates/{cert.id}.pdf" in dashboard
    with client.get(f"/certificates/{cert.id}.pdf") as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        pdf = response.data
    assert hashlib.sha256(pdf).hexdigest() == cert.pdf_sha256 and len(pdf) == cert.pdf_size

    text = " ".join(pdftotext(pdf, tmp_path).split())
    assert KYRGYZ in text and cert.serial in text
    pages = pdftoppm(pdf, tmp_path, dpi=200)
    assert len(pages) == 1
    assert zbarimg(pages[0]) == [f"{BASE_URL}/verify/{cert.code}"]
    _name_line_is_drawn_inside_the_page(pdf, pages[0], tmp_path)

    # Who may download: the holder, the course's instructors and admins; others get 404.
    switch(client, auth, "other@example.org")
    assert download(client, f"/certificates/{cert.id}.pdf")[0] == 404
    switch(client, auth, "instructor@fablab.kg")
    assert download(client, f"/certificates/{cert.id}.pdf") == (200, pdf)
    holders = client.get(f"/teach/{COURSE}/certificates").get_data(as_text=True)
    assert KYRGYZ in holders and cert.serial in holders
    switch(client, auth, "admin@example.org")
    assert download(client, f"/certificates/{cert.id}.pdf") == (200, pdf)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/courses/")})
    assert download(client, f"/certificates/{cert.id}.pdf")[0] == 302

    with app.app_context():
        events = db.session().scalars(select(CertificateEvent)).all()
        assert [(e.action, e.certificate_id, e.actor_id) for e in events] == [("issue", cert.id, None)]


def _name_line_is_drawn_inside_the_page(pdf: bytes, png: Path, tmp_path: Path) -> None:
    """The holder's words (pdftotext -bbox) lie inside the page, and the rendered picture has ink there."""
    from PIL import Image

    need("pdftotext")
    src = tmp_path / "bbox.pdf"
    src.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", str(src), "-"], check=True, capture_output=True).stdout.decode()
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', html)
    width, height = float(page.group(1)), float(page.group(2))
    assert width > height  # A4 landscape
    boxes = [tuple(float(v) for v in m.groups()) for word in KYRGYZ.split() for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">' + re.escape(word) + "</word>", html)]
    assert len(boxes) == 3
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    assert 0 < x0 < x1 < width and 0 < y0 < y1 < height
    assert abs((x0 + x1) / 2 - width / 2) < width * 0.1  # centred
    assert abs(y0 - boxes[0][1]) < 2 and abs(y1 - boxes[-1][3]) < 2  # one line
    image = Image.open(png).convert("L")
    sx, sy = image.width / width, image.height / height
    region = image.crop((int(x0 * sx), int(y0 * sy), int(x1 * sx), int(y1 * sy)))
    dark = sum(region.histogram()[:128])
    assert dark > 0.03 * region.width * region.height, "no ink where the name is"


def test_html_in_the_name_prints_as_plain_text(app, client, auth, people, tmp_path):
    name = '<b>Айгүл</b> <script>alert(1)</script> <img src="file:///etc/passwd">'
    with app.app_context():
        user = db.session().get(User, people["other"])
        user.name = name
        db.session().commit()
    complete(app, people["other"])
    cert = certificate_of(app, people["other"])
    text = "".join(pdftotext(stored_bytes(app, cert), tmp_path).split())
    assert "".join(name.split()) in text
    login(client, auth, "admin@example.org")
    page = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


def test_a_hostile_course_template_fetches_nothing(tmp_path, app_config, database_url, courses_dir):
    from lms import create_app
    from lms.catalog.operations import sync_courses
    from lms.certificates.operations import renderer_for

    templates = tmp_path / "templates"
    (templates / "hostile").mkdir(parents=True)
    (templates / "hostile" / "template.html").write_text(
        '<!doctype html><html><head><link rel="stylesheet" href="file:///etc/passwd">'
        '<link rel="attachment" href="file:///etc/passwd"></head><body>'
        '{% for c in certificates %}<section><h1>{{ c.holder_name }}</h1><p>{{ c.serial }}</p>'
        '<img src="file:///etc/passwd"><img src="../../../../etc/passwd"><object data="file:///etc/passwd"></object>'
        '<iframe src="file:///etc/passwd"></iframe>{{ c.qr_svg }}</section>{% endfor %}</body></html>', "utf-8")
    (templates / "hostile" / "style.css").write_text(
        '@import url("file:///etc/passwd");\n@page { size: A4 landscape; margin: 10mm }\n'
        '@font-face { font-family: Leak; src: url("file:///etc/passwd"); }\n'
        'section { page-break-after: always; background: url("file:///etc/passwd"); font-family: Leak, serif }\n'
        'section:last-child { page-break-after: auto }\nsvg.qrcode { width: 30mm; height: 30mm }\n', "utf-8")
    yaml_path = courses_dir / COURSE / "course.yaml"
    yaml_path.write_text(yaml_path.read_text().replace("template: default", "template: hostile"))
    app = create_app({**app_config, "LMS_CERTIFICATE_TEMPLATES_PATH": str(templates)})
    from tests.conftest import _empty_tables

    _empty_tables(app)
    with app.app_context():
        sync_courses(db.session(), courses_dir)
        db.session().commit()
    with app.app_context():
        from lms.accounts.operations import create_user

        uid = create_user("hostile@example.org", KYRGYZ, "correct horse battery", "learner").id
        db.session().commit()
    complete(app, uid)
    cert = certificate_of(app, uid)
    assert cert is not None and cert.template == "hostile"
    pdf = stored_bytes(app, cert)
    assert KYRGYZ in pdftotext(pdf, tmp_path)
    passwd = Path("/etc/passwd").read_bytes()
    assert b"root:x:0:0" not in _inflated(pdf) and passwd[:40] not in _inflated(pdf)
    with app.app_context():
        refused = [str(r) for r in renderer_for("hostile").fetcher.refused]
    assert any("etc/passwd" in r for r in refused)
    db.get_db(app).engine.dispose()


def _inflated(pdf: bytes) -> bytes:
    import zlib

    out, pos = [pdf], 0
    while (start := pdf.find(b"stream", pos)) != -1:
        start += 8 if pdf[start + 6:start + 8] == b"\r\n" else 7  # "stream" then CRLF or LF
        end = pdf.find(b"endstream", start)
        if end == -1:
            break
        try:
            out.append(zlib.decompressobj().decompress(pdf[start:end].lstrip(b"\r\n")))
        except zlib.error:
            pass
        pos = end
    return b"".join(out)


def test_revocation_and_reissue_show_on_the_verify_page(app, client, auth, people):
    complete(app, people["learner"])
    cert = certificate_of(app, people["learner"])
    data = client.get(f"/verify/{cert.code}", headers={"Accept": "application/json"}).get_json()
    assert data == {"serial": cert.serial, "code": cert.code, "holder": KYRGYZ, "course": "Test course", "hours": 8,
                    "completed_on": cert.completed_on.isoformat(), "issued_on": cert.issued_on.isoformat(),
                    "issuer": "Бишкек FabLab", "status": "valid", "revoked_on": None, "revoked_reason": None,
                    "sha256": cert.pdf_sha256}
    html = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "This certificate is valid." in html and KYRGYZ in html and "Бишкек FabLab" in html

    # Reissue with a corrected name (an admin, through the page).
    login(client, auth, "admin@example.org")
    detail = client.get(f"/admin/certificates/{cert.id}").get_data(as_text=True)
    assert cert.serial in detail and "Reissue" in detail
    bad = auth.post(f"/admin/certificates/{cert.id}/reissue", data={"holder_name": ""})
    assert bad.status_code == 400 and "This field is required." in bad.get_data(as_text=True)
    r = auth.post(f"/admin/certificates/{cert.id}/reissue", data={"holder_name": "Чыныбаев Мирлан Үңөөвич-Уулу",
                                                                  "note": "typo"})
    assert r.status_code == 303
    new = certificate_of(app, people["learner"])
    assert new.id != cert.id and new.holder_name == "Чыныбаев Мирлан Үңөөвич-Уулу" and new.replaces_id == cert.id
    assert int(new.serial[-6:]) == int(cert.serial[-6:]) + 1
    old = client.get(f"/verify/{cert.code}?format=json").get_json()
    assert old["status"] == "revoked" and old["revoked_reason"] == f"replaced by {new.serial}" and old["revoked_on"]
    old_html = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "was revoked on" in old_html and f"replaced by {new.serial}" in old_html
    assert client.get(f"/verify/{new.code}?format=json").get_json()["status"] == "valid"

    # Revoke the new one with a reason.
    assert auth.post(f"/admin/certificates/{new.id}/revoke", data={"reason": ""}).status_code == 400
    assert auth.post(f"/admin/certificates/{new.id}/revoke", data={"reason": "Fraudulent completion"}).status_code == 303
    revoked = client.get(f"/verify/{new.code}", headers={"Accept": "application/json"}).get_json()
    assert revoked["status"] == "revoked" and revoked["revoked_reason"] == "Fraudulent completion"
    assert "Fraudulent completion" in client.get(f"/verify/{new.code}").get_data(as_text=True)
    assert auth.post(f"/admin/certificates/{new.id}/revoke", data={"reason": "again"}).status_code == 409

    with app.app_context():
        events = [(e.action, e.certificate_id, e.actor_id) for e in
                  db.session().scalars(select(CertificateEvent).order_by(CertificateEvent.id))]
    admin = people["admin"]
    assert events == [("issue", cert.id, None), ("reissue", new.id, admin), ("revoke", cert.id, admin),
                      ("revoke", new.id, admin)]
    audit = client.get(f"/admin/certificates/{cert.id}").get_data(as_text=True)
    assert "replaced by" in audit and "Admin" in audit


def test_redownload_is_identical_after_name_and_course_changes(app, client, auth, people, courses_dir):
    from lms.catalog.operations import sync_courses

    complete(app, people["learner"])
    cert = certificate_of(app, people["learner"])
    auth.login("learner@example.org")
    first = download(client, f"/certificates/{cert.id}.pdf")[1]
    with app.app_context():
        db.session().get(User, people["learner"]).name = "Somebody Else"
        db.session().commit()
    yaml_path = courses_dir / COURSE / "course.yaml"
    yaml_path.write_text(yaml_path.read_text().replace('en: "Test course"', 'en: "Renamed course"').replace("hours: 8", "hours: 99"))
    with app.app_context():
        report = sync_courses(db.session(), courses_dir)
        db.session().commit()
    assert COURSE in report.updated
    second = download(client, f"/certificates/{cert.id}.pdf")[1]
    assert second == first and hashlib.sha256(second).hexdigest() == cert.pdf_sha256
    record = client.get(f"/verify/{cert.code}?format=json").get_json()
    assert record["holder"] == KYRGYZ and record["course"] == "Test course" and record["hours"] == 8


def test_approved_courses_wait_for_an_administrator(app, client, auth, people, users, courses_dir):
    require_approval(app, courses_dir)
    extra = [users.create(f"p{i}@example.org", f"Learner {i}") for i in range(3)]
    c1 = complete(app, people["learner"])
    for uid in extra:
        complete(app, uid)
    assert certificate_of(app, people["learner"]) is None

    auth.login("learner@example.org")
    assert "waiting for approval" in client.get("/certificates/").get_data(as_text=True)
    login(client, auth, "admin@example.org")
    page = client.get("/admin/certificates/").get_data(as_text=True)
    assert "Waiting for a certificate (4)" in page and KYRGYZ in page
    assert auth.post(f"/admin/certificates/completions/{c1}/issue").status_code == 303
    cert = certificate_of(app, people["learner"])
    assert cert is not None and cert.issued_by_id == people["admin"]
    assert auth.post(f"/admin/certificates/completions/{c1}/issue").status_code == 303  # already issued: a message
    assert auth.post("/admin/certificates/completions/999999/issue").status_code == 404
    assert auth.post("/admin/certificates/approve-all", data={"course": ""}).status_code == 303
    with app.app_context():
        s = db.session()
        serials = sorted(s.scalars(select(Certificate.serial)))
        assert len(serials) == 4 and [int(x[-6:]) for x in serials] == [1, 2, 3, 4]
        actions = sorted(s.scalars(select(CertificateEvent.action)))
        assert actions == ["approve"] * 4
    assert "Every completion has its certificate." in client.get("/admin/certificates/").get_data(as_text=True)
    listing = client.get("/admin/certificates/?status=valid").get_data(as_text=True)
    assert "4 certificates" in listing
    assert "0 certificates" in client.get("/admin/certificates/?status=revoked").get_data(as_text=True)


def test_approving_a_large_batch_runs_in_the_background(app, client, auth, people, users, courses_dir, monkeypatch):
    from lms.certificates import operations as ops

    require_approval(app, courses_dir)
    for uid in [users.create(f"b{i}@example.org", f"Learner {i}") for i in range(5)]:
        complete(app, uid)
    monkeypatch.setattr(ops, "BACKGROUND_ISSUE_THRESHOLD", 3)  # 5 due: more than the page may render
    monkeypatch.setattr(ops, "BACKGROUND_ISSUE_CHUNK", 2)  # committed 2 + 2 + 1
    login(client, auth, "admin@example.org")
    r = auth.post("/admin/certificates/approve-all", data={"course": ""})
    assert r.status_code == 303
    assert "Issuing 5 certificates in the background" in client.get(r.headers["Location"]).get_data(as_text=True)
    deadline = time.time() + 60
    while True:
        with app.app_context():
            serials = sorted(db.session().scalars(select(Certificate.serial)))
        if len(serials) == 5 or time.time() > deadline:
            break
        time.sleep(0.2)
    assert [int(x[-6:]) for x in serials] == [1, 2, 3, 4, 5]
    with app.app_context():
        events = db.session().scalars(select(CertificateEvent)).all()
        assert [e.action for e in events] == ["approve"] * 5 and {e.actor_id for e in events} == {people["admin"]}


def test_a_broken_template_leaves_the_completion_due(app, people, courses_dir):
    from lms.catalog.operations import sync_courses

    yaml_path = courses_dir / COURSE / "course.yaml"
    yaml_path.write_text(yaml_path.read_text().replace("template: default", "template: missing-template"))
    with app.app_context():
        sync_courses(db.session(), courses_dir)
        db.session().commit()
    cid = complete(app, people["learner"])
    with app.app_context():
        assert db.session().get(Completion, cid) is not None  # the completion stands
        assert db.session().scalar(select(Certificate)) is None


def test_unknown_code_is_a_friendly_404(client, people):
    r = client.get("/verify/AAAAAAAAAAAAAAAAAAAAAA")
    assert r.status_code == 404 and "Certificate not found" in r.get_data(as_text=True)
    r = client.get("/verify/nope?format=json")
    assert r.status_code == 404 and r.get_json()["status"] == "unknown"
    assert client.get("/verify/?code=AAAAAAAAAAAAAAAAAAAAAA").headers["Location"].endswith("/verify/AAAAAAAAAAAAAAAAAAAAAA")


@pytest.mark.parametrize("limit", [3])
def test_verification_is_rate_limited(app, client, people, limit):
    app.config["LMS_CERT_VERIFY_RATE_LIMIT"] = limit
    complete(app, people["learner"])
    cert = certificate_of(app, people["learner"])
    for _ in range(limit):
        assert client.get(f"/verify/{cert.code}").status_code == 200
    r = client.get(f"/verify/{cert.code}")
    assert r.status_code == 429 and "Too many verification requests" in r.get_data(as_text=True)
    assert r.headers["Retry-After"] == "60"
    r = client.get("/verify/unknown-code-here-xx", headers={"Accept": "application/json"})
    assert r.status_code == 429 and r.get_json()["error"] == "Too Many Requests"
    assert client.get("/verify/").status_code == 429
    other = client.get(f"/verify/{cert.code}", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200  # per client address


def test_pdf_upload_says_genuine_or_not(app, client, people):
    complete(app, people["learner"])
    cert = certificate_of(app, people["learner"])
    pdf = stored_bytes(app, cert)
    limit_kb = len(pdf) // 1024 + 20
    app.config["LMS_CERT_VERIFY_MAX_KB"] = limit_kb
    token = csrf_token(client, "/verify/")

    def send(blob: bytes, **extra):
        return client.post("/verify/", data={"csrf_token": token, "pdf": (io.BytesIO(blob), "c.pdf"), **extra},
                           content_type="multipart/form-data")

    genuine = send(pdf)
    assert genuine.status_code == 200
    text = genuine.get_data(as_text=True)
    assert f"genuine PDF of certificate {cert.serial}" in text and KYRGYZ in text
    tampered = bytearray(pdf)
    tampered[len(pdf) // 2] ^= 0x01
    r = send(bytes(tampered))
    assert r.status_code == 200 and "not a certificate issued by us" in r.get_data(as_text=True)
    too_big = send(b"x" * ((limit_kb + 30) * 1024))  # under the test client's 500 KB spooling threshold
    assert too_big.status_code == 413 and f"larger than {limit_kb} KB" in too_big.get_data(as_text=True)
    no_token = client.post("/verify/", data={"pdf": (io.BytesIO(pdf), "c.pdf")}, content_type="multipart/form-data")
    assert no_token.status_code == 400 and "genuine" not in no_token.get_data(as_text=True)
    assert client.post("/verify/", data={"csrf_token": token}).status_code == 400


def test_storage_sweep_keeps_certificates(app, runner, people):
    from lms.storage_app import get_storage

    complete(app, people["learner"])
    cert = certificate_of(app, people["learner"])
    result = runner.invoke(["storage", "sweep", "--grace-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert get_storage(app).exists(cert.pdf_sha256)


def test_cli_issue_list_print_revoke_verify(app, runner, people, users, courses_dir, tmp_path):
    from pypdf import PdfReader

    require_approval(app, courses_dir)
    for uid in (people["learner"], people["other"]):
        complete(app, uid)
    result = runner.invoke(["certificates", "issue", "--course", COURSE])
    assert result.exit_code == 0, result.output
    assert "2 certificates issued" in result.output
    assert "0 certificates issued" in runner.invoke(["certificates", "issue", "--course", COURSE]).output

    listed = runner.invoke(["certificates", "list", "--course", COURSE, "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert {r["holder"] for r in rows} == {KYRGYZ, "Other Learner"}
    assert set(rows[0]) == {"serial", "code", "holder", "course", "status", "sha256"}

    out = tmp_path / "batch.pdf"
    printed = runner.invoke(["certificates", "print", "--course", COURSE, "-o", str(out)])
    assert printed.exit_code == 0, printed.output
    assert len(PdfReader(out).pages) == 2

    first, _second = rows
    assert runner.invoke(["certificates", "verify", first["code"]]).exit_code == 0
    revoked = runner.invoke(["certificates", "revoke", first["serial"], "--reason", "issued by mistake"])
    assert revoked.exit_code == 0, revoked.output
    verdict = runner.invoke(["certificates", "verify", first["code"]])
    assert verdict.exit_code == 1 and "issued by mistake" in verdict.output
    assert runner.invoke(["certificates", "verify", "no-such-code-at-all-xx"]).exit_code == 2
    assert runner.invoke(["certificates", "revoke", "LAB-1999-000001", "--reason", "x y z"]).exit_code != 0
    printed = runner.invoke(["certificates", "print", "--course", COURSE, "-o", str(out)])
    assert len(PdfReader(out).pages) == 1  # valid ones only
    assert runner.invoke(["certificates", "print", "--serial", first["serial"], "-o", str(out)]).exit_code != 0


def test_verification_codes_are_random_typeable_and_never_look_like_an_option():
    from lms.certificates.operations import new_code

    codes = [new_code() for _ in range(5000)]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", c) for c in codes)
