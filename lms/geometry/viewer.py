"""Data for the browser viewer (lms/static/viewer/viewer.js).

``viewer_package`` is what the app stores and serves: a small meta JSON and the mesh in a compact
binary form, a light level first for big models (see "the compact binary form" below).
``viewer_data`` returns a JSON-able dict: base64 little-endian float32
positions and uint32 indices (simplified to ``face_budget``), counts,
bounds, extents and the problem locations from the report (capped lists).
"""

from __future__ import annotations

import base64
import gzip
import json
import struct

import numpy as np

from .mesh import Mesh
from .overhang import overhang_faces
from .simplify import simplify
from .topology import Topology, face_geometry

PROBLEM_CAP = 5000
DEFAULT_OVERHANG_ANGLE = 45.0  # as lms.geometry.analysis.analyse


def viewer_data(mesh: Mesh, report: dict | None = None, face_budget: int = 200_000) -> dict:
    shown, simplified, _kept = simplify(mesh, face_budget)
    v = shown.vertices
    f = shown.faces
    # drop vertices no face uses (after clustering all are used; keep it general)
    used = np.unique(f)
    if len(used) != len(v):
        remap = np.full(len(v), -1, np.int64)
        remap[used] = np.arange(len(used))
        v, f = v[used], remap[f]
    lo = mesh.vertices.min(axis=0)
    hi = mesh.vertices.max(axis=0)
    problems = {"open_edges": [], "nonmanifold_edges": [], "inverted_faces": []}
    if report:
        loc = report.get("locations") or {}
        for k in problems:
            problems[k] = [list(map(float, item)) for item in (loc.get(k) or [])[:PROBLEM_CAP]]
    return {
        "positions": base64.b64encode(np.ascontiguousarray(v, dtype="<f4").tobytes()).decode("ascii"),
        "indices": base64.b64encode(np.ascontiguousarray(f, dtype="<u4").tobytes()).decode("ascii"),
        "vertex_count": int(len(v)),
        "face_count": int(len(f)),
        "simplified": bool(simplified),
        "bounds": [[float(x) for x in lo], [float(x) for x in hi]],
        "extents_mm": [float(x) for x in hi - lo],
        "problems": problems,
    }


# --- the compact binary form ----------------------------------------------------------------------
#
# One level of detail is a little-endian buffer:
#   header  b"LMSM" | u8 version | u8 bits | u16 face sets | u32 vertices | u32 faces |
#           u32 position bytes | u32 index bytes | f32 origin[3] | f32 step[3]               (48 bytes)
#   positions  varints: zigzag deltas of the quantized x of every vertex, then y, then z
#   indices    varints: per triangle (smallest index first, winding kept) the delta of that index
#              from the previous triangle's, then the second and third index minus the first
#   face sets  per set, ceil(faces / 8) bytes: bit t (little-endian bit order) flags the t-th
#              triangle as stored; the meta's ``face_sets`` names them (e.g. the overhanging faces)
# Vertices are in Morton (Z-curve) order and triangles sorted by their indices, so neighbours are
# close in both streams: small varints that gzip squeezes further. Positions are quantized to
# ``bits`` per axis over the bounding box (14 bits: 1/16383 of the model's size).

MAGIC = b"LMSM"
POSITION_BITS = 14
HEADER = struct.Struct("<4sBBHIIII3f3f")
#: Models above this many triangles are first shown simplified to it; full detail is loaded on demand.
LIGHT_FACES = 200_000
PACKAGE_MAGIC = b"LMSV1\n"


def _spread_bits(x: np.ndarray) -> np.ndarray:
    """Spread the low 21 bits of ``x`` to every third bit (for a 3D Morton code)."""
    x = x.astype(np.uint64) & np.uint64(0x1FFFFF)
    for shift, mask in ((32, 0x1F00000000FFFF), (16, 0x1F0000FF0000FF), (8, 0x100F00F00F00F00F),
                        (4, 0x10C30C30C30C30C3), (2, 0x1249249249249249)):
        x = (x | (x << np.uint64(shift))) & np.uint64(mask)
    return x


def varints(values: np.ndarray) -> bytes:
    """LEB128 encoding of non-negative integers below 2**35, vectorised."""
    values = values.astype(np.uint64)
    length = np.ones(len(values), np.int64)
    for k in (7, 14, 21, 28):
        length += values >= np.uint64(1 << k)
    out = np.zeros(int(length.sum()), np.uint8)
    start = np.cumsum(length) - length
    for b in range(5):
        has = length > b
        byte = (values[has] >> np.uint64(7 * b)) & np.uint64(0x7F)
        more = (length[has] > b + 1).astype(np.uint64) << np.uint64(7)
        out[start[has] + b] = (byte | more).astype(np.uint8)
    return out.tobytes()


def _zigzag(d: np.ndarray) -> np.ndarray:
    return (d << 1) ^ (d >> 63)


def encode_mesh(vertices: np.ndarray, faces: np.ndarray, bits: int = POSITION_BITS,
                face_sets: list[np.ndarray] = ()) -> bytes:
    """vertices (n, 3) float, faces (m, 3) int -> the binary level described above.

    ``face_sets``: boolean masks over ``faces``, stored in the order the triangles are stored."""
    v = np.asarray(vertices, np.float64)
    lo = v.min(axis=0) if len(v) else np.zeros(3)
    span = (v.max(axis=0) - lo) if len(v) else np.ones(3)
    step = np.where(span > 0, span / ((1 << bits) - 1), 1.0)
    q, f, face_order = _morton_order(np.round((v - lo) / step).astype(np.int64), np.asarray(faces, np.int64))
    deltas = np.diff(q, axis=0, prepend=np.zeros((1, 3), np.int64))
    positions = varints(_zigzag(deltas).T.ravel())
    indices = varints(np.concatenate([np.diff(f[:, 0], prepend=0), f[:, 1] - f[:, 0], f[:, 2] - f[:, 0]]))
    sets = b"".join(np.packbits(np.asarray(m, bool)[face_order], bitorder="little").tobytes() for m in face_sets)
    header = HEADER.pack(MAGIC, 1, bits, len(face_sets), len(v), len(f), len(positions), len(indices), *lo, *step)
    return header + positions + indices + sets


def _morton_order(q: np.ndarray, f: np.ndarray):
    """Quantized vertices in Morton order, the faces renumbered, each rotated to start at its smallest
    index and sorted; and for each stored face the index of the face it came from."""
    key = _spread_bits(q[:, 0]) | (_spread_bits(q[:, 1]) << np.uint64(1)) | (_spread_bits(q[:, 2]) << np.uint64(2))
    order = np.argsort(key, kind="stable")
    remap = np.empty(len(q), np.int64)
    remap[order] = np.arange(len(q))
    q, f = q[order], remap[f]
    first = np.argmin(f, axis=1)
    f = np.take_along_axis(f, (first[:, None] + np.arange(3)) % 3, axis=1)  # a rotation keeps the winding
    face_order = np.lexsort((f[:, 2], f[:, 1], f[:, 0]))
    return q, f[face_order], face_order


def _compact(mesh: Mesh) -> tuple[np.ndarray, np.ndarray]:
    """The mesh without vertices that no face uses."""
    v, f = mesh.vertices, mesh.faces
    used = np.unique(f)
    if len(used) == len(v):
        return v, f
    remap = np.full(len(v), -1, np.int64)
    remap[used] = np.arange(len(used))
    return v[used], remap[f]


def viewer_package(mesh: Mesh, report: dict | None = None, light_faces: int = LIGHT_FACES,
                   topology: Topology | None = None) -> bytes:
    """The stored viewer data: meta JSON, then each level of detail gzip-compressed, lightest first.

    ``PACKAGE_MAGIC | u32 meta length | meta JSON | level 0 | level 1 ...``; the meta lists each
    level's faces and (offset, length) within the part after the meta.  Each level carries the
    overhanging faces as a face set (see "the compact binary form"). Pass the ``topology`` the check
    already computed, so that the faces' areas and normals are not computed again.
    """
    overhang, overhang_area = overhang_mask(mesh, report, topology)
    meta = viewer_meta(mesh, report)
    meta["overlays"]["overhang"].update(faces=int(overhang.sum()), area_mm2=overhang_area)
    meta["face_sets"] = ["overhang"]
    levels = []
    if len(mesh.faces) > light_faces:
        light, _simplified, kept = simplify(mesh, light_faces)
        levels.append((*_compact(light), overhang[kept]))
    levels.append((*_compact(mesh), overhang))
    blobs, offset = [], 0
    meta["levels"] = []
    for v, f, flags in levels:
        blob = gzip.compress(encode_mesh(v, f, face_sets=[flags]), compresslevel=6, mtime=0)  # 9: 6x slower, 0.5 % less
        meta["levels"].append({"faces": int(len(f)), "vertices": int(len(v)), "offset": offset, "length": len(blob)})
        blobs.append(blob)
        offset += len(blob)
    head = json.dumps(meta, separators=(",", ":")).encode()
    return PACKAGE_MAGIC + struct.pack("<I", len(head)) + head + b"".join(blobs)


def overhang_mask(mesh: Mesh, report: dict | None, topology: Topology | None = None) -> tuple[np.ndarray, float]:
    """The faces the overhang check counts (at the report's angle) as a boolean mask, and their area
    in mm² (the same figures as the check: lms.geometry.overhang)."""
    v, f = mesh.vertices, mesh.faces
    if topology is not None:
        area, normal_z = topology.area, topology.normal_z
    else:
        area, normal_z, _volume = face_geometry(v, f, (v.min(axis=0) + v.max(axis=0)) / 2.0)
    faces = overhang_faces(v, f, normal_z, _overhang_angle(report))
    mask = np.zeros(len(f), bool)
    mask[faces] = True
    return mask, float(area[faces].sum())


def _overhang_angle(report: dict | None) -> float:
    return float((report or {}).get("overhang_angle_deg", DEFAULT_OVERHANG_ANGLE))


def viewer_meta(mesh: Mesh, report: dict | None) -> dict:
    lo, hi = mesh.vertices.min(axis=0), mesh.vertices.max(axis=0)
    problems = {"open_edges": [], "nonmanifold_edges": [], "inverted_faces": [], "thin_wall": []}
    locations = (report or {}).get("locations") or {}
    for kind in problems:
        problems[kind] = [list(map(float, item)) for item in (locations.get(kind) or [])[:PROBLEM_CAP]]
    return {"format": "lms-mesh-1", "face_count": int(len(mesh.faces)),
            "bounds": [[float(x) for x in lo], [float(x) for x in hi]],
            "extents_mm": [float(x) for x in hi - lo], "problems": problems,
            "overlays": {"overhang": {"angle_deg": _overhang_angle(report)}, "thin_wall": _thin_figures(report)}}


def _thin_figures(report: dict | None) -> dict:
    """The thin-wall figures the legend shows: places found (all of them, the list may be capped)."""
    wall = (report or {}).get("wall_thickness") or {}
    if wall.get("thin_below_mm") is None:
        return {"min_wall_mm": None, "places": 0, "area_mm2": 0.0}
    return {"min_wall_mm": float(wall["thin_below_mm"]), "places": int(wall["thin_count"]),
            "area_mm2": float(wall["thin_area_mm2"])}


def read_package(blob: bytes) -> tuple[dict, bytes] | None:
    """(meta, level bytes) of a stored package, or None for the older gzip JSON form."""
    if not blob.startswith(PACKAGE_MAGIC):
        return None
    start = len(PACKAGE_MAGIC) + 4
    (size,) = struct.unpack_from("<I", blob, len(PACKAGE_MAGIC))
    return json.loads(blob[start:start + size]), blob[start + size:]
