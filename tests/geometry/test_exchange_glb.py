"""GLB is read as the glTF specification says: metres and +Y up (issue 11 item 8)."""

from __future__ import annotations

import numpy as np
import pytest
from exchange_files import glb, t_part

from lms.geometry import analyse, load_mesh


def test_t_part_is_30_mm_tall_with_200_mm2_of_overhang():
    mesh = load_mesh(glb(*t_part()), "t.glb")
    np.testing.assert_allclose(mesh.bounds, [[0, 0, 0], [30, 10, 30]], atol=1e-4)
    report = analyse(mesh)
    assert report["extents_mm"] == pytest.approx([30, 10, 30], abs=1e-4)
    assert report["overhang_area_mm2"] == pytest.approx(200, rel=1e-4)
    assert mesh.meta["file_unit"] == "meter" and mesh.meta["up_axis"] == "+Y"


def test_node_transforms_are_applied_in_gltf_space_first():
    # 0.1 m along glTF's X and 0.05 m up (glTF +Y): 100 mm along X, 50 mm along Z
    mesh = load_mesh(glb(*t_part(), node={"translation": [0.1, 0.05, 0.0]}), "moved.glb")
    np.testing.assert_allclose(mesh.bounds, [[100, 0, 50], [130, 10, 80]], atol=1e-4)


def test_node_rotation_keeps_the_part_a_proper_solid():
    # a quarter turn about glTF's up axis (+Y) turns the bar from X to Y in millimetre space
    s = 0.5 ** 0.5
    mesh = load_mesh(glb(*t_part(), node={"rotation": [0.0, s, 0.0, s]}), "turned.glb")
    lo, hi = mesh.bounds
    np.testing.assert_allclose(hi - lo, [10, 30, 30], atol=1e-4)
    report = analyse(mesh)
    assert report["volume_mm3"] == pytest.approx(5000, rel=1e-5)
    assert report["overhang_area_mm2"] == pytest.approx(200, rel=1e-4)
