"""Small model files with known answers, built with numpy (binary STL) for the web tests."""
from __future__ import annotations

import struct

import numpy as np

# A unit cube as 12 triangles, outward winding.
_V = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]], float)
_F = np.array([[0, 2, 1], [0, 3, 2], [4, 5, 6], [4, 6, 7], [0, 1, 5], [0, 5, 4],
               [1, 2, 6], [1, 6, 5], [2, 3, 7], [2, 7, 6], [3, 0, 4], [3, 4, 7]])


def binary_stl(triangles: np.ndarray, header: bytes = b"test model") -> bytes:
    triangles = np.asarray(triangles, dtype="<f4").reshape(-1, 3, 3)
    record = np.zeros(len(triangles), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("attr", "<u2")])
    record["v"] = triangles
    return header.ljust(80, b" ")[:80] + struct.pack("<I", len(triangles)) + record.tobytes()


def cube_stl(size: float = 20.0, drop_faces: int = 0) -> bytes:
    """A closed cube of ``size`` mm; ``drop_faces`` triangles removed make holes."""
    tris = (_V * size)[_F]
    return binary_stl(tris[drop_faces:])
