"""The app's side of signing and credentials: where the key lives, the public URLs, and what each
certificate's credential says. The cores (signing, credentials, status_list) get plain values from here.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.catalog.models import Course, localized
from lms.certificates import credentials, signing, status_list
from lms.certificates.models import Certificate
from lms.certificates.pdf import Attachment
from lms.certificates.serials import bump_counter
from lms.db import utcnow
from lms.urls import absolute_url, base_url

_CACHE_KEY = "lms_cert_signing"


def signing_folder(app=None) -> Path:
    app = app or current_app
    return Path(app.config.get("LMS_CERT_SIGNING_PATH") or Path(app.instance_path) / "signing")


def signing_material(app=None) -> signing.SigningMaterial | None:
    """The FabLab's key and chain, re-read when the files change (after ``lms certificates keygen``)."""
    app = app or current_app
    folder = signing_folder(app)
    try:
        stamp = tuple((folder / name).stat().st_mtime_ns for name in (signing.KEY_FILE, signing.CHAIN_FILE))
    except FileNotFoundError:
        return None
    cached = app.extensions.get(_CACHE_KEY)
    if cached is None or cached[0] != (str(folder), stamp):
        cached = app.extensions[_CACHE_KEY] = ((str(folder), stamp), signing.load(folder))
    return cached[1]


def issuer(material: signing.SigningMaterial) -> credentials.Issuer:
    return credentials.Issuer(id=absolute_url("certificates.issuer_profile"),
                              name=str(current_app.config.get("LMS_INSTITUTION") or ""), url=base_url() + "/",
                              key_url=absolute_url("certificates.public_key", kid=credentials.key_id(material)))


def status_list_url(list_number: int) -> str:
    return absolute_url("certificates.status_list", list_number=list_number)


def allocate_status_indexes(sess: Session, n: int) -> list[int]:
    """``n`` fresh bits of the status list (0, 1, 2, ...), gapless like serial numbers."""
    last = bump_counter(sess, status_list.COUNTER_PREFIX, 0, n)
    return list(range(last - n, last))


def criteria(course: Course) -> str:
    rules = course.completion or {}
    parts = [_("Complete every lesson of the course.")] if rules.get("lessons", "all") == "all" else []
    if rules.get("assignments", "required") == "required":
        parts.append(_("Have every assignment accepted by an instructor."))
    if rules.get("min_score") is not None:
        parts.append(_("Reach a final score of at least %(score)s.", score=rules["min_score"]))
    return " ".join(parts) or _("Complete the course.")


def skills(course: Course) -> list[tuple[str, str]]:
    """What the course covers: ``certificate.skills`` from course.yaml, else its modules."""
    url = absolute_url("catalog.course_page", slug=course.slug)
    named = (course.certificate or {}).get("skills")
    if isinstance(named, list) and named:
        return [(str(s), f"{url}#skill-{i}") for i, s in enumerate(named, 1)]
    return [(localized(m.title, course.language), f"{url}#{m.slug}") for m in course.modules if not m.archived]


def award(cert: Certificate, course: Course, verify_url: str) -> credentials.Award:
    with force_locale(cert.language):
        narrative = criteria(course)
    index = cert.status_index
    return credentials.Award(
        code=cert.code, serial=cert.serial, holder_name=cert.holder_name, language=cert.language,
        course_url=absolute_url("catalog.course_page", slug=course.slug), course_title=cert.course_title,
        course_summary=course.summary_in(cert.language).strip(), hours=cert.hours, criteria=narrative,
        skills=skills(course), completed_on=cert.completed_on, issued_at=cert.issued_at, verify_url=verify_url,
        status_list_url=status_list_url(status_list.list_of(index)) if index is not None else "",
        status_index=index)


def attach_credentials(sess: Session, rows: Sequence[tuple], courses: dict[int, Course],
                       verify_url) -> None:
    """Give each (certificate, CertificateData) row its signed credential, inside its PDF too.

    Without a signing key nothing happens: the certificates are issued as before, unsigned."""
    material = signing_material()
    if material is None or not rows:
        return
    who = issuer(material)
    for (cert, data), index in zip(rows, allocate_status_indexes(sess, len(rows))):
        cert.status_index = index
        cert.issued_at = cert.issued_at or utcnow()
        body = credentials.credential(award(cert, courses[cert.course_id], verify_url(cert.code)), who)
        cert.credential_jwt = credentials.sign(body, material, who)
        data.attachments = (Attachment(credentials.FILENAME, cert.credential_jwt.encode(), credentials.MEDIA_TYPE,
                                       "Open Badges 3.0 credential (VC-JWT)"),)


def revoked_indexes(sess: Session, list_number: int) -> Iterable[int]:
    first = list_number * status_list.LIST_SIZE
    return sess.scalars(select(Certificate.status_index).where(
        Certificate.status == "revoked", Certificate.status_index >= first,
        Certificate.status_index < first + status_list.LIST_SIZE))


def status_list_jwt(sess: Session, list_number: int) -> str | None:
    material = signing_material()
    if material is None:
        return None
    who = issuer(material)
    body = status_list.credential(status_list_url(list_number), credentials.profile(who),
                                  revoked_indexes(sess, list_number), list_number)
    return credentials.sign(body, material, who)


def check_signature(pdf: bytes) -> str:
    """valid | altered | foreign | unsigned | unreadable | no-key (see signing.check)."""
    material = signing_material()
    return "no-key" if material is None else signing.check(pdf, material).status


def signer_summary() -> dict | None:
    """Who signs our PDFs, for the verify page: the name, the fingerprint and where the certificate is."""
    material = signing_material()
    if material is None:
        return None
    return {"name": material.certificate.subject.rfc4514_string(), "fingerprint": material.fingerprint(),
            "certificate_url": absolute_url("certificates.signing_certificate"),
            "jwks_url": absolute_url("certificates.jwks")}
