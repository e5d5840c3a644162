"""Vectorised mesh topology: edges, holes, shells, winding, volumes.

All counts are computed on the exactly merged mesh (see :mod:`.mesh`), so they
agree with admesh's exact check.  Conventions:

* *open edge*: an undirected edge used by exactly one face.
* *hole*: a connected loop (component) of open edges.
* *non-manifold edge*: an undirected edge used by more than two faces (e.g. two
  parts touching along an edge).  Reported separately from holes.
* *inconsistent edge*: an edge used by exactly two faces that traverse it in the
  same direction (one of the faces is flipped).
* *shell* (part): a set of faces connected through edges that exactly two
  faces share, so parts touching at a vertex or along an edge are two parts
  (as admesh and PrusaSlicer count them).  A duplicate face joins the part of
  its first copy.
* Volumes are summed over consistently oriented faces (flipped faces turned
  back, see :mod:`.orientation`).
* Faces with a repeated vertex index are degenerate and are left out of the
  edge analysis; exact duplicate faces (same three vertices) are counted but
  stay in the edge analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .edges import sorted_edges, two_face_edges
from .mesh import exact_groups

CHUNK = 262_144


@dataclass
class Topology:
    n_faces: int
    n_vertices: int
    index_degenerate: np.ndarray         # bool (F,) faces with a repeated vertex
    zero_area: np.ndarray                # bool (F,) faces with (near) zero area, incl. index-degenerate
    duplicate: np.ndarray                # bool (F,) extra copies of a face
    area: np.ndarray                     # float64 (F,)
    normal_z: np.ndarray                 # float64 (F,) z component of unit normal (0 for degenerate)
    face_volume: np.ndarray              # float64 (F,) signed volume contribution (about centre)
    open_edges: np.ndarray               # int64 (k, 2) vertex pairs
    nonmanifold_edges: np.ndarray        # int64 (k, 2)
    inconsistent_edges: np.ndarray       # int64 (k, 2)
    n_open_edges: int
    n_nonmanifold_edges: int
    n_inconsistent_edges: int
    holes: int
    shell_of_face: np.ndarray            # int32 (F,)
    n_shells: int
    shell_volume: np.ndarray             # float64 (S,) signed
    shell_closed: np.ndarray             # bool (S,)
    shell_faces: np.ndarray              # int64 (S,)
    shell_bounds: np.ndarray             # float64 (S, 2, 3); of closed shells when one is inside out
    flipped_faces: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    first_copy: np.ndarray | None = None    # int64 (F,) first copy of each face (itself if unique)


def face_geometry(vertices: np.ndarray, faces: np.ndarray, centre: np.ndarray):
    """Per-face area, unit-normal z and signed volume, computed in chunks.

    Works on separate coordinate columns (1-D gathers are much faster than
    gathering (N, 3) rows) centred on the model, in float32 for speed when
    the model's coordinates are float32-exact (STL, 3MF); results are stored
    as float64 and summed in float64.
    """
    n = len(faces)
    area = np.empty(n)
    nz = np.empty(n)
    vol = np.empty(n)
    centred = [vertices[:, k] - centre[k] for k in range(3)]
    exact32 = all(np.array_equal(c.astype(np.float32), c) for c in
                  (vertices[:1000, 0], vertices[:1000, 1], vertices[:1000, 2]))
    ftype = np.float32 if exact32 else np.float64
    cols = [np.ascontiguousarray(c, dtype=ftype) for c in centred]
    del centred
    fcols = [np.ascontiguousarray(faces[:, k]) for k in range(3)]
    for s in range(0, n, CHUNK):
        sl = slice(s, s + CHUNK)
        i0, i1, i2 = fcols[0][sl], fcols[1][sl], fcols[2][sl]
        ax, ay, az = cols[0][i0], cols[1][i0], cols[2][i0]
        bx, by, bz = cols[0][i1], cols[1][i1], cols[2][i1]
        cx, cy, cz = cols[0][i2], cols[1][i2], cols[2][i2]
        # signed volume of the tetrahedron (centre, a, b, c), accumulated in float64
        t = by * cz
        t -= bz * cy
        v = ax.astype(np.float64) * t
        t = bz * cx
        t -= bx * cz
        v += ay.astype(np.float64) * t
        t = bx * cy
        t -= by * cx
        v += az.astype(np.float64) * t
        vol[sl] = v / 6.0
        bx -= ax
        by -= ay
        bz -= az
        cx -= ax
        cy -= ay
        cz -= az
        nx = by * cz
        nx -= bz * cy
        ny = bz * cx
        ny -= bx * cz
        nzz = bx * cy
        nzz -= by * cx
        ln = nx * nx
        ln += ny * ny
        ln += nzz * nzz
        np.sqrt(ln, out=ln)
        area[sl] = 0.5 * ln
        with np.errstate(invalid="ignore", divide="ignore"):
            nz[sl] = np.where(ln > 0, nzz / ln, 0.0)
    return area, nz, vol


def _components(n_nodes: int, a: np.ndarray, b: np.ndarray) -> tuple[int, np.ndarray]:
    """Connected components of an undirected graph given as edge arrays.

    Vectorised union-find ("hook and compress"): every round hooks the larger
    of two different roots under the smaller one (``np.minimum.at``), then
    compresses paths by pointer jumping; edges already inside one component
    are dropped.  A handful of rounds suffices for meshes, and it saves the
    import of scipy.sparse on the command line's hot path.
    Returns ``(count, labels)`` with labels numbered 0..count-1.
    """
    if n_nodes == 0:
        return 0, np.zeros(0, np.int32)
    dtype = np.int32 if n_nodes < 2**31 else np.int64
    parent = np.arange(n_nodes, dtype=dtype)
    a = a.astype(dtype, copy=False)
    b = b.astype(dtype, copy=False)
    for _ in range(200):
        pa = parent[a]
        pb = parent[b]
        keep = pa != pb
        if not keep.any():
            break
        a, b, pa, pb = a[keep], b[keep], pa[keep], pb[keep]
        np.minimum.at(parent, np.maximum(pa, pb), np.minimum(pa, pb))
        while True:
            pp = parent[parent]
            if np.array_equal(pp, parent):
                break
            parent = pp
    else:  # pragma: no cover - pathological graphs: fall back to scipy
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import connected_components

        g = csr_matrix((np.ones(len(a), np.int8), (a, b)), shape=(n_nodes, n_nodes))
        return connected_components(g, directed=False)
    roots = parent == np.arange(n_nodes, dtype=dtype)
    relabel = np.cumsum(roots, dtype=dtype) - 1
    return int(roots.sum()), relabel[parent]


def _duplicates(faces: np.ndarray, valid: np.ndarray, nv: int):
    """Extra copies of a face (same three vertices in any order) and, for each
    face, the index of its first copy (itself when it is not a duplicate)."""
    nf = len(faces)
    duplicate = np.zeros(nf, bool)
    original = np.arange(nf)
    idx = np.flatnonzero(valid)
    vf = faces[idx] if len(idx) != nf else faces
    c0, c1, c2 = (np.ascontiguousarray(vf[:, k]) for k in range(3))
    lo_ = np.minimum(np.minimum(c0, c1), c2)
    hi_ = np.maximum(np.maximum(c0, c1), c2)
    mid = c0 + c1
    mid += c2
    mid -= lo_
    mid -= hi_
    del c0, c1, c2
    if nv < 2**21:  # a quick test first: most models have no copies
        dkey = (lo_.astype(np.int64) << 42) | (mid.astype(np.int64) << 21) | hi_
        dkey.sort()
        if len(dkey) < 2 or not (dkey[1:] == dkey[:-1]).any():
            return duplicate, original
        del dkey
    # the corners sorted within each face, grouped exactly (as vertices are merged)
    first, inverse = exact_groups([x.astype(np.uint32, copy=False) for x in (lo_, mid, hi_)])
    inverse = inverse.ravel()
    original[idx] = idx[first[inverse]]
    duplicate[idx] = original[idx] != idx
    return duplicate, original


def _shell_bounds(vertices, faces, shell_of_face, n_shells, lo, hi, wanted):
    """Bounding boxes of the shells; measured only for the *wanted* ones (the
    others keep the model's box), as only closed shells are compared."""
    bounds = np.zeros((n_shells, 2, 3))
    bounds[:] = [lo, hi]
    if n_shells > 1 and wanted.any():
        bounds[wanted, 0] = np.inf
        bounds[wanted, 1] = -np.inf
        ok = shell_of_face >= 0
        ok[ok] = wanted[shell_of_face[ok]]
        lab, fk = shell_of_face[ok], faces[ok]
        for axis in range(3):
            c = vertices[:, axis]
            a, b, d = c[fk[:, 0]], c[fk[:, 1]], c[fk[:, 2]]
            np.minimum.at(bounds[:, 0, axis], lab, np.minimum(np.minimum(a, b), d))
            np.maximum.at(bounds[:, 1, axis], lab, np.maximum(np.maximum(a, b), d))
    return bounds


# a face whose height is below this fraction of the model's diagonal has no area
# (float32 coordinates put collinear corners about 1e-7 of their size apart)
FLAT_HEIGHT = 1e-6


def _flat_faces(vertices, faces, area, diag, skip):
    """Faces with (near) zero area: height below FLAT_HEIGHT × diagonal.

    Only faces small enough to qualify (area ≤ ½ · diagonal · tolerance, as no
    edge is longer than the diagonal) and not in *skip* have their longest edge measured."""
    tol = FLAT_HEIGHT * diag
    flat = area <= 0.5 * diag * tol
    cand = np.flatnonzero(flat & ~skip)
    cols = [np.ascontiguousarray(vertices[:, k]) for k in range(3)] if len(cand) else []
    for s in range(0, len(cand), CHUNK):  # each corner's coordinates gathered once
        cc = cand[s:s + CHUNK]
        corner = [[c[faces[cc, j]] for c in cols] for j in range(3)]
        longest2 = np.zeros(len(cc))
        for i in range(3):
            p, q = corner[i], corner[(i + 1) % 3]
            d2 = sum((p[k] - q[k]) ** 2 for k in range(3))
            np.maximum(longest2, d2, out=longest2)
        flat[cc] = area[cc] <= 0.5 * np.sqrt(longest2) * tol
    return flat


def analyse_topology(vertices: np.ndarray, faces: np.ndarray) -> Topology:
    from .orientation import flipped_faces, orientation_parity

    nf, nv = len(faces), len(vertices)
    f0, f1, f2 = faces[:, 0], faces[:, 1], faces[:, 2]
    index_degenerate = (f0 == f1) | (f1 == f2) | (f2 == f0)
    used = vertices if nv else np.zeros((1, 3))
    lo, hi = used.min(axis=0), used.max(axis=0)
    diag = float(np.linalg.norm(hi - lo)) or 1.0
    area, nz, fvol = face_geometry(vertices, faces, (lo + hi) / 2.0)
    zero_area = index_degenerate | _flat_faces(vertices, faces, area, diag, index_degenerate)
    valid = ~index_degenerate
    duplicate, original = _duplicates(faces, valid, nv)
    # duplicates stay in the edge counts (admesh does the same): a face and its
    # reversed copy close each other's edges; plain copies show up as non-manifold
    use_idx = np.flatnonzero(valid) if not valid.all() else None
    uf = faces[use_idx] if use_idx is not None else faces
    runs = sorted_edges(uf, nv)
    key2, fa, fb, same = two_face_edges(uf, runs)
    open_edges, nonmanifold = runs.pairs(runs.lengths == 1), runs.pairs(runs.lengths > 2)
    inconsistent = runs.pairs(np.flatnonzero(runs.lengths == 2)[same])
    open_faces = runs.face[runs.starts[runs.lengths == 1]]

    holes = 0
    if len(open_edges):
        ends = open_edges.ravel()
        on_hole = np.zeros(nv, bool)
        on_hole[ends] = True
        inv = (np.cumsum(on_hole) - 1)[ends].reshape(-1, 2)  # dense numbers of the hole vertices
        holes, _ = _components(int(inv.max()) + 1, inv[:, 0], inv[:, 1])

    # parts: faces joined through edges that exactly two (distinct) faces share,
    # so parts touching at a vertex or along an edge stay apart (like admesh)
    local_dup = duplicate[use_idx] if use_idx is not None else duplicate
    if local_dup.any():
        key2, fa, fb, same = two_face_edges(uf, runs, ~local_dup)
    del runs, key2
    m = len(uf)
    n_shells, label = _components(m, fa, fb)
    label = label.astype(np.int32)
    if local_dup.any():
        local_of = np.full(nf, -1, np.int64)
        local_of[use_idx if use_idx is not None else np.arange(nf)] = np.arange(m)
        dup_local = np.flatnonzero(local_dup)
        orig = original[use_idx[dup_local] if use_idx is not None else dup_local]
        label[dup_local] = label[local_of[orig]]
        n_shells, label = _relabel(label)
    shell_of_face = np.full(nf, -1, np.int32)
    shell_of_face[use_idx if use_idx is not None else slice(None)] = label
    flipped = np.zeros(0, np.int64)
    if len(inconsistent):
        to_global = use_idx if use_idx is not None else np.arange(nf)
        parity = np.zeros(nf, np.int8)
        parity[to_global] = orientation_parity(m, fa, fb, same, label)
        flipped = flipped_faces(parity, shell_of_face, fvol)
    oriented = fvol.copy()
    oriented[flipped] = -oriented[flipped]
    sf_use = np.where(shell_of_face >= 0, shell_of_face, n_shells)  # ignored faces go to a dump bin
    shell_volume = np.bincount(sf_use, weights=oriented, minlength=n_shells + 1)[:n_shells]
    shell_faces = np.bincount(sf_use, minlength=n_shells + 1)[:n_shells]
    shell_closed = np.ones(n_shells, bool)
    shell_closed[label[open_faces]] = False
    return Topology(
        n_faces=nf, n_vertices=nv, index_degenerate=index_degenerate, zero_area=zero_area,
        duplicate=duplicate, area=area, normal_z=nz, face_volume=fvol,
        open_edges=open_edges, nonmanifold_edges=nonmanifold, inconsistent_edges=inconsistent,
        n_open_edges=len(open_edges), n_nonmanifold_edges=len(nonmanifold),
        n_inconsistent_edges=len(inconsistent), holes=int(holes),
        shell_of_face=shell_of_face, n_shells=int(n_shells), shell_volume=shell_volume,
        shell_closed=shell_closed, shell_faces=shell_faces,
        shell_bounds=_shell_bounds(vertices, faces, shell_of_face, n_shells, lo, hi,
                                   shell_closed if (shell_closed & (shell_volume < 0)).any() else shell_closed & False),
        flipped_faces=flipped, first_copy=original,
    )


def _relabel(label: np.ndarray) -> tuple[int, np.ndarray]:
    present, dense = np.unique(label, return_inverse=True)
    return len(present), dense.astype(np.int32)
