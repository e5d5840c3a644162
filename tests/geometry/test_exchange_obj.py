"""OBJ face indices: relative (negative) indices and the invalid index 0 (issue 11 item 1, issue 10 item 11)."""

from __future__ import annotations

import numpy as np
import pytest
from exchange_files import cube20, obj

from lms.geometry import CorruptFileError, analyse, load_mesh


def test_relative_indices_resolve_against_the_vertices_read_so_far():
    # each quad's four corners are written just before it and referenced as -4 -3 -2 -1
    data = obj(*cube20(), relative=True)
    assert b"f -4 -3 -2 -1" in data
    mesh = load_mesh(data, "relative.obj")
    assert (mesh.face_count, mesh.vertex_count) == (12, 8)
    np.testing.assert_allclose(mesh.bounds, [[0, 0, 0], [20, 20, 20]])
    report = analyse(mesh)
    assert report["closed"] and report["volume_mm3"] == pytest.approx(8000)


def test_relative_indices_with_texture_and_normal_references():
    data = (b"v 0 0 0\nv 10 0 0\nv 0 10 0\nvt 0 0\nvt 1 0\nvt 0 1\nvn 0 0 1\n"
            b"f -3/-3/-1 -2/-2/-1 -1/-1/-1\n"
            b"v 0 0 10\n"
            b"f -4//-1 -1//-1 -3//-1\nf -4 -2 -1\nf -3 -1 -2\n")
    mesh = load_mesh(data, "tetra.obj")
    assert (mesh.face_count, mesh.vertex_count) == (4, 4)
    tri = mesh.vertices[mesh.faces]
    assert sorted(map(tuple, tri[0].tolist())) == [(0, 0, 0), (0, 10, 0), (10, 0, 0)]
    np.testing.assert_allclose(mesh.bounds, [[0, 0, 0], [10, 10, 10]])


def test_relative_index_counts_only_the_vertices_above_it():
    # at line 3 only two vertices exist: -3 is before the first one, although the file has three
    data = b"v 0 0 0\nv 10 0 0\nf 1 2 -3\nv 0 10 0\n"
    with pytest.raises(CorruptFileError) as exc:
        load_mesh(data, "early.obj")
    assert (exc.value.params["line"], exc.value.params["index"]) == (3, -3)
    mesh = load_mesh(b"v 0 0 0\nv 10 0 0\nv 0 10 0\nf 1 2 -1\n", "late.obj")
    assert mesh.face_count == 1 and mesh.vertex_count == 3


@pytest.mark.parametrize("face", [b"f 0 1 2", b"f 1 2 0", b"f 0/1/1 1/2/1 2/3/1", b"f 1//1 0//1 2//1"])
def test_vertex_index_zero_is_refused(face):
    data = b"v 0 0 0\nv 10 0 0\nv 0 10 0\nvt 0 0\nvt 1 0\nvt 0 1\nvn 0 0 1\n" + face + b"\n"
    with pytest.raises(CorruptFileError) as exc:
        load_mesh(data, "zero.obj")
    err = exc.value
    assert err.params["line"] == 8
    assert "zero.obj" in str(err) and "line 8" in str(err) and "start at 1" in str(err)


@pytest.mark.parametrize("face,index", [(b"f 1 2 9", 9), (b"f -1 -2 -4", -4)])
def test_index_beyond_the_vertices_is_refused_with_its_line(face, index):
    data = b"# three vertices\nv 0 0 0\nv 10 0 0\nv 0 10 0\n" + face + b"\n"
    with pytest.raises(CorruptFileError) as exc:
        load_mesh(data, "far.obj")
    err = exc.value
    assert (err.params["line"], err.params["index"]) == (5, index)
    assert "far.obj" in str(err) and "line 5" in str(err)


def test_layout_variants_read_like_the_plain_file():
    plain = obj(*cube20())
    lines = plain.decode().splitlines()
    varied = []
    for i, line in enumerate(lines):
        if line.startswith("f ") and i % 2:
            varied.append("\t " + line.replace(" ", "  "))  # indented, wider spaces
        elif line.startswith("v "):
            varied.append(line + "   # a corner")
        else:
            varied.append(line)
    data = "\r\n".join(varied).encode() + b"\r\n"
    a, b = load_mesh(plain, "plain.obj"), load_mesh(data, "varied.obj")
    assert (b.face_count, b.vertex_count) == (a.face_count, a.vertex_count) == (12, 8)
    np.testing.assert_array_equal(a.vertices[a.faces], b.vertices[b.faces])


def test_unused_vertices_are_left_out_and_lines_ignored():
    data = b"v 0 0 0\nv 99 99 99\nv 10 0 0\nv 0 10 0\nl 1 2\nf 1 3 4\nf 1 3\n"
    mesh = load_mesh(data, "sparse.obj")
    assert (mesh.face_count, mesh.vertex_count) == (1, 3)
    np.testing.assert_allclose(mesh.bounds, [[0, 0, 0], [10, 10, 0]])


def test_a_vertex_with_two_coordinates_is_refused_with_its_line():
    with pytest.raises(CorruptFileError) as exc:
        load_mesh(b"v 0 0 0\nv 1 0\nv 0 1 0\nf 1 2 3\n", "short.obj")
    assert exc.value.params["line"] == 2 and "line 2" in str(exc.value)
