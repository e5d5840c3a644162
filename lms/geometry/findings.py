"""One verdict per topic: the report's requirement results and printability checks assembled once.

A requirement of the assignment and a printability check can speak of the same thing (the overhang
check is informational, the overhang requirement fails): shown side by side they contradict each
other. Here each topic gets one finding; the assignment's requirement decides when it has one, else
the check. Informational checks (counts, size, estimate) are figures, not findings.

Every page, the JSON and ``lms check`` read ``report["findings"]``. Pure: no Flask.
"""
from __future__ import annotations

from .i18n import N_

#: The topic each requirement key and each check id speaks of.
REQUIREMENT_TOPICS = {
    "formats": "format", "max_file_mb": "file_size", "max_faces": "faces", "closed": "closed",
    "single_part": "parts", "printer": "fit", "max_dimensions_mm": "dimensions", "min_wall_mm": "wall_thickness",
    "max_overhang_area_mm2": "overhang",
}
CHECK_TOPICS = {
    "closed": "closed", "nonmanifold": "nonmanifold", "winding": "winding", "inverted": "inverted",
    "degenerate": "degenerate", "duplicate": "duplicate", "overhang": "overhang", "wall_thickness": "wall_thickness",
    "fit": "fit", "parts": "parts",
}
INFORMATION = {"counts", "dimensions", "estimate"}

#: Why a topic matters when the part is printed, and what to do about it (message templates).
ADVICE = {
    "closed": (N_("A slicer needs a closed surface to know what is inside: with holes it guesses, and walls or "
                  "layers can come out missing."),
               N_("Close the holes in your CAD tool (or use its repair command) and export again.")),
    "parts": (N_("Separate parts print as separate pieces; a part that floats above the bed falls over or "
                 "prints in the air."),
              N_("Join the parts with a Boolean union so that they overlap, then export one body.")),
    "nonmanifold": (N_("An edge shared by more than two faces has no clear inside and outside; the slicer may "
                       "fill or drop the wrong side."),
                    N_("Remove internal and duplicate faces (in Blender: Mesh → Clean Up) and export again.")),
    "winding": (N_("Faces that point the wrong way confuse what is solid; the slicer can leave walls out."),
                N_("Recalculate the normals (in Blender: Mesh → Normals → Recalculate Outside) and export again.")),
    "inverted": (N_("A part that is inside out is read as a hole: the slicer may print nothing there."),
                 N_("Flip the normals of that part so they point outwards and export again.")),
    "degenerate": (N_("Faces of zero area add no shape but can break slicing."),
                   N_("Run your CAD tool's clean-up or repair and export again.")),
    "duplicate": (N_("Faces lying twice on top of each other make the inside unclear."),
                  N_("Delete the duplicate faces (merge by distance) and export again.")),
    "overhang": (N_("Surfaces that lean further than the allowed angle are printed in the air: they sag, or "
                    "need supports that leave marks."),
                 N_("Turn the model so steep faces point up, add 45° chamfers under overhangs, or split the model.")),
    "wall_thickness": (N_("Walls thinner than the nozzle can lay down are left out by the slicer or break."),
                       N_("Make thin walls and small features at least as thick as required.")),
    "fit": (N_("A part larger than the printer's build volume cannot be printed in one piece."),
            N_("Scale the model down, turn it as suggested, or split it into parts that fit.")),
    "dimensions": (N_("The assignment limits the size so that the part prints in the time and material planned."),
                   N_("Scale the model to the allowed size in your CAD tool and export again.")),
    "format": (N_("The lab's slicers and viewers read only these formats."),
               N_("Export again in one of the accepted formats.")),
    "file_size": (N_("Very large files are slow to check, slice and send to the printer."),
                  N_("Export with a coarser resolution (fewer triangles).")),
    "faces": (N_("More triangles than the printer can show make slicing slow without a better print."),
              N_("Export with a coarser resolution, or decimate the mesh.")),
}


def assemble(report: dict) -> list[dict]:
    """The findings of a report: one per topic, each {topic, passed, severity, source, message_template,
    params, why_template, fix_template}; failures first, in the order the checks run."""
    findings: dict[str, dict] = {}
    for item in report.get("requirements") or []:
        topic = REQUIREMENT_TOPICS.get(item.get("key"), item.get("key"))
        findings[topic] = _finding(topic, item, "requirement")
    for item in report.get("checks") or []:
        check_id = item.get("id")
        if check_id in INFORMATION or item.get("severity") == "info":
            continue
        topic = CHECK_TOPICS.get(check_id, check_id)
        findings.setdefault(topic, _finding(topic, item, "check"))
    ordered = list(findings.values())
    return [f for f in ordered if not f["passed"]] + [f for f in ordered if f["passed"]]


def _finding(topic: str, item: dict, source: str) -> dict:
    why, fix = ADVICE.get(topic, (None, None))
    return {"topic": topic, "passed": bool(item.get("passed")), "severity": item.get("severity", "error"),
            "source": source, "message_template": item.get("message_template"), "params": item.get("params") or {},
            "message": item.get("message", ""), "why_template": why, "fix_template": fix}
