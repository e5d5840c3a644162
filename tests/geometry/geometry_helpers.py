"""Helpers shared by the geometry tests (builders for meshes and files)."""

from __future__ import annotations

import io
import struct
import zipfile

import numpy as np
import trimesh

from lms.geometry.mesh import Mesh, from_indexed


def box_mesh(extents=(10.0, 20.0, 30.0)) -> Mesh:
    b = trimesh.creation.box(extents)
    return from_indexed(b.vertices, b.faces, name="box")


def sphere_mesh(subdivisions=3, radius=10.0) -> Mesh:
    s = trimesh.creation.icosphere(subdivisions=subdivisions, radius=radius)
    return from_indexed(s.vertices, s.faces, name="sphere")


def stl_bytes(vertices, faces, header=b"test") -> bytes:
    tri = np.asarray(vertices, np.float64)[np.asarray(faces)]
    rec = np.zeros(len(tri), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")])
    rec["v"] = tri
    return header.ljust(80, b"\0") + struct.pack("<I", len(tri)) + rec.tobytes()


def ascii_stl_bytes(vertices, faces) -> bytes:
    out = ["solid test"]
    for f in np.asarray(faces):
        out.append(" facet normal 0 0 0\n  outer loop")
        for i in f:
            x, y, z = np.asarray(vertices, float)[i]
            out.append(f"   vertex {x:.6f} {y:.6f} {z:.6f}")
        out.append("  endloop\n endfacet")
    out.append("endsolid test\n")
    return "\n".join(out).encode()


CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
                 b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 b'<Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>'
                 b'</Types>')
RELS = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Target="/3D/3dmodel.model" Id="rel0" '
        b'Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/></Relationships>')


def model_xml(vertices, faces, unit="millimeter", extra_item_attrs="", doctype="") -> bytes:
    vs = "".join(f'<vertex x="{x}" y="{y}" z="{z}"/>' for x, y, z in np.asarray(vertices, float))
    ts = "".join(f'<triangle v1="{a}" v2="{b}" v3="{c}"/>' for a, b, c in np.asarray(faces))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}'
            f'<model unit="{unit}" xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02" '
            f'xmlns:p="http://schemas.microsoft.com/3dmanufacturing/production/2015/06">'
            f'<resources><object id="1" type="model"><mesh><vertices>{vs}</vertices>'
            f'<triangles>{ts}</triangles></mesh></object></resources>'
            f'<build><item objectid="1" {extra_item_attrs}/></build></model>').encode()


def make_3mf(model: bytes, extra: dict | None = None, rels: bytes = RELS) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", rels)
        zf.writestr("3D/3dmodel.model", model)
        for k, v in (extra or {}).items():
            zf.writestr(k, v)
    return buf.getvalue()


