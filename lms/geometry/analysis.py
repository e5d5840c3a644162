"""Model analysis: :func:`analyse` builds the JSON-serialisable report.

Each check is a dict ``{"id", "severity", "passed", "message",
"message_template", "params", ...figures}`` where ``severity`` is one of
``error``, ``warning``, ``info`` and ``message == message_template % params``.
"""

from __future__ import annotations

import math

import numpy as np

from .fit import fit_build_volume, rotation_text
from .i18n import N_, fmt, msg
from .mesh import Mesh
from .profiles import (
    DEFAULT_INFILL, DEFAULT_LINE_WIDTH_MM, DEFAULT_PERIMETERS, DEFAULT_TOP_BOTTOM_MM, PRINTERS,
    get_material, get_printer,
)
from .orientation import inverted_shells
from .overhang import overhang_faces
from .topology import Topology, analyse_topology

LOCATION_CAP = 5000


def _check(cid: str, severity: str, passed: bool, template: str, params: dict, **figures) -> dict:
    out = {"id": cid, "severity": severity, "passed": bool(passed)}
    out.update(msg(template, **params))
    out.update(figures)
    return out


# --------------------------------------------------------------------------- estimate

def estimate_material(volume_mm3: float, area_mm2: float, height_mm: float, printer: dict,
                      material: dict, infill: float = DEFAULT_INFILL) -> dict:
    """Rough filament use and print time from volume, shell and infill."""
    shell_thickness = DEFAULT_PERIMETERS * DEFAULT_LINE_WIDTH_MM
    # walls on the side area and solid layers top and bottom share the surface
    shell = min(volume_mm3, area_mm2 * (0.5 * shell_thickness + 0.5 * DEFAULT_TOP_BOTTOM_MM))
    core = max(volume_mm3 - shell, 0.0)
    extruded = shell + infill * core
    d = printer["filament_diameter_mm"]
    length_m = extruded / (math.pi * (d / 2) ** 2) / 1000.0
    grams = extruded / 1000.0 * material["density_g_cm3"]
    layers = max(int(math.ceil(height_mm / printer["layer_height_mm"])), 1)
    seconds = extruded / printer["flow_mm3_s"] + layers * printer["layer_overhead_s"]
    return {
        "is_estimate": True,
        "printer": printer["id"],
        "material": material["id"],
        "infill": infill,
        "extruded_volume_mm3": round(extruded, 1),
        "filament_m": round(length_m, 2),
        "grams": round(grams, 2),
        "print_time_s": int(round(seconds)),
        "print_time_h": round(seconds / 3600.0, 2),
        "layers": layers,
    }


# --------------------------------------------------------------------------- units

def units_hint(ext: np.ndarray) -> dict | None:
    largest = float(ext.max()) if len(ext) else 0.0
    if largest <= 0:
        return None
    if largest < 2.0:
        return {"likely": "m", "scale": 1000.0, **msg(
            N_("The model is only %(size)s mm across; if it was drawn in metres, scale it by 1000 "
               "(it would be %(scaled)s mm)."), size=fmt(largest, 3), scaled=fmt(largest * 1000, 0))}
    if largest < 12.0:
        return {"likely": "in", "scale": 25.4, **msg(
            N_("The model is only %(size)s mm across; if it was drawn in inches, scale it by 25.4 "
               "(it would be %(scaled)s mm)."), size=fmt(largest, 2), scaled=fmt(largest * 25.4, 0))}
    if largest > 2000.0:
        return {"likely": "um", "scale": 0.001, **msg(
            N_("The model is %(size)s mm across, larger than any desktop printer; check the export "
               "units (millimetres expected)."), size=fmt(largest, 0))}
    return None


# --------------------------------------------------------------------------- report

def _edge_coords(vertices: np.ndarray, pairs: np.ndarray, cap: int = LOCATION_CAP) -> list:
    pairs = pairs[:cap]
    if len(pairs) == 0:
        return []
    return np.round(np.concatenate([vertices[pairs[:, 0]], vertices[pairs[:, 1]]], axis=1), 4).tolist()


def _face_coords(vertices: np.ndarray, faces: np.ndarray, idx: np.ndarray, cap: int = LOCATION_CAP) -> list:
    idx = idx[:cap]
    if len(idx) == 0:
        return []
    return np.round(vertices[faces[idx]].reshape(-1, 9), 4).tolist()


def _inverted_shells(topo: Topology) -> np.ndarray:
    """Closed shells with negative volume that are not cavities of another shell."""
    return inverted_shells(topo.shell_closed, topo.shell_volume, topo.shell_bounds)


def _wall(v, f, topo, closed: bool, budget: int | None, thin_below: float | None = None) -> dict | None:
    """Wall thickness figures (None for an open surface, or when turned off with budget 0)."""
    if not closed or budget == 0:
        return None
    from .thickness import MAX_RAYS, wall_thickness

    try:
        return wall_thickness(v, f, topo.area, samples=budget or MAX_RAYS, thin_below_mm=thin_below)
    except MemoryError:
        return None


def _wall_check(wall: dict) -> dict:
    params = {"samples": wall["samples"], "spacing": fmt(wall["spacing_mm"], 1)}
    if wall["min_mm"] is not None:
        params["min"] = fmt(wall["min_mm"], 2)
        tpl = (N_("Thinnest wall: about %(min)s mm (an estimate from %(samples)s points about %(spacing)s mm "
                  "apart: a thin spot smaller than that could be missed).") if wall["sampled"] else
               N_("Thinnest wall: about %(min)s mm (measured at %(samples)s points at most %(spacing)s mm "
                  "apart)."))
    else:
        params["limit"] = fmt(wall["searched_mm"], 0)
        tpl = (N_("Walls are thicker than %(limit)s mm at every point measured (an estimate from %(samples)s "
                  "points about %(spacing)s mm apart).") if wall["sampled"] else
               N_("Walls are thicker than %(limit)s mm everywhere (measured at %(samples)s points at most "
                  "%(spacing)s mm apart)."))
    return _check("wall_thickness", "info", True, tpl, params, min_wall_mm=wall["min_mm"])


def analyse(mesh: Mesh, printer: str | None = None, material: str = "pla",
            overhang_angle_deg: float = 45.0, infill: float = DEFAULT_INFILL,
            wall_samples: int | None = None, topology: Topology | None = None,
            thin_wall_mm: float | None = None) -> dict:
    """Analyse *mesh* and return the report dict (JSON-serialisable).

    With *thin_wall_mm* (the assignment's minimum wall) the report also locates the thinner places."""
    printer_profile = get_printer(printer)
    material_profile = get_material(material)
    v, f = mesh.vertices, mesh.faces
    topo = topology or analyse_topology(v, f)
    lo, hi = v.min(axis=0), v.max(axis=0)
    ext = hi - lo
    area = float(topo.area.sum())
    closed = topo.n_open_edges == 0
    inv = _inverted_shells(topo)
    shell_vol = topo.shell_volume.copy()
    if len(inv):
        shell_vol[inv] = -shell_vol[inv]
    volume = float(shell_vol.sum()) if closed else None
    degenerate = int(topo.zero_area.sum())
    duplicates = int(topo.duplicate.sum())
    flipped = topo.flipped_faces
    inverted_faces = flipped
    if len(inv):
        inv_faces = np.flatnonzero(np.isin(topo.shell_of_face, inv))
        inverted_faces = np.union1d(flipped, inv_faces)

    checks: list[dict] = []
    checks.append(_check(
        "counts", "info", True,
        N_("%(faces)s triangles, %(vertices)s vertices, %(shells)s separate part(s)."),
        {"faces": int(len(f)), "vertices": int(len(v)), "shells": topo.n_shells},
        faces=int(len(f)), vertices=int(len(v)), shells=topo.n_shells))
    checks.append(_check(
        "dimensions", "info", True,
        N_("Size: %(x)s × %(y)s × %(z)s mm; surface %(area)s mm²."),
        {"x": fmt(ext[0]), "y": fmt(ext[1]), "z": fmt(ext[2]), "area": fmt(area, 0)},
        extents_mm=[float(e) for e in ext]))
    hint = units_hint(ext)
    if hint:
        checks.append(_check("units", "warning", False, hint["message_template"], hint["params"],
                             likely_units=hint["likely"], scale=hint["scale"]))
    if closed:
        checks.append(_check("closed", "error", True,
                             N_("The surface is closed (watertight): no holes."), {},
                             open_edges=0, holes=0))
    else:
        checks.append(_check(
            "closed", "error", False,
            N_("%(holes)s hole(s) found (%(open_edges)s open edges): close them in your CAD tool "
               "and export again."),
            {"holes": topo.holes, "open_edges": topo.n_open_edges},
            open_edges=topo.n_open_edges, holes=topo.holes))
    if topo.n_nonmanifold_edges:
        checks.append(_check(
            "nonmanifold", "warning", False,
            N_("%(count)s edge(s) are shared by more than two faces, e.g. parts touching along an "
               "edge; slicers may print them oddly."),
            {"count": topo.n_nonmanifold_edges}, nonmanifold_edges=topo.n_nonmanifold_edges))
    else:
        checks.append(_check("nonmanifold", "warning", True,
                             N_("No edge is shared by more than two faces."), {}, nonmanifold_edges=0))
    if topo.n_inconsistent_edges:
        checks.append(_check(
            "winding", "error", False,
            N_("%(faces)s face(s) point the wrong way (%(edges)s edges with inconsistent winding): "
               "recalculate normals in your CAD tool."),
            {"faces": int(len(flipped)), "edges": topo.n_inconsistent_edges},
            inconsistent_edges=topo.n_inconsistent_edges, flipped_faces=int(len(flipped))))
    else:
        checks.append(_check("winding", "error", True,
                             N_("All faces are wound consistently."), {},
                             inconsistent_edges=0, flipped_faces=0))
    if len(inv):
        checks.append(_check(
            "inverted", "error", False,
            N_("%(count)s part(s) are inside out (their normals point inwards): flip the normals."),
            {"count": int(len(inv))}, inverted_shells=int(len(inv))))
    else:
        checks.append(_check("inverted", "error", True,
                             N_("No part is inside out."), {}, inverted_shells=0))
    checks.append(_check(
        "degenerate", "warning", degenerate == 0,
        N_("%(count)s degenerate face(s) with zero area.") if degenerate else N_("No zero-area faces."),
        {"count": degenerate} if degenerate else {}, degenerate_faces=degenerate))
    checks.append(_check(
        "duplicate", "warning", duplicates == 0,
        N_("%(count)s duplicate face(s).") if duplicates else N_("No duplicate faces."),
        {"count": duplicates} if duplicates else {}, duplicate_faces=duplicates))

    # build volume fit: for the chosen printer, or every known printer
    fit_cache: dict = {}
    fits = {}
    for pid in ([printer_profile["id"]] if printer_profile else list(PRINTERS)):
        fits[pid] = fit_build_volume(v, PRINTERS[pid]["build_volume_mm"], _cache=fit_cache, bounds=(lo, hi))
    if printer_profile:
        fr = fits[printer_profile["id"]]
        bv = fr["build_volume_mm"]
        params = {"printer": printer_profile["name"], "x": fmt(ext[0]), "y": fmt(ext[1]), "z": fmt(ext[2]),
                  "bx": fmt(bv[0], 0), "by": fmt(bv[1], 0), "bz": fmt(bv[2], 0),
                  "rotation": rotation_text(fr["rotation"])}
        if fr["fits_as_is"]:
            tpl = N_("The model (%(x)s × %(y)s × %(z)s mm) fits the %(printer)s build volume "
                     "(%(bx)s × %(by)s × %(bz)s mm).")
        elif fr["fits"]:
            tpl = N_("The model (%(x)s × %(y)s × %(z)s mm) fits the %(printer)s build volume "
                     "(%(bx)s × %(by)s × %(bz)s mm) when turned %(rotation)s.")
        else:
            tpl = N_("The model (%(x)s × %(y)s × %(z)s mm) does not fit the %(printer)s build volume "
                     "(%(bx)s × %(by)s × %(bz)s mm) in any orientation: scale it down or split it.")
        checks.append(_check("fit", "error", fr["fits"], tpl, params, printer=printer_profile["id"],
                             rotation=fr["rotation"]))

    # overhangs (as oriented in the file, Z up), ignoring faces resting on the bed
    overhang_area = float(topo.area[overhang_faces(v, f, topo.normal_z, overhang_angle_deg)].sum())
    checks.append(_check(
        "overhang", "info", True,
        N_("%(area)s mm² of surface overhangs more than %(angle)s° from vertical and will need support "
           "as oriented."), {"area": fmt(overhang_area, 0), "angle": fmt(overhang_angle_deg, 0)},
        overhang_area_mm2=overhang_area, overhang_angle_deg=float(overhang_angle_deg)))

    wall = _wall(v, f, topo, closed, wall_samples, thin_wall_mm)
    thin_places = wall.pop("thin", []) if wall else []
    if wall:
        checks.append(_wall_check(wall))

    # material and time estimate
    est_printer = printer_profile or PRINTERS["prusa-mk4"]
    estimate = None
    if volume is not None and volume > 0:
        estimate = estimate_material(volume, area, float(ext[2]), est_printer, material_profile, infill)
        h, m = divmod(int(round(estimate["print_time_s"] / 60.0)), 60)
        checks.append(_check(
            "estimate", "info", True,
            N_("Estimate for %(printer)s with %(material)s at %(infill)s%% infill: about %(grams)s g "
               "(%(metres)s m of filament), roughly %(hours)s h %(minutes)s min."),
            {"printer": est_printer["name"], "material": material_profile["name"],
             "infill": fmt(infill * 100, 0),
             "grams": fmt(estimate["grams"], 0 if estimate["grams"] >= 10 else 1 if estimate["grams"] >= 1 else 2),
             "metres": fmt(estimate["filament_m"], 1 if estimate["filament_m"] >= 1 else 2), "hours": h, "minutes": f"{m:02d}"}))

    report = {
        "file": mesh.name,
        "format": mesh.format,
        "file_size": mesh.file_size,
        "units": mesh.units,
        "faces": int(len(f)),
        "vertices": int(len(v)),
        "shells": topo.n_shells,
        "bounds": [[float(x) for x in lo], [float(x) for x in hi]],
        "extents_mm": [float(e) for e in ext],
        "volume_mm3": volume,
        "area_mm2": area,
        "closed": bool(closed),
        "open_edges": topo.n_open_edges,
        "holes": topo.holes,
        "nonmanifold_edges": topo.n_nonmanifold_edges,
        "inconsistent_edges": topo.n_inconsistent_edges,
        "flipped_faces": int(len(flipped)),
        "inverted_shells": int(len(inv)),
        "degenerate_faces": degenerate,
        "duplicate_faces": duplicates,
        "overhang_area_mm2": overhang_area,
        "overhang_angle_deg": float(overhang_angle_deg),
        "wall_thickness": wall,
        "min_wall_mm": wall["min_mm"] if wall else None,
        "units_hint": {k: hint[k] for k in ("likely", "scale", "message", "message_template", "params")}
        if hint else None,
        "printer": printer_profile["id"] if printer_profile else None,
        "material": material_profile["id"],
        "fit": fits,
        "estimate": estimate,
        "warnings": list(mesh.warnings),
        "locations": {
            "open_edges": _edge_coords(v, topo.open_edges),
            "nonmanifold_edges": _edge_coords(v, topo.nonmanifold_edges),
            "inverted_faces": _face_coords(v, f, inverted_faces),
            "thin_wall": thin_places,
            "capped_at": LOCATION_CAP,
        },
        "checks": checks,
    }
    report["ok"] = all(c["passed"] for c in checks if c["severity"] == "error")
    return report
