"""Through the upload form: a model that is refused says why, in the learner's language (issue 11 item 10).

Before, a binary STL with a coordinate that is not a number, or with no
triangles, was refused at upload as "not a 3D model we can read".
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from exchange_files import binary_stl, cube20

from tests.hostile.test_uploads_hostile import learner  # noqa: F401  (fixture)
from tests.test_assignments import upload, wait_done


def _failed_check(client, auth, data, name):
    r = upload(auth, data, name)
    assert r.status_code == 303, r.get_data(as_text=True)[:300]
    result = wait_done(client, r.headers["Location"])
    assert result["state"] == "failed"
    return r.headers["Location"], result


@pytest.mark.usefixtures("learner")
def test_a_coordinate_that_is_not_a_number_is_named_in_each_language(client, auth):
    verts, polys = cube20()
    verts = verts.copy()
    verts[0, 2] = np.nan  # the first corner of facet 1
    url, result = _failed_check(client, auth, binary_stl(verts, polys), "nan.stl")
    assert "vertex 1 of facet 1 of 12 has a coordinate that is not a number (nan)" in result["error"]
    ru = client.get(url, headers={"Accept": "application/json", "Accept-Language": "ru"}).get_json()
    assert "у вершины 1 грани 1 из 12 есть координата, не являющаяся числом (nan)" in ru["error"]
    ky = client.get(url, headers={"Accept-Language": "ky"}).get_data(as_text=True)
    assert "12 грандын 1-грандагы 1-чокунун координатасы сан эмес (nan)" in ky


@pytest.mark.usefixtures("learner")
def test_a_binary_stl_with_no_triangles_says_so(client, auth):
    _url, result = _failed_check(client, auth, b"empty".ljust(80, b" ") + struct.pack("<I", 0), "empty.stl")
    assert "empty.stl contains no triangles" in result["error"]
