"""Fast vertex-clustering simplification (for previews and the web viewer).

Vertices are snapped to a uniform grid; each occupied cell becomes one vertex
(the mean of its members); faces that collapse are dropped.  The cell size is
chosen from the surface area so the result lands near the face budget.  This
is a display simplification only: checks always run on the full mesh.
"""

from __future__ import annotations

import numpy as np

from .mesh import Mesh


def unique_inverse(key: np.ndarray):
    """``np.unique(key, return_inverse=True)`` for non-negative int64 keys, using
    one plain sort of (key, index) packed in 64 bits when they fit."""
    n = len(key)
    nb = max(int(n - 1).bit_length(), 1)
    if n == 0 or int(key.max()).bit_length() + nb > 63:
        return np.unique(key, return_inverse=True)
    packed = (key << nb) | np.arange(n, dtype=np.int64)
    packed.sort()
    order = packed & ((1 << nb) - 1)
    skey = packed >> nb
    start = np.empty(n, bool)
    start[0] = True
    np.not_equal(skey[1:], skey[:-1], out=start[1:])
    gid = np.cumsum(start) - 1
    inverse = np.empty(n, np.int64)
    inverse[order] = gid
    return skey[start], inverse


def cluster(vertices: np.ndarray, faces: np.ndarray, cell: float):
    lo = vertices.min(axis=0)
    q = ((vertices - lo) * (1.0 / cell)).astype(np.int64)
    dims = q.max(axis=0) + 1
    key = (q[:, 0] * dims[1] + q[:, 1]) * dims[2] + q[:, 2]
    uniq, inverse = unique_inverse(key)
    counts = np.bincount(inverse, minlength=len(uniq)).astype(np.float64)
    newv = np.empty((len(uniq), 3))
    for k in range(3):
        newv[:, k] = np.bincount(inverse, weights=vertices[:, k], minlength=len(uniq)) / counts
    f = inverse[faces]
    keep = (f[:, 0] != f[:, 1]) & (f[:, 1] != f[:, 2]) & (f[:, 2] != f[:, 0])
    return newv, f[keep].astype(np.int64), np.flatnonzero(keep)


def simplify(mesh: Mesh, face_budget: int) -> tuple[Mesh, bool, np.ndarray]:
    """Return ``(mesh, simplified, kept_face_index)`` with at most *face_budget* faces."""
    v, f = mesh.vertices, mesh.faces
    if len(f) <= face_budget or face_budget <= 0:
        return mesh, False, np.arange(len(f))
    tri = None
    # total area estimate from a sample of faces (cheap for huge meshes)
    idx = np.linspace(0, len(f) - 1, min(len(f), 20000)).astype(np.int64)
    tri = v[f[idx]]
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1).sum()
    area *= len(f) / len(idx)
    cell = float(np.sqrt(max(area, 1e-12) / (0.4 * face_budget)))
    nv, nf, kept = cluster(v, f, cell)
    for _ in range(8):
        if len(nf) <= face_budget:
            break
        # cluster the (much smaller) result again with coarser cells
        cell *= 1.15 * np.sqrt(len(nf) / face_budget)
        nv, nf, k2 = cluster(nv, nf, cell)
        kept = kept[k2]
    out = Mesh(nv, nf, mesh.name, mesh.format, mesh.units, mesh.file_size)
    return out, True, kept
