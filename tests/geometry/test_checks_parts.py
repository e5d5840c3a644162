"""Issue 11 item 6: parts that touch at one vertex or along one edge are separate parts.

admesh (Debian's package, run on the same file) is the reference for the count.
"""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest
from shapes import box, file_bytes, in_every_format, join

from lms.geometry import analyse, evaluate

TOUCHING = {
    "corner": (10, 10, 10),      # second cube shares one vertex with the first
    "edge": (10, 10, 0),         # ... one edge
    "apart": (30, 0, 0),
}


def _admesh_parts(tmp_path, vertices, faces) -> int:
    path = tmp_path / "parts.stl"
    path.write_bytes(file_bytes(vertices, faces, "stl")[0])
    out = subprocess.run(["admesh", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Number of parts\s*:\s*(\d+)", out).group(1))


@pytest.mark.parametrize("where", list(TOUCHING))
def test_touching_cubes_are_two_parts(where, tmp_path):
    v, f = join(box((10, 10, 10)), box((10, 10, 10), centre=TOUCHING[where]))
    assert _admesh_parts(tmp_path, v, f) == 2
    for fmt, mesh in in_every_format(v, f):
        r = analyse(mesh, wall_samples=0)
        assert r["shells"] == 2, fmt
        assert r["volume_mm3"] == pytest.approx(2000.0), fmt
        assert not evaluate(r, {"single_part": True})[0]["passed"], fmt


def test_one_cube_with_a_duplicate_face_is_one_part():
    v, f = box((10, 10, 10))
    f = np.vstack([f, f[:1]])
    for fmt, mesh in in_every_format(v, f):
        if mesh.face_count != 13:  # a reader may drop the exact copy
            continue
        r = analyse(mesh, wall_samples=0)
        assert r["shells"] == 1 and r["duplicate_faces"] == 1, fmt
