"""The completion package: rules as a registry, and the signal sent only after a completion is committed."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from lms import completion, db
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.certificates.models import Certificate

COURSE = "test-course"


@contextmanager
def announcements() -> Iterator[list]:
    """The completion ids of each completion_recorded signal sent while the block runs."""
    received: list = []

    def receiver(_sender, completion_ids, **_extra):
        received.append(list(completion_ids))

    with completion.completion_recorded.connected_to(receiver):
        yield received


def test_the_rules_are_a_registry_in_order():
    assert [name for name, _rule in completion.RULES][:4] == ["lessons", "assignments", "printed", "min_score"]


def test_the_signal_is_sent_after_the_commit_and_never_for_a_rollback(app, users, synced):
    uid = users.create("learner@example.org", "Learner")
    other = users.create("other@example.org", "Other")
    with announcements() as received, app.app_context():
        s = db.session()
        course = s.scalar(select(Course).where(Course.slug == COURSE))
        rolled_back = completion.record_completion(s, s.get(User, other), course, final_score=None, source="manual",
                                                   reason="in person")
        assert rolled_back is not None and received == []  # flushed, not committed: nobody knows yet
        s.rollback()
        assert received == []
        recorded = completion.record_completion(s, s.get(User, uid), course, final_score=None, source="manual",
                                                reason="in person")
        assert received == []
        s.commit()
        assert received == [[recorded.id]]
        s.commit()  # a later commit of the same session announces nothing again
        assert received == [[recorded.id]]
        # automatic issuing listened too: the certificate exists once the commit returned
        assert s.scalar(select(Certificate).where(Certificate.completion_id == recorded.id)) is not None


def test_a_commit_of_another_session_announces_nothing(app, users, synced):
    """A host application's own commits (any other Session) never fire the completion hook."""
    users.create("learner@example.org", "Learner")
    with announcements() as received:
        with app.app_context(), db.get_db().session() as other:
            other.get(User, 1)
            other.commit()
        assert received == []


def test_a_cohort_recorded_in_one_transaction_is_announced_once_after_its_commit(app, users, synced):
    """Each record_completion releases a savepoint, which SQLAlchemy reports as a commit too: no early signal."""
    uids = [users.create(f"learner{i}@example.org", f"Learner {i}") for i in range(3)]
    with announcements() as received, app.app_context():
        s = db.session()
        course = s.scalar(select(Course).where(Course.slug == COURSE))
        ids = [completion.record_completion(s, s.get(User, uid), course, final_score=None, source="manual",
                                            reason="cohort").id for uid in uids]
        assert received == []
        s.commit()
        assert received == [ids]
        assert len(s.scalars(select(Certificate)).all()) == 3
