"""Wavefront OBJ: vertices (``v``) and faces (``f``); normals, texture coordinates, groups,
materials, lines and curves are skipped.

Face indices count from 1; a negative index counts back from the last vertex
read so far (-1 is the vertex just above the face), as the OBJ specification
says; 0 is no vertex and is refused.  Polygons are split into triangle fans.

Parsing is vectorised (no Python loop per line): the file becomes a numpy
table of lines, the ``v`` and ``f`` lines are gathered into two blocks of
text, and numpy reads the numbers and does the index arithmetic.
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import CorruptFileError, ExternalReferenceError
from ..i18n import N_
from .common import (
    EXTERNAL_REFERENCE, ModelData, Source, check_faces, check_finite, check_vertices, fan_triangles, unsafe_reference,
)
from .text import LineTable, first_three, numbers, token_counts

_MTLLIB = re.compile(rb"^[ \t]*mtllib[ \t]+([^\r\n]*)", re.M)
_LEADING_SPACE = re.compile(rb"^[ \t]+", re.M)
_COMMENT = re.compile(rb"#[^\n]*")
_SLASH_TAIL = re.compile(rb"/\S*")  # "7/3/2" -> "7": texture and normal references are not needed


def read(src: Source) -> ModelData:
    data = _plain_lines(src.name, src.read_all())
    lines = LineTable(data)
    vertex_lines, face_lines = lines.keyword_lines(b"v"), lines.keyword_lines(b"f")
    check_vertices(src.name, len(vertex_lines), src.limits)
    corners, indices = _face_indices(src.name, lines.block(face_lines, blank_first=True), face_lines)
    check_faces(src.name, int(np.maximum(corners - 2, 0).sum()), src.limits)
    vertices = _vertices(src.name, lines.block(vertex_lines, blank_first=True), vertex_lines)
    above = np.searchsorted(vertex_lines, face_lines)  # vertices defined before each face
    zero_based = _resolve(src.name, corners, indices, above, face_lines, len(vertices))
    model = ModelData(vertices, fan_triangles(corners, zero_based))
    check_finite(src.name, model)  # numbered as in the file, before unused vertices go
    return _without_unused_vertices(model)


def _plain_lines(name: str, data: bytes) -> bytes:
    """The file with its material references checked and its indentation removed."""
    if b"mtllib" in data:
        for m in _MTLLIB.finditer(data):
            ref = m.group(1).decode("utf-8", "replace").strip()
            if unsafe_reference(ref):
                raise ExternalReferenceError(EXTERNAL_REFERENCE, file=name, ref=ref[:200])
    if b"\n " in data or b"\n\t" in data or data[:1] in (b" ", b"\t"):
        data = _LEADING_SPACE.sub(b"", data)
    return data


def _vertices(name: str, block: bytes, line_numbers: np.ndarray) -> np.ndarray:
    """(V, 3) float64: the first three numbers of each ``v`` line (a weight or a colour may follow)."""
    if not block:
        return np.zeros((0, 3))
    if b"#" in block:
        block = _COMMENT.sub(b"", block)
    counts = token_counts(block)
    short = np.flatnonzero(counts < 3)
    if len(short):
        raise CorruptFileError(N_("%(file)s, line %(line)s: a vertex needs three coordinates"),
                               file=name, line=int(line_numbers[short[0]]) + 1)
    values = numbers(block, np.float64, counts.sum())
    if values is None:
        bad = next((i for i, row in enumerate(block.split(b"\n")) if not _all_numbers(row, float)), 0)
        raise CorruptFileError(N_("%(file)s, line %(line)s: a vertex coordinate is not a number"),
                               file=name, line=int(line_numbers[bad]) + 1)
    return first_three(values, counts)


def _face_indices(name: str, block: bytes, line_numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Corners per ``f`` line and every vertex index as written (1-based or negative)."""
    if not block:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if b"#" in block:
        block = _COMMENT.sub(b"", block)
    if b"/" in block:
        block = _SLASH_TAIL.sub(b"", block)
    corners = token_counts(block)
    indices = numbers(block, np.int64, corners.sum())
    if indices is None:
        ref = next((t for t in block.split() if not _all_numbers(t, int)), b"?")
        raise CorruptFileError(N_("%(file)s: a face refers to %(ref)s, which is not a vertex number"),
                               file=name, ref=ref.decode("utf-8", "replace")[:40])
    return corners, indices


def _all_numbers(text: bytes, kind) -> bool:
    try:
        [kind(t) for t in text.split()]
    except ValueError:
        return False
    return True


def _resolve(name: str, corners, indices, above, line_numbers, total: int) -> np.ndarray:
    """0-based vertex indices; a negative index counts back from the vertices above its face."""
    face_of = np.repeat(np.arange(len(corners)), corners)

    def line(k) -> int:
        return int(line_numbers[face_of[k]]) + 1

    zero = np.flatnonzero(indices == 0)
    if len(zero):
        raise CorruptFileError(N_("%(file)s, line %(line)s: a face refers to vertex 0; OBJ vertex numbers start at 1"),
                               file=name, line=line(zero[0]))
    resolved = indices - 1
    negative = indices < 0
    resolved[negative] = above[face_of[negative]] + indices[negative]
    bad = np.flatnonzero(negative & (resolved < 0))
    if len(bad):
        k = bad[0]
        raise CorruptFileError(
            N_("%(file)s, line %(line)s: a face refers to vertex %(index)s but only %(count)s vertices "
               "are defined above it"),
            file=name, line=line(k), index=int(indices[k]), count=int(above[face_of[k]]))
    bad = np.flatnonzero(resolved >= total)
    if len(bad):
        k = bad[0]
        raise CorruptFileError(
            N_("%(file)s, line %(line)s: a face refers to vertex %(index)s but the file has %(count)s vertices"),
            file=name, line=line(k), index=int(indices[k]), count=total)
    return resolved


def _without_unused_vertices(model: ModelData) -> ModelData:
    used = np.zeros(len(model.vertices), bool)
    used[model.faces] = True
    if used.all():
        return model
    new_index = np.cumsum(used) - 1
    return ModelData(model.vertices[used], new_index[model.faces], model.meta, model.warnings)
