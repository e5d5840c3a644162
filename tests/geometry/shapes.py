"""Known-answer shapes for the check tests, and the same shape written in every format.

Each builder returns plain ``(vertices, faces)`` arrays whose true figures the
test states (volume, parts, thinnest wall).  :func:`in_every_format` writes one
shape as the files a learner could upload, so a test can load each of them
through the real readers.
"""

from __future__ import annotations

import numpy as np
import trimesh
from geometry_helpers import ascii_stl_bytes, stl_bytes

from lms.geometry import load_mesh

# GLB is left out: glTF is in metres with +Y up, which its reader handles on its own
FORMATS = ("stl", "stl_ascii", "obj", "ply", "off", "3mf")


def box(extents, centre=(0.0, 0.0, 0.0)):
    b = trimesh.creation.box(extents)
    return np.asarray(b.vertices) + np.asarray(centre, float), np.asarray(b.faces).copy()


def join(*shapes):
    """Concatenate shapes into one soup (vertices are merged by the reader)."""
    vs, fs, offset = [], [], 0
    for v, f in shapes:
        vs.append(np.asarray(v, float))
        fs.append(np.asarray(f) + offset)
        offset += len(v)
    return np.vstack(vs), np.vstack(fs)


def file_bytes(vertices, faces, fmt: str) -> tuple[bytes, str]:
    if fmt == "stl":
        return stl_bytes(vertices, faces), "shape.stl"
    if fmt == "stl_ascii":
        return ascii_stl_bytes(vertices, faces), "shape.stl"
    tm = trimesh.Trimesh(vertices, faces, process=False, validate=False)
    data = tm.export(file_type=fmt)
    return (data.encode() if isinstance(data, str) else data), f"shape.{fmt}"


def in_every_format(vertices, faces):
    """Yield ``(fmt, Mesh)`` for the shape written and read back in each format."""
    for fmt in FORMATS:
        data, name = file_bytes(vertices, faces, fmt)
        yield fmt, load_mesh(data, name)
