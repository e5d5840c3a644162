"""Every model, imported in one place so Alembic and create_app see the whole schema."""
from lms.accounts.models import LoginThrottle, User  # noqa: F401
from lms.assignments.models import Completion, Grade, Notification, Submission  # noqa: F401
from lms.catalog.models import (  # noqa: F401
    Assignment,
    Course,
    CourseInstructor,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
)
from lms.certificates.models import Certificate, CertificateEvent, PrintJob, SerialCounter, VerifyRateLimit  # noqa: F401
from lms.db import Base  # noqa: F401
from lms.lab.models import LabJob, Printer, PrintSignoff  # noqa: F401
