"""Web pages of the public key material and credentials: the signing certificate, the JWK(S), the issuer
profile, the status lists, and each certificate's credential. The routes join the certificates blueprint."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, current_app, jsonify, request
from flask_login import login_required

from lms import db
from lms.certificates import credentials, publishing
from lms.certificates import operations as ops
from lms.certificates.blueprint import _public, bp, load_certificate, verification_rate_limit
from lms.certificates.models import Certificate
from lms.urls import absolute_url

JWT_TYPE = "text/plain; charset=utf-8"


def _material():
    material = publishing.signing_material()
    if material is None:
        abort(404)
    return material


def _cacheable(response, seconds: int = 300):
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers fetch keys from other origins
    return response


@bp.route("/credentials/signing-certificate.pem")
def signing_certificate():
    """The certificate (and chain) that signs the PDFs: what a PDF reader shows as the signer."""
    response = current_app.response_class(_material().chain_pem, mimetype="application/x-pem-file")
    response.headers["Content-Disposition"] = "inline; filename=signing-certificate.pem"
    return _cacheable(response)


def _all_keys(material) -> list[dict]:
    current = credentials.public_jwk(material, publishing.issuer(material))
    return [current, *credentials.retired_jwks(material, lambda kid: absolute_url("certificates.public_key", kid=kid))]


@bp.route("/credentials/jwks.json")
def jwks():
    return _cacheable(jsonify({"keys": _all_keys(_material())}))


@bp.route("/credentials/keys/<kid>")
def public_key(kid: str):
    """What a credential's ``kid`` dereferences to: the public JWK (OB 3.0 section 8.2.1)."""
    for key in _all_keys(_material()):
        if key["kid"].rsplit("/", 1)[-1] == kid:
            return _cacheable(jsonify(key))
    abort(404)


@bp.route("/credentials/issuer")
def issuer_profile():
    material = _material()
    body = {"@context": list(credentials.CONTEXT), **credentials.profile(publishing.issuer(material))}
    return _cacheable(jsonify(body))


@bp.route("/credentials/status/<int:list_number>")
def status_list(list_number: int):
    """The revocation list as a signed BitstringStatusListCredential (``?format=json``: its payload)."""
    token = publishing.status_list_jwt(db.session(), list_number)
    if token is None or list_number > 10_000:
        abort(404)
    if request.args.get("format") == "json":
        return _cacheable(jsonify(credentials.payload_of(token)), 60)
    return _cacheable(current_app.response_class(token, mimetype="application/vc+jwt"), 60)


def _send_credential(cert: Certificate):
    if not cert.credential_jwt:
        abort(404)
    response = current_app.response_class(cert.credential_jwt, content_type=JWT_TYPE)
    response.headers["Content-Disposition"] = f"attachment; filename={cert.serial}-open-badge.jwt"
    return response


@bp.route("/certificates/<int:cert_id>/credential.jwt")
@login_required
def my_credential(cert_id: int):
    return _send_credential(load_certificate(cert_id))


@bp.route("/verify/<code>/credential.jwt")
@verification_rate_limit
def public_credential(code: str):
    cert = ops.find_by_code(db.session(), code)
    if cert is None:
        abort(404)
    return _public(_send_credential(cert))


def linkedin_url(cert: Certificate) -> str:
    """LinkedIn's "Add to profile" form for a certification, filled in (its documented URL parameters)."""
    params = {"startTask": "CERTIFICATION_NAME", "name": cert.course_title,
              "organizationName": cert.issuer or str(current_app.config.get("LMS_INSTITUTION") or ""),
              "issueYear": cert.issued_on.year, "issueMonth": cert.issued_on.month,
              "certUrl": ops.verify_url(cert.code), "certId": cert.serial}
    organization = current_app.config.get("LMS_LINKEDIN_ORGANIZATION_ID")
    if organization:
        params["organizationId"] = organization
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


@bp.app_template_global("certificate_links")
def certificate_links(cert: Certificate) -> dict:
    """The links My certificates shows beside a certificate."""
    return {"linkedin": linkedin_url(cert), "share": ops.verify_url(cert.code),
            "credential": bool(cert.credential_jwt)}
