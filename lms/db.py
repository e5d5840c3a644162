"""Database plumbing: one engine per app, one session per request (or task), committed in one place.

Plain SQLAlchemy rather than Flask-SQLAlchemy so that a host application that
already uses Flask-SQLAlchemy for its own models can mount the plugin.
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, g
from sqlalchemy import JSON, MetaData, create_engine, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict: JSON, list: JSON}  # noqa: RUF012 - SQLAlchemy reads this class attribute


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "before_cursor_execute", _sqlite_begin_before_writing)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_connect(dbapi_conn, _record) -> None:
    # pysqlite's own transaction handling starts a transaction only before INSERT/UPDATE/DELETE, so a
    # SAVEPOINT issued first opened one by itself and its RELEASE committed for real. We take it over
    # (isolation_level=None: pysqlite emits no BEGIN) and emit BEGIN ourselves, see below.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


_READS = ("SELECT", "PRAGMA", "EXPLAIN")


def _sqlite_begin_before_writing(conn, _cursor, statement: str, *_args) -> None:
    """BEGIN IMMEDIATE before the first statement of a transaction that writes (SAVEPOINT and DDL included).

    Not at SQLAlchemy's begin: a deferred transaction that has read and then writes, after another
    connection committed, fails at once with SQLITE_BUSY instead of waiting; taking the write lock
    when writing starts waits its turn (busy_timeout). Reads before it see committed data, as before.
    """
    if conn.connection.dbapi_connection.in_transaction:
        return
    if statement.lstrip().upper().startswith(_READS):
        return
    conn.connection.dbapi_connection.execute("BEGIN IMMEDIATE")


def add_once(sess: Session, row, find):
    """Insert ``row``, unless a concurrent request inserted its twin first: then return that one (``find()``).

    The insert runs in a SAVEPOINT, so losing the race to a unique constraint leaves the rest of this
    request's transaction usable; a double click is answered like the first click.
    """
    try:
        with sess.begin_nested():
            sess.add(row)
    except IntegrityError:
        existing = find()
        if existing is None:  # a different constraint failed: a real error
            raise
        return existing
    return row


_AFTER_COMMIT, _COMMITTED = "lms_after_commit", "lms_committed"


def after_commit(sess: Session, callback) -> None:
    """Run ``callback()`` once this session's transaction has committed; forget it when it rolls back.

    For work that needs the rows to be visible to other connections (a task that loads them by id).
    It runs when the transaction has ended and given its connection back, so that an inline task's
    own session does not make a request hold two connections. The hook sits on this one session,
    so a host application's commits never run it."""
    sess.info.setdefault(_AFTER_COMMIT, []).append(callback)
    if not event.contains(sess, "after_commit", _mark_committed):
        event.listen(sess, "after_commit", _mark_committed)
        event.listen(sess, "after_transaction_end", _run_or_forget)


def pending_after_commit(sess: Session) -> list:
    """The callbacks waiting for this session's commit, in order."""
    return sess.info.get(_AFTER_COMMIT, [])


def _mark_committed(sess: Session) -> None:
    if sess.get_nested_transaction() is not None:
        return  # SQLAlchemy also calls after_commit when a savepoint is released: wait for the real commit
    sess.info[_COMMITTED] = sess.info.pop(_AFTER_COMMIT, [])


def _run_or_forget(sess: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    sess.info.pop(_AFTER_COMMIT, None)  # the outermost transaction ended without a commit: never run
    for callback in sess.info.pop(_COMMITTED, []):
        callback()


class Database:
    """Holds the engine and session factory of one app (``app.extensions['lms_db']``)."""

    def __init__(self, url: str):
        self.engine = make_engine(url)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self.session_factory()


def get_db(app=None) -> Database:
    return (app or current_app).extensions["lms_db"]


def session() -> Session:
    """The session of the current request or app context, created on first use."""
    if "lms_session" not in g:
        g.lms_session = get_db().session()
    return g.lms_session


def init_app(app) -> None:
    app.extensions["lms_db"] = Database(app.config["LMS_DATABASE_URL"])

    @app.after_request
    def _commit_once(response):
        # The one place a request's writes are committed: successful responses only.
        sess = g.pop("lms_session", None)
        if sess is not None:
            try:
                if response.status_code < 400:
                    sess.commit()
                else:
                    sess.rollback()
            finally:
                sess.close()
        return response

    @app.teardown_appcontext
    def _close(exc):
        sess = g.pop("lms_session", None)
        if sess is not None:
            sess.rollback()
            sess.close()


def count_rows(sess: Session, query) -> int:
    """How many rows ``query`` (a select) returns, counted by the database (for "page 2 of 7")."""
    return sess.scalar(select(func.count()).select_from(query.subquery())) or 0
