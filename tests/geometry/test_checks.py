from __future__ import annotations

import json

import numpy as np
import pytest
import trimesh
from geometry_helpers import box_mesh, sphere_mesh
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.geometry import PRINTERS, analyse, evaluate, validate_requirements
from lms.geometry.mesh import from_indexed


def _check(report, cid):
    return next(c for c in report["checks"] if c["id"] == cid)


def _all_messages(report):
    yield from report["checks"]
    yield from report.get("requirements", [])


@pytest.mark.parametrize("tm", [
    trimesh.creation.box((10, 20, 30)),
    trimesh.creation.icosphere(3, radius=15),
    trimesh.creation.cylinder(radius=5, height=20, sections=32),
    trimesh.creation.cone(radius=8, height=12, sections=24),
    trimesh.creation.torus(20, 5),
    trimesh.creation.capsule(height=10, radius=4),
])
def test_closed_primitives_pass(tm):
    mesh = from_indexed(tm.vertices, tm.faces)
    r = analyse(mesh, printer="prusa-mk4")
    assert r["closed"] and r["ok"], [c for c in r["checks"] if not c["passed"]]
    assert r["open_edges"] == r["holes"] == r["nonmanifold_edges"] == 0
    assert r["inverted_shells"] == 0 and r["flipped_faces"] == 0
    assert r["shells"] == 1
    assert r["volume_mm3"] == pytest.approx(tm.volume, rel=1e-6)
    assert r["area_mm2"] == pytest.approx(tm.area, rel=1e-6)
    json.dumps(r)


def _independent_faces(faces, k, seed=0):
    """k faces sharing no vertex with each other."""
    rng = np.random.default_rng(seed)
    used, out = set(), []
    for i in rng.permutation(len(faces)):
        if used.isdisjoint(faces[i]):
            out.append(i)
            used.update(faces[i])
            if len(out) == k:
                return out
    raise AssertionError("not enough independent faces")


@pytest.mark.parametrize("k", [1, 2, 5, 17])
def test_removing_faces_gives_holes(k):
    s = trimesh.creation.icosphere(3, radius=10)
    remove = _independent_faces(np.asarray(s.faces), k, seed=k)
    faces = np.delete(np.asarray(s.faces), remove, axis=0)
    r = analyse(from_indexed(s.vertices, faces))
    assert r["open_edges"] == 3 * k
    assert r["holes"] == k
    assert not r["closed"] and r["volume_mm3"] is None and not r["ok"]
    assert len(r["locations"]["open_edges"]) == 3 * k
    assert _check(r, "closed")["params"] == {"holes": k, "open_edges": 3 * k}


def test_removing_adjacent_faces_is_one_hole():
    s = trimesh.creation.icosphere(2, radius=10)
    faces = np.asarray(s.faces)
    # a face and its three neighbours form one larger hole with 6 open edges
    adj = s.face_adjacency
    nb = adj[(adj == 0).any(axis=1)].ravel()
    remove = sorted(set(nb.tolist()))
    r = analyse(from_indexed(s.vertices, np.delete(faces, remove, axis=0)))
    assert r["holes"] == 1 and r["open_edges"] == 6


def test_flipped_faces_found():
    m = sphere_mesh(2)
    faces = m.faces.copy()
    flip = [3, 40, 100]
    faces[flip] = faces[flip][:, ::-1]
    r = analyse(from_indexed(m.vertices, faces))
    assert r["closed"]
    assert r["flipped_faces"] == 3
    assert r["inconsistent_edges"] == 9
    assert not _check(r, "winding")["passed"] and not r["ok"]
    located = np.array(sorted(map(tuple, r["locations"]["inverted_faces"])))
    expect = np.array(sorted(tuple(m.vertices[faces[i]].ravel()) for i in flip))
    np.testing.assert_allclose(located, expect, atol=1e-3)


def test_inverted_shell():
    m = box_mesh()
    r = analyse(from_indexed(m.vertices, m.faces[:, ::-1]))
    assert r["inverted_shells"] == 1 and r["flipped_faces"] == 0
    assert r["volume_mm3"] == pytest.approx(6000)
    assert len(r["locations"]["inverted_faces"]) == 12
    assert not r["ok"]


def test_cavity_is_not_inverted():
    outer = trimesh.creation.box((20, 20, 20))
    inner = trimesh.creation.box((10, 10, 10))
    inner.invert()
    both = trimesh.util.concatenate([outer, inner])
    r = analyse(from_indexed(both.vertices, both.faces))
    assert r["inverted_shells"] == 0 and r["shells"] == 2
    assert r["volume_mm3"] == pytest.approx(8000 - 1000)


def test_two_cubes_sharing_an_edge():
    a = trimesh.creation.box((10, 10, 10))
    b = a.copy()
    b.apply_translation([10, 10, 0])
    both = trimesh.util.concatenate([a, b])
    r = analyse(from_indexed(both.vertices, both.faces))
    assert r["nonmanifold_edges"] == 1
    assert r["open_edges"] == 0 and r["holes"] == 0 and r["closed"]
    assert _check(r, "nonmanifold")["severity"] == "warning"
    assert r["ok"]  # touching parts warn, they are not holes
    assert len(r["locations"]["nonmanifold_edges"]) == 1
    x1, y1, z1, x2, y2, z2 = r["locations"]["nonmanifold_edges"][0]
    assert (x1, y1, x2, y2) == (5, 5, 5, 5) and {z1, z2} == {-5, 5}


def test_degenerate_and_duplicate_faces():
    m = box_mesh()
    faces = np.vstack([m.faces, m.faces[:2], [[0, 0, 1]]])
    r = analyse(from_indexed(m.vertices, faces))
    assert r["duplicate_faces"] == 2
    assert r["degenerate_faces"] == 1
    assert r["closed"] and r["open_edges"] == 0  # copies stay in the edge count (like admesh)


def test_separate_parts():
    a = trimesh.creation.box((10, 10, 10))
    b = a.copy()
    b.apply_translation([30, 0, 0])
    both = trimesh.util.concatenate([a, b])
    r = analyse(from_indexed(both.vertices, both.faces))
    assert r["shells"] == 2 and r["ok"]
    res = evaluate(r, {"single_part": True})
    assert not res[0]["passed"] and "2 separate parts" in res[0]["message"]


@pytest.mark.parametrize("printer,size,fits,as_is", [
    ("ender-3", (212, 100, 20), True, True),
    ("ender-3", (230, 100, 20), True, False),    # fits turned on its side or diagonally
    ("ender-3", (300, 10, 10), True, False),     # the diagonal of 220x220 is 311
    ("ender-3", (320, 10, 10), True, False),     # tilted along the 376 mm space diagonal
    ("ender-3", (400, 10, 10), False, False),
    ("prusa-mk4", (240, 200, 215), True, True),
    ("prusa-mk4", (240, 200, 260), False, False),
    ("bambu-a1", (256, 256, 256), True, True),
    ("ultimaker-s5", (320, 230, 290), True, True),
    ("ultimaker-s5", (400, 400, 400), False, False),
])
def test_build_volume_fit(printer, size, fits, as_is):
    r = analyse(box_mesh(size), printer=printer)
    fit = r["fit"][printer]
    assert fit["fits"] is fits and fit["fits_as_is"] is as_is
    assert _check(r, "fit")["passed"] is fits
    if fits and not as_is:
        assert fit["rotation"] and "turned" in _check(r, "fit")["message"]


def test_fit_student_message():
    r = analyse(box_mesh((212, 100, 20)), printer="ender-3")
    res = evaluate(r, {"printer": "ender-3"})[0]
    assert res["passed"]
    assert res["message"] == "Your model is 212 mm wide; the Creality Ender-3 bed allows 220 mm — it fits."


def test_printer_profiles():
    assert PRINTERS["prusa-mk4"]["build_volume_mm"] == [250, 210, 220]
    assert PRINTERS["ender-3"]["build_volume_mm"] == [220, 220, 250]
    assert PRINTERS["bambu-a1"]["build_volume_mm"] == [256, 256, 256]
    assert PRINTERS["ultimaker-s5"]["build_volume_mm"] == [330, 240, 300]


def test_overhang():
    # a box floating above nothing: its bottom rests on the bed -> no overhang
    r = analyse(box_mesh((10, 10, 10)))
    assert r["overhang_area_mm2"] == pytest.approx(0)
    # a T shape: the underside of the top bar overhangs
    stem = trimesh.creation.box((10, 10, 20))
    bar = trimesh.creation.box((30, 10, 5))
    bar.apply_translation([0, 0, 12.5])
    t = trimesh.util.concatenate([stem, bar])
    r = analyse(from_indexed(t.vertices, t.faces), overhang_angle_deg=45)
    assert r["overhang_area_mm2"] == pytest.approx(300)  # separate shells: the whole underside counts
    res = evaluate(r, {"max_overhang_area_mm2": 100})[0]
    assert not res["passed"]


def test_wall_thickness():
    r = analyse(box_mesh((40, 40, 1.2)))
    assert r["min_wall_mm"] == pytest.approx(1.2, rel=1e-3)
    res = evaluate(r, {"min_wall_mm": 2.0})[0]
    assert not res["passed"] and "1.20 mm" in res["message"]
    tube = trimesh.creation.annulus(r_min=9, r_max=10, height=30, sections=64)
    r = analyse(from_indexed(tube.vertices, tube.faces))
    assert 0.9 <= r["min_wall_mm"] <= 1.01


def test_estimate_labelled():
    r = analyse(box_mesh((20, 20, 20)), printer="prusa-mk4", material="petg")
    est = r["estimate"]
    assert est["is_estimate"] is True and est["material"] == "petg"
    assert 0 < est["grams"] < 8000 * 1.27 / 1000 + 1e-9
    assert est["filament_m"] > 0 and est["print_time_s"] > 0
    assert "Estimate" in _check(r, "estimate")["message"]


def test_units_hint():
    r = analyse(box_mesh((0.05, 0.04, 0.02)))  # drawn in metres
    assert r["units_hint"]["likely"] == "m"
    r = analyse(box_mesh((3, 2, 1)))
    assert r["units_hint"]["likely"] == "in"
    assert analyse(box_mesh((30, 20, 10)))["units_hint"] is None


def test_translation_contract():
    s = trimesh.creation.icosphere(2, radius=10)
    faces = np.delete(np.asarray(s.faces), [0], axis=0)
    r = analyse(from_indexed(s.vertices, faces), printer="ender-3")
    r["requirements"] = evaluate(r, {
        "formats": ["stl", "3mf"], "max_file_mb": 5, "max_faces": 10, "closed": True, "single_part": True,
        "printer": "ender-3", "max_dimensions_mm": [5, 5, 5], "min_wall_mm": 1,
        "max_overhang_area_mm2": 10, "overhang_angle_deg": 45})
    assert len(r["requirements"]) == 9
    for item in _all_messages(r):
        assert item["message"] == item["message_template"] % item["params"]
        json.dumps(item["params"])
    r2 = analyse(box_mesh((30, 30, 30)))
    r2["file_size"] = 100
    for item in evaluate(r2, {"closed": True, "single_part": True, "min_wall_mm": 1, "max_file_mb": 1}):
        assert item["passed"], item
        assert item["message"] == item["message_template"] % item["params"]


def test_holes_message():
    s = trimesh.creation.icosphere(3, radius=10)
    remove = _independent_faces(np.asarray(s.faces), 3)
    r = analyse(from_indexed(s.vertices, np.delete(np.asarray(s.faces), remove, axis=0)))
    res = evaluate(r, {"closed": True})[0]
    assert res["message"].startswith("3 hole(s) found")
    assert "close them in your CAD tool and export again" in res["message"]


def test_validate_requirements():
    assert validate_requirements({"formats": ["STL", "3mf"], "closed": True}) == {"formats": ["stl", "3mf"],
                                                                                 "closed": True}
    with pytest.raises(ValueError) as exc:
        validate_requirements({"closed": True, "max_size": 3})
    assert "max_size" in str(exc.value) and "max_dimensions_mm" in str(exc.value)
    for bad in ({"printer": "makerbot"}, {"max_dimensions_mm": [1, 2]}, {"closed": "yes"},
                {"formats": ["dwg"]}, {"min_wall_mm": -1}, {"overhang_angle_deg": 95}):
        with pytest.raises(ValueError):
            validate_requirements(bad)


def test_max_dimensions():
    r = analyse(box_mesh((100, 50, 20)))
    assert evaluate(r, {"max_dimensions_mm": [120, 60, 30]})[0]["passed"]
    res = evaluate(r, {"max_dimensions_mm": [60, 120, 30]})[0]
    assert res["passed"] and "rotated" in res["message"]
    assert not evaluate(r, {"max_dimensions_mm": [90, 60, 30]})[0]["passed"]


# ------------------------------------------------------------------ property test

def _rotation(angles):
    return trimesh.transformations.euler_matrix(*angles)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    angles=st.tuples(*[st.floats(-np.pi, np.pi, allow_nan=False)] * 3),
    scale=st.floats(0.5, 3.0),
    shift=st.tuples(*[st.floats(-500, 500, allow_nan=False)] * 3),
    subdivisions=st.integers(0, 2),
    kind=st.sampled_from(["box", "sphere", "holed", "flipped", "touching"]),
)
def test_verdicts_stable_under_transforms(angles, scale, shift, subdivisions, kind):
    if kind == "box":
        tm = trimesh.creation.box((10, 20, 30))
    elif kind == "sphere":
        tm = trimesh.creation.icosphere(1, radius=10)
    else:
        tm = trimesh.creation.icosphere(1, radius=10)
    v, f = np.asarray(tm.vertices, float), np.asarray(tm.faces)
    for _ in range(subdivisions):
        v, f = trimesh.remesh.subdivide(v, f)
    if kind == "holed":
        f = f[1:]
    elif kind == "flipped":
        f = f.copy()
        f[0] = f[0][::-1]
    elif kind == "touching":
        b = trimesh.creation.box((10, 10, 10))
        c = b.copy()
        c.apply_translation([10, 10, 0])
        both = trimesh.util.concatenate([b, c])
        v, f = np.asarray(both.vertices, float), np.asarray(both.faces)
    base = analyse(from_indexed(v, f), wall_samples=0)
    m = _rotation(angles)
    m[:3, :3] *= scale
    m[:3, 3] = shift
    v2 = trimesh.transformations.transform_points(v, m)
    moved = analyse(from_indexed(v2, f), wall_samples=0)
    for key in ("faces", "shells", "closed", "open_edges", "holes", "nonmanifold_edges", "flipped_faces",
                "inverted_shells", "ok"):
        assert moved[key] == base[key], key
    if base["volume_mm3"] is not None:
        assert moved["volume_mm3"] == pytest.approx(base["volume_mm3"] * scale ** 3, rel=1e-6)
