"""Verification codes a person can type: Crockford base32, grouped, case-insensitive; legacy codes still work."""
from __future__ import annotations

import math
from collections import Counter

from sqlalchemy import select

from lms import db
from lms.certificates import codes
from lms.certificates.models import Certificate
from tests.test_certificates import certificate_of, complete, people  # noqa: F401 - fixtures

LEGACY = "Qm9vb0FhYmJjY2RkZWVmZg"  # secrets.token_urlsafe(16), as printed on certificates issued before


def test_codes_carry_at_least_60_random_bits_in_12_to_16_characters():
    code = codes.new_code()
    compact = code.replace("-", "")
    assert 12 <= len(compact) <= 16 and code.count("-") == len(compact) // 4 - 1
    assert len(compact) * math.log2(len(codes.ALPHABET)) >= 60
    counts = Counter("".join(codes.new_code().replace("-", "") for _ in range(4000)))
    assert set(counts) == set(codes.ALPHABET)  # every symbol is used, none outside the alphabet
    assert max(counts.values()) / min(counts.values()) < 1.3  # and evenly


def test_typed_forms_read_as_the_same_code():
    code = "7K3M-Q9XD-2HR0"
    for typed in ["7K3M-Q9XD-2HR0", "7k3mq9xd2hr0", " 7K3M Q9XD 2HR0 ", "7k3m–q9xd–2hro", "7K3M.Q9XD.2HRO"]:
        assert codes.candidates(typed)[-1] == code, typed
    assert codes.candidates("1IL1-0000-0000")[-1] == "1111-0000-0000"
    assert codes.candidates("7K3M-Q9XD-2HR") == []  # one short
    assert codes.candidates("7K3M-Q9XD-2HRUU") == []  # U is not Crockford
    assert codes.candidates(LEGACY) == [LEGACY]  # legacy tokens stay case-sensitive and exact
    assert codes.candidates("x" * 500) == []


def test_new_certificates_get_a_grouped_code_found_however_it_is_typed(app, client, people):
    complete(app, people["learner"])
    cert = certificate_of(app, people["learner"])
    assert codes.candidates(cert.code) == [cert.code] and len(cert.code) == 14
    typed = cert.code.lower().replace("-", " ")
    found = client.get("/verify/", query_string={"code": typed})
    assert found.status_code == 303 and found.headers["Location"].endswith(f"/verify/{cert.code}")
    for form in [cert.code, cert.code.lower(), cert.code.replace("-", ""), cert.code.replace("-", "%20")]:
        r = client.get(f"/verify/{form}?format=json")
        assert r.status_code == 200 and r.get_json()["serial"] == cert.serial, form


def test_codes_issued_before_keep_working(app, client, runner, people):
    complete(app, people["learner"])
    with app.app_context():
        cert = db.session().scalar(select(Certificate))
        cert.code = LEGACY
        db.session().commit()
        serial = cert.serial
    assert client.get(f"/verify/{LEGACY}?format=json").get_json()["serial"] == serial
    assert client.get(f"/verify/{LEGACY.lower()}?format=json").status_code == 404  # exact, as before
    assert client.get("/verify/", query_string={"code": f" {LEGACY} "}).headers["Location"].endswith(f"/verify/{LEGACY}")
    assert runner.invoke(["certificates", "verify", LEGACY]).exit_code == 0
