"""Compare our verdicts with admesh's exact check on PrusaSlicer's bundled models.

admesh (--exact: exact edge matching only, like our vertex merge; plus
--normal-directions and --normal-values so that it counts parts and computes
the volume from the vertices rather than the stored normals) reports facets
with disconnected edges, the number of parts, and the volume.  Documented
differences:

* admesh joins an edge to at most one neighbour; an edge shared by more
  than two faces (parts touching along an edge) leaves facets "disconnected"
  in admesh but is a non-manifold edge, not a hole, for us.
* admesh counts parts through connected facets (shared edges); we count
  shells through shared vertices, so parts touching only at a corner are one
  shell for us and two parts for admesh.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lms.geometry import analyse, load_mesh

ADMESH = shutil.which("admesh")
ROOTS = [Path("/usr/share/PrusaSlicer/shapes"), Path("/usr/share/PrusaSlicer/profiles")]
MODELS = sorted(p for root in ROOTS if root.is_dir() for p in root.rglob("*.stl"))[:60]

pytestmark = pytest.mark.skipif(ADMESH is None or not MODELS, reason="admesh or PrusaSlicer models not installed")


def _admesh(path: Path) -> dict:
    out = subprocess.run([ADMESH, "--exact", "--normal-directions", "--normal-values", str(path)], capture_output=True, timeout=120).stdout.decode("latin-1")

    def grab(label, col=0):
        m = re.search(re.escape(label) + r"\s*:\s*(-?[\d.]+)\s+(-?[\d.]+)?", out)
        return float(m.group(1 + col)) if m else None

    disconnected = [grab(f"Facets with {k} disconnected edge" + ("s" if k > 1 else "")) for k in (1, 2, 3)]
    vol = re.search(r"Volume\s*:\s*(-?[\d.]+)", out)
    parts = re.search(r"Number of parts\s*:\s*(\d+)", out)
    return {
        "facets": grab("Number of facets"),
        "disconnected_edges": int(disconnected[0] + 2 * disconnected[1] + 3 * disconnected[2]),
        "parts": int(parts.group(1)),
        "volume": float(vol.group(1)) if vol else None,
    }


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.name)
def test_agrees_with_admesh(path):
    ad = _admesh(path)
    mesh = load_mesh(path)
    r = analyse(mesh, wall_samples=0)
    assert r["faces"] == ad["facets"]
    # every admesh "disconnected" facet edge is either an open edge or part of a
    # non-manifold edge (admesh pairs up at most two faces per edge)
    if r["nonmanifold_edges"] == 0:
        assert r["open_edges"] == ad["disconnected_edges"], (r["open_edges"], ad)
        assert r["closed"] == (ad["disconnected_edges"] == 0)
    else:
        assert r["open_edges"] <= ad["disconnected_edges"]
    if r["closed"] and r["inverted_shells"] == 0 and r["flipped_faces"] == 0 and ad["volume"] is not None:
        assert abs(r["volume_mm3"]) == pytest.approx(abs(ad["volume"]), rel=1e-3, abs=1e-2)
    if r["nonmanifold_edges"] == 0 and ad["parts"] > 0:
        # touching-at-a-vertex parts are one shell for us, several parts for admesh
        assert r["shells"] <= ad["parts"]
