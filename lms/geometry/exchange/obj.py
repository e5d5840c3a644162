"""Wavefront OBJ: references and counts are checked here, then trimesh decodes the file."""

from __future__ import annotations

import re

from ..errors import ExternalReferenceError
from .common import EXTERNAL_REFERENCE, ModelData, Source, check_faces, check_vertices, unsafe_reference
from .via_trimesh import concatenate, decode


def read(src: Source) -> ModelData:
    data = src.read_all()
    for m in re.finditer(rb"^[ \t]*mtllib[ \t]+([^\r\n]*)", data, re.M):
        ref = m.group(1).decode("utf-8", "replace").strip()
        if unsafe_reference(ref):
            raise ExternalReferenceError(EXTERNAL_REFERENCE, file=src.name, ref=ref[:200])
    check_vertices(src.name, len(re.findall(rb"^[ \t]*v[ \t]", data, re.M)), src.limits)
    # a polygon of n corners makes n-2 triangles; count corners cheaply
    nf = 0
    for line in re.findall(rb"^[ \t]*f[ \t]([^\r\n]*)", data, re.M):
        nf += max(len(line.split()) - 2, 1)
        if nf > src.limits.max_faces:
            break
    check_faces(src.name, nf, src.limits)
    return concatenate(src.name, decode(src.name, "obj", data))
