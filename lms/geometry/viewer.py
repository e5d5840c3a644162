"""Data for the browser viewer (lms/static/viewer/viewer.js).

``viewer_data`` returns a JSON-able dict: base64 little-endian float32
positions and uint32 indices (simplified to ``face_budget``), counts,
bounds, extents and the problem locations from the report (capped lists).
"""

from __future__ import annotations

import base64

import numpy as np

from .mesh import Mesh
from .simplify import simplify

PROBLEM_CAP = 5000


def viewer_data(mesh: Mesh, report: dict | None = None, face_budget: int = 200_000) -> dict:
    shown, simplified, _kept = simplify(mesh, face_budget)
    v = shown.vertices
    f = shown.faces
    # drop vertices no face uses (after clustering all are used; keep it general)
    used = np.unique(f)
    if len(used) != len(v):
        remap = np.full(len(v), -1, np.int64)
        remap[used] = np.arange(len(used))
        v, f = v[used], remap[f]
    lo = mesh.vertices.min(axis=0)
    hi = mesh.vertices.max(axis=0)
    problems = {"open_edges": [], "nonmanifold_edges": [], "inverted_faces": []}
    if report:
        loc = report.get("locations") or {}
        for k in problems:
            problems[k] = [list(map(float, item)) for item in (loc.get(k) or [])[:PROBLEM_CAP]]
    return {
        "positions": base64.b64encode(np.ascontiguousarray(v, dtype="<f4").tobytes()).decode("ascii"),
        "indices": base64.b64encode(np.ascontiguousarray(f, dtype="<u4").tobytes()).decode("ascii"),
        "vertex_count": int(len(v)),
        "face_count": int(len(f)),
        "simplified": bool(simplified),
        "bounds": [[float(x) for x in lo], [float(x) for x in hi]],
        "extents_mm": [float(x) for x in hi - lo],
        "problems": problems,
    }
