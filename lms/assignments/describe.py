"""Requirements and report lines in the learner's language."""
from __future__ import annotations

from flask_babel import gettext as _

from lms import geometry


def describe_requirements(req: dict) -> list[str]:
    out = []
    if req.get("formats"):
        out.append(_("File formats: %(formats)s", formats=", ".join(f.upper() for f in req["formats"])))
    if req.get("max_file_mb"):
        out.append(_("File size up to %(mb)s MB", mb=req["max_file_mb"]))
    if req.get("max_faces"):
        out.append(_("At most %(n)s triangles", n=f"{req['max_faces']:,}".replace(",", " ")))
    if req.get("closed"):
        out.append(_("The surface must be closed (watertight), with no holes"))
    if req.get("single_part"):
        out.append(_("One single part"))
    if req.get("printer"):
        profile = geometry.PRINTERS.get(req["printer"])
        name = getattr(profile, "name", None) or (profile.get("name") if isinstance(profile, dict) else req["printer"])
        out.append(_("Must fit the build volume of the %(printer)s", printer=name))
    if req.get("max_dimensions_mm"):
        x, y, z = req["max_dimensions_mm"]
        out.append(_("At most %(x)s × %(y)s × %(z)s mm", x=x, y=y, z=z))
    if req.get("min_wall_mm"):
        out.append(_("Walls at least %(mm)s mm thick", mm=req["min_wall_mm"]))
    if req.get("max_overhang_area_mm2") is not None:
        out.append(_("Overhangs steeper than %(deg)s° cover at most %(area)s mm²",
                     deg=req.get("overhang_angle_deg", 45), area=req["max_overhang_area_mm2"]))
    return out


def translate_result(item: dict) -> str:
    """A check or requirement message in the current language (the engine gives a template and params)."""
    template, params = item.get("message_template"), item.get("params") or {}
    if not template:
        return item.get("message", "")
    try:
        return _(template, **params)
    except (KeyError, ValueError, TypeError):
        return item.get("message", "")


def describe_finding(finding: dict) -> dict:
    """A finding with its message, why it matters and what to do, in the current language."""
    out = dict(finding, message=translate_result(finding))
    for key in ("why", "fix"):
        template = finding.get(f"{key}_template")
        out[key] = _(template) if template else ""
    return out
