"""Health for monitoring (``GET /healthz``) and the administrator's view of the work queue (``lms status``).

Each probe returns ``(ok, detail)``; a probe that raises counts as failed with the error as its detail,
so one broken part never hides the others.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime, timedelta

from sqlalchemy import func, select, text

from lms.db import utcnow
from lms.features import import_feature

MIN_FREE_MB = 512  # below this an upload burst or a backup can fill the disk


def _database(sess) -> tuple[bool, str]:
    sess.execute(text("SELECT 1"))
    return True, sess.get_bind().dialect.name


def _queue() -> tuple[bool, str]:
    from lms.tasks import huey

    if huey.immediate:
        return True, "immediate"
    return True, f"{huey.pending_count()} waiting"


def _storage(root: str) -> tuple[bool, str]:
    os.makedirs(root, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=root, prefix=".health-"):
        pass  # created and removed: the store is writable
    return True, "writable"


def free_disk_mb(root: str) -> int:
    return shutil.disk_usage(root).free // (1024 * 1024)


def _disk(root: str, minimum_mb: int) -> tuple[bool, str]:
    free = free_disk_mb(root)
    return free >= minimum_mb, f"{free} MB free"


def _probe(check, *args) -> dict:
    try:
        ok, detail = check(*args)
    except Exception as exc:
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    return {"ok": ok, "detail": detail}


def health(config, sess) -> dict:
    """``{"status": "ok"|"failing", "checks": {name: {"ok", "detail"}}}``."""
    root = config["LMS_STORAGE_PATH"]
    checks = {
        "database": _probe(_database, sess),
        "queue": _probe(_queue),
        "storage": _probe(_storage, root),
        "disk": _probe(_disk, root, int(config.get("LMS_HEALTH_MIN_FREE_MB") or MIN_FREE_MB)),
    }
    return {"status": "ok" if all(c["ok"] for c in checks.values()) else "failing", "checks": checks}


def _work_tables() -> list:
    """(model, waiting states, failed state) of each kind of background work this install has."""
    tables = []
    assignments = import_feature("lms.assignments.models")
    if assignments is not None:
        tables.append((assignments.Submission, ("queued", "checking"), "failed"))
    certificates = import_feature("lms.certificates.models")
    if certificates is not None:
        tables.append((certificates.PrintJob, ("queued", "running"), "failed"))
    return tables


def queue_status(config, sess, now: datetime | None = None) -> dict:
    """What ``lms status`` prints: queue length, failures of the last day, oldest waiting work, disk."""
    from lms.tasks import huey

    now = now or utcnow()
    waiting, failed, oldest = 0, 0, None
    for model, waiting_states, failed_state in _work_tables():
        waiting += sess.scalar(select(func.count()).select_from(model).where(model.state.in_(waiting_states)))
        failed += sess.scalar(select(func.count()).select_from(model).where(
            model.state == failed_state, model.updated_at >= now - timedelta(days=1)))
        first = sess.scalar(select(func.min(model.created_at)).where(model.state.in_(waiting_states)))
        if first is not None and (oldest is None or first < oldest):
            oldest = first
    return {
        "queue_length": None if huey.immediate else huey.pending_count(),
        "waiting": waiting,
        "failed_last_day": failed,
        "oldest_waiting": oldest,
        "oldest_waiting_seconds": None if oldest is None else int((now - oldest).total_seconds()),
        "disk_free_mb": free_disk_mb(config["LMS_STORAGE_PATH"]) if os.path.isdir(config["LMS_STORAGE_PATH"]) else None,
    }


def _age(seconds: int | None) -> str:
    if seconds is None:
        return "none"
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"


def status_command():
    """``lms status``, built on call so that importing this module needs no click."""
    import click
    from flask import current_app
    from flask.cli import with_appcontext

    @click.command("status")
    @with_appcontext
    def status():
        """Queue length, tasks failed in the last day, the oldest waiting task and free disk."""
        from lms import db

        config = current_app.config
        info = queue_status(config, db.session())
        checks = health(config, db.session())["checks"]
        queue = "immediate (no queue)" if info["queue_length"] is None else str(info["queue_length"])
        click.echo(f"queue length:       {queue}")
        click.echo(f"waiting work:       {info['waiting']}")
        click.echo(f"failed, last day:   {info['failed_last_day']}")
        click.echo(f"oldest waiting:     {_age(info['oldest_waiting_seconds'])}")
        click.echo(f"disk free:          {info['disk_free_mb']} MB ({config['LMS_STORAGE_PATH']})")
        for name, check in checks.items():
            click.echo(f"{name + ':':<20}{'ok' if check['ok'] else 'FAILING'} ({check['detail']})")

    return status
