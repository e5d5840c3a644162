"""Minimum wall thickness by inward ray casting.

Points are laid on every face in a grid at most SPACING_MM apart (one point at
least per face), so any wall feature of 2 × 2 mm carries points; when that
would be more than the ray budget, points are merged per cell of a grid and
per normal direction, and the spacing grows until the budget holds: the
result then says that it sampled.  A ray is cast from each point against the
face normal, into the material, and the distance to the first face it leaves
the material through is the local wall thickness.  Triangles are binned in a uniform grid; each ray is marched in
segments no longer than a cell, and only the triangles in the cells
overlapped by a segment's bounding box are tested (Möller–Trumbore), so the
first hit is found without testing every triangle.
"""

from __future__ import annotations

import numpy as np

# rays are followed this far; walls thicker than this are reported as "at least"
MAX_DISTANCE_MM = 25.0
# points at most this far apart find every wall feature of 2 x 2 mm
SPACING_MM = 1.0
MAX_RAYS = 20_000
# above this many faces the ray budget shrinks in proportion (down to MIN_RAYS)
LARGE_MESH_FACES = 100_000
MIN_RAYS = 1_500
# the thinnest wall reported is the thinnest one over at least this much surface (mm²),
# so that one ray grazing a sharp corner is not taken for a wall
MIN_THIN_AREA_MM2 = 2.0


_OFFSETS = np.array([[dx, dy, dz] for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-1, 0, 1)],
                    np.int64)


def _grid(vertices: np.ndarray, faces: np.ndarray, lo: np.ndarray, hi: np.ndarray, target_cells: int):
    size = np.maximum(hi - lo, 1e-9)
    cell = float((np.prod(size) / max(target_cells, 1)) ** (1.0 / 3.0))
    cell = max(cell, float(size.max()) / 256.0, 1e-9)
    dims = np.maximum(np.ceil(size / cell).astype(np.int64), 1)
    # vertex cell coordinates first (V is smaller than 3F), then per-face
    # min/span along each axis, all as 1-D int32 arrays
    fcols = [np.ascontiguousarray(faces[:, j]) for j in range(3)]
    small = np.ones(len(faces), bool)
    mins, spans = [], []
    for k in range(3):
        vc = ((vertices[:, k] - lo[k]) * (1.0 / cell)).astype(np.int32)
        np.clip(vc, 0, dims[k] - 1, out=vc)
        a, b, c = vc[fcols[0]], vc[fcols[1]], vc[fcols[2]]
        mn = np.minimum(np.minimum(a, b), c)
        sp = np.maximum(np.maximum(a, b), c)
        sp -= mn
        sp += 1
        small &= sp <= 2
        mins.append(mn)
        spans.append(sp)
    del fcols
    # triangles no wider than one cell (the vast majority on dense meshes) are
    # registered once, in the cell of their minimum corner; queries widen their
    # cell range by one cell downwards to find them.  Wider triangles are
    # registered in every cell their bounding box overlaps.
    tid_small = np.flatnonzero(small)
    cid_small = (mins[2][small].astype(np.int64) * dims[1] + mins[1][small]) * dims[0] + mins[0][small]
    big = np.flatnonzero(~small)
    span_b = np.stack([sp[big] for sp in spans], axis=1).astype(np.int64)
    tmin_b = np.stack([mn[big] for mn in mins], axis=1).astype(np.int64)
    del mins, spans, small
    counts = span_b.prod(axis=1)
    total = int(counts.sum())
    if total > 40_000_000:
        return None
    tid = np.repeat(big, counts)
    offs = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    sx = np.repeat(span_b[:, 0], counts)
    sy = np.repeat(span_b[:, 1], counts)
    ix = np.repeat(tmin_b[:, 0], counts) + offs % sx
    iy = np.repeat(tmin_b[:, 1], counts) + (offs // sx) % sy
    iz = np.repeat(tmin_b[:, 2], counts) + offs // (sx * sy)
    cid = np.concatenate([cid_small, (iz * dims[1] + iy) * dims[0] + ix])
    tid = np.concatenate([tid_small, tid])
    # sort (cell, triangle) pairs with one packed plain sort (faster than argsort)
    tb = max(int(len(faces)).bit_length(), 1)
    cid <<= tb
    cid |= tid
    cid.sort()
    tid = cid & ((1 << tb) - 1)
    cid >>= tb
    ncell = int(dims.prod())
    start = np.searchsorted(cid, np.arange(ncell + 1))
    return cell, dims, start, tid


def _ray_hits(orig, direc, vertices, faces, cand_ray, cand_tri, eps):
    """Möller–Trumbore for (ray, triangle) pairs; returns t (inf = miss) and
    whether the ray leaves through the face (face normal along the ray)."""
    f = faces[cand_tri]
    v0 = vertices[f[:, 0]]
    e1 = vertices[f[:, 1]] - v0
    e2 = vertices[f[:, 2]] - v0
    d = direc[cand_ray]
    o = orig[cand_ray]
    p = np.cross(d, e2)
    det = np.einsum("ij,ij->i", e1, p)
    ok = np.abs(det) > 1e-18
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    s = o - v0
    u = np.einsum("ij,ij->i", s, p) * inv
    q = np.cross(s, e1)
    v = np.einsum("ij,ij->i", d, q) * inv
    t = np.einsum("ij,ij->i", e2, q) * inv
    hit = ok & (u >= -1e-9) & (v >= -1e-9) & (u + v <= 1 + 1e-9) & (t > eps)
    # leaving the material: the geometric normal e1×e2 points along d (det < 0 here
    # because det = e1·(d×e2) = -d·(e1×e2))
    leaving = det < 0
    return np.where(hit, t, np.inf), leaving


def _face_frames(tri: np.ndarray):
    """For each triangle: the start and unit direction of its longest edge, its length,
    the unit in-plane perpendicular and the height over that edge."""
    edges = np.stack([tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 1], tri[:, 0] - tri[:, 2]], axis=1)
    lengths = np.linalg.norm(edges, axis=2)
    k = np.argmax(lengths, axis=1)
    r = np.arange(len(tri))
    start, e1, length = tri[r, k], edges[r, k], lengths[r, k]
    e1 = e1 / np.maximum(length, 1e-300)[:, None]
    apex = tri[r, (k + 2) % 3] - start
    e2 = apex - (apex * e1).sum(axis=1)[:, None] * e1
    height = np.linalg.norm(e2, axis=1)
    return start, e1, length, e2 / np.maximum(height, 1e-300)[:, None], height, apex


def _grid_points(tri: np.ndarray, spacing: float):
    """Points in each triangle on a grid at most *spacing* apart, laid along its
    longest edge; at least one per triangle.  Returns ``(points, face, count per face)``."""
    start, e1, length, e2, height, apex = _face_frames(tri)
    n1 = np.maximum(np.ceil(length / spacing), 1).astype(np.int64)
    n2 = np.maximum(np.ceil(height / spacing), 1).astype(np.int64)
    per = n1 * n2
    face = np.repeat(np.arange(len(tri)), per)
    local = np.arange(int(per.sum())) - np.repeat(np.cumsum(per) - per, per)
    i, j = local % n1[face], local // n1[face]
    u = (i + 0.5) / n1[face] * length[face]
    w = (j + 0.5) / n2[face] * height[face]
    # inside: at height w the triangle spans [a·w/h, L - (L - a)·w/h] along the edge
    a = (apex * e1).sum(axis=1)[face]
    frac = w / np.maximum(height[face], 1e-300)
    inside = (u >= a * frac) & (u <= length[face] - (length[face] - a) * frac)
    face, u, w = face[inside], u[inside], w[inside]
    pts = start[face] + e1[face] * u[:, None] + e2[face] * w[:, None]
    count = np.bincount(face, minlength=len(tri))
    lone = np.flatnonzero(count == 0)  # no grid point fell inside: the centroid
    pts = np.vstack([pts, tri[lone].mean(axis=1)])
    face = np.concatenate([face, lone])
    return pts, face, np.maximum(count, 1)


def _merge_per_cell(pts, face, weight, normals, cell):
    """One point per grid cell and normal direction (the heaviest), weights summed."""
    q = np.floor((pts - pts.min(axis=0)) / cell).astype(np.int64)
    dims = q.max(axis=0) + 1
    side = np.argmax(np.abs(normals[face]), axis=1) * 2 + (normals[face][np.arange(len(face)),
                                                                       np.argmax(np.abs(normals[face]), axis=1)] > 0)
    key = ((q[:, 0] * dims[1] + q[:, 1]) * dims[2] + q[:, 2]) * 6 + side
    order = np.lexsort((-weight, key))
    ks = key[order]
    first = np.ones(len(ks), bool)
    first[1:] = ks[1:] != ks[:-1]
    keep = order[first]
    summed = np.add.reduceat(weight[order], np.flatnonzero(first))
    return pts[keep], face[keep], summed


def _ray_budget(n_faces: int, budget: int) -> int:
    """Fewer rays on very large meshes: each ray's cost grows with the triangle count."""
    return int(np.clip(budget * LARGE_MESH_FACES / max(n_faces, 1), min(budget, MIN_RAYS), budget))


def surface_points(vertices, faces, area, budget: int = MAX_RAYS, spacing: float = SPACING_MM):
    """Points covering every face (see the module doc), with the area each stands for.

    Returns ``(points, face, weight, spacing, sampled)``.  On a mesh with many
    more faces than rays, faces are first drawn in proportion to their area.
    """
    budget = _ray_budget(len(faces), budget)
    good = np.flatnonzero(area > 0)
    total = float(area[good].sum())
    spacing = max(spacing, (total / budget) ** 0.5 * 0.7)
    sampled = spacing > SPACING_MM
    if len(good) > 4 * budget:
        cdf = np.cumsum(area[good])
        draw = np.random.default_rng(0).random(4 * budget) * cdf[-1]
        good = good[np.unique(np.searchsorted(cdf, draw, side="right").clip(0, len(good) - 1))]
        sampled = True
    tri = vertices[faces[good]]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    scale = total / float(area[good].sum())
    while True:
        pts, face, count = _grid_points(tri, spacing)
        weight = area[good][face] / count[face] * scale
        if len(pts) > budget:
            pts, face, weight = _merge_per_cell(pts, face, weight, normals, spacing)
        if len(pts) <= budget:
            return pts, good[face], weight, float(spacing), sampled
        spacing *= 1.25 * (len(pts) / budget) ** 0.5
        sampled = True


def wall_thickness(vertices: np.ndarray, faces: np.ndarray, area: np.ndarray, samples: int = MAX_RAYS,
                   max_distance: float | None = None, thin_below_mm: float | None = None) -> dict | None:
    """Measure wall thickness; returns a dict of figures or None if not possible.

    *samples* is the ray budget.  ``sampled`` is False when the points lie at
    most SPACING_MM apart everywhere (every 2 × 2 mm feature is measured).  With *thin_below_mm*,
    ``thin`` lists the places thinner than that (see ``_thin_places``)."""
    if not (area > 0).any():
        return None
    lo = vertices.min(axis=0)
    hi = vertices.max(axis=0)
    diag = float(np.linalg.norm(hi - lo))
    if max_distance is None:
        max_distance = min(diag, MAX_DISTANCE_MM)
    pts, pick, weight, spacing, sampled = surface_points(vertices, faces, area, budget=samples)
    tri_s = vertices[faces[pick]]
    nrm = np.cross(tri_s[:, 1] - tri_s[:, 0], tri_s[:, 2] - tri_s[:, 0])
    nrm /= np.linalg.norm(nrm, axis=1, keepdims=True)
    best = _cast(vertices, faces, pts, -nrm, lo, hi, diag, max_distance)
    if best is None:
        return None
    figures = {"searched_mm": float(max_distance), "samples": int(len(pts)), "spacing_mm": round(spacing, 2),
               "sampled": bool(sampled)}
    found = np.isfinite(best)
    if not found.any():
        return {**figures, "min_mm": None, "raw_min_mm": None, "p05_mm": None, "median_mm": None, "hits": 0,
                "min_location": None}
    vals, w = best[found], weight[found]
    order = np.argsort(vals)
    need = min(MIN_THIN_AREA_MM2, 0.25 * float(w.sum()))
    k = int(np.searchsorted(np.cumsum(w[order]), need - 1e-12))
    at = order[min(k, len(order) - 1)]
    thin = _thin_places(pts[found], -nrm[found], vals, w, float(vals[at]), thin_below_mm)
    return {
        **figures,
        **thin,
        "min_mm": float(vals[at]),
        "raw_min_mm": float(vals.min()),
        "p05_mm": float(np.percentile(vals, 5)),
        "median_mm": float(np.median(vals)),
        "hits": int(found.sum()),
        "min_location": [float(x) for x in pts[found][at]],
    }


THIN_PLACES_CAP = 2000


def _thin_places(pts, direc, vals, weight, min_mm: float, below: float | None) -> dict:
    """The samples thinner than *below*, each as the segment it crossed the wall along, thinnest first.

    Only when the thinnest wall reported (``min_mm``) is below it too, so that the places agree with
    the verdict: one ray grazing a corner does not make a thin wall."""
    if below is None:
        return {}
    # the same tolerance as the min_wall_mm requirement (lms.geometry.requirements)
    thin = np.flatnonzero(vals + 1e-6 < below) if min_mm + 1e-6 < below else np.zeros(0, np.int64)
    thin = thin[np.argsort(vals[thin], kind="stable")]
    ends = pts[thin] + direc[thin] * vals[thin, None]
    segments = np.round(np.hstack([pts[thin], ends])[:THIN_PLACES_CAP], 3)
    return {"thin_below_mm": float(below), "thin_count": int(len(thin)),
            "thin_area_mm2": float(weight[thin].sum()), "thin": segments.tolist()}


def _cast(vertices, faces, pts, direc, lo, hi, diag, max_distance):
    """Distance along each ray to the first face it leaves the material through (inf: none)."""
    samples = len(pts)
    eps = 1e-6 * max(diag, 1e-9)
    grid = _grid(vertices, faces, lo, hi, target_cells=max(len(faces) // 2, 8))
    if grid is None:
        return None
    best = np.full(samples, np.inf)
    cell, dims, start, tid = grid
    step = cell
    nsteps = int(np.ceil(max_distance / step)) + 1
    active = np.arange(samples)
    for k in range(nsteps):
        if len(active) == 0:
            break
        t0 = k * step
        t1 = (k + 1) * step
        a = pts[active] + direc[active] * t0
        b = pts[active] + direc[active] * t1
        cmin = np.floor((np.minimum(a, b) - lo) / cell).astype(np.int64)
        cmax = np.floor((np.maximum(a, b) - lo) / cell).astype(np.int64)
        inside = (cmax >= 0).all(axis=1) & (cmin < dims).all(axis=1)
        # segment box covers at most 2 cells per axis; widen one cell downwards
        # for small triangles registered at their minimum corner
        cells = cmin[:, None, :] + _OFFSETS[None, :, :]
        valid = (inside[:, None] & (cells <= cmax[:, None, :]).all(axis=2)
                 & (cells >= 0).all(axis=2) & (cells < dims).all(axis=2))
        rays = np.broadcast_to(active[:, None], valid.shape)[valid]
        cells = cells[valid]
        if len(rays):
            cid = (cells[:, 2] * dims[1] + cells[:, 1]) * dims[0] + cells[:, 0]
            s0 = start[cid]
            cnt = start[cid + 1] - s0
            total = int(cnt.sum())
            if total:
                rr = np.repeat(rays, cnt)
                off = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
                tt = tid[np.repeat(s0, cnt) + off]
                t, leaving = _ray_hits(pts, direc, vertices, faces, rr, tt, eps)
                t = np.where(leaving, t, np.inf)
                np.minimum.at(best, rr, t)
        done = (best[active] <= t1) | ~inside
        active = active[~done]
    best[best > max_distance] = np.inf  # a cell can hold faces beyond the distance searched
    return best
