"""The data every page needs (the ``world`` fixture of conftest.py): users of every role, a checked submission, an
issued and printed certificate, a signing key."""
from __future__ import annotations

from sqlalchemy import select

from lms import db
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.catalog.operations import enrol

C = "3d-printing-classroom"
L = "how-fdm-printers-work"
T = "test-course"


def make_world(app, users) -> dict:
    """Users of every role; the learner enrolled in C with a certificate (issued, printed) and in T with a checked
    submission with holes. The ids and codes the route tables fill in."""
    ids = {
        "learner": users.create("learner@example.org", "Learner"),
        "instructor": users.create("instructor@fablab.kg", "Instructor", role="instructor"),
        "admin": users.create("admin@example.org", "Admin", role="admin"),
    }
    with app.app_context():
        from lms.certificates import credentials, publishing, signing

        key_id = credentials.key_id(signing.generate(publishing.signing_folder(), "Test FabLab"))
        s = db.session()
        course = s.scalar(select(Course).where(Course.slug == C))
        enrol(s, s.get(User, ids["learner"]), course)
        s.commit()
        sid = _checked_submission(s, s.get(User, ids["learner"]))
        certificate = _issued_certificate(s, s.get(User, ids["learner"]), course)
    return {"learner_id": ids["learner"], "sid": sid, "key_id": key_id, **certificate}


def _issued_certificate(s, learner, course) -> dict:
    """The learner completes C (issued automatically on commit); a print job of it is done."""
    from lms.certificates import operations as cert_ops
    from lms.certificates import tasks as cert_tasks
    from lms.certificates.models import Certificate
    from lms.completion import record_completion

    completion = record_completion(s, learner, course, final_score=None, source="manual", reason="in person")
    s.commit()
    cert = s.scalar(select(Certificate).where(Certificate.completion_id == completion.id))
    job = cert_ops.create_print_job(s, [cert], "pdf", cert_ops.Selection(course_id=course.id), None)
    s.commit()
    cert_tasks.run(job.id)
    return {"cert_id": cert.id, "cert_code": cert.code, "completion_id": completion.id, "job_id": job.id}


def _checked_submission(s, learner) -> int:
    import io

    from lms.assignments.operations import submit_model
    from lms.assignments.tasks import run_check
    from lms.catalog.models import Assignment
    from lms.storage_app import get_storage
    from tests.models import cube_stl

    course = s.scalar(select(Course).where(Course.slug == T))
    enrol(s, learner, course)
    assignment = s.scalar(select(Assignment).where(Assignment.course_id == course.id, Assignment.slug == "cube"))
    sub = submit_model(s, get_storage(), learner, assignment, io.BytesIO(cube_stl(10, drop_faces=2)), "holey.stl")
    s.commit()
    run_check(sub.id, sub.file_sha256)
    return sub.id
