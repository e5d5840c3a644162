"""Slicing a checked submission for its assignment's lab profile; the figures go into the report's ``slicer``.

The report keeps every check result whatever the slicer says; ``slicer.state`` is ``sliced``, ``refused``
(PrusaSlicer would not slice it: a message says why) or ``failed`` (our side broke: it can run again).
"""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from lms.assignments.models import Submission
from lms.catalog.models import Assignment
from lms.db import utcnow
from lms.geometry.i18n import N_
from lms.lab import profiles, slicer
from lms.storage import LocalStorage

REFUSALS = {
    "bed": N_("PrusaSlicer could not place the model on the %(printer)s bed. Your check results stay as they are."),
    "timeout": N_("Slicing took longer than %(seconds)s s and was stopped. Simplify the model and upload it again."),
    "resources": N_("Slicing needed more memory than the lab allows. Simplify the model and upload it again."),
    "no_output": N_("PrusaSlicer produced no G-code for this model. Your check results stay as they are."),
    "no_summary": N_("PrusaSlicer produced no G-code for this model. Your check results stay as they are."),
    "load": N_("PrusaSlicer could not read this model file. Your check results stay as they are."),
    "error": N_("PrusaSlicer could not slice this model. Your check results stay as they are."),
}
log = logging.getLogger(__name__)


def profile_for(assignment: Assignment) -> str | None:
    """The lab profile the assignment prints on, when its ``printer:`` names one."""
    name = (assignment.requirements or {}).get("printer")
    return name if name in profiles.PROFILES else None


def wants_slicing(sub: Submission, assignment: Assignment) -> bool:
    return bool(sub.state == "checked" and sub.checks_passed and profile_for(assignment)
                and slicer.executable() and (sub.report or {}).get("slicer", {}).get("state") != "sliced")


def _rotation(report: dict, profile: str) -> list[dict]:
    fit = (report.get("fit") or {}).get(profile) or {}
    return [] if fit.get("fits_as_is", True) else list(fit.get("rotation") or [])


def slice_submission(sess: Session, storage: LocalStorage, sub: Submission, assignment: Assignment,
                     settings: dict) -> dict:
    """Slice and record ``report["slicer"]``; flushes, the caller commits."""
    profile = profile_for(assignment)
    source, fmt = (sub.repaired_sha256, "stl") if sub.repaired_sha256 else (sub.file_sha256, sub.file_format)
    timeout = int(settings.get("LMS_SLICE_TIMEOUT_S", slicer.DEFAULT_TIMEOUT_S))
    try:
        result = slicer.slice_model(storage.path(source), fmt, profiles.presets_of(profile),
                                    _rotation(sub.report or {}, profile), timeout_s=timeout,
                                    memory_mb=int(settings.get("LMS_SLICE_MEMORY_MB", slicer.DEFAULT_MEMORY_MB)))
    except slicer.SlicerRefused as exc:
        log.info("submission %s not sliced: %s", sub.id, exc)
        title = profiles.PROFILES[profile].get("title") or profile
        entry = {"state": "refused", "profile": profile, "reason": exc.reason,
                 "message_template": REFUSALS.get(exc.reason, REFUSALS["error"]),
                 "params": {"printer": title, "seconds": timeout}}
        return _record(sub, entry)
    try:
        with open(result.gcode_path, "rb") as fh:
            sha = storage.put_stream(fh)[0]
    finally:
        slicer.cleanup(result)
    entry = {"state": "sliced", "profile": profile, "slicer_version": result.slicer_version, "time_s": result.time_s,
             "filament_g": result.filament_g, "filament_mm": result.filament_mm, "cost": result.cost,
             "gcode_sha256": sha, "wall_s": round(result.wall_s, 2)}
    return _record(sub, entry)


def _record(sub: Submission, entry: dict) -> dict:
    sub.report = {**(sub.report or {}), "slicer": entry}  # a new dict, so the JSON column is written
    sub.updated_at = utcnow()
    return entry


def mark_slicing(sub: Submission, profile: str) -> None:
    _record(sub, {"state": "slicing", "profile": profile})
