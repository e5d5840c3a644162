"""Optional repair: returns a *new* mesh plus a list of what was changed.

The original mesh is never modified.  Steps, in order: merge bitwise-equal
vertices, remove degenerate (zero-area) faces, remove duplicate faces, fix
inconsistent winding (flip the minority orientation of each connected
surface), turn inside-out shells the right way, fill small holes (a fan of
triangles around the centre of each hole loop).
"""

from __future__ import annotations

import struct

import numpy as np

from .errors import GeometryError
from .i18n import N_, msg
from .mesh import Mesh, from_indexed
from .orientation import inverted_shells
from .topology import analyse_topology

MAX_HOLE_EDGES = 100


class RepairRefusedError(GeometryError):
    """Repair would make the model worse or leave nothing of it."""

    code = "repair_refused"


def _change(cid: str, count: int, template: str, **params) -> dict:
    return {"id": cid, "count": int(count), **msg(template, count=int(count), **params)}


def _figures(topo) -> tuple[int, int, int]:
    """What repair must never increase: open edges, non-manifold edges, parts."""
    return topo.n_open_edges, topo.n_nonmanifold_edges, topo.n_shells


def _remove_degenerate(v, f, topo):
    bad = topo.zero_area
    if not bad.any():
        return None
    return v, f[~bad], int(bad.sum())


def _cyclic(rows: np.ndarray) -> np.ndarray:
    """Each face's vertices in its own cyclic order, started at its smallest vertex."""
    start = np.argmin(rows, axis=1)
    r = np.arange(len(rows))
    return np.stack([rows[r, (start + k) % 3] for k in range(3)], axis=1)


def _same_winding_copies(f, topo):
    """Duplicates wound like their first copy; a reversed copy is a face two bodies share."""
    dup = np.flatnonzero(topo.duplicate)
    same = (_cyclic(f[dup]) == _cyclic(f[topo.first_copy[dup]])).all(axis=1)
    return dup[same]


def _remove_duplicates(v, f, topo):
    copies = _same_winding_copies(f, topo)
    if not len(copies):
        return None
    keep = np.ones(len(f), bool)
    keep[copies] = False
    return v, f[keep], len(copies)


def _fix_winding(v, f, topo):
    flipped = topo.flipped_faces
    if not len(flipped):
        return None
    f = f.copy()
    f[flipped] = f[flipped][:, ::-1]
    return v, f, len(flipped)


def _fix_inverted(v, f, topo):
    inv = inverted_shells(topo.shell_closed, topo.shell_volume, topo.shell_bounds)
    if not len(inv):
        return None
    sel = np.isin(topo.shell_of_face, inv)
    f = f.copy()
    f[sel] = f[sel][:, ::-1]
    return v, f, len(inv)


STEPS = (
    (_remove_degenerate, "removed_degenerate", N_("Removed %(count)s degenerate (zero-area) faces."),
     "kept_degenerate", N_("Kept %(count)s degenerate (zero-area) faces: removing them would open the surface.")),
    (_remove_duplicates, "removed_duplicates", N_("Removed %(count)s duplicate faces."),
     "kept_duplicates", N_("Kept %(count)s duplicate faces: removing them would open the surface.")),
    (_fix_winding, "fixed_winding", N_("Flipped %(count)s faces to make the winding consistent."),
     "kept_winding", N_("Left %(count)s faces as they are: flipping them would open the surface.")),
    (_fix_inverted, "fixed_inverted", N_("Turned %(count)s inside-out parts the right way out."),
     None, None),
)


def repair(mesh: Mesh, fill_holes: bool = True, max_hole_edges: int = MAX_HOLE_EDGES) -> tuple[Mesh, list[dict]]:
    """Repair step by step; a step that would add open or non-manifold edges
    or parts is left out (and said so), so the result is never worse."""
    changes: list[dict] = []
    fixed = from_indexed(mesh.vertices, mesh.faces, name=mesh.name, format=mesh.format, units=mesh.units,
                         file_size=mesh.file_size)
    merged = mesh.vertex_count - fixed.vertex_count
    if merged > 0:
        changes.append(_change("merged_vertices", merged, N_("Merged %(count)s duplicate vertices.")))
    v, f = fixed.vertices, fixed.faces.astype(np.int64)
    topo = analyse_topology(v, f)
    if topo.zero_area.all():
        raise RepairRefusedError(
            N_("%(file)s has only degenerate (zero-area) triangles: nothing printable would be left, so it "
               "was not repaired. Export the model again from your CAD tool."), file=mesh.name)
    for step, cid, template, kept_id, kept_template in STEPS:
        done = step(v, f, topo)
        if done is None:
            continue
        v2, f2, count = done
        topo2 = analyse_topology(v2, f2)
        if all(a <= b for a, b in zip(_figures(topo2), _figures(topo))):
            v, f, topo = v2, f2, topo2
            changes.append(_change(cid, count, template))
        elif kept_id:
            changes.append(_change(kept_id, count, kept_template))
    if fill_holes and topo.n_open_edges:
        v, f, topo = _fill_step(v, f, topo, max_hole_edges, changes)
    out = Mesh(v, f.astype(np.int32 if len(v) < 2**31 - 1 else np.int64), mesh.name, mesh.format, mesh.units,
               mesh.file_size)
    return out, changes


def _fill_step(v, f, topo, max_hole_edges, changes):
    v2, f2, filled, skipped = _fill_holes(v, f, max_hole_edges)
    if filled:
        topo2 = analyse_topology(v2, f2)
        if all(a <= b for a, b in zip(_figures(topo2), _figures(topo))):
            v, f, topo = v2, f2, topo2
            changes.append(_change("filled_holes", filled, N_("Filled %(count)s small holes.")))
        else:
            skipped += filled
    if skipped:
        changes.append(_change(
            "holes_left", skipped,
            N_("Left %(count)s holes open: larger than %(limit)s edges or with edges that touch, "
               "close them in your CAD tool."), limit=int(max_hole_edges)))
    return v, f, topo


def _fill_holes(v: np.ndarray, f: np.ndarray, max_edges: int):
    """Fan-fill every simple hole loop of at most *max_edges* edges (one new
    vertex at its centre).  Loops through a vertex with more than two open
    edges are left alone: a fan there would make non-manifold edges."""
    from .topology import _components

    a = np.concatenate([f[:, 0], f[:, 1], f[:, 2]])
    b = np.concatenate([f[:, 1], f[:, 2], f[:, 0]])
    nv = np.int64(len(v))
    key = np.minimum(a, b) * nv + np.maximum(a, b)
    _, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
    open_ = counts[inv] == 1
    ea, eb = a[open_], b[open_]  # directed as in their face
    if len(ea) == 0:
        return v, f, 0, 0
    verts, idx = np.unique(np.concatenate([ea, eb]), return_inverse=True)
    ia, ib = idx[: len(ea)], idx[len(ea):]
    n_loops, loop = _components(len(verts), ia, ib)
    loop_of_edge = loop[ia]
    sizes = np.bincount(loop_of_edge, minlength=n_loops)
    degree = np.bincount(ia, minlength=len(verts)) + np.bincount(ib, minlength=len(verts))
    crowded = np.bincount(loop, weights=degree != 2, minlength=n_loops) > 0
    ok = (sizes <= max_edges) & ~crowded
    present = np.bincount(loop_of_edge, minlength=n_loops) > 0
    small = ok[loop_of_edge]
    new_id = np.cumsum(ok) - 1
    # in a simple loop every vertex starts exactly one open edge: the centre is their mean
    centres = np.stack([np.bincount(loop_of_edge[small], weights=v[ea[small], k], minlength=n_loops)
                        for k in range(3)], axis=1)[ok] / sizes[ok][:, None]
    new_faces = np.stack([eb[small], ea[small], len(v) + new_id[loop_of_edge[small]]], axis=1)
    skipped = int((present & ~ok).sum())
    return np.vstack([v, centres]), np.vstack([f, new_faces]), int(ok.sum()), skipped


def export_stl(mesh: Mesh) -> bytes:
    """Binary STL of *mesh* (float32, with unit normals)."""
    tri = mesh.vertices[mesh.faces].astype(np.float64)
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    ln = np.linalg.norm(n, axis=1, keepdims=True)
    n = np.where(ln > 0, n / np.where(ln > 0, ln, 1), 0)
    rec = np.zeros(len(tri), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")])
    rec["n"] = n
    rec["v"] = tri
    header = f"binary STL from lms.geometry: {mesh.name}"[:80].encode("ascii", "replace").ljust(80, b" ")
    return header + struct.pack("<I", len(tri)) + rec.tobytes()
