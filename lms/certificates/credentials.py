"""Open Badges 3.0 credentials: each certificate as an ``OpenBadgeCredential`` (VC data model 2.0),
signed as a VC-JWT (OB 3.0 section 8.2, "JSON Web Token Proof Format") with joserfc.

Pure: no Flask. The JWT is signed with the FabLab's signing key (the one that signs the PDFs), so
the published JWK carries the same certificate (``x5c``) that a PDF reader shows. The algorithm
follows the key: ES256 for an EC P-256 key (``lms certificates keygen``), RS256 for RSA (the one
every OB 3.0 verifier must support), EdDSA for Ed25519.
"""
from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from joserfc import jwk, jws

from .signing import SigningMaterial

CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
FILENAME = "open-badge-credential.jwt"
MEDIA_TYPE = "text/plain"  # OB 3.0 section 5.3: a Compact JWS "SHOULD be text/plain"


@dataclass(frozen=True)
class Issuer:
    """Who issues, and where its public documents live (absolute URLs built from the base URL)."""

    id: str  # the issuer profile's URL
    name: str
    url: str  # the LMS home page
    key_url: str  # dereferences to the public JWK (the JWT's ``kid``)


@dataclass(frozen=True)
class Award:
    """One certificate, as the credential states it."""

    code: str
    serial: str
    holder_name: str
    language: str
    course_url: str
    course_title: str
    course_summary: str
    hours: float
    criteria: str
    skills: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (name, URL)
    completed_on: dt.date | None = None
    issued_at: dt.datetime | None = None
    verify_url: str = ""
    status_list_url: str = ""
    status_index: int | None = None


@functools.lru_cache(maxsize=4)
def algorithm_for(material: SigningMaterial) -> str:
    key = material.private_key()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}[key.curve.name]
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "EdDSA"
    raise ValueError(f"no JWS algorithm for {type(key).__name__}")


def key_id(material: SigningMaterial) -> str:
    """The JWK thumbprint (RFC 7638) of the public key: stable, and changes with the key."""
    return _private_jwk(material).thumbprint()


def public_jwk(material: SigningMaterial, issuer: Issuer | None = None) -> dict:
    """The public key as a JWK, with its certificate chain (``x5c``): what verifiers fetch."""
    key = _private_jwk(material)
    data = key.as_dict(private=False)
    data.update({"kid": issuer.key_url if issuer else key.thumbprint(), "alg": algorithm_for(material),
                 "use": "sig", "x5c": _x5c(material)})
    return data


@functools.lru_cache(maxsize=4)
def retired_jwks(material: SigningMaterial, key_url_of) -> list[dict]:
    """The public JWKs of replaced keys (their credentials still verify); ``key_url_of(thumbprint)``."""
    keys = []
    for pem in material.retired_pem:
        certificate = x509.load_pem_x509_certificate(pem)
        key = jwk.import_key(certificate.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
            "EC" if isinstance(certificate.public_key(), ec.EllipticCurvePublicKey) else "RSA")
        alg = "ES256" if isinstance(certificate.public_key(), ec.EllipticCurvePublicKey) else "RS256"
        keys.append({**key.as_dict(private=False), "kid": key_url_of(key.thumbprint()), "alg": alg, "use": "sig",
                     "x5c": [base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()]})
    return keys


def _private_jwk(material: SigningMaterial):
    key = material.private_key()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        kind = "EC"
    else:
        kind = "RSA" if isinstance(key, rsa.RSAPrivateKey) else "OKP"
    return jwk.import_key(material.key_pem, kind)


def _x5c(material: SigningMaterial) -> list[str]:
    return [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
            for c in x509.load_pem_x509_certificates(material.chain_pem)]


def _iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:  # the database keeps naive UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def credential_id(award: Award) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, award.verify_url)}"


def subject_id(award: Award) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, award.verify_url + '#holder')}"


def profile(issuer: Issuer) -> dict:
    return {"id": issuer.id, "type": ["Profile"], "name": issuer.name, "url": issuer.url}


def achievement(award: Award) -> dict:
    description = award.course_summary or award.course_title
    return {
        "id": award.course_url,
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "name": award.course_title,
        "description": description,
        "criteria": {"id": award.course_url, "narrative": award.criteria},
        "inLanguage": award.language,
        "humanCode": award.serial,
        "tag": [name for name, _url in award.skills],
        "alignment": [{"type": ["Alignment"], "targetName": name, "targetUrl": url} for name, url in award.skills],
    }


def credential(award: Award, issuer: Issuer) -> dict:
    """The OpenBadgeCredential of one certificate (without proof: the JWT around it is the proof)."""
    issued = _iso(award.issued_at or dt.datetime.now(dt.UTC))
    subject = {
        "id": subject_id(award),
        "type": ["AchievementSubject"],
        "identifier": [{"type": "IdentityObject", "identityHash": award.holder_name, "identityType": "name",
                        "hashed": False}],
        "achievement": achievement(award),
    }
    if award.completed_on:
        subject["activityEndDate"] = f"{award.completed_on.isoformat()}T00:00:00Z"
    body = {
        "@context": list(CONTEXT),
        "id": credential_id(award),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": award.course_title,
        "description": f"{award.course_title} ({_hours(award.hours)} h), {award.serial}",
        "issuer": profile(issuer),
        "validFrom": issued,
        "awardedDate": issued,
        "credentialSubject": subject,
        "credentialSchema": [{"id": SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if award.status_list_url and award.status_index is not None:
        body["credentialStatus"] = {
            "id": f"{award.status_list_url}#{award.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(award.status_index),
            "statusListCredential": award.status_list_url,
        }
    return body


def _hours(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def sign(body: dict, material: SigningMaterial, issuer: Issuer) -> str:
    """The credential as a Compact JWS; the registered claims mirror the credential (OB 3.0 8.2.3)."""
    valid_from = dt.datetime.fromisoformat(body["validFrom"].replace("Z", "+00:00"))
    payload = {**body, "iss": body["issuer"]["id"] if isinstance(body["issuer"], dict) else body["issuer"],
               "jti": body["id"], "nbf": int(valid_from.timestamp())}
    subject = body.get("credentialSubject", {}).get("id")
    if subject:
        payload["sub"] = subject
    header = {"alg": algorithm_for(material), "kid": issuer.key_url, "typ": "JWT"}
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return jws.serialize_compact(header, text.encode(), _private_jwk(material), algorithms=[header["alg"]])


def payload_of(token: str) -> dict:
    """The JWT's payload, unverified (for display; verification needs the public key)."""
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
