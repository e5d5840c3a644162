"""Background tasks on Huey.

One module-level Huey instance; ``init_app`` points its storage at the right
engine: SqliteHuey storage in the instance folder by default (consumed by an
in-process consumer started by ``lms run``), Redis when ``LMS_REDIS_URL`` is
set (consumed by ``lms worker``), or immediate mode for tests.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

huey = Huey("lms", storage_class=MemoryStorage, results=False, utc=True)
_state: dict = {"app": None, "consumer": None}
_lock = threading.Lock()


def init_app(app) -> None:
    cfg = app.config
    if cfg.get("LMS_TASKS_IMMEDIATE"):
        huey.immediate = True
    else:
        huey.immediate = False
        if cfg.get("LMS_REDIS_URL"):
            huey.storage = RedisStorage("lms", url=cfg["LMS_REDIS_URL"])
        else:
            path = Path(app.instance_path) / "tasks.sqlite3"
            huey.storage = SqliteStorage("lms", filename=str(path))
    _state["app"] = app


def task_app():
    """The app whose configuration tasks run under (the last one initialised in this process)."""
    if _state["app"] is None:
        from lms import create_app

        _state["app"] = create_app()
    return _state["app"]


@contextmanager
def failure_recorded(sess: Session, log: logging.Logger, what: str, record: Callable[[Exception], None],
                     transient: tuple[type[Exception], ...] = (OperationalError,)) -> Iterator[None]:
    """A task's work on ``sess``. A transient error is rolled back and raised again, so that Huey retries; any
    other is logged ("<what> failed"), rolled back, handed to ``record`` to mark the row failed, and committed:
    a bug must not leave a page saying "working" forever."""
    try:
        yield
    except transient:
        sess.rollback()
        raise
    except Exception as exc:
        log.exception("%s failed", what)
        sess.rollback()
        record(exc)
        sess.commit()


#: Modules that define tasks. A consumer must import them all before it reads the queue: a task
#: enqueued by another process (or before a restart) is only found in this process's registry.
TASK_MODULES = ("lms.assignments.tasks", "lms.assignments.mailing", "lms.certificates.tasks", "lms.lab.tasks")


def load_task_modules() -> None:
    from lms.features import import_feature

    for name in TASK_MODULES:
        import_feature(name)  # a feature left out of this install has no tasks to find


def start_embedded_consumer(workers: int = 2):
    """Run a Huey consumer on threads inside this process (the embedded default)."""
    load_task_modules()
    with _lock:
        if _state["consumer"] is None and not huey.immediate:
            consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
            consumer.start()
            _state["consumer"] = consumer
        return _state["consumer"]


def stop_embedded_consumer() -> None:
    with _lock:
        consumer = _state.pop("consumer", None)
        _state["consumer"] = None
        if consumer is not None:
            consumer.stop(graceful=True)
