"""3MF: the core specification's model parts, components, build items, transforms and units.

XML is parsed with lxml with entities, DTDs and network access disabled; any
DTD or entity declaration is refused outright.  Every object mesh is checked
(counts, indices, finite coordinates) before it is transformed.  The result is
a triangle soup in millimetres.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import numpy as np

from ..errors import CorruptFileError, EmptyModelError, ExternalReferenceError, UnsafeContentError
from ..i18n import N_
from ..limits import Limits
from .archive import ZipReader
from .common import EXTERNAL_REFERENCE, ModelData, Source, check_faces, check_finite, check_vertices, unsafe_reference

_UNITS_MM = {"micron": 0.001, "millimeter": 1.0, "centimeter": 10.0, "inch": 25.4,
             "foot": 304.8, "meter": 1000.0}


def _parse_xml(name: str, entry: str, data: bytes, limits: Limits):
    from lxml import etree

    probe = data[:4096].lower() + (data[-4096:].lower() if len(data) > 4096 else b"")
    if b"<!doctype" in data[:65536].lower() or b"<!entity" in probe or b"<!entity" in data.lower():
        raise UnsafeContentError(
            N_("%(file)s: %(entry)s contains an XML document type or entity declaration, which is refused"),
            file=name, entry=entry)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise CorruptFileError(N_("%(file)s: %(entry)s is not well-formed XML (%(reason)s)"),
                               file=name, entry=entry, reason=str(exc)[:200]) from None
    return root


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _transform(text: str | None, name: str) -> np.ndarray | None:
    if not text:
        return None
    try:
        vals = [float(x) for x in text.split()]
    except ValueError:
        vals = []
    if len(vals) != 12 or not np.isfinite(vals).all():
        raise CorruptFileError(N_("%(file)s: a 3MF transform is malformed"), file=name)
    m = np.array(vals).reshape(4, 3)
    return m


def _apply(m: np.ndarray | None, verts: np.ndarray) -> np.ndarray:
    if m is None:
        return verts
    return verts @ m[:3] + m[3]


def _compose(outer: np.ndarray | None, inner: np.ndarray | None) -> np.ndarray | None:
    """Transform that applies *inner* first, then *outer* (3MF row-vector matrices)."""
    if outer is None:
        return inner
    if inner is None:
        return outer
    a = np.vstack([np.hstack([inner[:3], np.zeros((3, 1))]), np.append(inner[3], 1)])
    b = np.vstack([np.hstack([outer[:3], np.zeros((3, 1))]), np.append(outer[3], 1)])
    c = a @ b
    return np.vstack([c[:3, :3], c[3, :3]])


class _ThreeMF:
    def __init__(self, name: str, data: bytes, limits: Limits):
        self.name = name
        self.limits = limits
        self.zip = ZipReader(name, data, limits)
        self.models: dict[str, tuple] = {}  # part -> (root, unit scale)
        self.face_total = 0
        self.vertex_total = 0
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []

    def main_part(self) -> str:
        if self.zip.has("_rels/.rels"):
            root = _parse_xml(self.name, "_rels/.rels", self.zip.read("_rels/.rels"), self.limits)
            for rel in root.iter():
                if _local(rel.tag) == "Relationship" and rel.get("Type", "").rstrip("/").endswith("3dmodel"):
                    target = rel.get("Target", "")
                    return self._part_name(target)
        for entry in self.zip.infos:
            if entry.lower().endswith(".model"):
                return entry
        raise CorruptFileError(N_("%(file)s: the 3MF archive contains no 3D model part"), file=self.name)

    def _part_name(self, target: str) -> str:
        if unsafe_reference(target.lstrip("/")) or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target):
            raise ExternalReferenceError(
                EXTERNAL_REFERENCE, file=self.name, ref=target[:200])
        entry = str(PurePosixPath(target.lstrip("/")))
        if not self.zip.has(entry):
            raise ExternalReferenceError(
                N_("%(file)s refers to %(ref)s, which is not inside the 3MF archive"),
                file=self.name, ref=target[:200])
        return entry

    def model(self, part: str):
        if part not in self.models:
            if len(self.models) > 64:
                raise CorruptFileError(N_("%(file)s: the 3MF archive references too many model parts"),
                                       file=self.name)
            root = _parse_xml(self.name, part, self.zip.read(part), self.limits)
            if _local(root.tag) != "model":
                raise CorruptFileError(N_("%(file)s: %(entry)s is not a 3MF model"), file=self.name, entry=part)
            unit = root.get("unit", "millimeter")
            if unit not in _UNITS_MM:
                raise CorruptFileError(N_("%(file)s: unknown 3MF unit %(unit)r"), file=self.name, unit=unit[:40])
            objects = {}
            build = None
            for child in root:
                tag = _local(child.tag)
                if tag == "resources":
                    for obj in child:
                        if _local(obj.tag) == "object":
                            objects[obj.get("id")] = obj
                elif tag == "build":
                    build = child
            self.models[part] = (root, _UNITS_MM[unit], objects, build)
        return self.models[part]

    def load(self) -> ModelData:
        main = self.main_part()
        root, scale, objects, build = self.model(main)
        self.unit = root.get("unit", "millimeter")
        items = []
        if build is not None:
            for item in build:
                if _local(item.tag) == "item":
                    items.append(item)
        if not items:  # no build section: take every object
            for oid in objects:
                self._emit(main, oid, None, 0)
        for item in items:
            part = main
            path = _ns_get(item, "path")
            if path:
                part = self._part_name(path)
            self._emit(part, item.get("objectid"), _transform(item.get("transform"), self.name), 0)
        if not self.parts:
            raise EmptyModelError(N_("%(file)s contains no triangles"), file=self.name)
        corners = np.concatenate([v[f].reshape(-1, 3) for v, f in self.parts])
        return ModelData(corners * scale, meta={"file_unit": self.unit})

    def _emit(self, part: str, oid, transform, depth: int) -> None:
        if depth > 16:
            raise CorruptFileError(N_("%(file)s: 3MF components are nested too deeply"), file=self.name)
        _root, _scale, objects, _build = self.model(part)
        obj = objects.get(oid)
        if obj is None:
            raise CorruptFileError(N_("%(file)s: the 3MF build refers to a missing object %(id)r"),
                                   file=self.name, id=str(oid)[:40])
        for child in obj:
            tag = _local(child.tag)
            if tag == "mesh":
                verts, faces = self._mesh(child)
                self.parts.append((_apply(transform, verts), faces))
            elif tag == "components":
                for comp in child:
                    if _local(comp.tag) != "component":
                        continue
                    sub = part
                    path = _ns_get(comp, "path")
                    if path:
                        sub = self._part_name(path)
                    m = _compose(transform, _transform(comp.get("transform"), self.name))
                    self._emit(sub, comp.get("objectid"), m, depth + 1)

    def _mesh(self, mesh_el):
        """``(vertices (V, 3), triangles (F, 3))`` of one ``<mesh>``, counted against the limits and checked."""
        children = {_local(child.tag): child for child in mesh_el}
        verts_el, tris_el = children.get("vertices"), children.get("triangles")
        if verts_el is None or tris_el is None:
            return np.zeros((0, 3)), np.zeros((0, 3), np.int64)
        nv = len(verts_el)
        self.vertex_total += nv
        self.face_total += len(tris_el)
        check_vertices(self.name, self.vertex_total, self.limits)
        check_faces(self.name, self.face_total, self.limits)
        try:
            verts = np.array([(v.get("x"), v.get("y"), v.get("z")) for v in verts_el], dtype=np.float64)
            faces = np.array([(t.get("v1"), t.get("v2"), t.get("v3")) for t in tris_el], dtype=np.int64)
        except (TypeError, ValueError):
            raise CorruptFileError(N_("%(file)s: a 3MF vertex or triangle has a missing or invalid value"),
                                   file=self.name) from None
        verts, faces = verts.reshape(-1, 3), faces.reshape(-1, 3)
        if len(faces) and (faces.min() < 0 or faces.max() >= nv):
            raise CorruptFileError(
                N_("%(file)s: a 3MF triangle refers to vertex %(index)s but the mesh has %(count)s vertices"),
                file=self.name, index=int(faces.max() if faces.max() >= nv else faces.min()), count=nv)
        check_finite(self.name, ModelData(verts, faces))
        return verts, faces


def _ns_get(el, local_name: str):
    for key, val in el.attrib.items():
        if _local(key) == local_name and key.startswith("{"):
            return val
    return None


def read(src: Source) -> ModelData:
    return _ThreeMF(src.name, src.read_all(), src.limits).load()

