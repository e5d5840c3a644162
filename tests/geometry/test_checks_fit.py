"""Issue 11 item 7: the build-volume fit finds tilted orientations, and suggests no needless turn.

Every suggested turn is checked by applying it to the model's vertices
(turns about the fixed X, Y, Z axes, in the order given) and measuring.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation
from shapes import box, in_every_format

from lms.geometry import PRINTERS, analyse


def _turned_extents(vertices, rotation):
    pts = np.asarray(vertices, float)
    for turn in rotation:
        pts = Rotation.from_euler(turn["axis"], turn["degrees"], degrees=True).apply(pts)
    return pts.max(axis=0) - pts.min(axis=0)


def _fit(size, printer):
    v, f = box(size)
    out = []
    for fmt, mesh in in_every_format(v, f):
        out.append((fmt, mesh, analyse(mesh, printer=printer, wall_samples=0)["fit"][printer]))
    return out


def test_long_bar_fits_along_the_space_diagonal():
    # 400 x 10 x 10 mm in a 256 mm cube: along the diagonal (443 mm) with 14.5 mm to spare
    build = np.array(PRINTERS["bambu-a1"]["build_volume_mm"])
    for fmt, mesh, fit in _fit((400, 10, 10), "bambu-a1"):
        assert fit["fits"] and not fit["fits_as_is"], fmt
        assert fit["margin_mm"] >= 13.5, fmt
        ext = _turned_extents(mesh.vertices, fit["rotation"])
        assert (ext <= build - 13.5).all(), (fmt, ext)
        assert np.allclose(sorted(ext), sorted(fit["oriented_extents_mm"]), atol=0.05), fmt


def test_a_turn_about_z_alone_is_suggested_when_it_is_enough():
    # 300 x 10 x 10 mm on a 220 x 220 mm bed: lying flat, turned 45° about Z (diagonal 311 mm)
    for fmt, mesh, fit in _fit((300, 10, 10), "ender-3"):
        assert fit["fits"], fmt
        assert [t["axis"] for t in fit["rotation"]] == ["z"], (fmt, fit["rotation"])
        ext = _turned_extents(mesh.vertices, fit["rotation"])
        assert (ext <= np.array(PRINTERS["ender-3"]["build_volume_mm"]) + 1e-6).all(), fmt


@pytest.mark.parametrize("size,printer", [((230, 100, 20), "ender-3"), ((320, 10, 10), "ender-3")])
def test_every_suggested_turn_really_fits(size, printer):
    build = np.array(PRINTERS[printer]["build_volume_mm"])
    for fmt, mesh, fit in _fit(size, printer):
        assert fit["fits"], fmt
        ext = _turned_extents(mesh.vertices, fit["rotation"])
        assert (ext <= build + 1e-6).all(), (fmt, fit["rotation"], ext)


def test_too_long_for_any_orientation():
    # the Ender-3's diagonal is 376 mm
    for fmt, _mesh, fit in _fit((400, 10, 10), "ender-3"):
        assert not fit["fits"], fmt
