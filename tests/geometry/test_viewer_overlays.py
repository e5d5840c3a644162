"""The viewer's overlays: the overhanging faces (a face set in each level) and the thin-wall places
agree with the checks' own figures."""
from __future__ import annotations

import gzip

import numpy as np
import pytest
from test_viewer_binary import decode_with_sets

from lms import geometry
from lms.geometry.mesh import Mesh
from lms.geometry.viewer import encode_mesh, read_package, viewer_package
from tests.shelf_model import OVERHANG_FACES, shelf_stl

REQUIREMENTS = {"min_wall_mm": 2.0, "overhang_angle_deg": 45, "max_overhang_area_mm2": 50}


@pytest.fixture
def shelf(tmp_path):
    path = tmp_path / "shelf.stl"
    path.write_bytes(shelf_stl(depth=10.0, fin=1.0))
    return path


def _levels(package: bytes):
    meta, body = read_package(package)
    return meta, [decode_with_sets(gzip.decompress(body[lv["offset"]:lv["offset"] + lv["length"]]))
                  for lv in meta["levels"]]


def _normals(v, f):
    n = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    return n / np.linalg.norm(n, axis=1, keepdims=True)


def test_overhang_faces_match_the_overhang_check(shelf):
    report = geometry.check_file(shelf, REQUIREMENTS)
    mesh = geometry.load_mesh(shelf)
    meta, [(v, f, [flags])] = _levels(viewer_package(mesh, report))
    assert meta["face_sets"] == ["overhang"]
    overhang = meta["overlays"]["overhang"]
    assert overhang["area_mm2"] == report["overhang_area_mm2"] > 0  # the very figure of the check
    assert overhang["angle_deg"] == report["overhang_angle_deg"] == 45
    assert overhang["faces"] == int(flags.sum()) == OVERHANG_FACES
    z = v[f[flags]][:, :, 2]
    assert np.allclose(z, 10.0, atol=0.01)  # the slab's undersides, not the column's foot on the bed
    assert (_normals(v, f[flags])[:, 2] < -0.99).all()


def test_the_angle_comes_from_the_report(shelf):
    mesh = geometry.load_mesh(shelf)
    steep = geometry.check_file(shelf, {**REQUIREMENTS, "overhang_angle_deg": 89.9})
    meta = read_package(viewer_package(mesh, steep))[0]
    assert meta["overlays"]["overhang"]["faces"] == OVERHANG_FACES  # flat undersides lean 90°
    no_report = read_package(viewer_package(mesh, None))[0]
    assert no_report["overlays"]["overhang"]["angle_deg"] == 45.0  # analyse's default


def test_a_light_level_flags_the_faces_it_kept_from_overhangs():
    from make_icosphere import icosphere

    v, f = icosphere(4, 30.0)
    mesh = Mesh(v, f)
    report = geometry.analyse(mesh, overhang_angle_deg=45)
    meta, [(lv, lf, [light]), (_fv, _ff, [full])] = _levels(viewer_package(mesh, report, light_faces=1000))
    assert meta["overlays"]["overhang"]["faces"] == int(full.sum()) > 0
    assert 0 < light.sum() < len(lf)
    # flagged light faces still face down (vertex clustering can fold the odd one over)
    assert (_normals(lv, lf[light])[:, 2] < 0).mean() > 0.95


def test_thin_wall_places_are_the_fin_and_agree_with_the_requirement(shelf):
    report = geometry.check_file(shelf, REQUIREMENTS)
    wall = report["wall_thickness"]
    places = np.array(report["locations"]["thin_wall"])
    assert not next(r for r in report["requirements"] if r["key"] == "min_wall_mm")["passed"]
    assert len(places) == wall["thin_count"] > 0
    assert np.allclose(np.linalg.norm(places[:, 3:] - places[:, :3], axis=1), 1.0, atol=0.01)  # across the fin
    assert ((places[:, [0, 3]] >= 11 - 1e-6) & (places[:, [0, 3]] <= 12 + 1e-6)).all()
    assert wall["thin_area_mm2"] == pytest.approx(2 * 12 * 10, rel=0.05)  # both sides of the fin
    meta = read_package(viewer_package(geometry.load_mesh(shelf), report))[0]
    assert meta["problems"]["thin_wall"] == places.tolist()
    assert meta["overlays"]["thin_wall"] == {"min_wall_mm": 2.0, "places": wall["thin_count"],
                                             "area_mm2": wall["thin_area_mm2"]}


def test_no_thin_places_when_the_wall_requirement_passes(shelf):
    report = geometry.check_file(shelf, {**REQUIREMENTS, "min_wall_mm": 0.8})
    assert next(r for r in report["requirements"] if r["key"] == "min_wall_mm")["passed"]
    assert report["locations"]["thin_wall"] == []
    assert read_package(viewer_package(geometry.load_mesh(shelf), report))[0]["overlays"]["thin_wall"]["places"] == 0
    without = geometry.check_file(shelf, {})
    meta = read_package(viewer_package(geometry.load_mesh(shelf), without))[0]
    assert meta["overlays"]["thin_wall"]["min_wall_mm"] is None  # no requirement: nothing to mark


def test_face_sets_follow_the_stored_triangle_order():
    rng = np.random.default_rng(7)
    v = rng.uniform(0, 50, (200, 3))
    f = rng.integers(0, 200, (300, 3))
    f = f[(f[:, 0] != f[:, 1]) & (f[:, 1] != f[:, 2]) & (f[:, 0] != f[:, 2])]
    mask = rng.random(len(f)) < 0.3
    dv, df, [flags] = decode_with_sets(encode_mesh(v, f, face_sets=[mask]))
    key = lambda tri: tuple(sorted(map(tuple, np.round(tri, 1))))  # noqa: E731
    wanted = {key(t) for t in v[f[mask]]}
    assert {key(t) for t in dv[df[flags]]} == wanted and flags.sum() == mask.sum()
