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

from .i18n import N_, msg
from .mesh import Mesh, from_indexed
from .topology import analyse_topology, find_flipped_faces

MAX_HOLE_EDGES = 100


def _change(cid: str, count: int, template: str, **params) -> dict:
    return {"id": cid, "count": int(count), **msg(template, count=int(count), **params)}


def repair(mesh: Mesh, fill_holes: bool = True, max_hole_edges: int = MAX_HOLE_EDGES) -> tuple[Mesh, list[dict]]:
    changes: list[dict] = []
    fixed = from_indexed(mesh.vertices, mesh.faces, name=mesh.name, format=mesh.format, units=mesh.units,
                         file_size=mesh.file_size)
    merged = mesh.vertex_count - fixed.vertex_count
    if merged > 0:
        changes.append(_change("merged_vertices", merged, N_("Merged %(count)s duplicate vertices.")))
    v, f = fixed.vertices, fixed.faces.astype(np.int64)

    topo = analyse_topology(v, f)
    bad = topo.zero_area
    if bad.any():
        f = f[~bad]
        changes.append(_change("removed_degenerate", bad.sum(), N_("Removed %(count)s degenerate (zero-area) faces.")))
    topo = analyse_topology(v, f)
    if topo.duplicate.any():
        n = int(topo.duplicate.sum())
        f = f[~topo.duplicate]
        changes.append(_change("removed_duplicates", n, N_("Removed %(count)s duplicate faces.")))
        topo = analyse_topology(v, f)
    if topo.n_inconsistent_edges:
        flipped = find_flipped_faces(f, np.ones(len(f), bool), topo.shell_of_face)
        if len(flipped):
            f = f.copy()
            f[flipped] = f[flipped][:, ::-1]
            changes.append(_change("fixed_winding", len(flipped), N_("Flipped %(count)s faces to make the winding consistent.")))
            topo = analyse_topology(v, f)
    from .analysis import _inverted_shells

    inv = _inverted_shells(topo)
    if len(inv):
        sel = np.isin(topo.shell_of_face, inv)
        f = f.copy()
        f[sel] = f[sel][:, ::-1]
        changes.append(_change("fixed_inverted", len(inv), N_("Turned %(count)s inside-out parts the right way out.")))
        topo = analyse_topology(v, f)
    if fill_holes and topo.n_open_edges:
        v, f, filled, skipped = _fill_holes(v, f, max_hole_edges)
        if filled:
            changes.append(_change("filled_holes", filled, N_("Filled %(count)s small holes."), ))
        if skipped:
            changes.append(_change("holes_left", skipped,
                                   N_("Left %(count)s holes open: larger than %(limit)s edges, close them in your CAD tool."),
                                   limit=int(max_hole_edges)))
    out = Mesh(v, f.astype(np.int32 if len(v) < 2**31 - 1 else np.int64), mesh.name, mesh.format, mesh.units,
               mesh.file_size)
    return out, changes


def _fill_holes(v: np.ndarray, f: np.ndarray, max_edges: int):
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    a = np.concatenate([f[:, 0], f[:, 1], f[:, 2]])
    b = np.concatenate([f[:, 1], f[:, 2], f[:, 0]])
    nv = np.int64(len(v))
    key = np.minimum(a, b) * nv + np.maximum(a, b)
    uniq, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
    open_ = counts[inv] == 1
    ea, eb = a[open_], b[open_]  # directed as in their face
    if len(ea) == 0:
        return v, f, 0, 0
    verts, idx = np.unique(np.concatenate([ea, eb]), return_inverse=True)
    ia, ib = idx[: len(ea)], idx[len(ea):]
    g = csr_matrix((np.ones(len(ia)), (ia, ib)), shape=(len(verts), len(verts)))
    _n, label = connected_components(g, directed=False)
    loop = label[ia]
    sizes = np.bincount(loop)
    small = sizes[loop] <= max_edges
    loops = np.unique(loop[small])
    centres = np.zeros((len(loops), 3))
    remap = {int(l): i for i, l in enumerate(loops)}
    for i, l in enumerate(loops):
        members = np.unique(np.concatenate([ea[loop == l], eb[loop == l]]))
        centres[i] = v[members].mean(axis=0)
    cid = len(v) + np.array([remap[int(l)] for l in loop[small]], np.int64)
    new_faces = np.stack([eb[small], ea[small], cid], axis=1)
    skipped = int(len(np.unique(loop[~small])))
    return np.vstack([v, centres]), np.vstack([f, new_faces]), len(loops), skipped


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
