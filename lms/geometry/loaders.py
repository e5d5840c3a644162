"""Safe model loading: :func:`load_mesh`.

Nothing outside the uploaded bytes is ever read.  Declared counts are checked
against the bytes and the :class:`~lms.geometry.limits.Limits` *before* memory
is allocated for them.  Every failure raises a :class:`GeometryError` subclass.

Binary and ASCII STL and 3MF are parsed here (numpy / lxml with entities,
DTDs and network access disabled).  OBJ, PLY, OFF and GLB are pre-validated
here (header counts, references) and then decoded by trimesh with a resolver
that refuses every external lookup.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np

from .errors import (
    ArchiveError, CorruptFileError, CountMismatchError, EmptyModelError, ExternalReferenceError,
    FileTooLargeError, FormatMismatchError, GeometryError, TooManyFacesError, TooManyVerticesError,
    TruncatedFileError, UnsafeContentError, UnsupportedFormatError, ZipBombError,
)
from .formats import FORMAT_NAMES, describe_content, detect_format, extension_format
from .i18n import N_, fmt
from .limits import DEFAULT_LIMITS, Limits
from .mesh import Mesh, from_columns, from_corners, from_indexed

_STL_DTYPE = np.dtype([("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")])
_STL_CHUNK = 262_144  # triangles per read when streaming a binary STL from disk


# --------------------------------------------------------------------------- helpers

def _mb(n: int) -> str:
    return fmt(n / (1024 * 1024), 1)


def _check_faces(name: str, count: int, limits: Limits, polygons: bool = False) -> None:
    """``polygons``: the count is of faces as declared (PLY/OFF), before they are split into triangles."""
    if count > limits.max_faces:
        template = (N_("%(file)s: the model has %(count)s faces; the limit is %(limit)s") if polygons else
                    N_("%(file)s: the model has %(count)s triangles; the limit is %(limit)s"))
        raise TooManyFacesError(template, file=name, count=int(count), limit=int(limits.max_faces))


def _check_vertices(name: str, count: int, limits: Limits) -> None:
    if count > limits.max_vertices:
        raise TooManyVerticesError(
            N_("%(file)s: the model has %(count)s vertices; the limit is %(limit)s"),
            file=name, count=int(count), limit=int(limits.max_vertices))


def _check_finite(name: str, values: np.ndarray) -> None:
    if not np.isfinite(values).all():
        raise CorruptFileError(
            N_("%(file)s: the model contains coordinates that are not numbers (NaN or infinite)"),
            file=name)


class _RefusingResolver:
    """A trimesh resolver that refuses every lookup (files, URLs, textures)."""

    def __init__(self, name: str):
        self.name = name
        self.file_name = None

    def get(self, key):
        raise ExternalReferenceError(
            N_("%(file)s refers to an external resource (%(ref)s); only the uploaded file is read"),
            file=self.name, ref=str(key)[:200])

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


def _unsafe_reference(ref: str) -> bool:
    ref = ref.strip().strip('"').strip("'")
    if not ref:
        return False
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", ref):  # URL scheme or drive letter
        return True
    if ref.startswith(("/", "\\", "~")):
        return True
    parts = re.split(r"[\\/]", ref)
    return ".." in parts


# --------------------------------------------------------------------------- public

def load_mesh(source, filename: str | None = None, limits: Limits | None = None) -> Mesh:
    """Load a model from a path or from bytes into a :class:`~lms.geometry.mesh.Mesh`.

    *filename* names the upload in messages and supplies the extension check;
    when *source* is a path it defaults to the path's name.  The format is
    detected from the content; content that contradicts a model extension is
    rejected with :class:`FormatMismatchError`.
    """
    limits = limits or DEFAULT_LIMITS
    path = None
    data = None
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        size = len(data)
        name = filename or "upload"
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
    if size > limits.max_bytes:
        raise FileTooLargeError(
            N_("%(file)s is %(size_mb)s MB; the limit is %(limit_mb)s MB"),
            file=name, size_mb=_mb(size), limit_mb=_mb(limits.max_bytes))
    if size == 0:
        raise EmptyModelError(N_("%(file)s is empty"), file=name)

    if data is None:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    else:
        head = data[:65536]

    fmt_ = detect_format(head, name)
    ext_fmt = extension_format(filename or (path.name if path else None))
    if fmt_ is None:
        if ext_fmt:
            raise FormatMismatchError(
                N_("%(file)s has the extension of a %(expected)s file but its content is %(found)s"),
                file=name, expected=FORMAT_NAMES[ext_fmt], found=describe_content(head))
        raise UnsupportedFormatError(
            N_("%(file)s is not a supported 3D model (found %(found)s); use STL, OBJ, PLY, OFF, 3MF or GLB"),
            file=name, found=describe_content(head))
    if ext_fmt and ext_fmt != fmt_:
        raise FormatMismatchError(
            N_("%(file)s has the extension of a %(expected)s file but its content is %(found)s"),
            file=name, expected=FORMAT_NAMES[ext_fmt], found=FORMAT_NAMES[fmt_])

    try:
        if fmt_ == "stl":
            mesh = _load_stl(name, path, data, size, head, limits)
        else:
            if data is None:
                with open(path, "rb") as fh:
                    data = fh.read(limits.max_bytes + 1)
            if fmt_ == "3mf":
                mesh = _load_3mf(name, data, limits)
            elif fmt_ == "glb":
                mesh = _load_glb(name, data, limits)
            else:
                mesh = _load_with_trimesh(name, fmt_, data, limits)
    except GeometryError:
        raise
    except MemoryError:
        raise TooManyFacesError(N_("%(file)s: the model is too large to load into memory"), file=name) from None
    except RecursionError:
        raise CorruptFileError(N_("%(file)s: the file is nested too deeply"), file=name) from None
    except Exception as exc:  # any decoder failure becomes a specific, readable error
        raise CorruptFileError(N_("%(file)s: cannot be read as %(format)s (%(reason)s)"),
                               file=name, format=FORMAT_NAMES[fmt_],
                               reason=(str(exc) or type(exc).__name__)[:200]) from None

    if mesh.face_count == 0:
        raise EmptyModelError(N_("%(file)s contains no triangles"), file=name)
    _check_faces(name, mesh.face_count, limits)
    _check_vertices(name, mesh.vertex_count, limits)
    _check_finite(name, mesh.vertices)
    mesh.name = name
    mesh.format = fmt_
    mesh.file_size = size
    return mesh


# --------------------------------------------------------------------------- STL

def _load_stl(name, path, data, size, head, limits) -> Mesh:
    binary_size = None
    if size >= 84:
        count = struct.unpack_from("<I", head, 80)[0]
        binary_size = 84 + 50 * count
    looks_ascii = head.lstrip()[:5].lower() == b"solid" and (
        re.search(rb"\bfacet\b", head[:4096]) is not None or binary_size != size)
    if binary_size == size and not (looks_ascii and re.search(rb"\bfacet\s+normal\b", head[:4096])):
        return _load_binary_stl(name, path, data, count, limits)
    if looks_ascii:
        if data is None:
            with open(path, "rb") as fh:
                data = fh.read(limits.max_bytes + 1)
        return _load_ascii_stl(name, data, limits)
    if binary_size is None:
        raise TruncatedFileError(
            N_("%(file)s: binary STL is %(size)s bytes, shorter than its 84-byte header"),
            file=name, size=size)
    if size < binary_size:
        raise TruncatedFileError(
            N_("%(file)s: binary STL header declares %(declared)s triangles (%(expected)s bytes) "
               "but the file has only %(size)s bytes"),
            file=name, declared=count, expected=binary_size, size=size)
    # more bytes than declared: accept the declared triangles, warn about the rest
    extra = size - binary_size
    if extra > 50 * 16 and extra > size // 100:
        raise CountMismatchError(
            N_("%(file)s: binary STL header declares %(declared)s triangles but the file holds "
               "%(extra)s more bytes than that"), file=name, declared=count, extra=extra)
    mesh = _load_binary_stl(name, path, data, count, limits)
    mesh.warnings.append(f"{extra} trailing bytes after the last triangle were ignored")
    return mesh


def _load_binary_stl(name, path, data, count, limits) -> Mesh:
    _check_faces(name, count, limits)
    if count == 0:
        raise EmptyModelError(N_("%(file)s contains no triangles"), file=name)
    # corner coordinates go straight into three column arrays (x, y, z of
    # corner 3f+i): no (3F, 3) row array, fewer copies, less peak memory
    cols = [np.empty(count * 3, dtype=np.float32) for _ in range(3)]

    def put(rec, at):
        v = rec["v"]  # (n, 3, 3): corner, axis
        for k in range(3):
            cols[k][3 * at:3 * (at + len(rec))].reshape(-1, 3)[:] = v[:, :, k]

    if data is not None:
        for s in range(0, count, _STL_CHUNK):
            n = min(_STL_CHUNK, count - s)
            put(np.frombuffer(data, _STL_DTYPE, n, 84 + 50 * s), s)
    else:
        with open(path, "rb") as fh:
            fh.seek(84)
            done = 0
            while done < count:
                n = min(_STL_CHUNK, count - done)
                rec = np.fromfile(fh, _STL_DTYPE, n)
                if len(rec) != n:
                    raise TruncatedFileError(
                        N_("%(file)s: binary STL ended after %(read)s of %(declared)s triangles"),
                        file=name, read=done + len(rec), declared=count)
                put(rec, done)
                done += n
    for c in cols:
        _check_finite(name, c)
    mesh = from_columns(cols)
    mesh.meta["stl_kind"] = "binary"
    return mesh


_ASCII_VERTEX = re.compile(
    rb"vertex\s+([-+0-9.eE]+|nan|inf)\s+([-+0-9.eE]+|nan|inf)\s+([-+0-9.eE]+|nan|inf)", re.I)


def _load_ascii_stl(name, data, limits) -> Mesh:
    facets = len(re.findall(rb"\bendfacet\b", data))
    _check_faces(name, facets, limits)
    values = _ASCII_VERTEX.findall(data)
    if len(values) != facets * 3:
        raise CountMismatchError(
            N_("%(file)s: ASCII STL has %(facets)s facets but %(vertices)s vertices "
               "(3 per facet expected); the file is damaged or truncated"),
            file=name, facets=facets, vertices=len(values))
    if facets == 0:
        raise EmptyModelError(N_("%(file)s contains no triangles"), file=name)
    try:
        corners = np.array(values, dtype=np.float64).reshape(-1, 3)
    except ValueError:
        raise CorruptFileError(N_("%(file)s: ASCII STL contains a coordinate that is not a number"),
                               file=name) from None
    _check_finite(name, corners)
    # ASCII coordinates are decimal; round-trip through float32 like binary STL so
    # exact vertex matching behaves the same for both encodings
    mesh = from_corners(corners.astype(np.float32))
    mesh.meta["stl_kind"] = "ascii"
    return mesh


# --------------------------------------------------------------------------- 3MF

_UNITS_MM = {"micron": 0.001, "millimeter": 1.0, "centimeter": 10.0, "inch": 25.4,
             "foot": 304.8, "meter": 1000.0}
_MODEL_REL = "http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"


def _zip_name_ok(nm: str, limits: Limits) -> bool:
    if not nm or len(nm) > limits.max_zip_name_length or "\x00" in nm or "\\" in nm:
        return False
    if nm.startswith("/") or re.match(r"^[a-zA-Z]:", nm):
        return False
    return ".." not in nm.split("/")


class _ZipReader:
    def __init__(self, name: str, data: bytes, limits: Limits):
        self.name = name
        self.limits = limits
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
            raise CorruptFileError(N_("%(file)s: the 3MF container is not a valid ZIP archive (%(reason)s)"),
                                   file=name, reason=str(exc)[:200]) from None
        if len(infos) > limits.max_zip_entries:
            raise ArchiveError(N_("%(file)s: the 3MF archive has %(count)s entries; the limit is %(limit)s"),
                               file=name, count=len(infos), limit=limits.max_zip_entries)
        total = 0
        total_compressed = 0
        self.infos = {}
        for info in infos:
            if not _zip_name_ok(info.filename, limits):
                raise ArchiveError(N_("%(file)s: the 3MF archive contains an unsafe entry name %(entry)r"),
                                   file=name, entry=info.filename[:100])
            if info.flag_bits & 0x1:
                raise ArchiveError(N_("%(file)s: the 3MF archive contains an encrypted entry %(entry)r"),
                                   file=name, entry=info.filename[:100])
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ArchiveError(N_("%(file)s: the 3MF entry %(entry)r uses an unsupported compression"),
                                   file=name, entry=info.filename[:100])
            total += info.file_size
            total_compressed += info.compress_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1024 * 1024 and ratio > limits.max_zip_ratio:
                raise ZipBombError(
                    N_("%(file)s: the 3MF entry %(entry)r expands %(ratio)s times; the limit is %(limit)s"),
                    file=name, entry=info.filename[:100], ratio=fmt(ratio, 0), limit=fmt(limits.max_zip_ratio, 0))
            self.infos[info.filename] = info
        if total > limits.max_zip_uncompressed:
            raise ZipBombError(
                N_("%(file)s: the 3MF archive would expand to %(size_mb)s MB; the limit is %(limit_mb)s MB"),
                file=name, size_mb=_mb(total), limit_mb=_mb(limits.max_zip_uncompressed))
        if total > 1024 * 1024 and total / max(total_compressed, 1) > limits.max_zip_ratio:
            raise ZipBombError(
                N_("%(file)s: the 3MF archive expands %(ratio)s times; the limit is %(limit)s"),
                file=name, ratio=fmt(total / max(total_compressed, 1), 0), limit=fmt(limits.max_zip_ratio, 0))
        self.budget = limits.max_zip_uncompressed

    def has(self, entry: str) -> bool:
        return entry in self.infos

    def read(self, entry: str) -> bytes:
        info = self.infos.get(entry)
        if info is None:
            raise CorruptFileError(N_("%(file)s: the 3MF archive has no entry %(entry)r"),
                                   file=self.name, entry=entry[:100])
        budget = min(info.file_size, self.budget)
        out = bytearray()
        try:
            with self.zf.open(info) as fh:
                while True:
                    chunk = fh.read(1 << 20)
                    if not chunk:
                        break
                    out += chunk
                    if len(out) > budget:
                        raise ZipBombError(
                            N_("%(file)s: the 3MF entry %(entry)r expands beyond %(limit_mb)s MB"),
                            file=self.name, entry=entry[:100], limit_mb=_mb(budget))
        except zipfile.BadZipFile as exc:
            raise CorruptFileError(N_("%(file)s: the 3MF entry %(entry)r is damaged (%(reason)s)"),
                                   file=self.name, entry=entry[:100], reason=str(exc)[:200]) from None
        self.budget -= len(out)
        return bytes(out)


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
        self.zip = _ZipReader(name, data, limits)
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
        if _unsafe_reference(target.lstrip("/")) or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target):
            raise ExternalReferenceError(
                N_("%(file)s refers to an external resource (%(ref)s); only the uploaded file is read"),
                file=self.name, ref=target[:200])
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

    def load(self) -> Mesh:
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
        mesh = from_corners(corners * scale)
        mesh.units = "mm"
        mesh.meta["file_unit"] = self.unit
        return mesh

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
        verts_el = tris_el = None
        for child in mesh_el:
            tag = _local(child.tag)
            if tag == "vertices":
                verts_el = child
            elif tag == "triangles":
                tris_el = child
        if verts_el is None or tris_el is None:
            return np.zeros((0, 3)), np.zeros((0, 3), np.int64)
        nv = len(verts_el)
        nf = len(tris_el)
        self.vertex_total += nv
        self.face_total += nf
        _check_vertices(self.name, self.vertex_total, self.limits)
        _check_faces(self.name, self.face_total, self.limits)
        try:
            verts = np.array([(v.get("x"), v.get("y"), v.get("z")) for v in verts_el], dtype=np.float64)
            faces = np.array([(t.get("v1"), t.get("v2"), t.get("v3")) for t in tris_el], dtype=np.int64)
        except (TypeError, ValueError):
            raise CorruptFileError(N_("%(file)s: a 3MF vertex or triangle has a missing or invalid value"),
                                   file=self.name) from None
        verts = verts.reshape(-1, 3)
        faces = faces.reshape(-1, 3)
        if len(faces) and (faces.min() < 0 or faces.max() >= nv):
            raise CorruptFileError(
                N_("%(file)s: a 3MF triangle refers to vertex %(index)s but the mesh has %(count)s vertices"),
                file=self.name, index=int(faces.max() if faces.max() >= nv else faces.min()), count=nv)
        _check_finite(self.name, verts)
        return verts, faces


def _ns_get(el, local_name: str):
    for key, val in el.attrib.items():
        if _local(key) == local_name and key.startswith("{"):
            return val
    return None


def _load_3mf(name: str, data: bytes, limits: Limits) -> Mesh:
    return _ThreeMF(name, data, limits).load()


# --------------------------------------------------------------------------- GLB

def _load_glb(name: str, data: bytes, limits: Limits) -> Mesh:
    if len(data) < 20:
        raise TruncatedFileError(N_("%(file)s: the GLB file is shorter than its header"), file=name)
    magic, version, length = struct.unpack_from("<4sII", data, 0)
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
        raise CorruptFileError(N_("%(file)s: the GLB JSON chunk is not valid JSON"), file=name) from None
    if not isinstance(doc, dict):
        raise CorruptFileError(N_("%(file)s: the GLB JSON chunk is not valid JSON"), file=name)
    for key in ("buffers", "images"):
        for item in doc.get(key) or []:
            uri = item.get("uri") if isinstance(item, dict) else None
            if uri is not None and not str(uri).startswith("data:"):
                raise ExternalReferenceError(
                    N_("%(file)s refers to an external resource (%(ref)s); only the uploaded file is read"),
                    file=name, ref=str(uri)[:200])
    accessors = doc.get("accessors") or []
    nverts = nfaces = 0
    for m in doc.get("meshes") or []:
        for prim in m.get("primitives") or []:
            attrs = prim.get("attributes") or {}
            pos = attrs.get("POSITION")
            if isinstance(pos, int) and 0 <= pos < len(accessors):
                nverts += int(accessors[pos].get("count", 0))
            idx = prim.get("indices")
            if isinstance(idx, int) and 0 <= idx < len(accessors):
                nfaces += int(accessors[idx].get("count", 0)) // 3
            elif isinstance(pos, int) and 0 <= pos < len(accessors):
                nfaces += int(accessors[pos].get("count", 0)) // 3
    _check_vertices(name, nverts, limits)
    _check_faces(name, nfaces, limits)
    return _trimesh_decode(name, "glb", data)


# --------------------------------------------------------------------------- OBJ / PLY / OFF

def _load_with_trimesh(name: str, fmt_: str, data: bytes, limits: Limits) -> Mesh:
    if fmt_ == "obj":
        for m in re.finditer(rb"^[ \t]*mtllib[ \t]+([^\r\n]*)", data, re.M):
            ref = m.group(1).decode("utf-8", "replace").strip()
            if _unsafe_reference(ref):
                raise ExternalReferenceError(
                    N_("%(file)s refers to an external resource (%(ref)s); only the uploaded file is read"),
                    file=name, ref=ref[:200])
        nv = len(re.findall(rb"^[ \t]*v[ \t]", data, re.M))
        _check_vertices(name, nv, limits)
        # a polygon of n corners makes n-2 triangles; count corners cheaply
        nf = 0
        for line in re.findall(rb"^[ \t]*f[ \t]([^\r\n]*)", data, re.M):
            nf += max(len(line.split()) - 2, 1)
            if nf > limits.max_faces:
                break
        _check_faces(name, nf, limits)
    elif fmt_ == "ply":
        _precheck_ply(name, data, limits)
    elif fmt_ == "off":
        _precheck_off(name, data, limits)
    return _trimesh_decode(name, fmt_, data)


def _precheck_ply(name: str, data: bytes, limits: Limits) -> None:
    end = data.find(b"end_header")
    if end < 0 or end > 65536:
        raise CorruptFileError(N_("%(file)s: the PLY header has no end_header line"), file=name)
    header = data[:end].decode("ascii", "replace")
    if re.search(r"(?im)^\s*(comment|obj_info)\s+texturefile\b", header):
        raise ExternalReferenceError(
            N_("%(file)s refers to an external resource (%(ref)s); only the uploaded file is read"),
            file=name, ref="TextureFile")
    fmt_m = re.search(r"(?m)^\s*format\s+(\S+)", header)
    elements = re.findall(r"(?m)^\s*element\s+(\S+)\s+(\d+)", header)
    counts = {k: int(v) for k, v in elements}
    _check_vertices(name, counts.get("vertex", 0), limits)
    _check_faces(name, counts.get("face", 0), limits, polygons=True)
    body = len(data) - data.find(b"\n", end) - 1
    if fmt_m and fmt_m.group(1).startswith("binary"):
        # minimum bytes: vertex x,y,z floats + face list count byte and 3 indices
        need = counts.get("vertex", 0) * 12 + counts.get("face", 0) * 13
        if body < need:
            raise TruncatedFileError(
                N_("%(file)s: the PLY header declares %(vertices)s vertices and %(faces)s faces, "
                   "which need at least %(need)s bytes, but only %(size)s follow the header"),
                file=name, vertices=counts.get("vertex", 0), faces=counts.get("face", 0), need=need, size=body)
    else:
        lines = data.count(b"\n", end)
        need = counts.get("vertex", 0) + counts.get("face", 0)
        if lines < need:
            raise TruncatedFileError(
                N_("%(file)s: the PLY header declares %(count)s data lines but only %(lines)s follow"),
                file=name, count=need, lines=lines)


def _precheck_off(name: str, data: bytes, limits: Limits) -> None:
    text = data[:65536].decode("latin-1")
    tokens = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        tokens.extend(line.split())
        if len(tokens) >= 4:
            break
    if tokens and tokens[0].endswith("OFF"):
        tokens = tokens[1:]
    try:
        nv, nf = int(tokens[0]), int(tokens[1])
    except (IndexError, ValueError):
        raise CorruptFileError(N_("%(file)s: the OFF header has no vertex and face counts"), file=name) from None
    _check_vertices(name, nv, limits)
    _check_faces(name, nf, limits, polygons=True)
    lines = data.count(b"\n") + 1
    if lines < nv + nf:
        raise TruncatedFileError(
            N_("%(file)s: the OFF header declares %(count)s data lines but only %(lines)s are present"),
            file=name, count=nv + nf, lines=lines)


def _trimesh_decode(name: str, fmt_: str, data: bytes) -> Mesh:
    import trimesh

    kwargs = {"process": False}
    if fmt_ in ("obj", "glb"):
        kwargs["skip_materials"] = True
    loaded = trimesh.load_scene(io.BytesIO(data), file_type=fmt_, resolver=_RefusingResolver(name), **kwargs)
    if isinstance(loaded, trimesh.Scene):
        geoms = []
        for node in loaded.graph.nodes_geometry:
            transform, geom_name = loaded.graph[node]
            geom = loaded.geometry.get(geom_name)
            if isinstance(geom, trimesh.Trimesh) and len(geom.faces):
                v = trimesh.transformations.transform_points(np.asarray(geom.vertices, np.float64), transform)
                geoms.append((v, np.asarray(geom.faces, np.int64)))
    else:
        geoms = [(np.asarray(loaded.vertices, np.float64), np.asarray(loaded.faces, np.int64))]
    geoms = [(v, f) for v, f in geoms if len(f)]
    if not geoms:
        raise EmptyModelError(N_("%(file)s contains no triangles"), file=name)
    offset = 0
    verts, faces = [], []
    for v, f in geoms:
        verts.append(v)
        faces.append(f + offset)
        offset += len(v)
    v = np.concatenate(verts)
    f = np.concatenate(faces)
    if len(f) and (f.min() < 0 or f.max() >= len(v)):
        raise CorruptFileError(N_("%(file)s: a face refers to a vertex that does not exist"), file=name)
    return from_indexed(v, f)


def read_head(path: str | os.PathLike, n: int = 65536) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n)
