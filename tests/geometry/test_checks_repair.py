"""Issue 11 item 5: repair never makes a model worse, or refuses and says why.

"Worse" is more open edges, more non-manifold edges or more parts than the
model had before.  Real models from Debian's packages (PrusaSlicer's printer
beds, OpenCASCADE's samples) are the ones where today's repair went wrong.
"""

from __future__ import annotations

import glob

import numpy as np
import pytest
from click.testing import CliRunner
from shapes import box, file_bytes, in_every_format, join

from lms.geometry import load_mesh, repair
from lms.geometry.cli import repair_command
from lms.geometry.mesh import from_indexed
from lms.geometry.mesh_repair import RepairRefusedError
from lms.geometry.topology import analyse_topology

DEBIAN_MODELS = sorted(glob.glob("/usr/share/PrusaSlicer/profiles/*/*.stl")[:40]
                       + glob.glob("/usr/share/opencascade/data/stl/*.stl"))


def _figures(mesh):
    t = analyse_topology(mesh.vertices, mesh.faces)
    return {"open edges": t.n_open_edges, "non-manifold edges": t.n_nonmanifold_edges, "parts": t.n_shells}


def _assert_not_worse(before, after, name):
    for key in before:
        assert after[key] <= before[key], f"{name}: {key} {before[key]} -> {after[key]}"


def _two_bodies_sharing_a_face():
    # two closed 10 mm cubes side by side, the second the mirror image of the first:
    # the triangles at x = 5 are in both bodies, wound opposite ways
    v, f = box((10, 10, 10))
    mirrored = v * [-1, 1, 1] + [10, 0, 0]
    return join((v, f), (mirrored, f[:, ::-1]))


def test_coincident_faces_of_two_bodies_are_kept():
    v, f = _two_bodies_sharing_a_face()
    for fmt, mesh in in_every_format(v, f):
        before = _figures(mesh)
        assert before["open edges"] == 0, fmt
        fixed, _changes = repair(mesh)
        after = _figures(fixed)
        _assert_not_worse(before, after, fmt)
        assert after["open edges"] == 0, fmt
        assert fixed.face_count == 24, fmt  # the shared face belongs to both bodies


@pytest.mark.skipif(not DEBIAN_MODELS, reason="needs prusa-slicer's and opencascade's data files")
@pytest.mark.parametrize("path", DEBIAN_MODELS, ids=lambda p: p.rsplit("/", 1)[-1])
def test_repair_of_real_models_is_never_worse(path):
    mesh = load_mesh(path)
    before = _figures(mesh)
    fixed, changes = repair(mesh)
    _assert_not_worse(before, _figures(fixed), path)
    for c in changes:
        assert c["message"] == c["message_template"] % c["params"]


def test_anycubic_mega_bed_stays_closed():
    path = "/usr/share/PrusaSlicer/profiles/Anycubic/mega0_bed.stl"
    if path not in DEBIAN_MODELS:
        pytest.skip("needs prusa-slicer's data files")
    fixed, _ = repair(load_mesh(path))
    assert _figures(fixed)["open edges"] == 0


def _only_degenerate():
    rng = np.random.default_rng(3)
    a = rng.random((50, 3)) * 20
    d = rng.random((50, 3))
    v = np.stack([a, a + d, a + 2 * d], 1).reshape(-1, 3)
    return v, np.arange(len(v)).reshape(-1, 3)


def test_model_of_only_degenerate_triangles_is_refused():
    v, f = _only_degenerate()
    with pytest.raises(RepairRefusedError) as err:
        repair(from_indexed(v, f, name="flat.stl"))
    assert "flat.stl" in str(err.value) and "zero-area" in str(err.value)
    assert str(err.value) == err.value.message_template % err.value.params


def test_repair_command_refuses_without_writing_a_file(tmp_path):
    src = tmp_path / "flat.stl"
    src.write_bytes(file_bytes(*_only_degenerate(), "stl")[0])
    out = tmp_path / "fixed.stl"
    res = CliRunner().invoke(repair_command, [str(src), "-o", str(out)])
    assert res.exit_code == 1 and "zero-area" in res.output
    assert not out.exists()


def test_hole_filling_that_would_join_parts_is_skipped():
    # two cubes touching along an edge, each missing the two faces at that edge:
    # the open edges form one figure-of-eight loop through the shared edge
    a_v, a_f = box((10, 10, 10))
    b_v, b_f = box((10, 10, 10), centre=(10, 10, 0))
    mesh = from_indexed(*join((a_v, a_f[2:]), (b_v, b_f[2:])))
    before = _figures(mesh)
    fixed, _ = repair(mesh)
    _assert_not_worse(before, _figures(fixed), "figure of eight")
