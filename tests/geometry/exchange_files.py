"""Known-answer shapes and writers for every model format the app accepts.

The shapes are unions of equal cubes on a grid, so their true figures are known
exactly (volume, extents, overhang area).  The writers are written from the
format specifications, independently of the readers under test: millimetres
and Z up everywhere except GLB, which the glTF specification fixes to metres
and +Y up.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile

import numpy as np
from geometry_helpers import CONTENT_TYPES, RELS


def voxel_shape(cells, size: float) -> tuple[np.ndarray, list[list[int]]]:
    """Boundary of a union of cubes: ``(vertices (V, 3) mm, quads)`` facing outwards.

    *cells* is a boolean (nx, ny, nz) array; each true cell is a cube of edge *size*.
    """
    occ = np.pad(np.asarray(cells, bool), 1)
    index: dict[tuple, int] = {}
    quads = []
    for a in range(3):
        b, c = (a + 1) % 3, (a + 2) % 3
        for step in (1, -1):
            neighbour = np.roll(occ, -step, axis=a)
            for cell in np.argwhere(occ & ~neighbour):
                quads.append(_quad(index, cell - 1, a, b, c, step))
    verts = np.array(sorted(index, key=index.get), float) * size
    return verts, quads


def _quad(index, cell, a, b, c, step):
    corners = []
    for db, dc in ((0, 0), (1, 0), (1, 1), (0, 1)):
        p = list(cell)
        p[a] += 1 if step == 1 else 0
        p[b] += db
        p[c] += dc
        corners.append(index.setdefault(tuple(p), len(index)))
    return corners if step == 1 else corners[::-1]


def cube20():
    """A 20 mm cube from (0, 0, 0): 8 vertices, 6 quads, volume 8000 mm³."""
    return voxel_shape(np.ones((1, 1, 1)), 20.0)


def t_part():
    """A 30 mm tall T: a 10 × 10 × 20 mm stem under a 30 × 10 × 10 mm bar.

    Volume 5000 mm³, extents 30 × 10 × 30 mm; the bar's underside beside the
    stem is 2 × 10 × 10 = 200 mm² of horizontal overhang.
    """
    cells = np.zeros((3, 1, 3), bool)
    cells[1, 0, :2] = True
    cells[:, 0, 2] = True
    return voxel_shape(cells, 10.0)


def triangles(polys) -> np.ndarray:
    """Fan-triangulate polygons into (F, 3) indices."""
    return np.array([[p[0], p[i], p[i + 1]] for p in polys for i in range(1, len(p) - 1)])


# --------------------------------------------------------------------------- writers

def binary_stl(verts, polys) -> bytes:
    tri = np.asarray(verts, np.float64)[triangles(polys)]
    rec = np.zeros(len(tri), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")])
    rec["v"] = tri
    return b"known answer".ljust(80, b" ") + struct.pack("<I", len(tri)) + rec.tobytes()


def ascii_stl(verts, polys, upper: bool = False) -> bytes:
    lines = ["solid shape"]
    for tri in np.asarray(verts, np.float64)[triangles(polys)]:
        lines += ["  facet normal 0 0 0", "    outer loop"]
        lines += [f"      vertex {x!r} {y!r} {z!r}" for x, y, z in tri.tolist()]
        lines += ["    endloop", "  endfacet"]
    lines.append("endsolid shape\n")
    text = "\n".join(lines)
    return (text.upper() if upper else text).encode()


def obj(verts, polys, relative: bool = False) -> bytes:
    """Wavefront OBJ; *relative* writes each face's corners just before it, with indices -4 ... -1."""
    lines = ["# known answer"]
    fmt = lambda v: "v " + " ".join(repr(float(x)) for x in v)  # noqa: E731
    if not relative:
        lines += [fmt(v) for v in verts]
        lines += ["f " + " ".join(str(i + 1) for i in p) for p in polys]
    else:
        for p in polys:
            lines += [fmt(verts[i]) for i in p]
            lines.append("f " + " ".join(str(k - len(p)) for k in range(len(p))))
    return ("\n".join(lines) + "\n").encode()


def ply_ascii(verts, polys) -> bytes:
    head = ["ply", "format ascii 1.0", f"element vertex {len(verts)}", "property float x",
            "property float y", "property float z", f"element face {len(polys)}",
            "property list uchar int vertex_indices", "end_header"]
    body = [" ".join(repr(float(x)) for x in v) for v in verts]
    body += [" ".join(str(i) for i in [len(p), *p]) for p in polys]
    return ("\n".join(head + body) + "\n").encode()


def ply_binary(verts, polys) -> bytes:
    head = ["ply", "format binary_little_endian 1.0", f"element vertex {len(verts)}", "property float x",
            "property float y", "property float z", f"element face {len(polys)}",
            "property list uchar int vertex_indices", "end_header"]
    out = io.BytesIO()
    out.write(("\n".join(head) + "\n").encode())
    out.write(np.asarray(verts, "<f4").tobytes())
    for p in polys:
        out.write(struct.pack(f"<B{len(p)}i", len(p), *p))
    return out.getvalue()


def off(verts, polys) -> bytes:
    lines = ["OFF", f"{len(verts)} {len(polys)} 0"]
    lines += [" ".join(repr(float(x)) for x in v) for v in verts]
    lines += [" ".join(str(i) for i in [len(p), *p]) for p in polys]
    return ("\n".join(lines) + "\n").encode()


def threemf(verts, polys) -> bytes:
    vs = "".join(f'<vertex x="{x!r}" y="{y!r}" z="{z!r}"/>' for x, y, z in np.asarray(verts, float).tolist())
    ts = "".join(f'<triangle v1="{a}" v2="{b}" v3="{c}"/>' for a, b, c in triangles(polys).tolist())
    model = ('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<model unit="millimeter" xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02">'
             f'<resources><object id="1" type="model"><mesh><vertices>{vs}</vertices>'
             f'<triangles>{ts}</triangles></mesh></object></resources>'
             '<build><item objectid="1"/></build></model>').encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", RELS)
        zf.writestr("3D/3dmodel.model", model)
    return buf.getvalue()


def to_gltf_axes(verts_mm_z_up) -> np.ndarray:
    """Millimetres with Z up -> glTF's metres with +Y up (and +Z towards the viewer)."""
    v = np.asarray(verts_mm_z_up, np.float64) / 1000.0
    return np.stack([v[:, 0], v[:, 2], -v[:, 1]], axis=1)


def glb(verts, polys, node: dict | None = None) -> bytes:
    """A glTF 2.0 binary as the specification says: *verts* are given in mm, Z up.

    *node* adds fields (``matrix``, ``translation`` ...) to the one node, in glTF units.
    """
    pos = to_gltf_axes(verts).astype("<f4")
    idx = triangles(polys).astype("<u4")
    blob = pos.tobytes() + idx.tobytes()
    position = {"bufferView": 0, "componentType": 5126, "count": len(pos), "type": "VEC3"}
    if np.isfinite(pos).all():
        position.update(min=pos.min(axis=0).tolist(), max=pos.max(axis=0).tolist())
    doc = {
        "asset": {"version": "2.0", "generator": "lms tests"},
        "scene": 0, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0, **(node or {})}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1, "mode": 4}]}],
        "accessors": [position, {"bufferView": 1, "componentType": 5125, "count": idx.size, "type": "SCALAR"}],
        "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": pos.nbytes, "target": 34962},
                        {"buffer": 0, "byteOffset": pos.nbytes, "byteLength": idx.nbytes, "target": 34963}],
        "buffers": [{"byteLength": len(blob)}],
    }
    js = json.dumps(doc).encode()
    js += b" " * (-len(js) % 4)
    blob += b"\0" * (-len(blob) % 4)
    total = 12 + 8 + len(js) + 8 + len(blob)
    return (b"glTF" + struct.pack("<II", 2, total) + struct.pack("<I4s", len(js), b"JSON") + js
            + struct.pack("<I4s", len(blob), b"BIN\0") + blob)


WRITERS = {
    "binary.stl": binary_stl, "ascii.stl": ascii_stl, "obj": obj, "ascii.ply": ply_ascii,
    "binary.ply": ply_binary, "off": off, "3mf": threemf, "glb": glb,
}


def write(kind: str, verts, polys) -> tuple[bytes, str]:
    """``(file bytes, file name)`` of the shape in format *kind* (a key of WRITERS)."""
    return WRITERS[kind](verts, polys), "shape." + kind.rsplit(".", 1)[-1]
