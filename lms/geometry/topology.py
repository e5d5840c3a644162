"""Vectorised mesh topology: edges, holes, shells, winding, volumes.

All counts are computed on the exactly merged mesh (see :mod:`.mesh`), so they
agree with admesh's exact check.  Conventions:

* *open edge*: an undirected edge used by exactly one face.
* *hole*: a connected loop (component) of open edges.
* *non-manifold edge*: an undirected edge used by more than two faces (e.g. two
  parts touching along an edge).  Reported separately from holes.
* *inconsistent edge*: an edge used by exactly two faces that traverse it in the
  same direction (one of the faces is flipped).
* *shell*: a set of faces connected through shared vertices.
* Faces with a repeated vertex index are degenerate and are left out of the
  edge analysis; exact duplicate faces (same three vertices) are counted but
  stay in the edge analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

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
    shell_bounds: np.ndarray             # float64 (S, 2, 3)
    flipped_faces: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


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


def _runs(sorted_keys: np.ndarray):
    """Start indices and lengths of runs of equal values in a sorted array."""
    n = len(sorted_keys)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    flag = np.empty(n, bool)
    flag[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=flag[1:])
    starts = np.flatnonzero(flag)
    lengths = np.diff(np.append(starts, n))
    return starts, lengths


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


def analyse_topology(vertices: np.ndarray, faces: np.ndarray) -> Topology:
    nf = len(faces)
    nv = len(vertices)
    f0, f1, f2 = faces[:, 0], faces[:, 1], faces[:, 2]
    index_degenerate = (f0 == f1) | (f1 == f2) | (f2 == f0)

    used = vertices if nv else np.zeros((1, 3))
    lo, hi = used.min(axis=0), used.max(axis=0)
    centre = (lo + hi) / 2.0
    diag = float(np.linalg.norm(hi - lo)) or 1.0
    area, nz, fvol = face_geometry(vertices, faces, centre)
    zero_area = index_degenerate | (area <= (1e-9 * diag) ** 2)

    # ---- duplicate faces (same vertex set), among index-valid faces
    valid = ~index_degenerate
    duplicate = np.zeros(nf, bool)
    if nv < 2**21:
        vf = faces[valid] if not valid.all() else faces
        c0, c1, c2 = (np.ascontiguousarray(vf[:, k]) for k in range(3))
        lo_ = np.minimum(np.minimum(c0, c1), c2).astype(np.int64)
        hi_ = np.maximum(np.maximum(c0, c1), c2).astype(np.int64)
        mid = c0.astype(np.int64)
        mid += c1
        mid += c2
        mid -= lo_
        mid -= hi_
        dkey = lo_ << 42
        dkey |= mid << 21
        dkey |= hi_
        del lo_, hi_, mid, c0, c1, c2, vf
        sk = np.sort(dkey)
        n_unique = len(dkey) and int(np.count_nonzero(sk[1:] != sk[:-1]) + 1)
        del sk
        if n_unique != len(dkey):
            _, first = np.unique(dkey, return_index=True)
            keep = np.zeros(len(dkey), bool)
            keep[first] = True
            duplicate[np.flatnonzero(valid)[~keep]] = True
    else:
        sf = np.sort(faces[valid], axis=1).astype(np.int64)
        _, first = np.unique(sf, axis=0, return_index=True)
        keep = np.zeros(len(sf), bool)
        keep[first] = True
        duplicate[np.flatnonzero(valid)[~keep]] = True
        del sf
    # duplicates stay in the edge analysis (admesh does the same): a face and its
    # reversed copy close each other's edges; plain copies show up as non-manifold
    use = valid
    uf = faces[use] if not use.all() else faces

    # ---- edges: sort packed undirected keys with a direction bit
    nv64 = np.int64(max(nv, 1))
    m = len(uf)
    ekey = np.empty(3 * m, np.int64)
    for k, (i, j) in enumerate(((0, 1), (1, 2), (2, 0))):
        a = uf[:, i].astype(np.int64)
        b = uf[:, j].astype(np.int64)
        seg = ekey[k * m:(k + 1) * m]
        np.minimum(a, b, out=seg)
        seg *= nv64
        seg += np.maximum(a, b)
        seg <<= 1
        seg |= (a > b)
    ekey.sort()
    dirs = (ekey & 1).astype(np.int8)
    ekey >>= 1
    starts, lengths = _runs(ekey)
    keys = ekey[starts]
    del ekey
    open_mask = lengths == 1
    nm_mask = lengths > 2
    two = lengths == 2
    dir_sum = np.add.reduceat(dirs, starts) if len(starts) else np.zeros(0, np.int64)
    del dirs
    inc_mask = two & (dir_sum != 1)

    def pairs(mask):
        k = keys[mask]
        return np.stack([k // nv64, k % nv64], axis=1)

    open_edges = pairs(open_mask)
    nonmanifold = pairs(nm_mask)
    inconsistent = pairs(inc_mask)
    edge_lo, edge_hi = keys // nv64, keys % nv64
    del keys, starts, lengths, dir_sum

    # ---- holes: components of the open-edge graph
    holes = 0
    if len(open_edges):
        bv, inv = np.unique(open_edges.ravel(), return_inverse=True)
        inv = inv.reshape(-1, 2)
        holes, _ = _components(len(bv), inv[:, 0], inv[:, 1])

    # ---- shells: components of the vertex graph (one entry per unique edge)
    _, vlabel = _components(nv, edge_lo, edge_hi)
    del edge_lo, edge_hi
    vlabel = vlabel.astype(np.int32)
    shell_of_face = vlabel[faces[:, 0]]
    # relabel densely over shells that actually have (usable) faces
    present = np.unique(shell_of_face[use])
    remap = np.full(int(vlabel.max()) + 1 if len(vlabel) else 1, -1, np.int32)
    remap[present] = np.arange(len(present), dtype=np.int32)
    shell_of_face = remap[shell_of_face]  # -1 for faces of shells made only of degenerate faces
    n_shells = len(present)
    sf_use = np.where(use, shell_of_face, n_shells)  # ignored faces go to a dump bin
    shell_volume = np.bincount(sf_use, weights=fvol, minlength=n_shells + 1)[:n_shells]
    shell_faces = np.bincount(sf_use, minlength=n_shells + 1)[:n_shells]
    shell_closed = np.ones(n_shells, bool)
    if len(open_edges):
        shell_closed[remap[vlabel[open_edges[:, 0]]]] = False
    shell_bounds = np.zeros((n_shells, 2, 3))
    if n_shells == 1:
        shell_bounds[0] = [lo, hi]
    elif n_shells > 1:
        shell_bounds[:, 0] = np.inf
        shell_bounds[:, 1] = -np.inf
        vs = remap[vlabel]
        ok = vs >= 0
        for axis in range(3):
            np.minimum.at(shell_bounds[:, 0, axis], vs[ok], vertices[ok, axis])
            np.maximum.at(shell_bounds[:, 1, axis], vs[ok], vertices[ok, axis])

    topo = Topology(
        n_faces=nf, n_vertices=nv, index_degenerate=index_degenerate, zero_area=zero_area,
        duplicate=duplicate, area=area, normal_z=nz, face_volume=fvol,
        open_edges=open_edges, nonmanifold_edges=nonmanifold, inconsistent_edges=inconsistent,
        n_open_edges=len(open_edges), n_nonmanifold_edges=len(nonmanifold),
        n_inconsistent_edges=len(inconsistent), holes=int(holes),
        shell_of_face=shell_of_face, n_shells=int(n_shells), shell_volume=shell_volume,
        shell_closed=shell_closed, shell_faces=shell_faces, shell_bounds=shell_bounds,
    )
    if len(inconsistent):
        topo.flipped_faces = find_flipped_faces(faces, use, shell_of_face)
    return topo


def face_adjacency(faces: np.ndarray, use: np.ndarray):
    """Pairs of faces sharing a manifold edge and whether their windings agree.

    Returns ``(fa, fb, same_direction)`` for every undirected edge used by
    exactly two faces.  ``same_direction`` True means inconsistent winding.
    """
    idx = np.flatnonzero(use)
    uf = faces[idx].astype(np.int64)
    nv = np.int64(int(faces.max()) + 1 if len(faces) else 1)
    a = np.concatenate([uf[:, 0], uf[:, 1], uf[:, 2]])
    b = np.concatenate([uf[:, 1], uf[:, 2], uf[:, 0]])
    fid = np.concatenate([idx, idx, idx])
    key = np.minimum(a, b) * nv + np.maximum(a, b)
    fwd = a < b
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts, lengths = _runs(key)
    s2 = starts[lengths == 2]
    i, j = order[s2], order[s2 + 1]
    return fid[i], fid[j], fwd[i] == fwd[j]


def orientation_parity(n_faces: int, fa: np.ndarray, fb: np.ndarray, flip: np.ndarray,
                       only: np.ndarray | None = None):
    """Relative orientation of every face to a root face of its edge-connected
    component, from a BFS spanning forest.  Returns ``(component, parity)``.

    ``parity`` is 1 where a face is wound opposite to the component's root.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order, connected_components

    g = csr_matrix((flip.astype(np.int8) + 1, (fa, fb)), shape=(n_faces, n_faces))
    g = g + g.T  # weights 1 = consistent, 2 = flipped
    ncomp, comp = connected_components(g, directed=False)
    parent = np.full(n_faces, -1, np.int64)
    # one BFS per component: roots are the first face of each component
    roots = np.unique(comp, return_index=True)[1]
    sizes = np.bincount(comp)
    wanted = None if only is None else set(np.unique(comp[only]).tolist())
    for r in roots:
        if sizes[comp[r]] < 2 or (wanted is not None and comp[r] not in wanted):
            continue
        _order, pred = breadth_first_order(g, r, directed=False, return_predecessors=True)
        members = _order[1:]
        parent[members] = pred[members]
    # edge flip between each node and its parent
    has = parent >= 0
    pflip = np.zeros(n_faces, np.int8)
    if has.any():
        w = np.asarray(g[np.flatnonzero(has), parent[has]]).ravel()
        pflip[has] = (w == 2).astype(np.int8)
    # pointer jumping: parity to root = xor of flips along the path
    parity = pflip.copy()
    ptr = parent.copy()
    for _ in range(64):
        live = ptr >= 0
        if not live.any():
            break
        parity[live] ^= parity[ptr[live]]
        ptr[live] = ptr[ptr[live]]
    return comp, parity


def find_flipped_faces(faces: np.ndarray, use: np.ndarray, shell_of_face: np.ndarray) -> np.ndarray:
    """Faces wound against the majority of their edge-connected component."""
    fa, fb, same = face_adjacency(faces, use)
    comp, parity = orientation_parity(len(faces), fa, fb, same, only=fa[same])
    comp = np.where(use, comp, -1)
    flipped = []
    for c in np.unique(comp[(parity == 1) & use]):
        members = np.flatnonzero(comp == c)
        ones = parity[members] == 1
        minority = members[ones] if ones.sum() * 2 <= len(members) else members[~ones]
        flipped.append(minority)
    return np.sort(np.concatenate(flipped)) if flipped else np.zeros(0, np.int64)
