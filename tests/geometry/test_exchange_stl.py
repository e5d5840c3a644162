"""STL: upper-case ASCII keywords (issue 11 item 9) and binary files with no triangles (item 10)."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from exchange_files import ascii_stl, cube20

from lms.geometry import EmptyModelError, analyse, detect_format, load_mesh

ADMESH_BLOCK = Path("/usr/share/doc/admesh/examples/block.stl")


def test_upper_case_ascii_stl_is_read():
    data = ascii_stl(*cube20(), upper=True)
    assert data.startswith(b"SOLID SHAPE\n  FACET NORMAL")
    assert detect_format(data[:4096], "cube.stl") == "stl"
    mesh = load_mesh(data, "cube.stl")
    assert mesh.meta["stl_kind"] == "ascii"
    assert (mesh.face_count, mesh.vertex_count) == (12, 8)
    assert analyse(mesh)["volume_mm3"] == pytest.approx(8000)


def test_mixed_case_ascii_stl_is_read():
    data = ascii_stl(*cube20()).replace(b"facet normal", b"Facet Normal").replace(b"vertex", b"Vertex")
    data = data.replace(b"solid", b"Solid").replace(b"endloop", b"EndLoop")
    mesh = load_mesh(data, "cube.stl")
    assert (mesh.face_count, mesh.vertex_count) == (12, 8)


@pytest.mark.skipif(not ADMESH_BLOCK.is_file() or not shutil.which("admesh"), reason="admesh's examples not installed")
def test_admesh_sample_block_reads_like_admesh_says(tmp_path):
    # admesh reports for its own sample: 12 facets, 1 part, -1.968504 .. 1.968504 on every axis,
    # volume 61.023746 (a 100 mm cube written in inches)
    mesh = load_mesh(ADMESH_BLOCK)
    assert (mesh.face_count, mesh.vertex_count) == (12, 8)
    np.testing.assert_allclose(mesh.bounds, [[-1.968504] * 3, [1.968504] * 3], atol=1e-6)
    report = analyse(mesh)
    assert report["closed"] and report["shells"] == 1
    assert report["volume_mm3"] == pytest.approx(61.023746, rel=1e-6)


@pytest.mark.parametrize("header", [b"", b"solid but binary"])
def test_binary_stl_with_no_triangles_says_so(header):
    data = header.ljust(80, b" ") + struct.pack("<I", 0)
    with pytest.raises(EmptyModelError) as exc:
        load_mesh(data, "nothing.stl")
    assert str(exc.value) == "nothing.stl contains no triangles"


def test_ascii_stl_with_no_facets_says_so():
    with pytest.raises(EmptyModelError) as exc:
        load_mesh(b"solid nothing\nendsolid nothing\n", "nothing.stl")
    assert str(exc.value) == "nothing.stl contains no triangles"


def test_ascii_stl_in_any_layout_reads_the_same():
    # keywords and numbers are tokens: one facet per line, or the whole solid on one line
    data = ascii_stl(*cube20())
    one_line = b" ".join(data.split()) + b"\n"
    facet_lines = data.replace(b"\n    ", b" ").replace(b"\n      ", b" ").replace(b"\n  endfacet", b" endfacet")
    for variant in (one_line, facet_lines, data.replace(b"\n", b"\r\n")):
        mesh = load_mesh(variant, "layout.stl")
        assert (mesh.face_count, mesh.vertex_count) == (12, 8)
        np.testing.assert_allclose(mesh.bounds, [[0, 0, 0], [20, 20, 20]])
