"""``lms printers`` and ``lms prints``: the lab from the command line. API keys are read from stdin, never printed."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import db
from lms.assignments.models import Submission
from lms.db import utcnow
from lms.lab import jobs, profiles, queries
from lms.lab import printers as printer_ops
from lms.lab.models import LabJob, Printer


@contextmanager
def _committed(sess: Session) -> Iterator[None]:
    """Commits what the block did; a LabError becomes the command's error message (and nothing is committed)."""
    try:
        yield
    except printer_ops.LabError as exc:
        raise click.ClickException(str(exc)) from None
    sess.commit()


def _echo_rows(rows: list[dict], as_json: bool, line: Callable[[dict], str]) -> None:
    """The rows as JSON, or one tab-separated ``line`` each."""
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(line(r))


def _printer_line(r: dict) -> str:
    where = r["octoprint_url"] or "no OctoPrint"
    inactive = "" if r["active"] else "\t(inactive)"
    return f"{r['name']}\t{r['profile']}\t{where}\t{r['state']}{inactive}"


def _job_line(r: dict) -> str:
    progress = f"{r['progress']:.0f}%" if r["progress"] is not None else ""
    return f"{r['id']}\t{r['state']}\t{progress}\t{r['printer']}\t{r['learner']}\t{r['file']}"


@click.group("printers")
def printers_group():
    """The lab's printers."""


@printers_group.command("add")
@click.argument("name")
@click.option("--profile", required=True, help="A lab profile: " + ", ".join(sorted(profiles.BUILTIN)))
@click.option("--octoprint-url", default=None, help="e.g. http://octopi.local")
@click.option("--api-key-stdin", is_flag=True, help="Read the OctoPrint API key from standard input.")
@click.option("--cost-per-kg", type=float, default=None)
@with_appcontext
def printers_add(name: str, profile: str, octoprint_url: str | None, api_key_stdin: bool, cost_per_kg: float | None):
    """Add a printer."""
    key = sys.stdin.readline().strip() if api_key_stdin else None
    sess = db.session()
    with _committed(sess):
        printer = printer_ops.add_printer(sess, name, profile, octoprint_url, key, cost_per_kg)
    click.echo(f"added {printer.name} ({printer.profile})")


@printers_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def printers_list(as_json: bool):
    """List the printers (never their keys)."""
    _echo_rows([printer_ops.public(p) for p in printer_ops.list_printers(db.session())], as_json, _printer_line)


@click.group("prints")
def prints_group():
    """Print jobs on the lab's printers."""


@prints_group.command("send")
@click.argument("submission_id", type=int)
@click.option("--printer", "printer_name", required=True)
@with_appcontext
def prints_send(submission_id: int, printer_name: str):
    """Queue a submission's G-code for a printer."""
    sess = db.session()
    sub = sess.get(Submission, submission_id)
    printer = sess.scalar(select(Printer).where(Printer.name == printer_name))
    if sub is None:
        raise click.ClickException(f"no submission {submission_id}")
    if printer is None:
        raise click.ClickException(f"no printer {printer_name!r}")
    with _committed(sess):
        job = jobs.send(sess, sub, printer, None)
    click.echo(f"job {job.id} queued for {printer.name}")


@prints_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def prints_list(as_json: bool):
    """The queue and today's finished jobs."""
    sess = db.session()
    rows = [queries.job_row(*r) for r in queries.queue(sess) + queries.jobs_of_the_day(sess, utcnow())]
    _echo_rows(rows, as_json, _job_line)


@prints_group.command("cancel")
@click.argument("job_id", type=int)
@with_appcontext
def prints_cancel(job_id: int):
    """Cancel a job (stopping it at the printer when it runs)."""
    sess = db.session()
    job = sess.get(LabJob, job_id)
    if job is None:
        raise click.ClickException(f"no job {job_id}")
    with _committed(sess):
        jobs.cancel(sess, job)
    click.echo(f"job {job.id} cancelled")


@prints_group.command("follow")
@with_appcontext
def prints_follow():
    """One pass of what the periodic task does: start queued jobs, read progress."""
    jobs.follow_all()
    click.echo("followed")


printers = printers_group  # the names lms.cli registers
prints = prints_group
