"""A one-part test model with known overhangs and a known thin wall, built with numpy.

The profile below (in the XZ plane, mm) is extruded along Y by ``depth``: a 10 mm column standing on
the bed carries a 3 mm slab 30 mm wide (its two undersides, 10 mm each side, at Z = 10, overhang at
90°: 2 × 10 × depth mm²), with a fin ``fin`` mm thick and 12 mm tall standing on the slab.
"""
from __future__ import annotations

import numpy as np

from tests.models import binary_stl


def _profile(fin: float) -> np.ndarray:
    return np.array([(0, 0), (10, 0), (10, 10), (20, 10), (20, 13), (11 + fin, 13), (11 + fin, 25), (11, 25),
                     (11, 13), (-10, 13), (-10, 10), (0, 10)], float)


# The profile's triangles (by corner number above), worked out by hand: column, slab strip, fin.
_CAP = [(0, 1, 2), (0, 2, 11), (10, 11, 9), (11, 8, 9), (11, 2, 8), (2, 5, 8), (2, 3, 5), (3, 4, 5), (8, 5, 6), (8, 6, 7)]

OVERHANG_FACES = 4  # the two slab undersides, two triangles each


def shelf_triangles(depth: float = 10.0, fin: float = 1.0) -> np.ndarray:
    """(n, 3, 3) triangles, wound outwards."""
    p = _profile(fin)
    front = np.column_stack([p[:, 0], np.zeros(len(p)), p[:, 1]])  # y = 0
    back = front + np.array([0.0, depth, 0.0])
    tris = []
    for a, b, c in _CAP:
        tris.append([front[a], front[b], front[c]])  # counter-clockwise in XZ: facing -Y
        tris.append([back[a], back[c], back[b]])
    for i in range(len(p)):
        j = (i + 1) % len(p)
        tris.append([front[i], back[j], front[j]])
        tris.append([front[i], back[i], back[j]])
    return np.array(tris)


def shelf_stl(depth: float = 10.0, fin: float = 1.0) -> bytes:
    return binary_stl(shelf_triangles(depth, fin))
