"""``lms serve``: the production server (the app under gunicorn) and its task consumer.

The consumer is always a process of its own: on the SQLite default ``lms serve`` starts one
(``lms worker`` on the instance's SQLite queue) and stops it on exit; with ``LMS_REDIS_URL`` the
deployment runs ``lms worker`` processes itself (deploy/lms-worker.service).
"""
from __future__ import annotations

import ipaddress
import os
import signal
import subprocess
import sys
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext

CONSUMER_STOP_SECONDS = 60  # a model check in progress gets this long to finish


def base_url_problem(base_url: str | None) -> str | None:
    """Why ``LMS_BASE_URL`` cannot go on certificates and into mails, or None when it can."""
    if not base_url:
        return ("LMS_BASE_URL is not set: certificate QR codes, verify links and mails would point to "
                "http://localhost:5000. Set it to the site's public address, e.g. LMS_BASE_URL=https://lms.example.org")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"LMS_BASE_URL={base_url!r} is not an absolute http(s) address such as https://lms.example.org"
    if _is_local(parts.hostname):
        return (f"LMS_BASE_URL={base_url} is a local address: QR codes and links on certificates and in mails "
                "would not reach anyone else")
    return None


def _is_local(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def warn_about_base_url(config) -> None:
    """For commands that print absolute URLs (``lms certificates issue``): say so, but go on."""
    problem = base_url_problem(config.get("LMS_BASE_URL"))
    if problem:
        click.secho(f"warning: {problem}", fg="yellow", err=True)


def gunicorn_options(host: str, port: int, workers: int, threads: int, access_log: str) -> dict:
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        # Threads keep a worker serving pages while another of its requests streams a large upload.
        "worker_class": "gthread",
        "threads": threads,
        "accesslog": access_log,
        "errorlog": "-",
        "access_log_format": '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"',
        "graceful_timeout": 30,
        "timeout": 120,
        "keepalive": 5,
        "proc_name": "lms",
        # Each worker builds its own app: no database connection is shared across fork().
        "preload_app": False,
    }


def run_gunicorn(options: dict, on_starting=None, on_exit=None) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)
            if on_starting:
                self.cfg.set("on_starting", lambda _arbiter: on_starting())
            if on_exit:
                self.cfg.set("on_exit", lambda _arbiter: on_exit())

        def load(self):
            from lms import create_app

            return create_app()

    Server().run()


class ConsumerProcess:
    """``lms worker`` as a child process, stopped gracefully (SIGTERM) when the server stops."""

    def __init__(self, workers: int):
        self.workers = workers
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, "-c", "from lms.cli import main; main()", "worker", "--workers", str(self.workers)]
        self.proc = subprocess.Popen(command, env=os.environ.copy())
        click.echo(f"task consumer: process {self.proc.pid} on the instance's SQLite queue", err=True)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=CONSUMER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (nginx proxies to it).")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Web worker processes.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Threads per worker.")
@click.option("--consumer-workers", default=2, show_default=True, type=click.IntRange(1, 16),
              help="Task threads of the embedded consumer (SQLite queue only).")
@click.option("--access-log", default="-", show_default=True, help="File for the access log; - is standard output.")
@click.option("--allow-localhost", is_flag=True, help="Start although LMS_BASE_URL is unset or local (trying it out).")
@with_appcontext
def serve_command(host: str, port: int, workers: int, threads: int, consumer_workers: int, access_log: str,
                  allow_localhost: bool):
    """The production server: the app under gunicorn, with the task consumer in its own process."""
    config = current_app.config
    problem = base_url_problem(config.get("LMS_BASE_URL"))
    if problem and not allow_localhost:
        raise click.ClickException(f"{problem}\n(--allow-localhost starts anyway, for trying it out)")
    if problem:
        click.secho(f"warning: {problem}", fg="yellow", err=True)
    consumer = None if config.get("LMS_REDIS_URL") else ConsumerProcess(consumer_workers)
    if consumer is None:
        click.echo("task consumer: none here; run `lms worker` for the Redis queue", err=True)
    run_gunicorn(gunicorn_options(host, port, workers, threads, access_log),
                 on_starting=consumer.start if consumer else None, on_exit=consumer.stop if consumer else None)


# --- deployment files ---------------------------------------------------------------------------

FORM_ROOM_BYTES = 64 * 1024  # the form's other fields beside the file (as in assignments.upload_limit)


def largest_upload_bytes(sess, config) -> int:
    """The largest request body any assignment accepts: its file limit (capped by LMS_MAX_UPLOAD_MB) plus the form."""
    from sqlalchemy import select

    from lms.catalog.models import Assignment
    from lms.features import import_feature

    largest = 0
    ops = import_feature("lms.assignments.operations")
    if ops is not None:
        for assignment in sess.scalars(select(Assignment)):
            largest = max(largest, ops.assignment_max_bytes(assignment))
    return (largest or int(config["LMS_MAX_UPLOAD_MB"]) * 1024 * 1024) + FORM_ROOM_BYTES


def render_nginx_site(template: str, values: dict) -> str:
    for key, value in values.items():
        template = template.replace(f"@{key}@", str(value))
    if "@" in "".join(line.split("#")[0] for line in template.splitlines()):
        raise click.ClickException("the nginx template has a field this command does not fill")
    return template


@click.group("deploy")
def deploy_group():
    """Files for a production server (see docs/deploy.md)."""


@deploy_group.command("nginx")
@click.option("--server-name", required=True, help="The site's host name, as in LMS_BASE_URL.")
@click.option("--upstream", default="127.0.0.1:8000", show_default=True, help="Where `lms serve` listens.")
@click.option("--certificate", help="TLS certificate (default: Let's Encrypt's path for the server name).")
@click.option("--certificate-key", help="Its private key.")
@click.option("--http-port", default=80, show_default=True, type=int)
@click.option("--https-port", default=443, show_default=True, type=int)
@with_appcontext
def deploy_nginx(server_name: str, upstream: str, certificate: str | None, certificate_key: str | None,
                 http_port: int, https_port: int):
    """Print the nginx site: TLS, proxy headers, X-Accel-Redirect for stored files, the upload limit."""
    from pathlib import Path

    from lms import db
    from lms.config import project_root

    live = f"/etc/letsencrypt/live/{server_name}"
    body_kb = -(-largest_upload_bytes(db.session(), current_app.config) // 1024)
    template = (project_root() / "deploy" / "nginx-lms.conf").read_text()
    click.echo(render_nginx_site(template, {
        "SERVER_NAME": server_name, "UPSTREAM": upstream, "HTTP_PORT": http_port, "HTTPS_PORT": https_port,
        "CERTIFICATE": certificate or f"{live}/fullchain.pem",
        "CERTIFICATE_KEY": certificate_key or f"{live}/privkey.pem",
        "CLIENT_MAX_BODY_SIZE": f"{body_kb}k", "STORAGE_PATH": Path(current_app.config["LMS_STORAGE_PATH"]).resolve(),
    }), nl=False)
