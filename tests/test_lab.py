"""The lab loop, slicing half: vendor presets, printers, and a checked model sliced by the real prusa-slicer."""
from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import select

from lms import db
from lms.assignments.models import Submission
from lms.lab import presets, profiles, slicing
from lms.lab.models import Printer
from tests.conftest import ROOT
from tests.models import cube_stl
from tests.polling import json_of, poll
from tests.test_assignments import switch, upload, wait_done

LAB = "lab-course"
LAB_URL = f"/courses/{LAB}/assignments/keychain/"
need_slicer = pytest.mark.skipif(shutil.which("prusa-slicer") is None, reason="prusa-slicer is not installed")


@pytest.fixture
def courses_dir(courses_dir):
    shutil.copytree(ROOT / "tests" / "fixtures" / "courses" / LAB, courses_dir / LAB)
    return courses_dir


@pytest.fixture
def lab_people(users, synced, tasks_running):
    return {"learner": users.create("learner@example.org", "Чыныбаев Мирлан Үңөөвич"),
            "instructor": users.create("instructor@fablab.kg", "Гүлнара Токтогулова", role="instructor"),
            "admin": users.create("admin@example.org", "Admin", role="admin")}


def submit_cube(client, auth, size: float = 20.0, sliced: bool = True) -> dict:
    auth.login("learner@example.org")
    assert auth.post(f"/courses/{LAB}/enrol").status_code == 303
    r = upload(auth, cube_stl(size), url=LAB_URL)
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    data = wait_done(client, r.headers["Location"])
    return (wait_sliced(client, r.headers["Location"]) if sliced else data) | {"url": r.headers["Location"]}


def wait_sliced(client, url: str, timeout: float = 90) -> dict:
    """Poll until the slicing task has finished (at once in immediate mode; a worker's time with Redis)."""
    return poll(lambda: json_of(client, url),
                lambda data: (data.get("slicer") or {}).get("state") in ("sliced", "refused", "failed"), timeout, 0.3)


@need_slicer
def test_a_profile_is_the_vendor_presets_with_their_inherits_resolved():
    mini = profiles.PROFILES["prusa-mini"]
    assert mini["build_volume_mm"] == [180.0, 180.0, 180.0]
    config = presets.flat_config(profiles.presets_of("prusa-mini"))
    # from three chains: the printer's bed, the print's layer height, the filament's density
    assert config["bed_shape"] == "0x0,180x0,180x180,0x180"
    assert config["layer_height"] == "0.2" and config["filament_density"] == "1.24"
    assert "inherits" not in config
    with pytest.raises(presets.PresetError):
        presets.resolve("PrusaResearch", "printer", "Original Prusa MK4")  # came with 2.6, not in Debian's 2.5


@need_slicer
def test_printers_from_the_command_line_never_show_the_key(app, runner):
    r = runner.invoke(["printers", "add", "MINI-1", "--profile", "prusa-mini", "--octoprint-url", "http://127.0.0.1:9",
                       "--api-key-stdin", "--cost-per-kg", "25"], input="SECRET-KEY-123\n")
    assert r.exit_code == 0, r.output
    assert runner.invoke(["printers", "add", "MINI-1", "--profile", "prusa-mini"]).exit_code != 0  # taken
    bad = runner.invoke(["printers", "add", "X", "--profile", "prusa-mk4"])
    assert bad.exit_code != 0 and "Unknown profile" in bad.output
    listed = runner.invoke(["printers", "list", "--json"])
    rows = json.loads(listed.output)
    assert rows[0]["name"] == "MINI-1" and rows[0]["has_api_key"] and rows[0]["cost_per_kg"] == 25
    assert "SECRET" not in listed.output and "SECRET" not in runner.invoke(["printers", "list"]).output
    with app.app_context():
        assert db.session().scalar(select(Printer.api_key)) == "SECRET-KEY-123"


@need_slicer
def test_admin_page_adds_a_printer_and_never_echoes_its_key(app, client, auth, lab_people):
    auth.login("admin@example.org")
    r = auth.post("/admin/printers", data={"name": "MK3S-1", "profile": "prusa-mk3s", "octoprint_url": "http://op.lab",
                                          "api_key": "TOPSECRET", "active": "y"})
    assert r.status_code == 303
    page = client.get("/admin/printers").get_data(as_text=True)
    assert "MK3S-1" in page and "TOPSECRET" not in page
    assert auth.post("/admin/printers", data={"name": "bad", "profile": "prusa-mk3s", "octoprint_url": "ftp://x",
                                              "api_key": "k"}).status_code == 400
    switch(client, auth, "instructor@fablab.kg")
    assert client.get("/admin/printers").status_code == 404


@need_slicer
def test_a_passing_model_is_sliced_and_the_pages_show_the_slicers_figures(app, client, auth, lab_people):
    data = submit_cube(client, auth)
    assert data["state"] == "checked" and data["report"]["ok"]
    slicer = data["slicer"]
    assert slicer["state"] == "sliced" and slicer["profile"] == "prusa-mini"
    assert slicer["slicer_version"].startswith("2.")
    # PrusaSlicer's own summary of a 20 mm cube at 0.20 mm: about half an hour and 3.7 g (our estimate said 6 min)
    assert 15 * 60 < slicer["time_s"] < 60 * 60 and 3.0 < slicer["filament_g"] < 4.5 and slicer["filament_mm"] > 1000
    assert len(slicer["gcode_sha256"]) == 64
    for key in ("id", "state", "attempt", "late", "error", "report", "decision", "score"):
        assert key in data  # the contract keeps every key
    assert "print" not in data  # no job yet
    page = client.get(data["url"]).get_data(as_text=True)
    minutes = max(1, round(slicer["time_s"] / 60))  # lms.formatting.duration: under an hour reads "28 min"
    assert f"<dd>{minutes} min</dd>" in page and "rough estimate" not in page
    # the learner may not download the G-code in this course; the instructor may
    assert client.get(f"{data['url']}model.gcode").status_code == 404
    switch(client, auth, "instructor@fablab.kg")
    with client.get(f"{data['url']}model.gcode") as gcode:
        assert gcode.status_code == 200 and b"; estimated printing time" in gcode.data


@need_slicer
def test_a_model_the_slicer_refuses_keeps_its_check_results(app, lab_people, tmp_path):
    """PrusaSlicer aborts on a model wider than the bed; our record says why and the report stays whole."""
    import trimesh

    from lms.catalog.models import Assignment
    from lms.storage_app import get_storage

    wide = tmp_path / "wide.stl"
    trimesh.creation.box((300, 20, 20)).export(wide)
    with app.app_context():
        s = db.session()
        assignment = s.scalar(select(Assignment).where(Assignment.slug == "keychain"))
        sha = get_storage().put_bytes(wide.read_bytes())
        sub = Submission(assignment_id=assignment.id, user_id=lab_people["learner"], attempt=1, file_sha256=sha,
                         file_size=1, file_format="stl", original_name="wide.stl", state="checked", checks_passed=True,
                         report={"ok": True, "checks": [{"id": "closed", "passed": True}], "fit": {}})
        s.add(sub)
        s.flush()
        entry = slicing.slice_submission(s, get_storage(), sub, assignment, {})
        assert entry["state"] == "refused" and entry["reason"] == "bed"
        assert "could not place the model" in entry["message_template"]
        assert sub.report["checks"] == [{"id": "closed", "passed": True}] and sub.report["ok"]
        s.rollback()


def test_without_a_slicer_the_estimate_stays_labelled_rough(app, client, auth, lab_people, monkeypatch):
    monkeypatch.setattr("lms.lab.slicer.shutil.which", lambda name: None)
    data = submit_cube(client, auth, sliced=False)
    assert data["state"] == "checked" and "slicer" not in data
    assert "Print time (rough estimate)" in client.get(data["url"]).get_data(as_text=True)


@need_slicer
def test_a_binary_stl_whose_bytes_all_look_like_text_is_still_sliced(tmp_path):
    """Found here: a 15 mm cube with zero normals is all ASCII bytes, and PrusaSlicer's loader takes it for an
    ASCII STL ("Loading of a model file failed"); our own binary export is sliced instead."""
    from lms.lab import slicer

    model = tmp_path / "cube15.stl"
    model.write_bytes(cube_stl(15))
    assert all(b < 128 for b in model.read_bytes())
    result = slicer.slice_model(model, "stl", profiles.presets_of("prusa-mini"))
    try:
        assert result.filament_g > 1 and result.time_s > 60
    finally:
        slicer.cleanup(result)
