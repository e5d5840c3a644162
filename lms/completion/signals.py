"""``completion_recorded``: sent once the transaction that wrote completions has committed.

The hook sits on the one session that recorded them (not on SQLAlchemy's Session class), so a
host application's own commits never fire it, and a rolled-back completion is never announced.
"""
from __future__ import annotations

from blinker import Namespace
from sqlalchemy import event
from sqlalchemy.orm import Session

_signals = Namespace()
#: receivers get ``completion_ids`` (a list of ints), all of one commit, so a cohort stays one batch
completion_recorded = _signals.signal("lms-completion-recorded")
_PENDING = "lms_completions_recorded"


def announce_after_commit(sess: Session, completion_id: int) -> None:
    sess.info.setdefault(_PENDING, []).append(completion_id)
    if not event.contains(sess, "after_commit", _send_pending):
        event.listen(sess, "after_commit", _send_pending)
        event.listen(sess, "after_transaction_end", _forget_pending)


def _send_pending(sess: Session) -> None:
    if sess.get_nested_transaction() is not None:
        return  # SQLAlchemy also calls after_commit when a savepoint is released: wait for the real commit
    ids = sess.info.pop(_PENDING, None)
    if ids:
        completion_recorded.send(None, completion_ids=ids)


def _forget_pending(sess: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit: nothing was recorded
        sess.info.pop(_PENDING, None)
