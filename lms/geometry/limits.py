"""Configurable resource limits applied while loading a model."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Limits enforced *before* and while decoding a model.

    All sizes are in bytes.  Defaults suit a classroom upload form; the
    benchmark and tests pass their own.
    """

    max_bytes: int = 100 * 1024 * 1024          # size of the uploaded file
    max_faces: int = 3_000_000                  # triangles after triangulation
    max_vertices: int = 3_000_000               # vertices as stored in the file
    # 3MF / ZIP container
    max_zip_entries: int = 1_000
    max_zip_uncompressed: int = 512 * 1024 * 1024   # sum over all entries
    max_zip_ratio: float = 200.0                # uncompressed / compressed, per entry and total
    max_zip_name_length: int = 255
    max_xml_depth: int = 64

    @property
    def max_mb(self) -> float:
        return self.max_bytes / (1024 * 1024)


DEFAULT_LIMITS = Limits()
