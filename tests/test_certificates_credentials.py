"""Open Badges 3.0 credentials: 1EdTech's JSON schema, a proof checked with PyJWT and the published keys
only, the credential inside the PDF, the revocation status list, LinkedIn and share links."""
from __future__ import annotations

import base64
import gzip
import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
import jwt
import pikepdf
import pytest

from tests.conftest import csrf_token
from tests.test_certificates import BASE_URL, KYRGYZ, certificate_of, complete, login, people, stored_bytes  # noqa: F401

SCHEMA = Path(__file__).parent / "fixtures" / "ob3" / "ob_v3p0_achievementcredential_schema.json"


pytestmark = [pytest.mark.app_config(LMS_BASE_URL=BASE_URL, LMS_INSTITUTION="Бишкек FabLab"),
              pytest.mark.usefixtures("english")]


@pytest.fixture
def issued(app, runner, people):
    assert runner.invoke(["certificates", "keygen"]).exit_code == 0
    complete(app, people["learner"])
    return certificate_of(app, people["learner"])


def verified_payload(client, token: str) -> dict:
    """Verify the JWT as an outside verifier would: the kid's JWK, fetched over HTTP, and PyJWT."""
    header = jwt.get_unverified_header(token)
    assert set(header) <= {"alg", "kid", "typ", "jwk"} and header["typ"] == "JWT"  # OB 3.0: no other headers
    assert header["kid"].startswith(f"{BASE_URL}/credentials/keys/")
    published = client.get(header["kid"].removeprefix(BASE_URL)).get_json()
    assert "d" not in published
    jwks = client.get("/credentials/jwks.json").get_json()
    assert published in jwks["keys"]
    key = jwt.PyJWK(published)
    return jwt.decode(token, key=key, algorithms=[header["alg"]], options={"require": ["iss", "jti", "nbf", "sub"]})


def test_the_credential_validates_against_1edtech_schema_and_its_proof_verifies(app, client, issued):
    token = issued.credential_jwt
    payload = verified_payload(client, token)
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft201909Validator(schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER)
    validator.validate(payload)
    assert not validator.is_valid({k: v for k, v in payload.items() if k != "validFrom"})  # the schema does bite
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["iss"] == payload["issuer"]["id"] and payload["jti"] == payload["id"]
    assert payload["sub"] == payload["credentialSubject"]["id"]
    subject = payload["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == KYRGYZ
    achievement = subject["achievement"]
    assert achievement["name"] == issued.course_title and achievement["humanCode"] == issued.serial
    assert achievement["criteria"]["narrative"] and achievement["alignment"]  # the skills: the course's modules
    issuer = client.get(urlsplit(payload["issuer"]["id"]).path).get_json()
    assert issuer["name"] == "Бишкек FabLab" and issuer["id"] == payload["issuer"]["id"]

    forged = token.rsplit(".", 1)[0] + "." + base64.urlsafe_b64encode(b"\0" * 64).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidSignatureError):
        verified_payload(client, forged)


def test_learners_get_the_same_credential_from_my_certificates_the_verify_page_and_the_pdf(app, client, auth, issued):
    public = client.get(f"/verify/{issued.code}/credential.jwt")
    assert public.status_code == 200 and public.get_data(as_text=True) == issued.credential_jwt
    assert public.headers["Content-Type"].startswith("text/plain")
    assert f"/verify/{issued.code}/credential.jwt" in client.get(f"/verify/{issued.code}").get_data(as_text=True)
    with pikepdf.open(io.BytesIO(stored_bytes(app, issued))) as pdf:
        attached = pdf.attachments["open-badge-credential.jwt"].get_file().read_bytes()
    assert attached.decode() == issued.credential_jwt

    login(client, auth, "learner@example.org")
    page = client.get("/certificates/").get_data(as_text=True)
    assert f"/certificates/{issued.id}/credential.jwt" in page
    mine = client.get(f"/certificates/{issued.id}/credential.jwt")
    assert mine.status_code == 200 and mine.get_data(as_text=True) == issued.credential_jwt


def test_after_revocation_the_status_list_says_revoked(app, client, auth, issued):
    payload = verified_payload(client, issued.credential_jwt)
    entry = payload["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "revocation"

    def revoked() -> bool:
        url = entry["statusListCredential"]
        response = client.get(url.removeprefix(BASE_URL))
        assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
        status = verified_payload(client, response.get_data(as_text=True))
        assert "BitstringStatusListCredential" in status["type"] and status["id"] == url
        encoded = status["credentialSubject"]["encodedList"]
        assert encoded[0] == "u"  # multibase base64url
        bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
        assert len(bits) * 8 >= 131_072
        index = int(entry["statusListIndex"])
        return bool(bits[index // 8] & (0x80 >> (index % 8)))

    assert revoked() is False
    login(client, auth, "admin@example.org")
    r = client.post(f"/admin/certificates/{issued.id}/revoke",
                    data={"csrf_token": csrf_token(client, f"/admin/certificates/{issued.id}"), "reason": "issued by mistake"})
    assert r.status_code == 303
    assert revoked() is True


def test_my_certificates_offers_linkedin_and_a_share_link(app, client, auth, issued):
    login(client, auth, "learner@example.org")
    page = client.get("/certificates/").get_data(as_text=True)
    import re

    link = re.search(r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)"', page).group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(link).query)
    assert query["startTask"] == ["CERTIFICATION_NAME"] and query["name"] == [issued.course_title]
    assert query["organizationName"] == ["Бишкек FabLab"] and query["certId"] == [issued.serial]
    assert query["issueYear"] == [str(issued.issued_on.year)] and query["issueMonth"] == [str(issued.issued_on.month)]
    assert query["certUrl"] == [f"{BASE_URL}/verify/{issued.code}"]
    assert f'value="{BASE_URL}/verify/{issued.code}"' in page  # the share link


def test_without_a_key_certificates_are_issued_unsigned_without_credential(app, client, people):
    complete(app, people["learner"])
    cert = certificate_of(app, people["learner"])
    assert cert.credential_jwt is None and cert.status_index is None
    assert client.get(f"/verify/{cert.code}/credential.jwt").status_code == 404
    assert client.get("/credentials/jwks.json").status_code == 404


def test_a_replaced_key_keeps_what_it_signed_verifiable(app, client, runner, issued):
    assert runner.invoke(["certificates", "keygen", "--force"]).exit_code == 0
    verified_payload(client, issued.credential_jwt)  # the old kid still dereferences, and the proof holds
    assert len(client.get("/credentials/jwks.json").get_json()["keys"]) == 2
    token = csrf_token(client, "/verify/")
    r = client.post("/verify/", data={"csrf_token": token, "pdf": (io.BytesIO(stored_bytes(app, issued)), "c.pdf")},
                    content_type="multipart/form-data")
    assert 'data-signature="valid"' in r.get_data(as_text=True)
