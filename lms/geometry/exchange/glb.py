"""glTF 2.0 binary (GLB): the JSON chunk is checked here, then trimesh decodes the buffers.

External buffers and images are refused, and the declared accessor counts are
checked against the limits before anything is decoded.  glTF fixes its units
and axes (metres, +Y up, +Z towards the viewer); after the node transforms the
model is turned into millimetres with Z up, like every other format.
"""

from __future__ import annotations

import json
import struct

import numpy as np

from ..errors import CorruptFileError, CountMismatchError, ExternalReferenceError, TruncatedFileError
from ..i18n import N_
from .common import EXTERNAL_REFERENCE, ModelData, Source, check_faces, check_vertices
from .via_trimesh import concatenate, decode



def read(src: Source) -> ModelData:
    data = src.read_all()
    doc = _json_chunk(src.name, data)
    _refuse_external_uris(src.name, doc)
    nverts, nfaces = _declared_counts(doc)
    check_vertices(src.name, nverts, src.limits)
    check_faces(src.name, nfaces, src.limits)
    model = concatenate(src.name, decode(src.name, "glb", data))
    model.vertices = to_mm_z_up(model.vertices)
    model.meta.update(file_unit="meter", up_axis="+Y")
    return model


def to_mm_z_up(vertices: np.ndarray) -> np.ndarray:
    """(x, y, z) in glTF metres -> (x, -z, y) in mm: a quarter turn about X, so faces keep their winding.

    Axes are swapped rather than multiplied by a matrix, so an infinite coordinate stays where it was.
    """
    x, y, z = vertices.T
    return np.stack([x, -z, y], axis=1) * 1000.0


def _json_chunk(name: str, data: bytes) -> dict:
    if len(data) < 20:
        raise TruncatedFileError(N_("%(file)s: the GLB file is shorter than its header"), file=name)
    _magic, version, length = struct.unpack_from("<4sII", data, 0)
    if version != 2:
        raise CorruptFileError(N_("%(file)s: only glTF 2.0 binary files are supported (found version %(version)s)"),
                               file=name, version=version)
    if length != len(data):
        raise CountMismatchError(
            N_("%(file)s: the GLB header declares %(declared)s bytes but the file has %(size)s"),
            file=name, declared=length, size=len(data))
    chunk_len, chunk_type = struct.unpack_from("<I4s", data, 12)
    if chunk_type != b"JSON" or 20 + chunk_len > len(data):
        raise CorruptFileError(N_("%(file)s: the GLB JSON chunk is missing or truncated"), file=name)
    try:
        doc = json.loads(data[20:20 + chunk_len])
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise CorruptFileError(N_("%(file)s: the GLB JSON chunk is not valid JSON"), file=name)
    return doc


def _refuse_external_uris(name: str, doc: dict) -> None:
    for key in ("buffers", "images"):
        for item in doc.get(key) or []:
            uri = item.get("uri") if isinstance(item, dict) else None
            if uri is not None and not str(uri).startswith("data:"):
                raise ExternalReferenceError(EXTERNAL_REFERENCE, file=name, ref=str(uri)[:200])


def _declared_counts(doc: dict) -> tuple[int, int]:
    """Vertices and triangles the primitives declare (non-indexed: one triangle per three positions)."""
    accessors = doc.get("accessors") or []

    def count(i) -> int:
        return int(accessors[i].get("count", 0)) if isinstance(i, int) and 0 <= i < len(accessors) else 0

    nverts = nfaces = 0
    for mesh in doc.get("meshes") or []:
        for prim in mesh.get("primitives") or []:
            pos = (prim.get("attributes") or {}).get("POSITION")
            idx = prim.get("indices")
            nverts += count(pos)
            nfaces += (count(idx) if isinstance(idx, int) and 0 <= idx < len(accessors) else count(pos)) // 3
    return nverts, nfaces
