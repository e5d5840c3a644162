"""Generate viewer JSON for a test mesh: a cube with two faces removed.

Self-contained (numpy only) so the browser test does not depend on the
server-side mesh checker.  The problems are computed here from the mesh:

* open edges       -- undirected edges used by exactly one triangle
* non-manifold     -- undirected edges used by more than two triangles
* inverted faces   -- triangles whose normal points towards the cube centre
                      (a few triangles are deliberately flipped)
"""

from __future__ import annotations

import base64
from collections import Counter

import numpy as np

# Faces of an axis-aligned cube: (axis, side); side 0 = min, 1 = max.
ALL_FACES = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]


def cube_with_holes(size: float = 20.0, subdivisions: int = 4,
                    removed=((2, 1), (1, 0)), flipped: int = 2):
    """Return (vertices float32 (N,3), faces uint32 (M,3)).

    The cube spans [0, size]^3 (sits on the build plate, Z up).  By default
    the top (+Z) and front (-Y) faces are removed and the first `flipped`
    triangles of the +X face have their winding reversed.
    """
    n = subdivisions
    keys: dict[tuple[int, int, int], int] = {}
    verts: list[tuple[float, float, float]] = []

    def vid(ijk):
        if ijk not in keys:
            keys[ijk] = len(verts)
            verts.append(tuple(c * size / n for c in ijk))
        return keys[ijk]

    faces: list[tuple[int, int, int]] = []
    for axis, side in ALL_FACES:
        if (axis, side) in removed:
            continue
        u_axis, v_axis = [a for a in range(3) if a != axis]
        first = len(faces)
        for i in range(n):
            for j in range(n):
                def corner(di, dj, axis=axis, side=side, u_axis=u_axis, v_axis=v_axis, i=i, j=j):
                    ijk = [0, 0, 0]
                    ijk[axis] = side * n
                    ijk[u_axis] = i + di
                    ijk[v_axis] = j + dj
                    return vid(tuple(ijk))

                a, b, c, d = corner(0, 0), corner(1, 0), corner(1, 1), corner(0, 1)
                faces.append((a, b, c))
                faces.append((a, c, d))
        # Orient this face's triangles outwards.
        v = np.asarray(verts, dtype=np.float64)
        outward = np.zeros(3)
        outward[axis] = 1.0 if side else -1.0
        for k in range(first, len(faces)):
            a, b, c = faces[k]
            normal = np.cross(v[b] - v[a], v[c] - v[a])
            if normal @ outward < 0:
                faces[k] = (a, c, b)
        if (axis, side) == (0, 1):
            for k in range(first, first + flipped):
                a, b, c = faces[k]
                faces[k] = (a, c, b)

    return np.asarray(verts, dtype=np.float32), np.asarray(faces, dtype=np.uint32)


def find_problems(vertices: np.ndarray, faces: np.ndarray) -> dict:
    edges = Counter()
    for tri in faces.tolist():
        for a, b in ((tri[0], tri[1]), (tri[1], tri[2]), (tri[2], tri[0])):
            edges[(min(a, b), max(a, b))] += 1

    def seg(a, b):
        return [float(x) for x in np.concatenate([vertices[a], vertices[b]])]

    open_edges = [seg(a, b) for (a, b), c in sorted(edges.items()) if c == 1]
    nonmanifold = [seg(a, b) for (a, b), c in sorted(edges.items()) if c > 2]

    centre = (vertices.min(axis=0) + vertices.max(axis=0)) / 2
    tri = vertices[faces].astype(np.float64)
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    outward = tri.mean(axis=1) - centre
    inverted = [[float(x) for x in t.reshape(-1)]
                for t, bad in zip(tri, np.einsum("ij,ij->i", normals, outward) < 0) if bad]
    return {"open_edges": open_edges, "nonmanifold_edges": nonmanifold,
            "inverted_faces": inverted}


def viewer_payload(vertices: np.ndarray, faces: np.ndarray, simplified: bool = False) -> dict:
    """Build the JSON document the viewer fetches from data-viewer-url."""
    vertices = np.ascontiguousarray(vertices, dtype="<f4")
    faces = np.ascontiguousarray(faces, dtype="<u4")
    lo = vertices.min(axis=0).astype(float)
    hi = vertices.max(axis=0).astype(float)
    return {
        "positions": base64.b64encode(vertices.tobytes()).decode("ascii"),
        "indices": base64.b64encode(faces.tobytes()).decode("ascii"),
        "vertex_count": len(vertices),
        "face_count": len(faces),
        "simplified": bool(simplified),
        "bounds": [lo.tolist(), hi.tolist()],
        "extents_mm": (hi - lo).tolist(),
        "problems": find_problems(vertices, faces),
    }


def sample_payload() -> dict:
    return viewer_payload(*cube_with_holes())


if __name__ == "__main__":  # pragma: no cover - manual use
    import json
    import sys

    json.dump(sample_payload(), sys.stdout)
