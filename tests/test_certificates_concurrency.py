"""Serial numbers under concurrent issuing (threads, each with its own session) on the configured database."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from lms import db
from lms.accounts.models import User
from lms.assignments.models import Completion
from lms.catalog.models import Course
from lms.certificates import operations as ops
from lms.certificates.models import Certificate, SerialCounter
from lms.completion import record_completion

COURSE = "test-course"
THREADS, EACH = 6, 3


@pytest.fixture
def due_completions(app, users, synced, courses_dir):
    from lms.catalog.operations import sync_courses

    yaml_path = courses_dir / COURSE / "course.yaml"
    yaml_path.write_text(yaml_path.read_text().replace("issuing: automatic", "issuing: approved"))
    with app.app_context():
        s = db.session()
        people = [User(email=f"c{i:02d}@example.org", name=f"Learner {i:02d}") for i in range(THREADS * EACH)]
        s.add_all(people)
        s.flush()
        ids = [u.id for u in people]
        sync_courses(s, courses_dir)
        course = s.scalar(select(Course).where(Course.slug == COURSE))
        completions = [record_completion(s, s.get(User, uid), course, final_score=None, source="manual", reason="x")
                       for uid in ids]
        s.commit()
        ops.renderer_for("default")  # loaded once, shared by the threads (it serialises WeasyPrint itself)
        return [c.id for c in completions]


def test_concurrent_issuing_has_no_gaps_and_no_duplicates(app, due_completions):
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def worker(chunk: list[int]) -> None:
        try:
            with app.app_context():
                barrier.wait()
                for completion_id in chunk:
                    with db.get_db(app).session() as sess:  # its own session and transaction
                        ops.issue_certificate(sess, sess.get(Completion, completion_id))
                        sess.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(due_completions[i::THREADS],)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors, errors
    year = date.today().year
    with app.app_context():
        s = db.session()
        serials = list(s.scalars(select(Certificate.serial)))
        assert len(serials) == len(set(serials)) == THREADS * EACH
        numbers = sorted(int(x.rsplit("-", 1)[1]) for x in serials)
        assert numbers == list(range(1, THREADS * EACH + 1))
        assert all(x.startswith(f"LAB-{year}-") for x in serials)
        assert s.get(SerialCounter, ("LAB", year)).last == THREADS * EACH
        codes = list(s.scalars(select(Certificate.code)))
        assert len(set(codes)) == len(codes)


def test_a_rolled_back_issue_gives_its_number_back(app, due_completions):
    with app.app_context():
        s = db.get_db(app).session()
        ops.issue_certificate(s, s.get(Completion, due_completions[0]))
        s.rollback()
        s.close()
        s = db.get_db(app).session()
        cert = ops.issue_certificate(s, s.get(Completion, due_completions[1]))
        s.commit()
        assert cert.serial.endswith("-000001")
        with pytest.raises(ops.CertificateError):
            ops.issue_certificate(s, s.get(Completion, due_completions[1]))  # one valid certificate per completion
        s.close()


def test_the_prefix_is_configurable(app, due_completions):
    app.config["LMS_CERT_SERIAL_PREFIX"] = "FABKG"
    with app.app_context():
        s = db.session()
        cert = ops.issue_certificate(s, s.get(Completion, due_completions[0]))
        s.commit()
        assert cert.serial == f"FABKG-{date.today().year}-000001"
