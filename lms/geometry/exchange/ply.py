"""PLY (ASCII and binary): the header is checked here, then trimesh decodes the body.

A texture file named in the header is refused, and the declared element
counts are checked against the limits and against the bytes that follow.
"""

from __future__ import annotations

import re

from ..errors import CorruptFileError, ExternalReferenceError, TruncatedFileError
from ..i18n import N_
from .common import EXTERNAL_REFERENCE, ModelData, Source, check_faces, check_vertices
from .via_trimesh import concatenate, decode


def read(src: Source) -> ModelData:
    data = src.read_all()
    _check_header(src, data)
    return concatenate(src.name, decode(src.name, "ply", data))


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
