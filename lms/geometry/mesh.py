"""The light mesh type used throughout the geometry engine.

:class:`Mesh` is deliberately *not* a ``trimesh.Trimesh``: it is a pair of
numpy arrays (``vertices`` float64 (V, 3) in millimetres and ``faces`` int32 or
int64 (F, 3)) plus a little metadata.  Vertices are merged *exactly* (bitwise
equal float32/float64 coordinates, like admesh's exact check) when the mesh is
built from a triangle soup.  :meth:`Mesh.to_trimesh` converts when a trimesh
feature is wanted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

_MUL = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))


@dataclass
class Mesh:
    vertices: np.ndarray
    faces: np.ndarray
    name: str = "model"
    format: str | None = None
    units: str = "mm"
    file_size: int | None = None
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def face_count(self) -> int:
        return int(len(self.faces))

    @property
    def vertex_count(self) -> int:
        return int(len(self.vertices))

    @property
    def triangles(self) -> np.ndarray:
        return self.vertices[self.faces]

    @property
    def bounds(self) -> np.ndarray:
        if len(self.faces) == 0:
            return np.zeros((2, 3))
        used = self.vertices[np.unique(self.faces)] if len(self.vertices) > 3 * len(self.faces) else self.vertices
        return np.array([used.min(axis=0), used.max(axis=0)])

    def copy(self) -> "Mesh":
        return Mesh(self.vertices.copy(), self.faces.copy(), self.name, self.format, self.units,
                    self.file_size, list(self.warnings), dict(self.meta))

    def to_trimesh(self):
        import trimesh

        return trimesh.Trimesh(vertices=self.vertices, faces=self.faces, process=False, validate=False)

    @classmethod
    def from_trimesh(cls, tm, **kw) -> "Mesh":
        return from_indexed(np.asarray(tm.vertices, dtype=np.float64), np.asarray(tm.faces), **kw)


def _column_bits(coords: np.ndarray) -> list[np.ndarray]:
    """Contiguous unsigned-integer views of the three coordinate columns."""
    if coords.dtype == np.float64:
        return [np.ascontiguousarray(coords[:, k]).view(np.uint64) for k in range(3)]
    coords = coords.astype(np.float32, copy=False)
    return [np.ascontiguousarray(coords[:, k]).view(np.uint32) for k in range(3)]


def exact_groups(coords) -> tuple[np.ndarray, np.ndarray]:
    """Group points that are bitwise identical.

    *coords* is an (N, 3) array or a list of three 1-D unsigned-integer views
    of the coordinate columns (uint32 for float32 data, uint64 for float64).
    Returns ``(first, inverse)``: ``first[g]`` is the first (lowest) member of group *g*,
    ``inverse[i]`` the group of point *i*.

    A 64-bit sort key packs a hash of the coordinates (high bits) with the
    point index (low bits), so one plain (fast) ``np.sort`` replaces a slow
    ``argsort``/``lexsort``.  Hash collisions are detected by comparing every
    point with its predecessor inside a group, and resolved exactly.
    Temporaries are kept few: this is the load hot path.
    """
    cols = _column_bits(np.asarray(coords)) if not isinstance(coords, (list, tuple)) else list(coords)
    n = len(cols[0])
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    wide = cols[0].dtype == np.uint64
    h = np.empty(n, np.uint64)
    tmp = np.empty(n, np.uint64)
    for k, c in enumerate(cols):
        tmp[:] = c
        if wide:
            tmp ^= tmp >> np.uint64(29)
        tmp *= _MUL[k]
        if k == 0:
            h, tmp = tmp, h
        else:
            h ^= tmp
    nb = max(int(n - 1).bit_length(), 1)
    if nb > 40:
        raise ValueError("too many points to merge")
    shift = np.uint64(nb)
    key = h
    key >>= shift  # keep the high 64-nb bits of the hash
    key <<= shift
    tmp[:] = np.arange(n, dtype=np.uint64) if n < 1 << 20 else 0
    if n >= 1 << 20:
        for s in range(0, n, 1 << 20):
            tmp[s:s + (1 << 20)] = np.arange(s, min(n, s + (1 << 20)), dtype=np.uint64)
    key |= tmp
    del tmp
    key.sort()
    idx_t = np.int32 if n < 2**31 else np.int64
    order = (key & np.uint64((1 << nb) - 1)).astype(idx_t)
    key >>= shift
    start = np.empty(n, dtype=bool)
    start[0] = True
    np.not_equal(key[1:], key[:-1], out=start[1:])
    del key, h
    # verify: inside a group (contiguous in sorted order) every coordinate equals
    # its predecessor's; a mismatch means a hash collision
    same = np.ones(n, dtype=bool)
    for c in cols:
        sc = c[order]
        same[1:] &= start[1:] | (sc[1:] == sc[:-1])
        del sc
    gid = np.cumsum(start, dtype=idx_t)
    gid -= 1
    if not same.all():
        gid = gid.astype(np.int64)
        bad_groups = np.unique(gid[~same])
        bad = np.isin(gid, bad_groups)
        members = order[bad]
        u = np.stack([c[members] for c in cols], axis=1)
        o = np.lexsort((u[:, 2], u[:, 1], u[:, 0]))
        su = u[o]
        st = np.ones(len(su), dtype=bool)
        st[1:] = (su[1:] != su[:-1]).any(axis=1)
        new_ids = np.empty(len(su), np.int64)
        new_ids[o] = np.cumsum(st) - 1 + gid[-1] + 1
        gid[np.flatnonzero(bad)] = new_ids
        _, gid = np.unique(gid, return_inverse=True)  # renumber densely
        first = np.full(int(gid.max()) + 1, n, np.int64)
        np.minimum.at(first, gid, order)
    else:
        first = order[start].astype(np.int64)
    del start, same
    inverse = np.empty(n, dtype=gid.dtype)
    inverse[order] = gid
    return first, inverse


def _in_file_order(first: np.ndarray, inverse: np.ndarray):
    """Number the merged vertices in the order they first appear (groups come out
    in hash order): neighbouring faces then use nearby vertices, which makes
    every later gather of vertex data several times more cache friendly."""
    rank = np.argsort(first)
    new_id = np.empty(len(rank), dtype=inverse.dtype)
    new_id[rank] = np.arange(len(rank), dtype=inverse.dtype)
    return first[rank], new_id[inverse]


def from_columns(cols: list[np.ndarray], **kw) -> Mesh:
    """Build a :class:`Mesh` from a triangle soup given as three float32
    coordinate columns of length 3F (corner *i* of face *f* at ``3f+i``)."""
    for c in cols:
        c += np.float32(0.0)  # turn -0.0 into +0.0 so both merge
    bits = [c.view(np.uint32) for c in cols]
    first, inverse = exact_groups(bits)
    first, inverse = _in_file_order(first, inverse)
    vertices = np.stack([c[first] for c in cols], axis=1).astype(np.float64)
    faces = inverse.reshape(-1, 3)
    if faces.dtype != np.int32 and len(first) < 2**31 - 1:
        faces = faces.astype(np.int32)
    return Mesh(vertices, faces, **kw)


def from_corners(corners: np.ndarray, **kw) -> Mesh:
    """Build a :class:`Mesh` from a triangle soup: ``corners`` is (3F, 3)."""
    corners = np.asarray(corners, dtype=np.float32)
    return from_columns([np.ascontiguousarray(corners[:, k]) for k in range(3)], **kw)


def from_indexed(vertices: np.ndarray, faces: np.ndarray, **kw) -> Mesh:
    """Build a :class:`Mesh` from indexed data, merging bitwise-equal vertices."""
    vertices = np.asarray(vertices, dtype=np.float64) + 0.0
    faces = np.asarray(faces)
    if len(vertices) == 0 or len(faces) == 0:
        return Mesh(np.zeros((0, 3)), np.zeros((0, 3), np.int32), **kw)
    first, inverse = exact_groups(vertices)
    first, inverse = _in_file_order(first, inverse)
    used = faces.reshape(-1)
    new_faces = inverse[used].reshape(-1, 3).astype(np.int32 if len(first) < 2**31 - 1 else np.int64)
    return Mesh(vertices[first], new_faces, **kw)
