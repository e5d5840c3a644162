"""Every model, imported in one place so Alembic and create_app see the whole schema."""
from lms.accounts.models import LoginThrottle, User
from lms.assignments.models import Completion, Grade, Notification, Submission
from lms.catalog.models import Assignment, Course, CourseInstructor, Enrolment, Lesson, LessonProgress, Module
from lms.certificates.models import Certificate, CertificateEvent, PrintJob, SerialCounter, VerifyRateLimit
from lms.db import Base
from lms.lab.models import LabJob, Printer, PrintSignoff

__all__ = [
    "Assignment", "Base", "Certificate", "CertificateEvent", "Completion", "Course", "CourseInstructor", "Enrolment",
    "Grade", "LabJob", "Lesson", "LessonProgress", "LoginThrottle", "Module", "Notification", "PrintJob",
    "PrintSignoff", "Printer", "SerialCounter", "Submission", "User", "VerifyRateLimit",
]
