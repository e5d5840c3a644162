"""The same known shapes, written in every format the app accepts, read with the same true figures.

GLB files are written as the glTF specification says (metres, +Y up) and must
come out in millimetres with Z up like every other format (issue 11, item 8).
"""

from __future__ import annotations

import numpy as np
import pytest
from exchange_files import WRITERS, cube20, t_part, write

from lms.geometry import CorruptFileError, analyse, load_mesh

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


OFF_LAYOUTS = {
    "counts on the keyword line": "OFF 4 2 0\n0 0 0\n10 0 0\n0 10 0\n0 0 10\n3 0 1 2\n3 0 1 3\n",
    "comments and blank lines": "OFF\n\n# counts\n4 2 0\n0 0 0 # origin\n10 0 0\n\n0 10 0\n0 0 10\n3 0 1 2\n3 0 1 3 # last\n",
    "colours after positions and faces": "COFF\n4 2 0\n0 0 0 255 0 0 255\n10 0 0 0 255 0 255\n0 10 0 0 0 255 255\n"
                                         "0 0 10 9 9 9 9\n3 0 1 2 0.5 0.2 0.1\n3 0 1 3 1 0 0\n",
    "CRLF": "OFF\r\n4 2 0\r\n0 0 0\r\n10 0 0\r\n0 10 0\r\n0 0 10\r\n3 0 1 2\r\n3 0 1 3\r\n",
}


@pytest.mark.parametrize("layout", sorted(OFF_LAYOUTS))
def test_off_layouts_read_the_same(layout):
    mesh = load_mesh(OFF_LAYOUTS[layout].encode(), "two.off")
    assert (mesh.face_count, mesh.vertex_count) == (2, 4)
    np.testing.assert_allclose(mesh.bounds, [[0, 0, 0], [10, 10, 10]])
    corners = sorted(map(tuple, mesh.vertices[mesh.faces[0]].tolist()))
    assert corners == [(0, 0, 0), (0, 10, 0), (10, 0, 0)]


@pytest.mark.parametrize("body,words", [
    ("0 0 0\n10 0\n0 10 0\n3 0 1 2\n", "three numbers"),
    ("0 0 0\n10 0 0\n0 10 0\n4 0 1 2\n", "corner count"),
    ("0 0 0\n10 0 0\n0 10 0\n3 0 1 5\n", "does not exist"),
])
def test_off_damage_is_named(body, words):
    with pytest.raises(CorruptFileError) as exc:
        load_mesh(("OFF\n3 1 0\n" + body).encode(), "bad.off")
    assert words in str(exc.value) and "bad.off" in str(exc.value)


PLY_HEAD = "ply\nformat ascii 1.0\ncomment two triangles\n"
PLY_LAYOUTS = {
    "plain": "element vertex 4\nproperty float x\nproperty float y\nproperty float z\nelement face 2\n"
             "property list uchar int vertex_indices\nend_header\n0 0 0\n10 0 0\n0 10 0\n0 0 10\n3 0 1 2\n3 0 1 3\n",
    "properties around the positions and the list": (
        "element vertex 4\nproperty float y\nproperty float x\nproperty uchar red\nproperty float z\n"
        "element face 2\nproperty uchar flags\nproperty list uchar int vertex_index\nproperty float quality\n"
        "end_header\n0 0 1 0\n0 10 1 0\n10 0 1 0\n0 0 1 10\n7 3 0 1 2 0.5\n7 3 0 1 3 0.25\n"),
    "an edge element after the faces": (
        "element vertex 4\nproperty float x\nproperty float y\nproperty float z\nelement face 2\n"
        "property list uchar int vertex_indices\nelement edge 1\nproperty int vertex1\nproperty int vertex2\n"
        "end_header\n0 0 0\n10 0 0\n0 10 0\n0 0 10\n3 0 1 2\n3 0 1 3\n0 1\n"),
}


@pytest.mark.parametrize("layout", sorted(PLY_LAYOUTS))
def test_ascii_ply_layouts_read_the_same(layout):
    mesh = load_mesh((PLY_HEAD + PLY_LAYOUTS[layout]).encode(), "two.ply")
    assert (mesh.face_count, mesh.vertex_count) == (2, 4)
    np.testing.assert_allclose(mesh.bounds, [[0, 0, 0], [10, 10, 10]])
    corners = sorted(map(tuple, mesh.vertices[mesh.faces[0]].tolist()))
    assert corners == [(0, 0, 0), (0, 10, 0), (10, 0, 0)]


@pytest.mark.parametrize("old,new,words", [
    ("\n10 0 0\n", "\n10 0\n", "vertex line does not match"),
    ("\n3 0 1 3\n", "\n4 0 1 3\n", "face line does not match"),
    ("\n3 0 1 3\n", "\n3 0 1 7\n", "does not exist"),
])
def test_ascii_ply_damage_is_named(old, new, words):
    data = (PLY_HEAD + PLY_LAYOUTS["plain"]).replace(old, new, 1).encode()
    with pytest.raises(CorruptFileError) as exc:
        load_mesh(data, "bad.ply")
    assert words in str(exc.value) and "bad.ply" in str(exc.value)
