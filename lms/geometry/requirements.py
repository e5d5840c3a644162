"""Assignment requirements (from course.yaml): validation and evaluation.

Each result of :func:`evaluate` is ``{"key", "passed", "severity", "message",
"message_template", "params", "required", "actual"}`` with a message a
student understands.
"""

from __future__ import annotations

import math

from .formats import FORMATS
from .i18n import N_, fmt, msg
from .profiles import PRINTERS

REQUIREMENT_KEYS = (
    "formats", "max_file_mb", "max_faces", "closed", "single_part", "printer",
    "max_dimensions_mm", "min_wall_mm", "max_overhang_area_mm2", "overhang_angle_deg",
)


def _num(key, value, positive=True):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"requirement {key!r} must be a number, got {value!r}")
    if positive and value <= 0:
        raise ValueError(f"requirement {key!r} must be greater than 0, got {value!r}")
    return value


def validate_requirements(requirements: dict | None) -> dict:
    """Check a requirements mapping; return a normalised copy or raise ValueError."""
    if requirements is None:
        return {}
    if not isinstance(requirements, dict):
        raise ValueError(f"requirements must be a mapping of keys to values, got {type(requirements).__name__}")
    unknown = sorted(str(k) for k in requirements if k not in REQUIREMENT_KEYS)
    if unknown:
        raise ValueError(
            f"unknown requirement key(s): {', '.join(unknown)}; valid keys are: {', '.join(REQUIREMENT_KEYS)}")
    out = {}
    for key, value in requirements.items():
        if key == "formats":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, (list, tuple)) or not value:
                raise ValueError("requirement 'formats' must be a non-empty list such as [stl, 3mf]")
            fmts = [str(v).lower().lstrip(".") for v in value]
            bad = [v for v in fmts if v not in FORMATS]
            if bad:
                raise ValueError(f"requirement 'formats' has unknown format(s) {', '.join(bad)}; "
                                 f"supported: {', '.join(FORMATS)}")
            out[key] = fmts
        elif key in ("closed", "single_part"):
            if not isinstance(value, bool):
                raise ValueError(f"requirement {key!r} must be true or false, got {value!r}")
            out[key] = value
        elif key == "printer":
            pid = str(value).strip().lower()
            if pid not in PRINTERS:
                raise ValueError(f"requirement 'printer' is {value!r}; known printers: {', '.join(sorted(PRINTERS))}")
            out[key] = pid
        elif key == "max_dimensions_mm":
            if not isinstance(value, (list, tuple)) or len(value) != 3:
                raise ValueError("requirement 'max_dimensions_mm' must be a list of three numbers [x, y, z]")
            out[key] = [float(_num(key, v)) for v in value]
        elif key == "max_faces":
            _num(key, value)
            if int(value) != value:
                raise ValueError(f"requirement 'max_faces' must be a whole number, got {value!r}")
            out[key] = int(value)
        elif key == "overhang_angle_deg":
            _num(key, value)
            if not 0 < value < 90:
                raise ValueError(f"requirement 'overhang_angle_deg' must be between 0 and 90, got {value!r}")
            out[key] = float(value)
        elif key == "max_overhang_area_mm2":
            out[key] = float(_num(key, value, positive=False))
            if value < 0:
                raise ValueError("requirement 'max_overhang_area_mm2' must not be negative")
        else:  # max_file_mb, min_wall_mm
            out[key] = float(_num(key, value))
    return out


def _result(key, passed, template, params, required=None, actual=None, severity="error") -> dict:
    out = {"key": key, "passed": bool(passed), "severity": severity, "required": required, "actual": actual}
    out.update(msg(template, **params))
    return out


def evaluate(report: dict, requirements: dict | None) -> list[dict]:
    """Evaluate *requirements* against an :func:`analyse` report."""
    req = validate_requirements(requirements)
    results = []
    ext = report.get("extents_mm") or [0.0, 0.0, 0.0]
    name = report.get("file") or "model"

    if "formats" in req:
        f = report.get("format")
        allowed = ", ".join(x.upper() for x in req["formats"])
        ok = f in req["formats"]
        results.append(_result(
            "formats", ok,
            N_("Your file is %(format)s, which is accepted (%(allowed)s).") if ok else
            N_("Your file is %(format)s; this assignment accepts only %(allowed)s: export again in one "
               "of those formats."), {"format": (f or "?").upper(), "allowed": allowed},
            req["formats"], f))
    if "max_file_mb" in req:
        size = report.get("file_size") or 0
        mb = size / (1024 * 1024)
        ok = mb <= req["max_file_mb"]
        results.append(_result(
            "max_file_mb", ok,
            N_("Your file is %(size)s MB; the limit is %(limit)s MB.") if ok else
            N_("Your file is %(size)s MB but the limit is %(limit)s MB: reduce the resolution when "
               "exporting."), {"size": fmt(mb, 1), "limit": fmt(req["max_file_mb"], 1)},
            req["max_file_mb"], round(mb, 3)))
    if "max_faces" in req:
        n = report.get("faces", 0)
        ok = n <= req["max_faces"]
        results.append(_result(
            "max_faces", ok,
            N_("Your model has %(faces)s triangles; the limit is %(limit)s.") if ok else
            N_("Your model has %(faces)s triangles but the limit is %(limit)s: simplify it or export "
               "with a coarser resolution."), {"faces": n, "limit": req["max_faces"]}, req["max_faces"], n))
    if req.get("closed"):
        holes, open_edges = report.get("holes", 0), report.get("open_edges", 0)
        ok = report.get("closed", False)
        results.append(_result(
            "closed", ok,
            N_("Your model is closed (watertight).") if ok else
            N_("%(holes)s hole(s) found (%(open_edges)s open edges): close them in your CAD tool and "
               "export again."), {"holes": holes, "open_edges": open_edges} if not ok else {},
            True, ok))
    if req.get("single_part"):
        shells = report.get("shells", 0)
        ok = shells == 1
        results.append(_result(
            "single_part", ok,
            N_("Your model is one single part.") if ok else
            N_("Your model consists of %(shells)s separate parts; the assignment asks for one part: "
               "join them (union) in your CAD tool."), {"shells": shells} if not ok else {}, True, shells))
    if "printer" in req:
        pid = req["printer"]
        prof = PRINTERS[pid]
        fit = (report.get("fit") or {}).get(pid)
        if fit is None:
            import numpy as np

            from .fit import fit_build_volume

            b = np.array(report["bounds"], float)
            fit = fit_build_volume(b, prof["build_volume_mm"])  # box corners only
        bv = prof["build_volume_mm"]
        widest = max(range(3), key=lambda i: ext[i] / bv[i])
        params = {"size": fmt(ext[widest], 0), "printer": prof["name"],
                  "limit": fmt(bv[widest], 0),
                  "x": fmt(ext[0], 0), "y": fmt(ext[1], 0), "z": fmt(ext[2], 0),
                  "bx": fmt(bv[0], 0), "by": fmt(bv[1], 0), "bz": fmt(bv[2], 0)}
        if fit["fits_as_is"]:
            # one whole sentence per axis: a word passed as a parameter would stay English in translations
            tpl = (N_("Your model is %(size)s mm wide; the %(printer)s bed allows %(limit)s mm — it fits."),
                   N_("Your model is %(size)s mm deep; the %(printer)s bed allows %(limit)s mm — it fits."),
                   N_("Your model is %(size)s mm tall; the %(printer)s allows %(limit)s mm of height — it fits."),
                   )[widest]
        elif fit["fits"]:
            from .fit import rotation_text

            params["rotation"] = rotation_text(fit["rotation"])
            tpl = N_("Your model (%(x)s × %(y)s × %(z)s mm) does not fit the %(printer)s "
                     "(%(bx)s × %(by)s × %(bz)s mm) as it is, but it fits when turned %(rotation)s.")
        else:
            tpl = N_("Your model (%(x)s × %(y)s × %(z)s mm) does not fit the %(printer)s "
                     "(%(bx)s × %(by)s × %(bz)s mm) in any orientation: scale it down or split it.")
        results.append(_result("printer", fit["fits"], tpl, params, pid, fit["fits"]))
    if "max_dimensions_mm" in req:
        lim = req["max_dimensions_mm"]
        sx, lx = sorted(ext, reverse=True), sorted(lim, reverse=True)
        as_is = all(e <= m + 1e-9 for e, m in zip(ext, lim))
        any_orient = all(e <= m + 1e-9 for e, m in zip(sx, lx))
        params = {"x": fmt(ext[0]), "y": fmt(ext[1]), "z": fmt(ext[2]),
                  "mx": fmt(lim[0]), "my": fmt(lim[1]), "mz": fmt(lim[2])}
        if as_is:
            tpl = N_("Your model is %(x)s × %(y)s × %(z)s mm, within the allowed %(mx)s × %(my)s × %(mz)s mm.")
        elif any_orient:
            tpl = N_("Your model is %(x)s × %(y)s × %(z)s mm; it fits the allowed %(mx)s × %(my)s × %(mz)s mm "
                     "only when rotated: turn it so its sides line up.")
        else:
            tpl = N_("Your model is %(x)s × %(y)s × %(z)s mm, larger than the allowed %(mx)s × %(my)s × %(mz)s mm: "
                     "scale it down.")
        results.append(_result("max_dimensions_mm", any_orient, tpl, params, lim, [float(e) for e in ext]))
    if "min_wall_mm" in req:
        need = req["min_wall_mm"]
        wall = report.get("wall_thickness")
        got = report.get("min_wall_mm")
        if wall is None:
            ok = False
            tpl = N_("The wall thickness could not be measured because the model is not closed: fix the holes "
                     "first (at least %(need)s mm walls are required).")
            params = {"need": fmt(need, 1)}
        elif got is None:
            ok = True
            tpl = N_("All sampled walls are thicker than %(searched)s mm; at least %(need)s mm is required.")
            params = {"searched": fmt(wall["searched_mm"], 0), "need": fmt(need, 1)}
        else:
            ok = got + 1e-6 >= need
            params = {"got": fmt(got, 2), "need": fmt(need, 1)}
            tpl = (N_("Your thinnest wall is about %(got)s mm; at least %(need)s mm is required — fine.") if ok else
                   N_("Your thinnest wall is about %(got)s mm but at least %(need)s mm is required: make thin "
                      "walls thicker."))
        results.append(_result("min_wall_mm", ok, tpl, params, need, got))
    if "max_overhang_area_mm2" in req:
        angle = req.get("overhang_angle_deg", 45.0)
        area = report.get("overhang_area_mm2")
        if area is None or abs(report.get("overhang_angle_deg", 45.0) - angle) > 1e-9:
            area = None
        lim = req["max_overhang_area_mm2"]
        if area is None:
            ok = False
            tpl = N_("The overhang area for %(angle)s° was not measured; check the model again.")
            params = {"angle": fmt(angle, 0)}
        else:
            ok = area <= lim
            params = {"area": fmt(area, 0), "limit": fmt(lim, 0), "angle": fmt(angle, 0)}
            tpl = (N_("%(area)s mm² overhangs more than %(angle)s°; up to %(limit)s mm² is allowed.") if ok else
                   N_("%(area)s mm² overhangs more than %(angle)s° but only %(limit)s mm² is allowed: turn the "
                      "model or add chamfers so less needs support."))
        results.append(_result("max_overhang_area_mm2", ok, tpl, params, lim, area))
    return results
