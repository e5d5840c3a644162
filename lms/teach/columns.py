"""Extra per-learner columns of the progress table, contributed by later features (completion)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from lms.catalog.models import Course


def extra_columns(sess: Session, course: Course) -> tuple[list[str], dict[int, dict]]:
    return [], {}
