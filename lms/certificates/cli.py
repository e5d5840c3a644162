"""`lms certificates ...`: issue, list, print, revoke, verify."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext


def _course(sess, slug: str):
    from sqlalchemy import select

    from lms.catalog.models import Course

    course = sess.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(f"no course {slug!r}; run `lms courses sync` first")
    return course


@click.group()
def certificates():
    """Certificates: issue, list, print, revoke, verify."""


@certificates.command("issue")
@click.option("--course", "course_slug", required=True)
@with_appcontext
def issue(course_slug: str):
    """Issue every certificate that is due (for "approved" courses, this counts as the approval)."""
    from flask import current_app

    from lms import db
    from lms.certificates import operations as ops
    from lms.serve import warn_about_base_url

    warn_about_base_url(current_app.config)  # the QR code and verify link print this address
    sess = db.session()
    course = _course(sess, course_slug)
    action = "approve" if ops.course_issuing(course) == "approved" else "issue"
    try:
        issued = ops.issue_due(sess, course, action=action,
                               progress=lambda done, total: click.echo(f"rendered {done}/{total}", err=True))
    except ops.CertificateError as exc:
        sess.rollback()
        raise click.ClickException(str(exc)) from exc
    sess.commit()
    for cert in issued:
        click.echo(f"issued {cert.serial}: {cert.holder_name}")
    click.echo(f"{len(issued)} certificates issued")


@certificates.command("list")
@click.option("--course", "course_slug")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@with_appcontext
def list_command(course_slug: str | None, as_json: bool):
    """List issued certificates."""
    from sqlalchemy import select

    from lms import db
    from lms.certificates.models import Certificate

    sess = db.session()
    query = select(Certificate).order_by(Certificate.serial)
    if course_slug:
        query = query.where(Certificate.course_id == _course(sess, course_slug).id)
    rows = [{"serial": c.serial, "code": c.code, "holder": c.holder_name, "course": c.course_title,
             "status": c.status, "sha256": c.pdf_sha256} for c in sess.scalars(query)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['serial']}  {row['status']:<7}  {row['holder']}  ({row['course']})")


@certificates.command("print")
@click.option("--course", "course_slug")
@click.option("--serial", "serials", multiple=True, help="Only these serial numbers (repeat the option).")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="FILE.pdf (one PDF, a certificate per page) or FILE.zip (the individual PDFs).")
@with_appcontext
def print_command(course_slug: str | None, serials: tuple[str, ...], output: Path):
    """Print the valid certificates of a course (or given serials), exactly as issued."""
    from lms import db
    from lms.certificates import operations as ops

    if not course_slug and not serials:
        raise click.UsageError("give --course or --serial")
    sess = db.session()
    sel = ops.Selection(course_id=_course(sess, course_slug).id if course_slug else None, serials=list(serials))
    certs, missing = ops.select_certificates(sess, sel)
    if missing:
        raise click.ClickException("unknown or revoked: " + ", ".join(missing))
    if not certs:
        raise click.ClickException("no valid certificates match")
    blob = ops.print_zip(certs) if output.suffix.lower() == ".zip" else ops.print_pdf(certs)
    output.write_bytes(blob)
    ops.record_event(sess, "print", None, None, output=output.suffix.lower().lstrip("."), count=len(certs),
                     selection=sel.describe(), via="cli")
    sess.commit()
    click.echo(f"{len(certs)} certificates written to {output}")


@certificates.command("revoke")
@click.argument("serial")
@click.option("--reason", required=True)
@with_appcontext
def revoke(serial: str, reason: str):
    """Revoke a certificate by its serial number."""
    from sqlalchemy import select

    from lms import db
    from lms.certificates import operations as ops
    from lms.certificates.models import Certificate

    sess = db.session()
    cert = sess.scalar(select(Certificate).where(Certificate.serial == serial))
    if cert is None:
        raise click.ClickException(f"no certificate {serial}")
    try:
        ops.revoke(sess, cert, reason)
    except ops.CertificateError as exc:
        raise click.ClickException(str(exc)) from exc
    sess.commit()
    click.echo(f"revoked {serial}")


@certificates.command("verify")
@click.argument("code")
@with_appcontext
def verify(code: str):
    """Print a certificate's status: exit 0 valid, 1 revoked, 2 unknown."""
    from lms import db
    from lms.certificates import operations as ops

    cert = ops.find_by_code(db.session(), code.strip())
    if cert is None:
        click.echo("unknown: no certificate has this code")
        sys.exit(2)
    record = ops.public_record(cert)
    if cert.status == "valid":
        click.echo(f"valid: {record['serial']} {record['holder']}, {record['course']} ({record['hours']} h), "
                   f"issued {record['issued_on']} by {record['issuer']}")
        sys.exit(0)
    click.echo(f"revoked: {record['serial']} {record['holder']} on {record['revoked_on']}: {record['revoked_reason']}")
    sys.exit(1)


@certificates.command("keygen")
@click.option("--common-name", help="The signer's name readers show (default: LMS_INSTITUTION).")
@click.option("--organization", default="", help="The organisation in the certificate's name.")
@click.option("--algorithm", type=click.Choice(["ec", "rsa"]), default="ec", show_default=True,
              help="ec: ECDSA P-256 (fast, ES256 credentials); rsa: RSA 3072 (RS256 credentials).")
@click.option("--days", type=click.IntRange(1, 36500), default=3650, show_default=True)
@click.option("--import-key", "key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Import this private key (PEM) instead of creating one.")
@click.option("--import-chain", "chain_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="With --import-key: its certificate chain (PEM, the key's certificate first).")
@click.option("--passphrase-env", help="With --import-key: the environment variable holding the key's passphrase.")
@click.option("--force", is_flag=True, help="Replace the key that is there.")
@with_appcontext
def keygen(common_name, organization, algorithm, days, key_file, chain_file, passphrase_env, force):
    """Create (or import) the key that signs certificate PDFs and credentials, in the instance folder."""
    import os

    from flask import current_app

    from lms.certificates import publishing, signing
    from lms.urls import absolute_url

    folder = publishing.signing_folder()
    try:
        if key_file or chain_file:
            if not (key_file and chain_file):
                raise click.UsageError("--import-key and --import-chain go together")
            secret = os.environ.get(passphrase_env, "").encode() if passphrase_env else None
            material = signing.import_key(folder, key_file.read_bytes(), chain_file.read_bytes(), secret, force=force)
        else:
            name = common_name or str(current_app.config.get("LMS_INSTITUTION") or "FabLab")
            material = signing.generate(folder, name, organization, algorithm=algorithm, days=days, force=force)
    except signing.SigningKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"signing key and certificate in {folder} (files 0600)")
    click.echo(f"signer: {material.certificate.subject.rfc4514_string()}")
    click.echo(f"SHA-256 fingerprint: {material.fingerprint()}")
    click.echo(f"published at {absolute_url('certificates.signing_certificate')}")
