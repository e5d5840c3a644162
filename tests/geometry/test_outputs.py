from __future__ import annotations

import base64
import io
import json
import time

import numpy as np
import pytest
import trimesh
from geometry_helpers import box_mesh, sphere_mesh
from PIL import Image

from lms.geometry import analyse, export_stl, load_mesh, render_thumbnail, repair, viewer_data
from lms.geometry.mesh import from_indexed


def test_thumbnail_sizes_and_framing():
    m = box_mesh((40, 20, 10))
    for size in (512, 128):
        png = render_thumbnail(m, size=size)
        im = Image.open(io.BytesIO(png)).convert("RGB")
        assert im.size == (size, size)
        a = np.asarray(im).astype(int)
        bg = a[0, 0]
        model = (np.abs(a - bg).sum(axis=2) > 30)
        _ys, xs = np.nonzero(model[: int(size * 0.85)])
        # framed: the model spans most of the width and stays inside the image
        assert xs.max() - xs.min() > 0.7 * size
        assert xs.min() > 0 and xs.max() < size - 1


def test_thumbnail_has_dimension_text():
    m = box_mesh((40, 20, 10))
    with_text = np.asarray(Image.open(io.BytesIO(render_thumbnail(m, 256))).convert("L")).astype(int)
    without = np.asarray(Image.open(io.BytesIO(render_thumbnail(m, 256, dimensions=False))).convert("L")).astype(int)
    assert np.abs(with_text[-20:] - without[-20:]).sum() > 0


def test_thumbnail_large_mesh_fast():
    s = trimesh.creation.icosphere(6, radius=30)  # 81920 faces
    m = from_indexed(s.vertices, s.faces)
    t = time.perf_counter()
    render_thumbnail(m, 512)
    assert time.perf_counter() - t < 2.0


def test_viewer_data_contract():
    s = trimesh.creation.icosphere(4, radius=10)
    faces = np.delete(np.asarray(s.faces), [0], axis=0)
    m = from_indexed(s.vertices, faces)
    r = analyse(m)
    d = viewer_data(m, r, face_budget=500)
    json.dumps(d)
    pos = np.frombuffer(base64.b64decode(d["positions"]), "<f4").reshape(-1, 3)
    idx = np.frombuffer(base64.b64decode(d["indices"]), "<u4").reshape(-1, 3)
    assert d["simplified"] is True and d["face_count"] == len(idx) <= 500
    assert d["vertex_count"] == len(pos) and idx.max() < len(pos)
    assert np.allclose(d["extents_mm"], [20, 20, 20], atol=0.1)
    assert len(d["problems"]["open_edges"]) == 3 and all(len(e) == 6 for e in d["problems"]["open_edges"])
    full = viewer_data(m, r)
    assert full["simplified"] is False and full["face_count"] == len(faces)


def test_repair_fixes_and_reports():
    s = trimesh.creation.icosphere(3, radius=10)
    v, f = np.asarray(s.vertices), np.asarray(s.faces).copy()
    f[5] = f[5][::-1]                        # one flipped face
    f = np.delete(f, [100, 400], axis=0)    # two holes
    f = np.vstack([f, f[:3], [[0, 0, 1]]])  # duplicates and a degenerate face
    m = from_indexed(v, f)
    before = m.faces.copy()
    fixed, changes = repair(m)
    assert np.array_equal(m.faces, before)  # original untouched
    ids = {c["id"]: c["count"] for c in changes}
    assert ids["removed_degenerate"] == 1 and ids["removed_duplicates"] == 3
    assert ids["fixed_winding"] == 1 and ids["filled_holes"] == 2
    for c in changes:
        assert c["message"] == c["message_template"] % c["params"]
    r = analyse(fixed)
    assert r["ok"] and r["closed"] and r["flipped_faces"] == 0 and r["duplicate_faces"] == 0
    back = load_mesh(export_stl(fixed), "fixed.stl")
    assert back.face_count == fixed.face_count


def test_repair_inverted_and_clean():
    m = box_mesh()
    fixed, changes = repair(from_indexed(m.vertices, m.faces[:, ::-1]))
    assert [c["id"] for c in changes] == ["fixed_inverted"]
    assert analyse(fixed)["volume_mm3"] == pytest.approx(6000)
    _, none = repair(m)
    assert none == []


def test_export_stl_roundtrip():
    m = sphere_mesh(2)
    data = export_stl(m)
    assert len(data) == 84 + 50 * m.face_count
    back = load_mesh(data, "s.stl")
    assert back.vertex_count == m.vertex_count
