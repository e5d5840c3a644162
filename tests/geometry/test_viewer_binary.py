"""The viewer's compact binary mesh: a decoder written from the format's description gets the mesh back."""
from __future__ import annotations

import gzip
import struct
import sys
from pathlib import Path

import numpy as np

from lms.geometry.mesh import Mesh
from lms.geometry.viewer import HEADER, encode_mesh, read_package, viewer_package

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from make_icosphere import icosphere


def _varints(data: bytes, count: int) -> tuple[list[int], int]:
    out, value, shift, used = [], 0, 0, 0
    for used, byte in enumerate(data, 1):
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            out.append(value)
            value, shift = 0, 0
            if len(out) == count:
                return out, used
    raise AssertionError("stream ended early")


def decode(blob: bytes) -> tuple[np.ndarray, np.ndarray]:
    return decode_with_sets(blob)[:2]


def decode_with_sets(blob: bytes) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Vertices, faces and the face sets (boolean masks over the stored faces) of one level."""
    magic, version, _bits, nsets, nv, nf, npos, nidx, *rest = HEADER.unpack_from(blob)
    set_bytes = (nf + 7) // 8
    assert magic == b"LMSM" and version == 1 and len(blob) == HEADER.size + npos + nidx + nsets * set_bytes
    origin, step = np.array(rest[:3]), np.array(rest[3:])
    zig, used = _varints(blob[HEADER.size:HEADER.size + npos], 3 * nv)
    assert used == npos
    signed = np.array([(z >> 1) ^ -(z & 1) for z in zig]).reshape(3, nv).T
    vertices = origin + np.cumsum(signed, axis=0) * step
    codes, used = _varints(blob[HEADER.size + npos:], 3 * nf)
    assert used == nidx
    a, b, c = np.array(codes).reshape(3, nf)
    first = np.cumsum(a)
    start = HEADER.size + npos + nidx
    sets = [np.array([bool(blob[start + k * set_bytes + t // 8] >> (t % 8) & 1) for t in range(nf)])
            for k in range(nsets)]
    return vertices, np.stack([first, first + b, first + c], axis=1), sets


def _triangles(vertices: np.ndarray, faces: np.ndarray) -> set:
    """Each triangle as its three corners rounded, rotated to a canonical start (winding kept)."""
    out = set()
    for tri in np.round(vertices[faces], 2):
        corners = [tuple(p) for p in tri]
        k = corners.index(min(corners))
        out.add(tuple(corners[k:] + corners[:k]))
    return out


def test_round_trip_keeps_every_triangle_and_its_winding():
    v, f = icosphere(2, 30.0)
    blob = encode_mesh(v, f)
    dv, df = decode(blob)
    assert df.shape == f.shape and df.max() < len(dv)
    step = (v.max(0) - v.min(0)) / (2**14 - 1)
    assert np.abs(np.sort(dv, axis=0) - np.sort(v, axis=0)).max() <= step.max()  # quantized to 14 bits
    assert _triangles(dv, df) == _triangles(v, f)


def test_the_compact_form_is_a_fraction_of_float32_and_uint32():
    v, f = icosphere(5, 30.0)
    compact = len(gzip.compress(encode_mesh(v, f)))
    plain = len(gzip.compress(v.astype("<f4").tobytes() + f.astype("<u4").tobytes()))
    assert compact < 0.5 * plain, (compact, plain)


def test_big_models_get_a_light_level_first():
    v, f = icosphere(4, 30.0)  # 5120 triangles
    mesh = Mesh(v, f)
    meta, levels = read_package(viewer_package(mesh, {"locations": {"open_edges": [[0, 0, 0, 1, 1, 1]]}},
                                               light_faces=1000))
    assert meta["format"] == "lms-mesh-1" and meta["face_count"] == 5120
    assert meta["problems"]["open_edges"] == [[0.0, 0.0, 0.0, 1.0, 1.0, 1.0]]
    light, full = meta["levels"]
    assert light["faces"] <= 1000 < full["faces"] == 5120
    for level in (light, full):
        blob = gzip.decompress(levels[level["offset"]:level["offset"] + level["length"]])
        assert struct.unpack_from("<I", blob, 12)[0] == level["faces"]
    small = read_package(viewer_package(mesh, None, light_faces=10_000))[0]
    assert [lvl["faces"] for lvl in small["levels"]] == [5120]  # small enough: full detail at once
    assert read_package(gzip.compress(b"{}")) is None  # the older gzip JSON form
