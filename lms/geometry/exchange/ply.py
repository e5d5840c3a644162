"""PLY (ASCII and binary): the header is checked here, then the body is decoded.

A texture file named in the header is refused, and the declared element
counts are checked against the limits and against the bytes that follow.
ASCII PLY whose elements are a vertex element of numbers and a face element
with one list of vertex indices (the usual layout) is read with numpy, without
a Python object per number; binary PLY and other layouts are decoded by trimesh.
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import CorruptFileError, ExternalReferenceError, TruncatedFileError
from ..i18n import N_
from .common import EXTERNAL_REFERENCE, ModelData, Source, check_faces, check_vertices, fan_triangles
from .text import LineTable, numbers, token_counts, whole_or_fractional_numbers
from .via_trimesh import concatenate, decode

_INDEX_LISTS = ("vertex_indices", "vertex_index")


def read(src: Source) -> ModelData:
    data = src.read_all()
    _check_header(src, data)
    layout = _plain_ascii_layout(data)
    if layout is None:
        return concatenate(src.name, decode(src.name, "ply", data))
    return _read_plain_ascii(src, data, layout)


def _elements(header: str) -> list[tuple[str, int, list[tuple[str, bool]]]]:
    """``(name, count, [(property name, is a list), ...])`` for each element, in file order."""
    elements = []
    for words in (line.split() for line in header.splitlines()):
        if len(words) >= 3 and words[0] == "element":
            elements.append((words[1], int(words[2]), []))
        elif len(words) >= 3 and words[0] == "property" and elements:
            elements[-1][2].append((words[-1], words[1] == "list"))
    return elements


def _plain_ascii_layout(data: bytes):
    """The elements when the file is ASCII with only scalar properties but one index list on faces, else None."""
    header = data[:data.find(b"end_header")].decode("ascii", "replace")
    if not re.search(r"(?m)^\s*format\s+ascii\b", header):
        return None
    elements = _elements(header)
    names = [e[0] for e in elements]
    if "vertex" not in names or "face" not in names:
        return None
    for name, _count, props in elements:
        lists = [p for p, is_list in props if is_list]
        if lists not in ([[n] for n in _INDEX_LISTS] if name == "face" else [[]]):
            return None
    vertex_props = [p for p, _l in elements[names.index("vertex")][2]]
    return elements if all(axis in vertex_props for axis in "xyz") else None


def _read_plain_ascii(src: Source, data: bytes, elements) -> ModelData:
    body = data[data.find(b"\n", data.find(b"end_header")) + 1:]
    body = body if body.endswith(b"\n") else body + b"\n"
    table, per_line = LineTable(body), token_counts(body)
    lines = np.flatnonzero(per_line > 0)
    at, blocks = 0, {}
    for name, count, props in elements:
        blocks[name] = (lines[at:at + count], props)
        at += count
    if at > len(lines):
        raise TruncatedFileError(
            N_("%(file)s: the PLY header declares %(count)s data lines but only %(lines)s follow"),
            file=src.name, count=at, lines=len(lines))
    vertices = _vertices(src.name, table, per_line, *blocks["vertex"])
    corners, indices = _faces(src.name, table, per_line, *blocks["face"])
    faces = fan_triangles(corners, indices)
    if len(faces) and (faces.min() < 0 or faces.max() >= len(vertices)):
        raise CorruptFileError(N_("%(file)s: a face refers to a vertex that does not exist"), file=src.name)
    return ModelData(vertices, faces)


def _vertices(name: str, table: LineTable, per_line, which, props) -> np.ndarray:
    counts = per_line[which]
    values = numbers(table.block(which), np.float64, int(counts.sum()))
    if values is None or (counts != len(props)).any():
        raise CorruptFileError(N_("%(file)s: a PLY vertex line does not match the header"), file=name)
    order = [p for p, _l in props]
    return values.reshape(-1, len(props))[:, [order.index(axis) for axis in "xyz"]]


def _faces(name: str, table: LineTable, per_line, which, props) -> tuple[np.ndarray, np.ndarray]:
    """Corners per face and their indices, one face after another (other face properties are skipped)."""
    counts = per_line[which]
    values = whole_or_fractional_numbers(table.block(which), int(counts.sum()))
    before = [is_list for _p, is_list in props].index(True)  # scalar properties ahead of the list
    first = np.cumsum(counts) - counts + before
    corners = values[first] if values is not None else None
    if corners is None or (corners % 1).any() or (corners != counts - len(props)).any():
        raise CorruptFileError(N_("%(file)s: a PLY face line does not match the header"), file=name)
    corners = corners.astype(np.int64)
    line_of = np.repeat(np.arange(len(counts)), corners)
    position = np.arange(int(corners.sum())) - np.repeat(np.cumsum(corners) - corners, corners)
    indices = values[first[line_of] + 1 + position]
    if (indices % 1).any():
        raise CorruptFileError(N_("%(file)s: a PLY face line does not match the header"), file=name)
    return corners, indices.astype(np.int64)


def _check_header(src: Source, data: bytes) -> None:
    name, limits = src.name, src.limits
    end = data.find(b"end_header")
    if end < 0 or end > 65536:
        raise CorruptFileError(N_("%(file)s: the PLY header has no end_header line"), file=name)
    header = data[:end].decode("ascii", "replace")
    if re.search(r"(?im)^\s*(comment|obj_info)\s+texturefile\b", header):
        raise ExternalReferenceError(EXTERNAL_REFERENCE, file=name, ref="TextureFile")
    counts = {k: int(v) for k, v in re.findall(r"(?m)^\s*element\s+(\S+)\s+(\d+)", header)}
    vertices, faces = counts.get("vertex", 0), counts.get("face", 0)
    check_vertices(name, vertices, limits)
    check_faces(name, faces, limits, polygons=True)
    body = len(data) - data.find(b"\n", end) - 1
    fmt_m = re.search(r"(?m)^\s*format\s+(\S+)", header)
    if fmt_m and fmt_m.group(1).startswith("binary"):
        # minimum bytes: vertex x,y,z floats + face list count byte and 3 indices
        need = vertices * 12 + faces * 13
        if body < need:
            raise TruncatedFileError(
                N_("%(file)s: the PLY header declares %(vertices)s vertices and %(faces)s faces, "
                   "which need at least %(need)s bytes, but only %(size)s follow the header"),
                file=name, vertices=vertices, faces=faces, need=need, size=body)
        return
    lines = data.count(b"\n", end)
    if lines < vertices + faces:
        raise TruncatedFileError(
            N_("%(file)s: the PLY header declares %(count)s data lines but only %(lines)s follow"),
            file=name, count=vertices + faces, lines=lines)
