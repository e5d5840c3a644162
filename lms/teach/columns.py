"""Extra per-learner columns of the progress table: each assignment's state and score, completion date, final score."""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.catalog.models import Course, localized


def extra_columns(sess: Session, course: Course) -> tuple[list[str], dict[int, dict]]:
    from lms.assignments.models import Completion
    from lms.assignments.queries import STATUS_LABELS, course_statuses
    from lms.catalog.queries import live_assignments

    completed, score = _("Completed on"), _("Final score")
    values: dict[int, dict] = {}
    assignments = live_assignments(sess, course.id)
    lang = str(get_locale() or course.language)
    titles = [localized(a.title, lang, course.language) for a in assignments]
    for (user_id, assignment_id), status in course_statuses(sess, course.id).items():
        title = next((t for a, t in zip(assignments, titles) if a.id == assignment_id), None)
        if title is not None:
            label = _(STATUS_LABELS[status["state"]])
            values.setdefault(user_id, {})[title] = (f"{label} · {status['score']:g}%" if status["score"] is not None
                                                     and status["state"] == "accepted" else label)
    for c in sess.scalars(select(Completion).where(Completion.course_id == course.id)):
        values.setdefault(c.user_id, {}).update({completed: c.completed_on.isoformat(),
                                                 score: "" if c.final_score is None else f"{c.final_score:g}"})
    return [*titles, completed, score], values
