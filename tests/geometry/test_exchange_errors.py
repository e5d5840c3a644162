"""Coordinates that are not numbers are refused with where they are, in every format (issue 11 item 10).

Before, a binary STL with a NaN or infinite coordinate was refused as "unknown
binary data"; other formats said nothing of where.  The messages are marked for
translation and translated in Russian and Kyrgyz.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from babel.messages.pofile import read_po
from exchange_files import WRITERS, cube20, triangles, write

from lms.geometry import CorruptFileError, load_mesh

TRANSLATIONS = Path(__file__).resolve().parents[2] / "lms" / "translations"
SOUP_KINDS = ("binary.stl", "ascii.stl")
BAD = 4  # the fifth vertex of the cube


def _first_corner(polys, vertex):
    row = int(np.flatnonzero(triangles(polys).ravel() == vertex)[0])
    return row // 3 + 1, row % 3 + 1


def _broken_cube(value, axis):
    verts, polys = cube20()
    verts = verts.copy()
    verts[BAD, axis] = value
    return verts, polys


@pytest.mark.parametrize("kind", sorted(WRITERS))
@pytest.mark.parametrize("value,axis,shown", [(np.nan, 1, "nan"), (np.inf, 0, "inf"), (-np.inf, 2, "-inf")])
def test_a_coordinate_that_is_not_a_number_is_located(kind, value, axis, shown):
    verts, polys = _broken_cube(value, axis)
    data, name = write(kind, verts, polys)
    with pytest.raises(CorruptFileError) as exc:
        load_mesh(data, name)
    err = exc.value
    assert err.params["value"] == shown
    if kind in SOUP_KINDS:
        facet, corner = _first_corner(polys, BAD)
        assert (err.params["facet"], err.params["corner"], err.params["count"]) == (facet, corner, 12)
        assert f"vertex {corner} of facet {facet} " in str(err)
    else:
        assert (err.params["vertex"], err.params["count"]) == (BAD + 1, 8)
        assert f"vertex {BAD + 1} of 8 " in str(err)
    assert "not a number" in str(err) and name in str(err)
    assert str(err) == err.message_template % err.params


def test_binary_stl_with_a_bad_normal_only_is_read():
    # normals are recomputed from the corners, so an unusable stored normal does not matter
    data = bytearray(write("binary.stl", *cube20())[0])
    struct.pack_into("<3f", data, 84, np.nan, np.inf, 0.0)
    mesh = load_mesh(bytes(data), "normal.stl")
    assert (mesh.face_count, mesh.vertex_count) == (12, 8)


def _templates():
    verts, polys = _broken_cube(np.nan, 0)
    out = set()
    for kind in ("binary.stl", "obj"):
        try:
            load_mesh(*write(kind, verts, polys))
        except CorruptFileError as exc:
            out.add(exc.message_template)
    return sorted(out)


@pytest.mark.parametrize("lang", ["ru", "ky"])
def test_the_messages_are_translated(lang):
    templates = _templates()
    assert len(templates) == 2
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    for template in templates:
        message = catalog.get(template)
        assert message is not None and message.string and not message.fuzzy, template
