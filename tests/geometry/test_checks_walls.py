"""Issue 11 item 3: the wall check finds any wall feature of at least 2 × 2 mm, and says when it sampled.

The shapes are single closed surfaces (a cube with a thin tab growing out of
one face), built here with their true thinnest wall.
"""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from scipy.spatial.transform import Rotation
from shapes import in_every_format

from lms.geometry import analyse, evaluate
from lms.geometry.mesh import from_indexed


def _quad(a, b, c, d):
    return [[a, b, c], [a, c, d]]


def cube_with_tab(size=40.0, tab=(3.0, 3.0, 0.4), at=(0.0, 0.0)):
    """A cube with a tab sticking out of its +X face: *tab* is (length out, width in y,
    thickness in z), centred at (y, z) = *at* on that face.  One closed surface."""
    h = size / 2
    length, width, thick = tab
    ys = [-h, at[0] - width / 2, at[0] + width / 2, h]
    zs = [-h, at[1] - thick / 2, at[1] + thick / 2, h]
    pts, faces = {}, []

    def p(x, y, z):
        return pts.setdefault((x, y, z), len(pts))

    for i in range(3):  # the +X face, a 3 x 3 grid without its centre, where the tab grows
        for j in range(3):
            if (i, j) != (1, 1):
                faces += _quad(p(h, ys[i], zs[j]), p(h, ys[i + 1], zs[j]), p(h, ys[i + 1], zs[j + 1]),
                               p(h, ys[i], zs[j + 1]))
    # the other five faces of the cube, each split where the +X face is, so edges match
    for i in range(3):
        faces += _quad(p(h, ys[i], -h), p(-h, ys[i], -h), p(-h, ys[i + 1], -h), p(h, ys[i + 1], -h))
        faces += _quad(p(h, ys[i], h), p(-h, ys[i], h), p(-h, ys[i + 1], h), p(h, ys[i + 1], h))
        faces += _quad(p(h, -h, zs[i]), p(-h, -h, zs[i]), p(-h, -h, zs[i + 1]), p(h, -h, zs[i + 1]))
        faces += _quad(p(h, h, zs[i]), p(-h, h, zs[i]), p(-h, h, zs[i + 1]), p(h, h, zs[i + 1]))
    for i in range(3):
        for j in range(3):
            faces += _quad(p(-h, ys[i], zs[j]), p(-h, ys[i + 1], zs[j]), p(-h, ys[i + 1], zs[j + 1]),
                           p(-h, ys[i], zs[j + 1]))
    x2 = h + length
    y0, y1, z0, z1 = ys[1], ys[2], zs[1], zs[2]
    faces += _quad(p(h, y0, z0), p(x2, y0, z0), p(x2, y1, z0), p(h, y1, z0))
    faces += _quad(p(h, y0, z1), p(x2, y0, z1), p(x2, y1, z1), p(h, y1, z1))
    faces += _quad(p(h, y0, z0), p(x2, y0, z0), p(x2, y0, z1), p(h, y0, z1))
    faces += _quad(p(h, y1, z0), p(x2, y1, z0), p(x2, y1, z1), p(h, y1, z1))
    faces += _quad(p(x2, y0, z0), p(x2, y1, z0), p(x2, y1, z1), p(x2, y0, z1))
    v = np.array(list(pts), float)
    tm = trimesh.Trimesh(v, np.array(faces), process=True)
    trimesh.repair.fix_normals(tm)  # the builder only: wind every face outwards
    assert tm.is_watertight and tm.volume == pytest.approx(size ** 3 + length * width * thick)
    return np.asarray(tm.vertices), np.asarray(tm.faces)


def test_thin_tab_on_a_cube_is_found():
    v, f = cube_with_tab()
    for fmt, mesh in in_every_format(v, f):
        r = analyse(mesh)
        assert r["shells"] == 1 and r["closed"], fmt
        assert r["min_wall_mm"] == pytest.approx(0.4, abs=0.02), fmt
        assert r["wall_thickness"]["sampled"] is False, fmt
        assert not evaluate(r, {"min_wall_mm": 1.0})[0]["passed"], fmt


@pytest.mark.parametrize("at", [(0.0, 0.0), (17.0, 17.5), (-18.0, 5.0)])
@pytest.mark.parametrize("turn", [None, (31.0, -47.0, 12.0)])
def test_smallest_guaranteed_feature_is_found_anywhere(at, turn):
    # 2 x 2 mm of 0.4 mm thin wall, wherever it is on the face and however the model is turned
    v, f = cube_with_tab(tab=(2.0, 2.0, 0.4), at=at)
    if turn:
        v = Rotation.from_euler("xyz", turn, degrees=True).apply(v)
    r = analyse(from_indexed(v, f))
    assert r["min_wall_mm"] == pytest.approx(0.4, abs=0.02)


def test_plain_cube_has_no_thin_wall_and_says_how_it_measured():
    cube = trimesh.creation.box((40, 40, 40))
    r = analyse(from_indexed(cube.vertices, cube.faces))
    wall = r["wall_thickness"]
    assert r["min_wall_mm"] is None and wall["sampled"] is False and wall["spacing_mm"] <= 1.0
    check = next(c for c in r["checks"] if c["id"] == "wall_thickness")
    assert check["params"]["spacing"] in check["message"]


def test_a_large_model_says_that_it_sampled():
    # a 240 mm plate: too much surface for one point per square millimetre
    plate = trimesh.creation.box((240, 200, 1.2))
    r = analyse(from_indexed(plate.vertices, plate.faces))
    wall = r["wall_thickness"]
    assert wall["sampled"] is True and wall["spacing_mm"] > 1.0
    assert r["min_wall_mm"] == pytest.approx(1.2, rel=1e-3)
    check = next(c for c in r["checks"] if c["id"] == "wall_thickness")
    assert check["params"]["spacing"] in check["message"] and "estimate" in check["message"]

