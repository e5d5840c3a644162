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


def _exact_groups(coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group rows of *coords* (N, 3) that are bitwise identical.

    Returns ``(first_index_of_each_group, inverse)``: ``inverse[i]`` is the
    group id of row *i*; groups are numbered in sorted-hash order.

    A 64-bit sort key packs a hash of the coordinates (high bits) with the row
    index (low bits), so a plain (fast, radix-like) ``np.sort`` replaces a slow
    ``argsort``/``lexsort``.  Hash collisions are detected by comparing every
    row with the first row of its group and resolved exactly.
    """
    n = len(coords)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    coords = np.ascontiguousarray(coords)
    if coords.dtype == np.float64:
        bits = coords.view(np.uint64)
        cols = [np.ascontiguousarray(bits[:, k]) for k in range(3)]
        parts = [c ^ (c >> np.uint64(29)) for c in cols]
    else:
        coords = coords.astype(np.float32, copy=False)
        bits = coords.view(np.uint32)
        cols = [np.ascontiguousarray(bits[:, k]) for k in range(3)]
        parts = [c.astype(np.uint64) for c in cols]
    h = parts[0] * _MUL[0]
    parts[1] *= _MUL[1]
    h ^= parts[1]
    parts[2] *= _MUL[2]
    h ^= parts[2]
    del parts
    nb = max(int(n - 1).bit_length(), 1)
    if nb > 40:
        raise ValueError("too many points to merge")
    shift = np.uint64(nb)
    key = h >> shift  # keep the high 64-nb bits of the hash
    del h
    key <<= shift
    key |= np.arange(n, dtype=np.uint64)
    key.sort()
    order = (key & np.uint64((1 << nb) - 1)).astype(np.int64)
    key >>= shift
    start = np.empty(n, dtype=bool)
    start[0] = True
    np.not_equal(key[1:], key[:-1], out=start[1:])
    del key
    # verify: inside a group (contiguous in sorted order) every coordinate equals
    # its predecessor's; a mismatch means a hash collision
    same = np.ones(n, dtype=bool)
    for c in cols:
        sc = c[order]
        same[1:] &= start[1:] | (sc[1:] == sc[:-1])
    del cols
    gid = np.cumsum(start, dtype=np.int64)
    gid -= 1
    if not same.all():
        # hash collision: split the affected groups exactly
        bad_groups = np.unique(gid[~same])
        bad = np.isin(gid, bad_groups)
        sub = coords[order[bad]]
        u = sub.view(np.uint64 if sub.dtype == np.float64 else np.uint32)
        o = np.lexsort((u[:, 2], u[:, 1], u[:, 0]))
        su = u[o]
        st = np.ones(len(su), dtype=bool)
        st[1:] = (su[1:] != su[:-1]).any(axis=1)
        new_ids = np.empty(len(su), np.int64)
        new_ids[o] = np.cumsum(st) - 1 + gid[-1] + 1
        gid[np.flatnonzero(bad)] = new_ids
        # renumber densely
        _, gid = np.unique(gid, return_inverse=True)
        first = np.empty(int(gid.max()) + 1, np.int64)
        first[gid] = order
    else:
        first = order[start]
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = gid
    return first, inverse


def from_corners(corners: np.ndarray, **kw) -> Mesh:
    """Build a :class:`Mesh` from a triangle soup: ``corners`` is (3F, 3)."""
    corners = np.asarray(corners)
    corners += 0.0  # turn -0.0 into +0.0 so both merge (in place when possible)
    first, inverse = _exact_groups(corners)
    vdtype = np.int32 if len(first) < 2**31 - 1 else np.int64
    faces = inverse.astype(vdtype).reshape(-1, 3)
    vertices = corners[first].astype(np.float64)
    return Mesh(vertices, faces, **kw)


def from_indexed(vertices: np.ndarray, faces: np.ndarray, **kw) -> Mesh:
    """Build a :class:`Mesh` from indexed data, merging bitwise-equal vertices."""
    vertices = np.asarray(vertices, dtype=np.float64) + 0.0
    faces = np.asarray(faces)
    if len(vertices) == 0 or len(faces) == 0:
        return Mesh(np.zeros((0, 3)), np.zeros((0, 3), np.int32), **kw)
    first, inverse = _exact_groups(vertices)
    used = faces.reshape(-1)
    new_faces = inverse[used].reshape(-1, 3).astype(np.int32 if len(first) < 2**31 - 1 else np.int64)
    return Mesh(vertices[first], new_faces, **kw)
