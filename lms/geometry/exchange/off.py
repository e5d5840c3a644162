"""OFF (Object File Format): ``OFF``, the counts, one vertex per line, then one polygon per line.

Plain ASCII OFF and its colour, normal and texture variants (COFF, NOFF,
STOFF ...) are read here with numpy, without a Python object per number: the
first three numbers of a vertex line are its position, a face line is a corner
count, that many 0-based indices and an optional colour.  Other variants
(4OFF, nOFF, binary OFF) are decoded by trimesh.
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import CorruptFileError, TruncatedFileError
from ..i18n import N_
from .common import ModelData, Source, check_faces, check_vertices, fan_triangles
from .text import LineTable, first_three, numbers, token_counts, whole_or_fractional_numbers
from .via_trimesh import concatenate, decode

_COMMENT = re.compile(rb"#[^\n]*")
_PLAIN_KEYWORD = re.compile(r"^(?:ST)?C?N?OFF$")


def read(src: Source) -> ModelData:
    data = src.read_all()
    tokens = _header_tokens(data)
    nv, nf = _check_counts(src, data, tokens)
    if not _PLAIN_KEYWORD.match(tokens[0] if tokens else "") or "BINARY" in tokens[:2]:
        return concatenate(src.name, decode(src.name, "off", data))
    return _read_plain(src, data, nv, nf)


def _header_tokens(data: bytes) -> list[str]:
    """The first tokens of the file, comments and blank lines skipped."""
    tokens: list[str] = []
    for line in data[:65536].decode("latin-1").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            tokens.extend(line.split())
        if len(tokens) >= 5:
            break
    return tokens


def _check_counts(src: Source, data: bytes, tokens: list[str]) -> tuple[int, int]:
    counts = tokens[1:] if tokens and tokens[0].endswith("OFF") else tokens
    try:
        nv, nf = int(counts[0]), int(counts[1])
    except (IndexError, ValueError):
        raise CorruptFileError(N_("%(file)s: the OFF header has no vertex and face counts"),
                               file=src.name) from None
    check_vertices(src.name, nv, src.limits)
    check_faces(src.name, nf, src.limits, polygons=True)
    lines = data.count(b"\n") + 1
    if lines < nv + nf:
        raise TruncatedFileError(
            N_("%(file)s: the OFF header declares %(count)s data lines but only %(lines)s are present"),
            file=src.name, count=nv + nf, lines=lines)
    return nv, nf


def _read_plain(src: Source, data: bytes, nv: int, nf: int) -> ModelData:
    if b"#" in data:
        data = _COMMENT.sub(b"", data)
    data = data if data.endswith(b"\n") else data + b"\n"
    table, per_line = LineTable(data), token_counts(data)
    lines = np.flatnonzero(per_line > 0)  # blank lines carry nothing
    first_data = 1 if per_line[lines[0]] >= 3 else 2  # the counts may follow "OFF" on its line
    vertex_lines = lines[first_data:first_data + nv]
    face_lines = lines[first_data + nv:first_data + nv + nf]
    if len(vertex_lines) < nv or len(face_lines) < nf:
        raise TruncatedFileError(
            N_("%(file)s: the OFF header declares %(count)s data lines but only %(lines)s are present"),
            file=src.name, count=nv + nf, lines=len(lines) - first_data)
    vertices = _vertices(src.name, table.block(vertex_lines), per_line[vertex_lines])
    corners, indices = _polygons(src.name, table.block(face_lines), per_line[face_lines])
    faces = fan_triangles(corners, indices)
    if len(faces) and (faces.min() < 0 or faces.max() >= nv):
        raise CorruptFileError(N_("%(file)s: a face refers to a vertex that does not exist"), file=src.name)
    return ModelData(vertices, faces)


def _vertices(name: str, block: bytes, counts: np.ndarray) -> np.ndarray:
    values = numbers(block, np.float64, int(counts.sum()))
    if values is None or (counts < 3).any():
        raise CorruptFileError(N_("%(file)s: an OFF vertex line does not hold three numbers"), file=name)
    return first_three(values, counts)


def _polygons(name: str, block: bytes, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Corners per face and their indices, one face after another (a colour after them is skipped)."""
    values = whole_or_fractional_numbers(block, int(counts.sum()))  # colours may be fractions
    first = np.cumsum(counts) - counts
    corners = values[first] if values is not None else None
    if corners is None or (corners < 0).any() or (corners > counts - 1).any() or (corners % 1).any():
        raise CorruptFileError(N_("%(file)s: an OFF face line is not a corner count and that many indices"),
                               file=name)
    corners = corners.astype(np.int64)
    line_of = np.repeat(np.arange(len(counts)), corners)
    position = np.arange(int(corners.sum())) - np.repeat(np.cumsum(corners) - corners, corners)
    indices = values[first[line_of] + 1 + position]
    if (indices % 1).any():
        raise CorruptFileError(N_("%(file)s: an OFF face line is not a corner count and that many indices"),
                               file=name)
    return corners, indices.astype(np.int64)
