"""Write a binary STL icosphere for the benchmark (1,310,720 triangles by default).

    python bench/make_icosphere.py [OUT.stl] [--subdivisions 8] [--radius 50]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


def icosphere(subdivisions: int, radius: float) -> tuple[np.ndarray, np.ndarray]:
    t = (1.0 + 5.0 ** 0.5) / 2.0
    verts = np.array(
        [[-1, t, 0], [1, t, 0], [-1, -t, 0], [1, -t, 0],
         [0, -1, t], [0, 1, t], [0, -1, -t], [0, 1, -t],
         [t, 0, -1], [t, 0, 1], [-t, 0, -1], [-t, 0, 1]], dtype=np.float64)
    faces = np.array(
        [[0, 11, 5], [0, 5, 1], [0, 1, 7], [0, 7, 10], [0, 10, 11],
         [1, 5, 9], [5, 11, 4], [11, 10, 2], [10, 7, 6], [7, 1, 8],
         [3, 9, 4], [3, 4, 2], [3, 2, 6], [3, 6, 8], [3, 8, 9],
         [4, 9, 5], [2, 4, 11], [6, 2, 10], [8, 6, 7], [9, 8, 1]], dtype=np.int64)
    verts /= np.linalg.norm(verts, axis=1, keepdims=True)
    for _ in range(subdivisions):
        # one midpoint per undirected edge, shared between the two faces
        edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
        key = np.sort(edges, axis=1)
        uniq, inverse = np.unique(key[:, 0] * len(verts) + key[:, 1], return_inverse=True)
        a, b = uniq // len(verts), uniq % len(verts)
        mid = verts[a] + verts[b]
        mid /= np.linalg.norm(mid, axis=1, keepdims=True)
        m = inverse.reshape(3, -1) + len(verts)
        verts = np.concatenate([verts, mid])
        f0, f1, f2 = faces.T
        m01, m12, m20 = m
        faces = np.concatenate([
            np.stack([f0, m01, m20], 1), np.stack([f1, m12, m01], 1),
            np.stack([f2, m20, m12], 1), np.stack([m01, m12, m20], 1)])
    return verts * radius, faces


def write_binary_stl(path: Path, verts: np.ndarray, faces: np.ndarray) -> None:
    tri = verts[faces]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-30)
    rec = np.zeros(len(faces), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")])
    rec["n"] = normals
    rec["v"] = tri
    with open(path, "wb") as fh:
        fh.write(b"icosphere for lms bench".ljust(80, b" "))
        fh.write(np.uint32(len(faces)).tobytes())
        fh.write(rec.tobytes())


def write_mesh(out: Path, make: Callable[[], tuple[np.ndarray, np.ndarray]]) -> None:
    """``make()`` a mesh and write it to ``out`` as binary STL; print its triangles, bytes and the time taken."""
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    v, f = make()
    write_binary_stl(out, v, f)
    print(f"wrote {out}: {len(f):,} triangles, {out.stat().st_size:,} bytes in {time.perf_counter() - t0:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", nargs="?", default="bench/out/icosphere.stl")
    ap.add_argument("--subdivisions", type=int, default=8)
    ap.add_argument("--radius", type=float, default=50.0)
    args = ap.parse_args()
    write_mesh(Path(args.out), lambda: icosphere(args.subdivisions, args.radius))


if __name__ == "__main__":
    main()
