"""Fixtures for the geometry engine tests (no Flask app needed)."""

from __future__ import annotations

import pytest
from geometry_helpers import box_mesh, sphere_mesh


@pytest.fixture
def box():
    return box_mesh()


@pytest.fixture
def sphere():
    return sphere_mesh()
