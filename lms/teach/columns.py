"""Extra per-learner columns of the progress table: completion date and final score."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.catalog.models import Course


def extra_columns(sess: Session, course: Course) -> tuple[list[str], dict[int, dict]]:
    from lms.assignments.models import Completion

    completed, score = _("Completed on"), _("Final score")
    values = {}
    for c in sess.scalars(select(Completion).where(Completion.course_id == course.id)):
        values[c.user_id] = {completed: c.completed_on.isoformat(),
                             score: "" if c.final_score is None else f"{c.final_score:g}"}
    return [completed, score], values
