"""Kept for callers of the old module: the readers live in :mod:`lms.geometry.exchange`."""

from __future__ import annotations

from .exchange import load_mesh, read_head

__all__ = ["load_mesh", "read_head"]
