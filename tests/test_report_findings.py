"""One verdict per check on the submission page: no check shown both passed and failed, each failure once.

The known-answer models are built here with their true defects (holes, flipped faces, two parts, an
overhang the assignment forbids, a part too large); each goes through a real upload and check, and the
page is read as the learner reads it.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import trimesh
from sqlalchemy import select

from lms import db
from lms.catalog.models import Assignment
from tests.models import binary_stl, cube_stl
from tests.test_assignments import ASSIGNMENT_URL, enrol_and_read, people, upload, wait_done  # noqa: F401


def _stl(mesh: trimesh.Trimesh) -> bytes:
    return binary_stl(mesh.vertices[mesh.faces].astype(np.float32))


def _flipped_cube() -> bytes:
    cube = trimesh.creation.box((20, 20, 20))
    faces = cube.faces.copy()
    faces[:3] = faces[:3, ::-1]
    return _stl(trimesh.Trimesh(cube.vertices, faces, process=False))


def _two_cubes() -> bytes:
    a = trimesh.creation.box((10, 10, 10))
    b = trimesh.creation.box((10, 10, 10))
    b.apply_translation((30, 0, 0))
    return _stl(trimesh.util.concatenate([a, b]))


MODELS = {
    "holes": (lambda: cube_stl(20, drop_faces=2), {"closed"}),
    "flipped faces": (_flipped_cube, {"winding"}),
    "two parts": (_two_cubes, {"parts"}),
    "sphere with overhang": (lambda: _stl(trimesh.creation.icosphere(4, 10)), {"overhang"}),
    "too large": (lambda: _stl(trimesh.creation.box((150, 20, 20))), {"dimensions"}),
}


def _items(html: str, css_class: str) -> list[str]:
    return [re.sub(r"<[^>]+>", " ", m) for m in re.findall(rf'<li class="[^"]*\b{css_class}\b[^"]*">(.*?)</li>', html, re.S)]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_each_check_has_one_verdict_and_each_failure_appears_once(app, client, auth, people, name):
    build, expected_failures = MODELS[name]
    with app.app_context():
        a = db.session().scalar(select(Assignment).where(Assignment.slug == "cube"))
        a.requirements = dict(a.requirements, max_overhang_area_mm2=10, max_file_mb=5)
        db.session().commit()
    enrol_and_read(auth)
    url = upload(auth, build()).headers["Location"]
    data = wait_done(client, url)
    assert data["state"] == "checked", data
    findings = data["report"]["findings"]
    topics = [f["topic"] for f in findings]
    assert len(topics) == len(set(topics)), topics  # one verdict per topic in the JSON
    failing = {f["topic"] for f in findings if not f["passed"]}
    assert expected_failures <= failing, findings

    html = client.get(url).get_data(as_text=True)
    assert "What to fix" in html
    failed_items = _items(html, "finding")
    passed_items = _items(html, "pass")
    for f in findings:
        shown = [item for item in failed_items + passed_items if f["message"][:40] in " ".join(item.split())]
        assert len(shown) == 1, (f["topic"], len(shown))
        assert (shown[0] in failed_items) == (not f["passed"])
    for f in findings:
        if not f["passed"]:
            assert html.count(f["fix"][:40]) == 1, f["topic"]
