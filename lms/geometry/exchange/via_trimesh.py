"""Decoding with trimesh for the formats it reads well (PLY, OFF, GLB), with nothing read from outside.

The readers pre-validate the header counts and references first; trimesh then
decodes the bytes with a resolver that refuses every external lookup.
"""

from __future__ import annotations

import io

import numpy as np

from ..errors import CorruptFileError, EmptyModelError, ExternalReferenceError
from ..i18n import N_
from .common import EXTERNAL_REFERENCE, ModelData


class RefusingResolver:
    """A trimesh resolver that refuses every lookup (files, URLs, textures)."""

    def __init__(self, name: str):
        self.name = name
        self.file_name = None

    def get(self, key):
        raise ExternalReferenceError(EXTERNAL_REFERENCE, file=self.name, ref=str(key)[:200])

    __getitem__ = get

    def keys(self):
        return []

    def __contains__(self, key):
        return False

    def namespaced(self, namespace):
        return self

    def write(self, *a, **k):
        raise ExternalReferenceError(N_("%(file)s: writing external resources is not allowed"),
                                     file=self.name)


def decode(name: str, file_type: str, data: bytes) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every triangle mesh instance in the file as ``(vertices (V, 3), faces (F, 3))``, node transforms applied."""
    import trimesh

    kwargs = {"process": False}
    if file_type in ("obj", "glb"):
        kwargs["skip_materials"] = True
    loaded = trimesh.load_scene(io.BytesIO(data), file_type=file_type, resolver=RefusingResolver(name), **kwargs)
    parts = []
    for node in loaded.graph.nodes_geometry:
        transform, geom_name = loaded.graph[node]
        geom = loaded.geometry.get(geom_name)
        if isinstance(geom, trimesh.Trimesh) and len(geom.faces):
            v = np.asarray(geom.vertices, np.float64)
            if not np.allclose(transform, np.eye(4)):
                v = trimesh.transformations.transform_points(v, transform)
            parts.append((v, np.asarray(geom.faces, np.int64)))
    return parts


def concatenate(name: str, parts: list[tuple[np.ndarray, np.ndarray]]) -> ModelData:
    """One indexed :class:`ModelData` from several parts; every face index must exist."""
    parts = [(v, f) for v, f in parts if len(f)]
    if not parts:
        raise EmptyModelError(N_("%(file)s contains no triangles"), file=name)
    offsets = np.cumsum([0] + [len(v) for v, _f in parts[:-1]])
    vertices = np.concatenate([v for v, _f in parts])
    faces = np.concatenate([f + off for (_v, f), off in zip(parts, offsets)])
    if faces.min() < 0 or faces.max() >= len(vertices):
        raise CorruptFileError(N_("%(file)s: a face refers to a vertex that does not exist"), file=name)
    return ModelData(vertices, faces)
