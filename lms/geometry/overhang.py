"""Which faces overhang: one definition for the overhang check and the viewer's overlay."""

from __future__ import annotations

import math

import numpy as np


def overhang_faces(vertices: np.ndarray, faces: np.ndarray, normal_z: np.ndarray, angle_deg: float) -> np.ndarray:
    """Indices of the faces leaning more than ``angle_deg`` from vertical, facing down (Z up, as in the
    file), without the faces resting on the bed (the lowest Z): those print on the plate."""
    limit = math.sin(math.radians(angle_deg))
    cand = np.flatnonzero(-normal_z > limit + 1e-12)
    if not len(cand):
        return cand
    zc = np.ascontiguousarray(vertices[:, 2])
    fc = faces[cand]
    zmax_face = np.maximum(np.maximum(zc[fc[:, 0]], zc[fc[:, 1]]), zc[fc[:, 2]])
    lo, hi = vertices.min(axis=0), vertices.max(axis=0)
    on_bed = zmax_face <= lo[2] + max(1e-3, 1e-6 * float((hi - lo).max()))
    return cand[~on_bed]
