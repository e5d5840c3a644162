from __future__ import annotations

import io
import struct
import time
import zipfile

import numpy as np
import pytest
import trimesh
from geometry_helpers import ascii_stl_bytes, make_3mf, model_xml, stl_bytes

from lms.geometry import (
    ArchiveError,
    CorruptFileError,
    CountMismatchError,
    ExternalReferenceError,
    FileTooLargeError,
    FormatMismatchError,
    GeometryError,
    Limits,
    TooManyFacesError,
    TruncatedFileError,
    UnsafeContentError,
    UnsupportedFormatError,
    ZipBombError,
    detect_format,
    load_mesh,
)

BOX = trimesh.creation.box((10, 20, 30))


def _export(fmt):
    box = BOX
    if fmt == "glb":  # glTF is in metres with +Y up: (x, y, z) in mm, Z up -> (x, z, -y) / 1000
        box = BOX.copy()
        box.apply_transform(np.diag([0.001, 0.001, 0.001, 1.0]) @ [[1, 0, 0, 0], [0, 0, 1, 0], [0, -1, 0, 0],
                                                                   [0, 0, 0, 1]])
    data = box.export(file_type=fmt)
    return data.encode() if isinstance(data, str) else data


@pytest.mark.parametrize("fmt,ext", [("stl", "stl"), ("stl_ascii", "stl"), ("obj", "obj"), ("ply", "ply"),
                                     ("off", "off"), ("glb", "glb"), ("3mf", "3mf")])
def test_formats_load(fmt, ext):
    data = _export(fmt)
    assert detect_format(data[:4096]) == ext
    mesh = load_mesh(data, f"box.{ext}")
    assert mesh.format == ext
    assert mesh.face_count == 12 and mesh.vertex_count == 8
    np.testing.assert_allclose(mesh.bounds, [[-5, -10, -15], [5, 10, 15]], atol=1e-5)


def test_load_from_path(tmp_path):
    p = tmp_path / "box.stl"
    p.write_bytes(stl_bytes(BOX.vertices, BOX.faces))
    mesh = load_mesh(p)
    assert mesh.name == "box.stl" and mesh.face_count == 12 and mesh.vertex_count == 8


def test_binary_stl_starting_with_solid():
    data = stl_bytes(BOX.vertices, BOX.faces, header=b"solid made by a CAD tool")
    assert detect_format(data) == "stl"
    assert load_mesh(data, "x.stl").face_count == 12


def test_ascii_stl():
    data = ascii_stl_bytes(BOX.vertices, BOX.faces)
    mesh = load_mesh(data, "a.stl")
    assert mesh.meta["stl_kind"] == "ascii" and mesh.vertex_count == 8


def test_3mf_units_inch():
    data = make_3mf(model_xml(BOX.vertices / 25.4, BOX.faces, unit="inch"))
    mesh = load_mesh(data, "inch.3mf")
    np.testing.assert_allclose(mesh.bounds[1] - mesh.bounds[0], [10, 20, 30], rtol=1e-6)
    assert mesh.meta["file_unit"] == "inch"


def test_3mf_build_transform():
    data = make_3mf(model_xml(BOX.vertices, BOX.faces, extra_item_attrs='transform="1 0 0 0 1 0 0 0 1 100 0 0"'))
    mesh = load_mesh(data, "t.3mf")
    np.testing.assert_allclose(mesh.bounds[0], [95, -10, -15])


# ---------------------------------------------------------------- hostile files

def test_truncated_stl():
    data = stl_bytes(BOX.vertices, BOX.faces)[:-30]
    with pytest.raises(TruncatedFileError) as exc:
        load_mesh(data, "cut.stl")
    assert "cut.stl" in str(exc.value) and "12" in str(exc.value)


def test_stl_lying_about_count_rejected_before_allocation():
    data = bytearray(stl_bytes(BOX.vertices, BOX.faces))
    data[80:84] = struct.pack("<I", 2**32 - 1)  # would need 200 GB
    t = time.perf_counter()
    with pytest.raises(GeometryError) as exc:
        load_mesh(bytes(data), "liar.stl", limits=Limits(max_faces=10**10))
    assert isinstance(exc.value, (TruncatedFileError, CountMismatchError))
    assert "4294967295" in str(exc.value)
    assert time.perf_counter() - t < 1.0


def test_stl_count_over_limit():
    data = stl_bytes(BOX.vertices, BOX.faces)
    with pytest.raises(TooManyFacesError) as exc:
        load_mesh(data, "big.stl", limits=Limits(max_faces=10))
    assert "limit is 10" in str(exc.value)


def test_file_too_large():
    with pytest.raises(FileTooLargeError) as exc:
        load_mesh(stl_bytes(BOX.vertices, BOX.faces), "x.stl", limits=Limits(max_bytes=100))
    assert "MB" in str(exc.value) and "x.stl" in str(exc.value)


def test_3mf_zip_bomb():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("3D/3dmodel.model", b" " * (50 * 1024 * 1024))
    t = time.perf_counter()
    with pytest.raises(ZipBombError) as exc:
        load_mesh(buf.getvalue(), "bomb.3mf")
    assert "bomb.3mf" in str(exc.value) and "limit" in str(exc.value)
    assert time.perf_counter() - t < 2.0


def test_3mf_total_size_limit():
    data = make_3mf(model_xml(BOX.vertices, BOX.faces))
    with pytest.raises(ZipBombError):
        load_mesh(data, "x.3mf", limits=Limits(max_zip_uncompressed=100))


def test_3mf_lying_entry_size_is_streamed_with_budget():
    data = bytearray(make_3mf(model_xml(BOX.vertices, BOX.faces)))
    # shrink the declared uncompressed size of the model entry in the central directory
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = zf.getinfo("3D/3dmodel.model")
    cd = data.rfind(b"PK\x01\x02" + data[data.rfind(b"PK\x01\x02") + 4:][:0])
    pos = data.find(b"3D/3dmodel.model", data.find(b"PK\x01\x02"))
    hdr = data.rfind(b"PK\x01\x02", 0, pos)
    struct.pack_into("<I", data, hdr + 24, 10)  # uncompressed size := 10 bytes
    del cd, info
    with pytest.raises(GeometryError):
        load_mesh(bytes(data), "liar.3mf")


def test_3mf_xml_entity():
    doctype = '<!DOCTYPE model [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    data = make_3mf(model_xml(BOX.vertices, BOX.faces, doctype=doctype))
    with pytest.raises(UnsafeContentError) as exc:
        load_mesh(data, "xxe.3mf")
    assert "entity" in str(exc.value)


def test_3mf_billion_laughs():
    doctype = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    data = make_3mf(model_xml(BOX.vertices, BOX.faces, doctype=doctype).replace(b"<resources>", b"<resources>&lol2;"))
    with pytest.raises(UnsafeContentError):
        load_mesh(data, "lol.3mf")


@pytest.mark.parametrize("path", ["/etc/passwd", "../../etc/passwd", "http://example.com/a.model"])
def test_3mf_external_reference(path):
    data = make_3mf(model_xml(BOX.vertices, BOX.faces, extra_item_attrs=f'p:path="{path}"'))
    with pytest.raises(ExternalReferenceError) as exc:
        load_mesh(data, "ext.3mf")
    assert path in str(exc.value)


def test_3mf_rels_pointing_outside():
    rels = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Target="file:///etc/passwd" Id="r" '
            b'Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/></Relationships>')
    with pytest.raises(ExternalReferenceError):
        load_mesh(make_3mf(model_xml(BOX.vertices, BOX.faces), rels=rels), "r.3mf")


def test_3mf_unsafe_entry_name():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("../evil.model", b"<model/>")
    with pytest.raises(ArchiveError) as exc:
        load_mesh(buf.getvalue(), "evil.3mf")
    assert "unsafe entry name" in str(exc.value)


def test_3mf_too_many_entries():
    data = make_3mf(model_xml(BOX.vertices, BOX.faces), extra={f"Metadata/{i}.txt": b"x" for i in range(20)})
    with pytest.raises(ArchiveError) as exc:
        load_mesh(data, "many.3mf", limits=Limits(max_zip_entries=10))
    assert "limit is 10" in str(exc.value)


def test_obj_mtllib_etc_passwd():
    data = b"mtllib /etc/passwd\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"
    with pytest.raises(ExternalReferenceError) as exc:
        load_mesh(data, "evil.obj")
    assert "/etc/passwd" in str(exc.value)


def test_obj_relative_mtllib_is_ignored(tmp_path, monkeypatch):
    # a sibling .mtl that exists must still not be read: only the upload counts
    (tmp_path / "m.mtl").write_text("newmtl a\nKd 1 0 0\n")
    monkeypatch.chdir(tmp_path)
    data = b"mtllib m.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"
    opened = []
    import builtins

    real_open = builtins.open

    def spy(file, *a, **k):
        opened.append(str(file))
        return real_open(file, *a, **k)

    monkeypatch.setattr(builtins, "open", spy)
    mesh = load_mesh(data, "ok.obj")
    assert mesh.face_count == 1
    assert not any("m.mtl" in o for o in opened)


def test_glb_external_buffer():
    import json

    doc = json.dumps({"asset": {"version": "2.0"}, "buffers": [{"uri": "/etc/passwd", "byteLength": 10}]}).encode()
    doc += b" " * (-len(doc) % 4)
    data = b"glTF" + struct.pack("<II", 2, 20 + len(doc)) + struct.pack("<I4s", len(doc), b"JSON") + doc
    with pytest.raises(ExternalReferenceError):
        load_mesh(data, "ext.glb")


@pytest.mark.parametrize("content,name", [
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "photo.stl"),
    (b"<html><body>hello</body></html>" * 10, "page.3mf"),
    (b"just some notes\nnothing to see\n" * 10, "notes.obj"),
    (b"%PDF-1.4\n" + b"x" * 300, "doc.ply"),
])
def test_wrong_content_under_model_extension(content, name):
    with pytest.raises(FormatMismatchError) as exc:
        load_mesh(content, name)
    assert name in str(exc.value)


def test_stl_content_under_obj_extension():
    with pytest.raises(FormatMismatchError) as exc:
        load_mesh(stl_bytes(BOX.vertices, BOX.faces), "model.obj")
    assert "OBJ" in str(exc.value) and "STL" in str(exc.value)


def test_unknown_without_extension():
    with pytest.raises(UnsupportedFormatError):
        load_mesh(b"\x00\x01\x02" * 10, None)


def test_detect_format_content():
    assert detect_format(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "a.stl") is None
    assert detect_format(b"ply\nformat ascii 1.0\n") == "ply"
    assert detect_format(b"OFF\n8 12 0\n") == "off"
    assert detect_format(b"glTF\x02\0\0\0") == "glb"
    assert detect_format(b"solid x\n facet normal 0 0 1\n") == "stl"
    assert detect_format(b"v 1 2 3\nv 1 2 3\nf 1 2 3\n") == "obj"
    assert detect_format(b"hello world\n" * 20) is None


def test_error_translation_contract():
    try:
        load_mesh(stl_bytes(BOX.vertices, BOX.faces)[:-30], "cut.stl")
    except GeometryError as exc:
        assert str(exc) == exc.message_template % exc.params
        assert exc.to_dict()["error"] == "truncated_file"


def test_corrupt_3mf_is_specific_error():
    with pytest.raises(CorruptFileError):
        load_mesh(b"PK\x03\x04" + b"3D/" + b"\0" * 100, "broken.3mf")


def test_ply_header_lies():
    data = b"ply\nformat binary_little_endian 1.0\nelement vertex 100000\nproperty float x\nproperty float y\n" \
           b"property float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n" + b"\0" * 50
    with pytest.raises(TruncatedFileError):
        load_mesh(data, "liar.ply")


@pytest.mark.parametrize("fmt,ext", [("stl", "stl"), ("stl_ascii", "stl"), ("obj", "obj"), ("ply", "ply"),
                                     ("off", "off"), ("glb", "glb"), ("3mf", "3mf")])
def test_mutated_files_never_crash(fmt, ext):
    """Random byte damage gives a mesh or a GeometryError, never another exception or a hang."""
    good = _export(fmt)
    rng = np.random.default_rng(len(good))
    for i in range(40):
        data = bytearray(good)
        if i % 3 == 0:
            data = data[: rng.integers(1, len(data))]
        else:
            for _ in range(rng.integers(1, 8)):
                data[rng.integers(0, len(data))] = rng.integers(0, 256)
        t = time.perf_counter()
        try:
            load_mesh(bytes(data), f"fuzz.{ext}", limits=Limits(max_faces=100_000, max_vertices=100_000))
        except GeometryError as exc:
            assert str(exc) and "fuzz" in str(exc)
        assert time.perf_counter() - t < 5
