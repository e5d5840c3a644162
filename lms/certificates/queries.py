"""Reads for the certificate pages (the views only parse, call and render)."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.assignments.models import Completion
from lms.catalog.models import Course
from lms.certificates.issuing import due_query
from lms.certificates.models import Certificate, CertificateEvent, PrintJob

#: How many due completions the admin page lists.
DUE_LISTED = 100


def holder_certificates(sess: Session, user_id: int) -> list[Certificate]:
    """A learner's certificates, newest first."""
    return sess.scalars(select(Certificate).where(Certificate.user_id == user_id)
                        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())).all()


def waiting_completions(sess: Session, user_id: int) -> list:
    """(completion, course) rows of a learner's completions that have no certificate yet."""
    return sess.execute(due_query().where(Completion.user_id == user_id)
                        .add_columns(Course).join(Course, Course.id == Completion.course_id)).all()


def course_certificates(sess: Session, course_id: int) -> list[Certificate]:
    return sess.scalars(select(Certificate).where(Certificate.course_id == course_id)
                        .order_by(Certificate.serial.desc())).all()


def courses_by_slug(sess: Session) -> list[Course]:
    return list(sess.scalars(select(Course).order_by(Course.slug)))


def certificate_page(sess: Session, course_id: int | None, status: str | None, page: int,
                     size: int) -> tuple[list[Certificate], int]:
    """One page of certificates (newest first, optionally of one course and status) and the total."""
    query = select(Certificate)
    if course_id:
        query = query.where(Certificate.course_id == course_id)
    if status:
        query = query.where(Certificate.status == status)
    total = sess.scalar(select(func.count()).select_from(query.subquery()))
    rows = sess.scalars(query.order_by(Certificate.id.desc()).offset((page - 1) * size).limit(size)).all()
    return rows, total


def due_page(sess: Session, course_id: int | None) -> tuple[list, int]:
    """The first due (completion, user, course) rows, oldest first, and how many are due."""
    query = due_query()
    if course_id:
        query = query.where(Completion.course_id == course_id)
    total = sess.scalar(select(func.count()).select_from(query.subquery()))
    rows = sess.execute(query.add_columns(User, Course).join(User, User.id == Completion.user_id)
                        .join(Course, Course.id == Completion.course_id)
                        .order_by(Completion.completed_on, Completion.id).limit(DUE_LISTED)).all()
    return rows, total


def recent_print_jobs(sess: Session, limit: int = 10) -> list[PrintJob]:
    return sess.scalars(select(PrintJob).order_by(PrintJob.id.desc()).limit(limit)).all()


def certificate_history(sess: Session, cert: Certificate) -> tuple[list, list[Certificate]]:
    """(event, actor) rows of a certificate in order, and the other certificates of its completion."""
    events = sess.execute(select(CertificateEvent, User).outerjoin(User, User.id == CertificateEvent.actor_id)
                          .where(CertificateEvent.certificate_id == cert.id).order_by(CertificateEvent.id)).all()
    related = sess.scalars(select(Certificate).where(Certificate.completion_id == cert.completion_id,
                                                     Certificate.id != cert.id).order_by(Certificate.id)).all()
    return events, related
