"""Does the model fit a printer's build volume, and turned how?

The search runs on the model's convex hull (only its points decide the
extents).  First the simple turns: lying as it is, on its side or on its end,
each turned about the vertical axis in 1° steps.  When none of them leaves a
comfortable margin, tilted orientations are tried: the model's long axes
aimed along the build volume's diagonals, turned about them, then refined
by a local search.  The turn suggested is the simplest one that fits with a
comfortable margin (a tilt only when no simple turn fits); it is given as turns about the fixed X, Y, Z axes, in
order, and measured again on every vertex.
"""

from __future__ import annotations

import numpy as np

# a fit with this much room is comfortable: a simpler turn with it beats a tilted one with more
COMFORT_MM = 1.0
MAX_HULL_POINTS = 2000


def _hull_points(vertices: np.ndarray) -> np.ndarray:
    """Convex hull vertices, thinned to at most MAX_HULL_POINTS support points."""
    pts = np.unique(np.asarray(vertices, float), axis=0) if len(vertices) < 50_000 else vertices
    try:
        from scipy.spatial import ConvexHull

        pts = pts[ConvexHull(pts).vertices]
    except Exception:  # flat or degenerate input: keep the points
        pass
    if len(pts) > MAX_HULL_POINTS:
        dirs = _sphere_directions(MAX_HULL_POINTS // 2)
        pts = pts[np.unique(np.argmax(pts @ dirs.T, axis=0))]
    return pts - pts.mean(axis=0)


def _sphere_directions(n: int) -> np.ndarray:
    i = np.arange(n) + 0.5
    z = 1 - 2 * i / n
    r = np.sqrt(1 - z * z)
    t = np.pi * (1 + 5 ** 0.5) * i
    return np.stack([r * np.cos(t), r * np.sin(t), z], axis=1)


def _about(axis: int, deg: np.ndarray) -> np.ndarray:
    """Rotation matrices (N, 3, 3) about a coordinate axis."""
    t = np.radians(np.atleast_1d(deg))
    c, s = np.cos(t), np.sin(t)
    m = np.zeros((len(t), 3, 3))
    i, j = ((1, 2), (2, 0), (0, 1))[axis]  # right-handed: y turns z towards x
    m[:, axis, axis] = 1
    m[:, i, i], m[:, i, j], m[:, j, i], m[:, j, j] = c, -s, s, c
    return m


def _margins(pts: np.ndarray, rots: np.ndarray, build: np.ndarray, chunk: int = 256):
    """Smallest margin and extents of *pts* turned by each of *rots* (N, 3, 3)."""
    marg = np.empty(len(rots))
    ext = np.empty((len(rots), 3))
    for s in range(0, len(rots), chunk):
        p = np.einsum("rij,nj->rni", rots[s:s + chunk], pts)
        e = p.max(axis=1) - p.min(axis=1)
        ext[s:s + chunk] = e
        marg[s:s + chunk] = (build - e).min(axis=1)
    return marg, ext


def _simple_turns():
    """(rotation, turns) for lying, on its side, on its end, each turned about Z."""
    degs = np.arange(0.0, 180.0, 1.0)
    out = []
    for first in (None, ("x", 0), ("y", 1)):
        base = np.eye(3) if first is None else _about(first[1], 90.0)[0]
        rots = _about(2, degs) @ base
        for d, r in zip(degs, rots):
            turns = ([] if first is None else [(first[0], 90.0)]) + ([("z", float(d))] if d else [])
            out.append((r, turns))
    return out


def _align(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A rotation taking unit vector *a* to unit vector *b*."""
    v = np.cross(a, b)
    c = float(a @ b)
    if c < -1 + 1e-12:  # opposite: turn half way about any perpendicular axis
        p = np.eye(3)[np.argmin(np.abs(a))]
        v = np.cross(a, p)
        v /= np.linalg.norm(v)
        return 2 * np.outer(v, v) - np.eye(3)
    k = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + k + k @ k / (1 + c)


def _tilted(pts: np.ndarray, build: np.ndarray) -> np.ndarray:
    """Rotations aiming the model's main axes along the build volume's diagonals."""
    _, _, axes = np.linalg.svd(pts - pts.mean(axis=0), full_matrices=False)
    signs = np.array([[1, 1, 1], [-1, 1, 1], [1, -1, 1], [1, 1, -1],
                      [1, 1, 0], [1, -1, 0], [1, 0, 1], [1, 0, -1], [0, 1, 1], [0, 1, -1]], float)
    targets = signs * build
    targets /= np.linalg.norm(targets, axis=1, keepdims=True)
    spins = np.radians(np.arange(0.0, 180.0, 3.0))
    rots = []
    for d in axes[:2]:
        for t in targets:
            base = _align(d, t)
            k = np.array([[0, -t[2], t[1]], [t[2], 0, -t[0]], [-t[1], t[0], 0]])
            for s in spins:  # Rodrigues: turn about the target direction
                rots.append((np.eye(3) + np.sin(s) * k + (1 - np.cos(s)) * k @ k) @ base)
    return np.array(rots)


def _refine(pts: np.ndarray, rot: np.ndarray, build: np.ndarray) -> np.ndarray:
    from scipy.optimize import minimize
    from scipy.spatial.transform import Rotation

    def loss(x):
        r = Rotation.from_rotvec(x).as_matrix() @ rot
        return -_margins(pts, r[None], build)[0][0]

    res = minimize(loss, np.zeros(3), method="Nelder-Mead",
                   options={"initial_simplex": np.vstack([np.zeros(3), np.eye(3) * 0.05]),
                            "xatol": 1e-4, "fatol": 1e-3, "maxiter": 400})
    return Rotation.from_rotvec(res.x).as_matrix() @ rot


def _as_turns(rot: np.ndarray) -> list[tuple[str, float]]:
    """Turns about the fixed X, Y, Z axes (in that order), in whole degrees when that still fits."""
    from scipy.spatial.transform import Rotation

    angles = Rotation.from_matrix(rot).as_euler("xyz", degrees=True)
    return [(a, float(d)) for a, d in zip("xyz", angles) if abs(d) > 1e-9]


def _turns_matrix(turns) -> np.ndarray:
    m = np.eye(3)
    for axis, deg in turns:
        m = _about("xyz".index(axis), deg)[0] @ m
    return m


def _best_simple(pts, build):
    cands = _simple_turns()
    marg, _ = _margins(pts, np.array([r for r, _ in cands]), build)
    top = float(marg.max())
    good = np.flatnonzero(marg >= min(top, COMFORT_MM) - 1e-9)
    # fewest turns, then the smallest turn, then the most room
    pick = min(good, key=lambda i: (len(cands[i][1]), sum(abs(d) for _, d in cands[i][1]), -marg[i]))
    return cands[pick][1], top


def _best_tilted(pts, build):
    rots = _tilted(pts, build)
    marg, _ = _margins(pts, rots, build)
    best = max((_refine(pts, rots[i], build) for i in np.argsort(-marg)[:3]),
               key=lambda r: _margins(pts, r[None], build)[0][0])
    exact = _margins(pts, best[None], build)[0][0]
    turns = _as_turns(best)
    for digits in (0, 1):  # whole degrees when they cost little room
        rounded = [(a, float(np.round(d, digits))) for a, d in turns]
        if _margins(pts, _turns_matrix(rounded)[None], build)[0][0] >= max(exact - 0.5, exact / 2):
            return [(a, d) for a, d in rounded if d]
    return turns


def fit_build_volume(vertices: np.ndarray, build: list[float], _cache: dict | None = None,
                     bounds: tuple | None = None) -> dict:
    """Find an orientation in which the model fits *build* (X, Y, Z in mm)."""
    build = np.asarray(build, float)
    lo, hi = (vertices.min(axis=0), vertices.max(axis=0)) if bounds is None else bounds
    ext = hi - lo
    as_is = bool((ext <= build + 1e-9).all())
    result = {
        "build_volume_mm": [float(b) for b in build], "extents_mm": [float(e) for e in ext],
        "fits_as_is": as_is, "fits": as_is, "rotation": [],
        "oriented_extents_mm": [float(e) for e in ext], "margin_mm": float((build - ext).min()),
    }
    if as_is:
        return result
    cache = _cache if _cache is not None else {}
    if "hull" not in cache:
        cache["hull"] = _hull_points(vertices)
    pts = cache["hull"]
    turns, margin = _best_simple(pts, build)
    if margin < 0:  # no simple turn fits: try tilting
        tilted = _best_tilted(pts, build)
        if _margins(pts, _turns_matrix(tilted)[None], build)[0][0] > margin + 1e-6:
            turns = tilted
    turns = [(a, round(d, 1)) for a, d in turns]
    # measured again on every vertex, as the turns are written
    p = np.asarray(vertices, float) @ _turns_matrix(turns).T
    oext = p.max(axis=0) - p.min(axis=0)
    margin = float((build - oext).min())
    result.update({
        "fits": bool(margin >= -1e-9), "margin_mm": margin,
        "rotation": [{"axis": a, "degrees": d} for a, d in turns],
        "oriented_extents_mm": [float(x) for x in oext],
    })
    return result


def rotation_text(rotation: list[dict]) -> str:
    """Turns in a notation without words ("X 90° → Z 90°"), so translated messages carry no English."""
    return " → ".join(f"{r['axis'].upper()} {r['degrees']:g}°" for r in rotation)
