from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import trimesh
from click.testing import CliRunner
from geometry_helpers import stl_bytes

from lms.geometry.cli import check_command, main, preview_command, repair_command

REPORT_KEYS = {"file", "format", "faces", "vertices", "shells", "extents_mm", "volume_mm3", "area_mm2", "closed",
               "open_edges", "holes", "nonmanifold_edges", "inverted_shells", "degenerate_faces",
               "duplicate_faces", "checks", "ok"}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def good_stl(tmp_path):
    b = trimesh.creation.box((20, 20, 20))
    p = tmp_path / "good.stl"
    p.write_bytes(stl_bytes(b.vertices, b.faces))
    return p


@pytest.fixture
def holed_stl(tmp_path):
    s = trimesh.creation.icosphere(2, radius=10)
    p = tmp_path / "holed.stl"
    p.write_bytes(stl_bytes(s.vertices, np.asarray(s.faces)[1:]))
    return p


def test_check_ok_json(good_stl):
    res = CliRunner().invoke(check_command, [str(good_stl), "--json", "--printer", "ender-3"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert set(data) >= REPORT_KEYS
    assert data["ok"] is True and data["closed"] is True and data["requirements"] == []
    for c in data["checks"]:
        assert {"id", "severity", "passed", "message"} <= set(c)


def test_check_human(good_stl):
    res = CliRunner().invoke(check_command, [str(good_stl)])
    assert res.exit_code == 0
    assert "result: OK" in res.output and "20.00 x 20.00 x 20.00 mm" in res.output


def test_check_holes_exit_1(holed_stl):
    res = CliRunner().invoke(check_command, [str(holed_stl), "--json"])
    assert res.exit_code == 1
    data = json.loads(res.output)
    assert data["holes"] == 1 and data["open_edges"] == 3 and data["ok"] is False


def test_check_requirement_fails_exit_1(good_stl):
    res = CliRunner().invoke(check_command, [str(good_stl), "--require", "max_dimensions_mm=10,10,10",
                                             "--require", "closed=true", "--json"])
    assert res.exit_code == 1
    data = json.loads(res.output)
    keys = {r["key"]: r["passed"] for r in data["requirements"]}
    assert keys == {"max_dimensions_mm": False, "closed": True}


def test_check_unknown_requirement_is_usage_error(good_stl):
    res = CliRunner().invoke(check_command, [str(good_stl), "--require", "colour=red"])
    assert res.exit_code == 2 and "valid keys" in res.output


def test_check_unreadable_exit_2(tmp_path):
    p = tmp_path / "cut.stl"
    b = trimesh.creation.box((20, 20, 20))
    p.write_bytes(stl_bytes(b.vertices, b.faces)[:-10])
    res = CliRunner().invoke(check_command, [str(p)])
    assert res.exit_code == 2
    assert "cut.stl" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(check_command, [str(tmp_path / "missing.stl")])
    assert res.exit_code == 2


def test_subprocess_module_entry(good_stl, holed_stl, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = lambda *a: subprocess.run([sys.executable, "-m", "lms.geometry.cli", *a], capture_output=True,  # noqa
                                    text=True, env=env, cwd=ROOT, timeout=120)
    ok = run("check", str(good_stl), "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["ok"] is True
    assert run("check", str(holed_stl)).returncode == 1
    bad = tmp_path / "bad.stl"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    r = run("check", str(bad))
    assert r.returncode == 2 and "bad.stl" in r.stderr and "Traceback" not in r.stderr


def test_preview_and_repair_commands(holed_stl, tmp_path):
    out = tmp_path / "p.png"
    res = CliRunner().invoke(preview_command, [str(holed_stl), "-o", str(out), "--size", "128"])
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fixed = tmp_path / "fixed.stl"
    res = CliRunner().invoke(repair_command, [str(holed_stl), "-o", str(fixed)])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(check_command, [str(fixed), "--json"])
    assert res.exit_code == 0, res.output


def test_group_has_commands():
    assert set(main.commands) == {"check", "preview", "repair"}
