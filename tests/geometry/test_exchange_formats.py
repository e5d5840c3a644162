"""The same known shapes, written in every format the app accepts, read with the same true figures.

GLB files are written as the glTF specification says (metres, +Y up) and must
come out in millimetres with Z up like every other format (issue 11, item 8).
"""

from __future__ import annotations

import numpy as np
import pytest

from lms.geometry import analyse, load_mesh

from exchange_files import WRITERS, cube20, t_part, write

KINDS = sorted(WRITERS)


@pytest.mark.parametrize("kind", KINDS)
def test_cube_reads_the_same_in_every_format(kind):
    data, name = write(kind, *cube20())
    mesh = load_mesh(data, name)
    assert (mesh.face_count, mesh.vertex_count) == (12, 8)
    np.testing.assert_allclose(mesh.bounds, [[0, 0, 0], [20, 20, 20]], atol=1e-4)
    report = analyse(mesh)
    assert report["closed"] and report["volume_mm3"] == pytest.approx(8000, rel=1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_t_part_height_and_overhang_in_every_format(kind):
    data, name = write(kind, *t_part())
    mesh = load_mesh(data, name)
    assert mesh.units == "mm"
    np.testing.assert_allclose(mesh.bounds, [[0, 0, 0], [30, 10, 30]], atol=1e-4)
    report = analyse(mesh)
    assert report["extents_mm"] == pytest.approx([30, 10, 30], abs=1e-4)
    assert report["volume_mm3"] == pytest.approx(5000, rel=1e-6)
    assert report["overhang_area_mm2"] == pytest.approx(200, rel=1e-4)
