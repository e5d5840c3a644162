"""STL, binary and ASCII: :func:`read` returns a triangle soup (``ModelData.faces is None``).

Binary STL is decoded with numpy straight into the three coordinate columns,
in chunks when streaming from disk: no Python loop per facet, no (3F, 3) row
copy.  Normals are ignored (they are recomputed from the corners).
"""

from __future__ import annotations

import re
import struct

import numpy as np

from ..errors import CorruptFileError, CountMismatchError, EmptyModelError, TruncatedFileError
from ..i18n import N_
from .common import ModelData, Source, check_faces
from .text import numbers, token_counts

RECORD = np.dtype([("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")])
CHUNK = 262_144  # facets per read when streaming a binary STL from disk
NO_TRIANGLES = N_("%(file)s contains no triangles")

# keywords in any case: admesh's own sample block.stl is written in upper case
_FACET = re.compile(rb"\bfacet\b", re.I)
_FACET_NORMAL = re.compile(rb"\bfacet\s+normal\b", re.I)
_NUMBER = rb"([-+]?(?:nan|inf(?:inity)?)|[-+0-9.eE]+)"  # the words first: "-" alone is no number
_VERTEX = re.compile(rb"vertex\s+" + rb"\s+".join([_NUMBER] * 3), re.I)
_VERTEX_LINE = re.compile(rb"vertex([^\r\n]*)")  # on lower-cased text: what follows each keyword


def binary_size(head: bytes) -> int | None:
    """The size a binary STL with *head*'s declared facet count has (None when under 84 bytes)."""
    if len(head) < 84:
        return None
    return 84 + 50 * struct.unpack_from("<I", head, 80)[0]


def read(src: Source) -> ModelData:
    expected = binary_size(src.head)
    looks_ascii = src.head.lstrip()[:5].lower() == b"solid" and (
        _FACET.search(src.head[:4096]) is not None or expected != src.size)
    if expected == src.size and not (looks_ascii and _FACET_NORMAL.search(src.head[:4096])):
        return read_binary(src)
    if looks_ascii:
        return read_ascii(src)
    return _read_binary_with_extra_bytes(src, expected)


def _read_binary_with_extra_bytes(src: Source, expected: int | None) -> ModelData:
    if expected is None:
        raise TruncatedFileError(
            N_("%(file)s: binary STL is %(size)s bytes, shorter than its 84-byte header"),
            file=src.name, size=src.size)
    declared = (expected - 84) // 50
    if src.size < expected:
        raise TruncatedFileError(
            N_("%(file)s: binary STL header declares %(declared)s triangles (%(expected)s bytes) "
               "but the file has only %(size)s bytes"),
            file=src.name, declared=declared, expected=expected, size=src.size)
    # more bytes than declared: accept the declared triangles, warn about the rest
    extra = src.size - expected
    if extra > 50 * 16 and extra > src.size // 100:
        raise CountMismatchError(
            N_("%(file)s: binary STL header declares %(declared)s triangles but the file holds "
               "%(extra)s more bytes than that"), file=src.name, declared=declared, extra=extra)
    model = read_binary(src)
    model.warnings.append(f"{extra} trailing bytes after the last triangle were ignored")
    return model


def read_binary(src: Source) -> ModelData:
    count = struct.unpack_from("<I", src.head, 80)[0]
    check_faces(src.name, count, src.limits)
    if count == 0:
        raise EmptyModelError(NO_TRIANGLES, file=src.name)
    # Fortran order: each coordinate column is contiguous, as the vertex merge wants it
    corners = np.empty((count * 3, 3), dtype=np.float32, order="F")
    for start, records in _records(src, count):
        v = records["v"]  # (n, corner, axis)
        rows = slice(3 * start, 3 * (start + len(records)))
        for k in range(3):
            corners[rows, k].reshape(-1, 3)[:] = v[:, :, k]
    return ModelData(corners, meta={"stl_kind": "binary"})


def _records(src: Source, count: int):
    """``(first facet, records)`` chunks of the facet table, from memory or streamed from disk."""
    if src.data is not None:
        for start in range(0, count, CHUNK):
            yield start, np.frombuffer(src.data, RECORD, min(CHUNK, count - start), 84 + 50 * start)
        return
    with open(src.path, "rb") as fh:
        fh.seek(84)
        for start in range(0, count, CHUNK):
            n = min(CHUNK, count - start)
            records = np.fromfile(fh, RECORD, n)
            if len(records) != n:
                raise TruncatedFileError(
                    N_("%(file)s: binary STL ended after %(read)s of %(declared)s triangles"),
                    file=src.name, read=start + len(records), declared=count)
            yield start, records


def read_ascii(src: Source) -> ModelData:
    data = src.read_all()
    lower = data.lower()
    facets = lower.count(b"endfacet")
    check_faces(src.name, facets, src.limits)
    corners = _vertex_lines(lower)
    if corners is None:  # an unusual layout: find the vertices token by token
        corners = _vertex_tokens(src.name, data)
    if len(corners) != facets * 3:
        raise CountMismatchError(
            N_("%(file)s: ASCII STL has %(facets)s facets but %(vertices)s vertices "
               "(3 per facet expected); the file is damaged or truncated"),
            file=src.name, facets=facets, vertices=len(corners))
    if facets == 0:
        raise EmptyModelError(NO_TRIANGLES, file=src.name)
    # ASCII coordinates are decimal; round-trip through float32 like binary STL so
    # exact vertex matching behaves the same for both encodings
    return ModelData(corners.astype(np.float32), meta={"stl_kind": "ascii"})


def _vertex_lines(lower: bytes) -> np.ndarray | None:
    """(3F, 3) corners when every ``vertex`` keyword has exactly three numbers after it on its line, else None.

    The common layout, read without a Python object per number: the lines are
    gathered into one block and numpy parses it.
    """
    rows = _VERTEX_LINE.findall(lower)
    if len(rows) != lower.count(b"vertex"):
        return None
    block = b"\n".join(rows) + b"\n"
    counts = token_counts(block)
    if not (counts == 3).all():
        return None
    values = numbers(block, np.float64, 3 * len(rows))
    return None if values is None else values.reshape(-1, 3)


def _vertex_tokens(name: str, data: bytes) -> np.ndarray:
    try:
        return np.array(_VERTEX.findall(data), dtype=np.float64).reshape(-1, 3)
    except ValueError:
        raise CorruptFileError(N_("%(file)s: ASCII STL contains a coordinate that is not a number"),
                               file=name) from None
