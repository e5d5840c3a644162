"""Wall-thickness rays traced with Intel Embree (the ``embreex`` package).

The same question as :func:`lms.geometry.thickness._cast` answers with numpy
(distance along each ray to the first face it leaves the material through),
asked of a BVH in compiled code: on a 200k-face model the rays take tens of
milliseconds instead of seconds, which is most of a check's time.  Embree works
in float32, so the scene is built relative to the model's lowest corner to keep
the precision where the model is.  Pure: no Flask.
"""

from __future__ import annotations

import numpy as np

try:
    from embreex import rtcore_scene
    from embreex.mesh_construction import TriangleMesh
except ImportError:  # no wheel for this platform: thickness.py keeps its numpy ray caster
    rtcore_scene = None

#: A ray that hits a face it enters through (an inner shell, a self-intersection)
#: goes on from there; this many faces at most, then it counts as not found.
MAX_CROSSINGS = 8

available = rtcore_scene is not None


def cast(vertices: np.ndarray, faces: np.ndarray, normals: np.ndarray, pts: np.ndarray, direc: np.ndarray,
         lo: np.ndarray, diag: float, max_distance: float) -> np.ndarray:
    """Distance along each ray (``pts`` + t ``direc``) to the first face whose outward
    ``normals`` points along the ray, within ``max_distance``; inf where there is none."""
    scene = rtcore_scene.EmbreeScene()
    TriangleMesh(scene=scene, vertices=(vertices - lo).astype(np.float32), indices=faces.astype(np.int32))
    eps = 1e-6 * max(diag, 1e-9)
    best = np.full(len(pts), np.inf)
    travelled = np.full(len(pts), eps)
    active = np.arange(len(pts))
    origins = (pts - lo) + direc * eps
    for _ in range(MAX_CROSSINGS):
        left = max_distance - travelled[active]
        go = left > 0
        active, left = active[go], left[go]
        if len(active) == 0:
            break
        hit = scene.run(origins[active].astype(np.float32), direc[active].astype(np.float32),
                        dists=left.astype(np.float32), output=1)
        face, tfar = hit["primID"], hit["tfar"].astype(np.float64)
        found = face >= 0
        leaving = np.zeros(len(active), bool)
        leaving[found] = np.einsum("ij,ij->i", normals[face[found]], direc[active[found]]) > 0
        best[active[leaving]] = travelled[active[leaving]] + tfar[leaving]
        onward = found & ~leaving  # crossed a face inwards: keep going from just past it
        moved = active[onward]
        step = tfar[onward] + eps
        travelled[moved] += step
        origins[moved] += direc[moved] * step[:, None]
        active = moved
    best[best > max_distance] = np.inf
    return best
