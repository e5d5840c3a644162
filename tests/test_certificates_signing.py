"""Signed certificate PDFs, checked with tools that are not ours: poppler's pdfsig, openssl, pyHanko's validator."""
from __future__ import annotations

import hashlib
import io
import os
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from lms import db
from lms.certificates.models import Certificate
from tests.certificates_pdf.certificates_pdf_helpers import need
from tests.conftest import csrf_token
from tests.test_certificates import BASE_URL, KYRGYZ, certificate_of, complete, people  # noqa: F401 - fixtures
from tests.test_certificates import stored_bytes as stored

pytestmark = [pytest.mark.app_config(LMS_BASE_URL=BASE_URL, LMS_INSTITUTION="Бишкек FabLab"),
              pytest.mark.usefixtures("english")]


@pytest.fixture
def key(app, runner):
    """The FabLab's key, made by the real command."""
    result = runner.invoke(["certificates", "keygen", "--organization", "Test University"])
    assert result.exit_code == 0, result.output
    return Path(app.instance_path) / "signing"


def pdfsig(pdf: bytes, tmp_path: Path, *args: str) -> str:
    need("pdfsig")
    path = tmp_path / f"check-{hashlib.sha256(pdf).hexdigest()[:8]}.pdf"
    path.write_bytes(pdf)
    run = subprocess.run(["pdfsig", *args, str(path)], capture_output=True, timeout=60, cwd=tmp_path)
    return run.stdout.decode() + run.stderr.decode()


def openssl_fingerprint(pem_or_der: bytes, tmp_path: Path, form: str = "PEM") -> str:
    path = tmp_path / "cert.bin"
    path.write_bytes(pem_or_der)
    out = subprocess.run(["openssl", "x509", "-inform", form, "-in", str(path), "-noout", "-fingerprint", "-sha256"],
                         check=True, capture_output=True).stdout.decode()
    return out.strip().split("=", 1)[1]


def signer_certificate_of(pdf: bytes, tmp_path: Path) -> bytes:
    """pdfsig -dump writes the signature's CMS; openssl takes the signer's certificate out of it."""
    folder = tmp_path / "dump"
    folder.mkdir(exist_ok=True)
    (folder / "signed.pdf").write_bytes(pdf)
    subprocess.run(["pdfsig", "-dump", "signed.pdf"], cwd=folder, check=True, capture_output=True)
    dumped = folder / "signed.pdf.sig0"
    return subprocess.run(["openssl", "pkcs7", "-inform", "DER", "-in", str(dumped), "-print_certs"],
                          check=True, capture_output=True).stdout


def test_keygen_writes_private_files_and_keeps_an_existing_key(app, runner, key):
    assert stat.S_IMODE(key.stat().st_mode) == 0o700
    for name in ("signing-key.pem", "signing-chain.pem"):
        assert stat.S_IMODE((key / name).stat().st_mode) == 0o600
    before = (key / "signing-key.pem").read_bytes()
    again = runner.invoke(["certificates", "keygen"])
    assert again.exit_code != 0 and "--force" in again.output
    assert (key / "signing-key.pem").read_bytes() == before
    assert runner.invoke(["certificates", "keygen", "--force", "--algorithm", "rsa"]).exit_code == 0
    assert (key / "signing-key.pem").read_bytes() != before


def test_issued_pdf_is_signed_by_the_published_certificate(app, client, key, people, tmp_path):
    need("openssl")
    complete(app, people["learner"])
    cert = certificate_of(app, people["learner"])
    pdf = stored(app, cert)
    assert hashlib.sha256(pdf).hexdigest() == cert.pdf_sha256  # the frozen, hashed bytes are the signed bytes

    report = pdfsig(pdf, tmp_path)
    assert "Signature Validation: Signature is Valid." in report, report
    assert "Total document signed" in report and "ETSI.CAdES.detached" in report
    published = client.get("/credentials/signing-certificate.pem")
    assert published.status_code == 200 and published.data.startswith(b"-----BEGIN CERTIFICATE-----")
    assert openssl_fingerprint(signer_certificate_of(pdf, tmp_path), tmp_path) == \
        openssl_fingerprint(published.data, tmp_path)

    # pyHanko's validator, trusting only the certificate the LMS publishes
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=list(load_certs_from_pemder_data(published.data)), allow_fetching=False)
    status = validate_pdf_signature(PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0], context)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE and status.bottom_line

    page = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    fingerprint = openssl_fingerprint(published.data, tmp_path)
    assert fingerprint in page and f"{BASE_URL}/credentials/signing-certificate.pem" in page


def test_one_changed_byte_is_caught_by_pdfsig_and_the_verify_page(app, client, key, people, tmp_path):
    complete(app, people["learner"])
    cert = certificate_of(app, people["learner"])
    pdf = stored(app, cert)
    token = csrf_token(client, "/verify/")

    def upload(blob: bytes) -> str:
        r = client.post("/verify/", data={"csrf_token": token, "pdf": (io.BytesIO(blob), "c.pdf")},
                        content_type="multipart/form-data")
        assert r.status_code == 200
        return r.get_data(as_text=True)

    genuine = upload(pdf)
    assert f"genuine PDF of certificate {cert.serial}" in genuine and 'data-signature="valid"' in genuine

    tampered = bytearray(pdf)
    where = pdf.index(b"stream", len(pdf) // 4) + 40  # inside a content stream, well within the signed bytes
    tampered[where] ^= 0x01
    tampered = bytes(tampered)
    report = pdfsig(tampered, tmp_path)
    assert "Signature is Valid" not in report and ("Digest Mismatch" in report or "Invalid" in report), report
    altered = upload(tampered)
    assert "not a certificate issued by us" in altered and 'data-signature="altered"' in altered

    unsigned = upload(_without_signature(pdf))
    assert 'data-signature="unsigned"' in unsigned


def _without_signature(pdf: bytes) -> bytes:
    """The revision before the signature (what the renderer made): same pages, no signature."""
    end = pdf.rindex(b"%%EOF", 0, pdf.rindex(b"%%EOF")) + len(b"%%EOF\n")
    return pdf[:end]


def test_a_key_the_university_already_has_is_imported_and_used(app, runner, people, tmp_path):
    need("openssl")
    key_file, chain_file = tmp_path / "uni.key", tmp_path / "uni.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key_file),
                    "-out", str(chain_file), "-days", "30", "-subj", "/O=Test University/CN=Certificates Office"],
                   check=True, capture_output=True)
    wrong = runner.invoke(["certificates", "keygen", "--import-key", str(key_file)])
    assert wrong.exit_code != 0
    result = runner.invoke(["certificates", "keygen", "--import-key", str(key_file), "--import-chain", str(chain_file)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(Path(app.instance_path) / "signing" / "signing-key.pem").st_mode) == 0o600
    complete(app, people["learner"])
    report = pdfsig(stored(app, certificate_of(app, people["learner"])), tmp_path)
    assert "Signer Certificate Common Name: Certificates Office" in report and "Signature is Valid." in report


def test_zip_keeps_the_signed_bytes_and_the_print_file_drops_the_signature_fields(app, runner, key, people, users,
                                                                                tmp_path):
    second = users.create("second@example.org", "Second Learner")
    complete(app, people["learner"])
    complete(app, second)
    out = tmp_path / "all.zip"
    assert runner.invoke(["certificates", "print", "--course", "test-course", "-o", str(out)]).exit_code == 0
    with app.app_context():
        certs = db.session().scalars(select(Certificate).order_by(Certificate.serial)).all()
        for c in certs:
            db.session().expunge(c)
    with zipfile.ZipFile(out) as zf:
        assert {n: zf.read(n) for n in zf.namelist()} == {f"{c.serial}.pdf": stored(app, c) for c in certs}
    merged = tmp_path / "all.pdf"
    assert runner.invoke(["certificates", "print", "--course", "test-course", "-o", str(merged)]).exit_code == 0
    report = pdfsig(merged.read_bytes(), tmp_path)
    assert "does not contain any signatures" in report, report  # no signature claims what it does not cover


@pytest.mark.parametrize("blob", [b"%PDF-1.7\n" + b"\x00garbage" * 200, b"not a pdf at all",
                                  b"%PDF-1.7\n1 0 obj << /Type /Catalog /AcroForm << /Fields [2 0 R] >> >> endobj\n"
                                  b"2 0 obj << /FT /Sig /V << /Type /Sig /ByteRange [0 10 20 99999999] /Contents <00> >> >>"
                                  b" endobj\ntrailer << /Root 1 0 R >>\n%%EOF"])
def test_hostile_uploads_get_an_answer_not_a_500(app, client, key, blob):
    token = csrf_token(client, "/verify/")
    r = client.post("/verify/", data={"csrf_token": token, "pdf": (io.BytesIO(blob), "c.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert "not a certificate issued by us" in text and 'data-signature="valid"' not in text


@pytest.mark.slow
def test_a_batch_rendered_by_worker_processes_is_signed_too(app, runner, key, people, users, courses_dir, tmp_path):
    """More than one chunk (50) with two render workers: each worker signs with its own copy of the key."""
    from tests.test_certificates import require_approval

    app.config["LMS_CERT_RENDER_WORKERS"] = 2
    require_approval(app, courses_dir)
    for i in range(55):
        complete(app, users.create(f"cohort{i}@example.org", f"Learner {i}"))
    result = runner.invoke(["certificates", "issue", "--course", "test-course"])
    assert result.exit_code == 0 and "55 certificates issued" in result.output, result.output
    from lms.certificates import publishing, signing

    with app.app_context():
        certs = db.session().scalars(select(Certificate).order_by(Certificate.serial)).all()
        material = publishing.signing_material()
        assert [signing.check(stored(app, c), material).status for c in certs] == ["valid"] * 55
        assert all(c.credential_jwt for c in certs) and len({c.status_index for c in certs}) == 55
        last = stored(app, certs[-1])
    assert "Signature is Valid." in pdfsig(last, tmp_path)
