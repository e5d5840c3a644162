"""Course completion: evaluated whenever a learner's progress changes."""
from __future__ import annotations

from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.catalog.models import Course


def progress_changed(sess: Session, user: User, course: Course) -> None:
    """Hook called after a lesson is completed or an assignment is accepted."""


def dashboard_panels(sess: Session, user: User) -> dict:
    """Extra dashboard content (notifications, completions) for ``user``."""
    return {}
