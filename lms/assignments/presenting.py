"""What the submission pages and their JSON show of an attempt: the report in the reader's language,
the grade per criterion, the lab's slicing and printing, the lessons that teach each check."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from lms import db, geometry
from lms.assignments import queries
from lms.assignments.describe import describe_finding, translate_result
from lms.assignments.models import Submission
from lms.catalog.languages import rubric_in
from lms.catalog.models import Assignment, Course, localized
from lms.web_helpers import lang


def submission_json(sub: Submission, assignment: Assignment | None = None) -> dict:
    """The stable JSON of ``GET /submissions/<id>/`` (and the data the pages render)."""
    report = sub.report
    if report is not None:
        report = dict(report)
        for key in ("checks", "requirements"):
            report[key] = [dict(item, message=translate_result(item)) for item in report.get(key, [])]
        report["findings"] = [describe_finding(f) for f in report.get("findings") or geometry.assemble_findings(report)]
    data = {"id": sub.id, "state": sub.state, "attempt": sub.attempt, "late": sub.late,
            "error": translate_result(sub.error_item) if sub.error else None,
            "report": report, "decision": sub.decision, "score": sub.score, "note": sub.note or ""}
    latest = queries.grades_of(db.session(), sub)[:1]
    if latest:
        assignment = assignment or db.session().get(Assignment, sub.assignment_id)
        data["grade"] = queries.grade_breakdown(latest[0], rubric_of(assignment))
    return {**data, **lab_json(sub)}


def lesson_links(course: Course) -> dict[str, dict]:
    """For the report: {topic: {url, title}} of the lessons that teach each check."""
    return {topic: {"url": url_for("catalog.lesson_page", slug=course.slug, lesson_slug=lesson.slug),
                    "title": localized(lesson.title, lang(), course.language)}
            for topic, lesson in queries.check_lessons(db.session(), course).items()}


def rubric_of(assignment: Assignment) -> list[dict]:
    """The assignment's rubric in the reader's language, or the one-line rubric that grading uses when it has none."""
    if not assignment.rubric:
        return [{"criterion": _("Overall"), "points": 100}]
    return rubric_in(assignment.rubric, lang(), db.session().get(Course, assignment.course_id).language)


def lab_json(sub: Submission) -> dict:
    """``slicer`` (once sliced or refused) and ``print`` (once a job exists), from the lab when it is installed."""
    from lms.features import import_feature

    lab_queries = import_feature("lms.lab.queries")
    slicer = (sub.report or {}).get("slicer")
    out = {"slicer": slicer_json(slicer)} if slicer else {}
    printing = lab_queries.print_json(db.session(), sub.id) if lab_queries else None
    return {**out, **({"print": printing} if printing else {})}


def slicer_json(slicer: dict) -> dict:
    keys = ("state", "profile", "slicer_version", "time_s", "filament_g", "filament_mm", "cost", "gcode_sha256")
    out = {k: slicer.get(k) for k in keys}
    if slicer.get("message_template"):
        out["message"] = translate_result(slicer)
    return out
