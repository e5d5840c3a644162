"""Reading model files safely: :func:`load_mesh` and one reader per format.

Nothing outside the uploaded bytes is ever read.  Declared counts are checked
against the bytes and the :class:`~lms.geometry.limits.Limits` *before* memory
is allocated for them.  Every failure raises a :class:`GeometryError` subclass.

Each format module (``stl``, ``obj``, ``ply``, ``off``, ``threemf``, ``glb``)
has ``read(Source) -> ModelData``: plain arrays in millimetres with Z up.  This
module detects the format, calls the reader, refuses what no reader should
return (no triangles, too many, coordinates that are not numbers) and merges
the vertices into a :class:`~lms.geometry.mesh.Mesh`.  To add a format: write
its module, add it to ``READERS`` and to :mod:`lms.geometry.formats`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import (
    CorruptFileError, EmptyModelError, FileTooLargeError, FormatMismatchError, GeometryError, TooManyFacesError,
    UnsupportedFormatError,
)
from ..formats import FORMAT_NAMES, describe_content, detect_format, extension_format
from ..i18n import N_
from ..limits import DEFAULT_LIMITS, Limits
from ..mesh import Mesh, from_columns, from_indexed
from . import glb, obj, off, ply, stl, threemf
from .common import ModelData, Source, check_faces, check_finite, check_vertices, mb

READERS = {"stl": stl.read, "obj": obj.read, "ply": ply.read, "off": off.read, "3mf": threemf.read,
           "glb": glb.read}
HEAD_BYTES = 65536

__all__ = ["READERS", "ModelData", "Source", "load_mesh", "read_head"]


def load_mesh(source, filename: str | None = None, limits: Limits | None = None) -> Mesh:
    """Load a model from a path or from bytes into a :class:`~lms.geometry.mesh.Mesh`.

    *filename* names the upload in messages and supplies the extension check;
    when *source* is a path it defaults to the path's name.  The format is
    detected from the content; content that contradicts a model extension is
    rejected with :class:`FormatMismatchError`.
    """
    src = open_source(source, filename, limits or DEFAULT_LIMITS)
    fmt_ = _detect(src, filename or (src.path.name if src.path else None))
    model = _read(src, fmt_)
    return _to_mesh(src, fmt_, model)


def open_source(source, filename: str | None, limits: Limits) -> Source:
    """A :class:`Source` for *source* (bytes or a path) after the size checks."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        src = Source(filename or "upload", len(data), data[:HEAD_BYTES], limits, data=data)
    else:
        path = Path(source)
        name = filename or path.name
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise CorruptFileError(N_("%(file)s: cannot be read (%(reason)s)"),
                                   file=name, reason=exc.strerror or str(exc)) from None
        if not path.is_file():
            raise CorruptFileError(N_("%(file)s: is not a regular file"), file=name)
        src = Source(name, size, b"", limits, path=path)
    if src.size > limits.max_bytes:
        raise FileTooLargeError(
            N_("%(file)s is %(size_mb)s MB; the limit is %(limit_mb)s MB"),
            file=src.name, size_mb=mb(src.size), limit_mb=mb(limits.max_bytes))
    if src.size == 0:
        raise EmptyModelError(N_("%(file)s is empty"), file=src.name)
    if src.path is not None:
        src.head = read_head(src.path, HEAD_BYTES)
    return src


def _detect(src: Source, filename: str | None) -> str:
    fmt_ = detect_format(src.head, src.name, size=src.size)
    ext_fmt = extension_format(filename)
    if fmt_ is None:
        if ext_fmt:
            raise FormatMismatchError(
                N_("%(file)s has the extension of a %(expected)s file but its content is %(found)s"),
                file=src.name, expected=FORMAT_NAMES[ext_fmt], found=describe_content(src.head))
        raise UnsupportedFormatError(
            N_("%(file)s is not a supported 3D model (found %(found)s); use STL, OBJ, PLY, OFF, 3MF or GLB"),
            file=src.name, found=describe_content(src.head))
    if ext_fmt and ext_fmt != fmt_:
        raise FormatMismatchError(
            N_("%(file)s has the extension of a %(expected)s file but its content is %(found)s"),
            file=src.name, expected=FORMAT_NAMES[ext_fmt], found=FORMAT_NAMES[fmt_])
    return fmt_


def _read(src: Source, fmt_: str) -> ModelData:
    """The reader's result; any failure that is not already a :class:`GeometryError` becomes one."""
    try:
        return READERS[fmt_](src)
    except GeometryError:
        raise
    except MemoryError:
        raise TooManyFacesError(N_("%(file)s: the model is too large to load into memory"),
                                file=src.name) from None
    except RecursionError:
        raise CorruptFileError(N_("%(file)s: the file is nested too deeply"), file=src.name) from None
    except Exception as exc:  # any decoder failure becomes a specific, readable error
        raise CorruptFileError(N_("%(file)s: cannot be read as %(format)s (%(reason)s)"),
                               file=src.name, format=FORMAT_NAMES[fmt_],
                               reason=(str(exc) or type(exc).__name__)[:200]) from None


def _to_mesh(src: Source, fmt_: str, model: ModelData) -> Mesh:
    """Refuse what no model may hold, then merge the vertices into a :class:`Mesh`."""
    if model.face_count == 0:
        raise EmptyModelError(N_("%(file)s contains no triangles"), file=src.name)
    check_faces(src.name, model.face_count, src.limits)
    check_finite(src.name, model)
    if model.faces is None:
        mesh = from_columns([c.astype(np.float32, copy=False) for c in model.columns])
    else:
        mesh = from_indexed(model.vertices, model.faces)
    check_vertices(src.name, mesh.vertex_count, src.limits)
    mesh.name, mesh.format, mesh.file_size, mesh.units = src.name, fmt_, src.size, "mm"
    mesh.meta.update(model.meta)
    mesh.warnings.extend(model.warnings)
    return mesh


def read_head(path: str | os.PathLike, n: int = HEAD_BYTES) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n)
