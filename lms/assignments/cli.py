"""`lms completions ...` and `lms storage ...`."""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import with_appcontext


@click.group()
def completions():
    """Course completions."""


@completions.command("add")
@click.option("--course", "course_slug", required=True)
@click.argument("emails", nargs=-1)
@click.option("--csv", "csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A CSV of names and e-mails instead of EMAIL arguments.")
@click.option("--reason", required=True, help="Why the completion is recorded by hand.")
@with_appcontext
def completions_add(course_slug: str, emails: tuple[str, ...], csv_file: Path | None, reason: str):
    """Record completions by hand (e.g. for training done in person)."""
    from sqlalchemy import select

    from lms import db
    from lms.accounts.operations import find_user
    from lms.catalog.cohort import parse_people
    from lms.catalog.models import Course
    from lms.completion import record_completion

    if bool(emails) == bool(csv_file):
        raise click.UsageError("give either EMAIL arguments or --csv FILE")
    if len(reason.strip()) < 3:
        raise click.UsageError("--reason needs a few words")
    sess = db.session()
    course = sess.scalar(select(Course).where(Course.slug == course_slug))
    if course is None:
        raise click.ClickException(f"no course {course_slug!r}")
    if csv_file:
        rows, errors = parse_people(csv_file.read_text("utf-8-sig"))
        if errors:
            raise click.ClickException("\n".join(f"{csv_file}: {e}" for e in errors))
        emails = tuple(email for _name, email in rows)
    users = [(e, find_user(e)) for e in emails]
    missing = [e for e, u in users if u is None]
    if missing:
        raise click.ClickException("no account for: " + ", ".join(missing))
    added = 0
    for email, user in users:
        if record_completion(sess, user, course, final_score=None, source="manual", reason=reason.strip()):
            added += 1
            click.echo(f"completed: {email}")
        else:
            click.echo(f"already completed: {email}")
    sess.commit()
    click.echo(f"{added} completions recorded")


@click.group()
def storage():
    """Stored files."""


@storage.command("sweep")
@click.option("--grace-minutes", default=60, show_default=True, type=int,
              help="Keep unreferenced files younger than this (an upload may be between file and row).")
@click.option("--dry-run", is_flag=True)
@with_appcontext
def storage_sweep(grace_minutes: int, dry_run: bool):
    """Delete stored files that no database row refers to."""
    from lms import db
    from lms.assignments.sweep import referenced_hashes
    from lms.storage_app import get_storage

    store = get_storage()
    referenced = referenced_hashes(db.session())
    cutoff = time.time() - grace_minutes * 60
    removed = 0
    for sha, mtime in list(store.iter_files()):
        if sha not in referenced and mtime < cutoff:
            removed += 1
            if not dry_run:
                store.delete(sha)
    leftovers = 0 if dry_run else store.sweep_tmp(grace_minutes * 60)
    click.echo(f"{removed} orphaned files {'found' if dry_run else 'removed'}, {leftovers} partial uploads removed")


@click.group()
def assignments():
    """Assignments: deadlines and extensions."""


@assignments.command("extend")
@click.option("--course", "course_slug", required=True)
@click.option("--assignment", "assignment_slug", required=True)
@click.argument("email")
@click.option("--until", "until", required=True,
              help="The new deadline, a date or date-time in the course's time zone.")
@with_appcontext
def assignments_extend(course_slug: str, assignment_slug: str, email: str, until: str):
    """Give one learner more time: uploads stay open and on time until UNTIL."""
    from lms import db
    from lms.accounts.operations import find_user
    from lms.assignments.operations import grant_extension
    from lms.assignments.queries import find_assignment
    from lms.catalog.deadlines import parse_local_deadline

    sess = db.session()
    course, assignment = find_assignment(sess, course_slug, assignment_slug)
    if assignment is None:
        raise click.ClickException(f"no assignment {assignment_slug!r} in course {course_slug!r}")
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no account for: {email}")
    try:
        until_utc = parse_local_deadline(until, course.timezone)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--until") from None
    grant_extension(sess, None, user, assignment, until_utc)
    sess.commit()
    click.echo(f"extended: {email} until {until_utc:%Y-%m-%d %H:%M} UTC")
