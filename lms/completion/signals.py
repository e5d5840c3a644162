"""``completion_recorded``: sent once the transaction that wrote completions has committed.

The hook sits on the one session that recorded them (not on SQLAlchemy's Session class), so a
host application's own commits never fire it, and a rolled-back completion is never announced.
"""
from __future__ import annotations

from blinker import Namespace
from sqlalchemy.orm import Session

from lms.db import after_commit, pending_after_commit

_signals = Namespace()
#: receivers get ``completion_ids`` (a list of ints), all of one commit, so a cohort stays one batch
completion_recorded = _signals.signal("lms-completion-recorded")


class _Announcement(list):
    """The ids recorded in one transaction, sent together after its commit."""

    def __call__(self) -> None:
        completion_recorded.send(None, completion_ids=list(self))


def announce_after_commit(sess: Session, completion_id: int) -> None:
    batch = next((cb for cb in pending_after_commit(sess) if isinstance(cb, _Announcement)), None)
    if batch is None:
        batch = _Announcement()
        after_commit(sess, batch)
    batch.append(completion_id)
