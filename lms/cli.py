"""The ``lms`` command line."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext


def _create_app(*_args):
    from lms import create_app

    return create_app()


cli = FlaskGroup(create_app=_create_app, add_default_commands=False, add_version_option=False,
                 help="FabLab LMS: courses, 3D model assignments and certificates.")


def _session():
    from lms import db

    return db.session()


# --- db ---------------------------------------------------------------------------------------

@cli.group()
def db():
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str):
    """Bring the database to the newest schema (an empty one included)."""
    from lms.migrate import upgrade

    upgrade(current_app, revision)
    click.echo(f"database at {revision}")


@db.command("revision", hidden=True)
@click.option("-m", "--message", required=True)
@with_appcontext
def db_revision(message: str):
    """(developers) Autogenerate a migration from the models."""
    from lms.migrate import revision

    revision(current_app, message)


# --- users ------------------------------------------------------------------------------------

@cli.group()
def users():
    """Accounts and roles."""


@users.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["admin", "instructor", "learner"]), default="learner", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def users_create(email: str, name: str, role: str, password_stdin: bool):
    """Create an account."""
    from lms.accounts.operations import AccountError, create_user

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    if password_stdin and len(password or "") < current_app.config["LMS_PASSWORD_MIN_LENGTH"]:
        raise click.ClickException(f"the password needs at least {current_app.config['LMS_PASSWORD_MIN_LENGTH']} characters")
    try:
        user = create_user(email, name, password, role)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    _session().commit()
    click.echo(f"created {user.email} ({user.role})")


def _reset_link(user, invite: bool = False) -> str:  # noqa: ANN001
    from lms.accounts.operations import make_reset_token
    from lms.urls import absolute_url

    return absolute_url("accounts.reset_password", token=make_reset_token(user, invite=invite))


@users.command("reset-link")
@click.argument("email")
@with_appcontext
def users_reset_link(email: str):
    """Print a single-use password reset link (when no SMTP server is configured)."""
    from lms.accounts.operations import find_user

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no account with e-mail {email}")
    click.echo(_reset_link(user))


@users.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "course_slug", help="Enrol everyone in this course.")
@with_appcontext
def users_import(csv_file: Path, course_slug: str | None):
    """Create the accounts in a CSV of names and e-mails; enrol them when --course is given."""
    from sqlalchemy import select

    from lms.catalog.cohort import import_people
    from lms.catalog.models import Course

    sess = _session()
    course = None
    if course_slug:
        course = sess.scalar(select(Course).where(Course.slug == course_slug))
        if course is None:
            raise click.ClickException(f"no course {course_slug!r}; run `lms courses sync` first")
    try:
        text = csv_file.read_text("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{csv_file}: not UTF-8 text") from exc
    report = import_people(sess, text, course)
    if report.errors:
        sess.rollback()
        raise click.ClickException("nothing imported:\n" + "\n".join(f"{csv_file}: {e}" for e in report.errors))
    sess.commit()
    for user in report.created:
        click.echo(f"created {user.email}: {_reset_link(user, invite=True)}")
    click.echo(f"{len(report.created)} created, {len(report.existing)} existing, {report.enrolled} enrolled")


# --- courses ----------------------------------------------------------------------------------

@cli.group()
def courses():
    """Course content."""


@courses.command("sync")
@click.option("--path", type=click.Path(file_okay=False, path_type=Path), help="Folder of course folders.")
@with_appcontext
def courses_sync(path: Path | None):
    """Import every course folder; idempotent, never deletes learner data."""
    from lms.catalog.operations import SyncError, sync_courses

    sess = _session()
    try:
        report = sync_courses(sess, path or Path(current_app.config["LMS_COURSES_PATH"]))
    except SyncError as exc:
        raise click.ClickException(str(exc)) from exc
    sess.commit()
    for label in ("created", "updated", "unchanged", "archived"):
        for slug in getattr(report, label):
            click.echo(f"{label}: {slug}")
    for slug, languages in report.missing.items():
        for language, pieces in languages.items():
            click.echo(f"missing {language}: {slug}: {', '.join(pieces)}")
    for error in report.errors:
        click.echo(f"error: {error}", err=True)
    if report.errors:
        sys.exit(1)


# --- demo and server --------------------------------------------------------------------------

@cli.command("demo")
@with_appcontext
def demo():
    """Demo users, enrolments and progress, so that a new site looks alive."""
    from lms.demo import load_demo

    for line in load_demo(_session()):
        click.echo(line)


@cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True)
@with_appcontext
def run(host: str, port: int, debug: bool):
    """The development server, with the task consumer running in-process."""
    import signal

    from werkzeug.serving import run_simple

    from lms import tasks

    embedded = not current_app.config.get("LMS_REDIS_URL")
    if embedded:
        tasks.start_embedded_consumer()
        click.echo("task consumer: embedded (SQLite)")
    # Huey's consumer takes over SIGINT/SIGTERM for a loop we do not run; give them back to the server,
    # so that Ctrl-C and a service manager's SIGTERM stop it (and the consumer, gracefully).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    app = current_app._get_current_object()
    app.debug = debug
    try:
        # werkzeug directly: Flask's app.run() refuses to start under a FlaskGroup command.
        run_simple(host, port, app, use_reloader=False, use_debugger=debug, threaded=True)
    finally:
        if embedded:
            tasks.stop_embedded_consumer()


def _raise_interrupt(signum, frame):  # noqa: ANN001
    raise KeyboardInterrupt


@cli.command("worker")
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--nice", default=10, show_default=True, type=click.IntRange(0, 19),
              help="Lower the consumer's CPU priority by this much, so that pages stay quick while models are checked.")
@with_appcontext
def worker(workers: int, nice: int):
    """Consume background tasks (for LMS_REDIS_URL deployments; `lms serve` starts one on SQLite)."""
    from lms.tasks import huey, load_task_modules

    # A check is minutes of CPU that nobody waits on by the second; a page is waited on now.
    os.nice(nice)
    load_task_modules()
    # SIGTERM (a service manager's stop) lets the running checks finish; SIGINT stops at once.
    consumer = huey.create_consumer(workers=workers, worker_type="thread", graceful_signal="TERM")
    consumer.run()


def _register_optional_commands() -> None:
    """Commands of the later features, added when their modules are present."""
    from lms.features import import_feature

    for module, names in (
        ("lms.geometry.cli", ("check_command", "preview_command", "repair_command")),
        ("lms.assignments.cli", ("completions", "storage", "assignments")),
        ("lms.certificates.cli", ("certificates",)),
        ("lms.lab.cli", ("printers", "prints")),
        ("lms.serve", ("serve_command", "deploy_group")),
    ):
        mod = import_feature(module)
        if mod is None:
            continue
        for name in names:
            command = getattr(mod, name, None)
            if command is not None:
                cli.add_command(command)
    from lms.backup import backup_commands
    from lms.health import status_command

    for command in (status_command(), *backup_commands()):
        cli.add_command(command)


_register_optional_commands()


def main() -> None:
    cli.main(prog_name="lms")
