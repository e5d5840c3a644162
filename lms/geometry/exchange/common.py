"""What every reader shares: its input (:class:`Source`), its output (:class:`ModelData`) and checks.

Readers never build a :class:`~lms.geometry.mesh.Mesh` themselves; the
dispatcher in :mod:`lms.geometry.exchange` merges vertices and fills in the
metadata, so every format ends in the same place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import CorruptFileError, ExternalReferenceError, TooManyFacesError, TooManyVerticesError
from ..i18n import N_, fmt
from ..limits import Limits

EXTERNAL_REFERENCE = N_("%(file)s refers to an external resource (%(ref)s); only the uploaded file is read")


@dataclass
class Source:
    """One upload: its name for messages, its size, its first 64 KiB and its limits.

    The bytes come either from memory (*data*) or from *path*; :meth:`read_all`
    reads a file at most once and never more than the size limit allows.
    """

    name: str
    size: int
    head: bytes
    limits: Limits
    path: Path | None = None
    data: bytes | None = None

    def read_all(self) -> bytes:
        if self.data is None:
            with open(self.path, "rb") as fh:
                self.data = fh.read(self.limits.max_bytes + 1)
        return self.data


@dataclass
class ModelData:
    """A reader's result: plain arrays in millimetres with Z up, vertices not yet merged.

    ``vertices`` is a (V, 3) float array.  ``faces`` is an (F, 3) integer array
    of indices into it, or ``None`` for a triangle soup (STL), where corner *i*
    of facet *f* is ``vertices[3 * f + i]``.  ``meta`` goes into ``Mesh.meta``
    (``stl_kind``, ``file_unit``, ``up_axis``); ``warnings`` into ``Mesh.warnings``.
    """

    vertices: np.ndarray
    faces: np.ndarray | None = None
    meta: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def face_count(self) -> int:
        return len(self.vertices) // 3 if self.faces is None else len(self.faces)

    @property
    def columns(self) -> list[np.ndarray]:
        """The three coordinate columns, contiguous (no copy for a Fortran-ordered array)."""
        return [np.ascontiguousarray(self.vertices[:, k]) for k in range(3)]


def mb(n: int) -> str:
    return fmt(n / (1024 * 1024), 1)


def check_faces(name: str, count: int, limits: Limits, polygons: bool = False) -> None:
    """``polygons``: the count is of faces as declared (PLY/OFF), before they are split into triangles."""
    if count > limits.max_faces:
        template = (N_("%(file)s: the model has %(count)s faces; the limit is %(limit)s") if polygons else
                    N_("%(file)s: the model has %(count)s triangles; the limit is %(limit)s"))
        raise TooManyFacesError(template, file=name, count=int(count), limit=int(limits.max_faces))


def check_vertices(name: str, count: int, limits: Limits) -> None:
    if count > limits.max_vertices:
        raise TooManyVerticesError(
            N_("%(file)s: the model has %(count)s vertices; the limit is %(limit)s"),
            file=name, count=int(count), limit=int(limits.max_vertices))


def check_finite(name: str, model: ModelData) -> None:
    """Refuse NaN or infinite coordinates, saying where the first one is (1-based, as people count)."""
    columns = model.columns
    if all(np.isfinite(c).all() for c in columns):
        return
    row = min(int(np.flatnonzero(~np.isfinite(c))[0]) for c in columns if not np.isfinite(c).all())
    value = next(float(x) for x in model.vertices[row] if not np.isfinite(x))
    shown = "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    if model.faces is None:
        raise CorruptFileError(
            N_("%(file)s: vertex %(corner)s of facet %(facet)s of %(count)s has a coordinate that is "
               "not a number (%(value)s)"),
            file=name, corner=row % 3 + 1, facet=row // 3 + 1, count=model.face_count, value=shown)
    raise CorruptFileError(
        N_("%(file)s: vertex %(vertex)s of %(count)s has a coordinate that is not a number (%(value)s)"),
        file=name, vertex=row + 1, count=len(model.vertices), value=shown)


def unsafe_reference(ref: str) -> bool:
    """True when *ref* points outside the upload: a URL, a drive, an absolute path or '..'."""
    ref = ref.strip().strip('"').strip("'")
    if not ref:
        return False
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", ref):  # URL scheme or drive letter
        return True
    if ref.startswith(("/", "\\", "~")):
        return True
    parts = re.split(r"[\\/]", ref)
    return ".." in parts


def fan_triangles(corners: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """(F, 3) triangles from polygons given as corner counts and their indices, one after another.

    Polygon (a, b, c, d, ...) -> (a, b, c), (a, c, d), ...; polygons of fewer than three corners are dropped.
    """
    triangles = np.maximum(corners - 2, 0)
    first = np.cumsum(corners) - corners  # where each polygon's indices start
    polygon = np.repeat(np.arange(len(corners)), triangles)
    k = np.arange(int(triangles.sum())) - np.repeat(np.cumsum(triangles) - triangles, triangles)
    a = first[polygon]
    return np.stack([indices[a], indices[a + k + 1], indices[a + k + 2]], axis=1)
