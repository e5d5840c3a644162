"""Issue 11 item 2: the volume of a model with some faces flipped is its true volume."""

from __future__ import annotations

import pytest
from shapes import box, in_every_format

from lms.geometry import analyse

CUBE_MM3 = 20.0 ** 3


def _cube_with_flipped(indices):
    v, f = box((20, 20, 20))
    f[indices] = f[indices][:, ::-1]
    return v, f


@pytest.mark.parametrize("flipped", [[0, 3, 7], [0, 1, 2, 3, 4, 5]], ids=["3 flipped", "6 flipped"])
def test_volume_of_cube_with_flipped_faces(flipped):
    v, f = _cube_with_flipped(flipped)
    clean = analyse(next(in_every_format(*box((20, 20, 20))))[1], wall_samples=0)
    for fmt, mesh in in_every_format(v, f):
        r = analyse(mesh, wall_samples=0)
        assert r["closed"], fmt
        assert r["flipped_faces"] == len(flipped), fmt
        assert r["volume_mm3"] == pytest.approx(CUBE_MM3), fmt
        assert r["estimate"]["grams"] == clean["estimate"]["grams"], fmt


def test_flipped_faces_in_a_cavity_keep_the_cavity():
    # 20 mm cube with a 10 mm cavity (inner shell inside out) whose inner shell has 2 flipped faces
    outer_v, outer_f = box((20, 20, 20))
    inner_v, inner_f = box((10, 10, 10))
    inner_f = inner_f[:, ::-1].copy()
    inner_f[[1, 6]] = inner_f[[1, 6]][:, ::-1]
    from shapes import join

    v, f = join((outer_v, outer_f), (inner_v, inner_f))
    for fmt, mesh in in_every_format(v, f):
        r = analyse(mesh, wall_samples=0)
        assert r["flipped_faces"] == 2 and r["inverted_shells"] == 0, fmt
        assert r["volume_mm3"] == pytest.approx(CUBE_MM3 - 1000.0), fmt
