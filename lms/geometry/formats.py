"""Format detection by content: :func:`detect_format`."""

from __future__ import annotations

import re

import numpy as np

MODEL_EXTENSIONS = {
    ".stl": "stl", ".obj": "obj", ".ply": "ply", ".off": "off", ".3mf": "3mf", ".glb": "glb",
}
FORMATS = ("stl", "obj", "ply", "off", "3mf", "glb")
FORMAT_NAMES = {
    "stl": "STL", "obj": "OBJ", "ply": "PLY", "off": "OFF", "3mf": "3MF", "glb": "glTF binary (GLB)",
}

# well-known non-model content, used for friendlier mismatch messages
_OTHER_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf", "7-Zip archive"),
    (b"Rar!", "RAR archive"),
    (b"MZ", "Windows program"),
    (b"\x7fELF", "Linux program"),
    (b"RIFF", "RIFF media file"),
    (b"<!DOCTYPE html", "HTML page"),
    (b"<html", "HTML page"),
    (b"<?xml", "XML document"),
    (b"{", "JSON/text document"),
]

_OBJ_LINE = re.compile(
    rb"^\s*(?:#|(?:v|vn|vt|vp|f|l|p|o|g|s|mtllib|usemtl|cstype|deg|curv|parm|end|surf|mg|call)\b)")
_OBJ_DATA = re.compile(rb"^\s*(?:v|f)\s", re.M)
_ASCII_STL_WORD = re.compile(rb"\bfacet\b|\bendsolid\b", re.I)  # admesh's own samples are upper case
_OFF_HEAD = re.compile(rb"^\s*(?:ST)?C?N?4?n?OFF(?:\s|$|BINARY)")


def describe_content(head: bytes) -> str:
    """A short human name for what *head* looks like (for error messages)."""
    fmt = detect_format(head)
    if fmt:
        return FORMAT_NAMES[fmt]
    stripped = head.lstrip()
    for magic, name in _OTHER_MAGIC:
        if head.startswith(magic) or stripped[: len(magic)].lower() == magic.lower():
            return name
    if head.startswith(b"PK\x03\x04"):
        return "ZIP archive without a 3D model"
    if _is_text(head):
        return "text"
    return "unknown binary data"


def _is_text(head: bytes) -> bool:
    if not head:
        return False
    if b"\x00" in head:
        return False
    sample = head[:4096]
    printable = sum(1 for b in sample if b in (9, 10, 13) or 32 <= b < 127 or b >= 128)
    return printable / len(sample) > 0.97


def _plausible_binary_stl(head: bytes) -> bool:
    if len(head) < 84:
        return False
    for magic, _name in _OTHER_MAGIC[:10]:
        if head.startswith(magic):
            return False
    count = int(np.frombuffer(head, "<u4", 1, 80)[0])
    if count == 0:
        return False
    body = head[84:]
    if len(body) >= 100 and _is_text(body[:1000]):
        # binary float data is practically never all printable text
        return False
    nrec = min(count, len(body) // 50, 64)
    if nrec == 0:
        return True
    rec = np.frombuffer(body, np.dtype([("n", "<f4", 3), ("v", "<f4", 9), ("a", "<u2")]), nrec)
    vals = np.concatenate([rec["n"].ravel(), rec["v"].ravel()])
    if not np.isfinite(vals).all():
        return False
    if np.abs(rec["n"]).max() > 1.5:
        return False
    if np.abs(rec["v"]).max() > 1e8:
        return False
    return True


def _exact_binary_stl(head: bytes, size: int) -> bool:
    """84 header bytes plus exactly 50 per declared facet, and no other format's signature."""
    if len(head) < 84 or size != 84 + 50 * int(np.frombuffer(head, "<u4", 1, 80)[0]):
        return False
    if any(head.startswith(magic) for magic, _name in _OTHER_MAGIC[:10]):
        return False
    return not head.startswith((b"glTF", b"PK\x03\x04", b"ply\n", b"ply\r\n")) and not _OFF_HEAD.match(head)


def detect_format(head: bytes, filename: str | None = None, size: int | None = None) -> str | None:
    """Return the model format of *head* (the first KiB of a file) by content.

    Returns one of ``"stl", "obj", "ply", "off", "3mf", "glb"`` or ``None`` when
    the bytes are not a supported model.  *filename* is used only to break a
    tie between equally plausible readings; the content always wins.  *size*,
    the whole file's size when known, recognises a binary STL whose facet count
    matches it exactly even when its data is unusable (no facets, coordinates
    that are not numbers), so that the reader can say what is wrong.
    """
    if not head:
        return None
    head = bytes(head[:65536])
    if size is not None and _exact_binary_stl(head, size):
        return "stl"
    if head.startswith(b"glTF"):
        return "glb"
    if head.startswith(b"PK\x03\x04"):
        if b"3D/" in head or b"[Content_Types].xml" in head or b"_rels/" in head or b".model" in head:
            return "3mf"
        return None
    if head.startswith(b"ply\n") or head.startswith(b"ply\r\n"):
        return "ply"
    stripped = head.lstrip()
    if stripped[:5].lower() == b"solid":
        if _ASCII_STL_WORD.search(head[:4096]) or (_is_text(head) and len(head) < 84):
            return "stl"
        # binary STL whose 80-byte header happens to start with "solid"
        if _plausible_binary_stl(head):
            return "stl"
        return None
    if _OFF_HEAD.match(head):
        return "off"
    if _is_text(head):
        lines = head.splitlines()
        if len(head) >= 65536 or not head.endswith((b"\n", b"\r")):
            lines = lines[:-1] or lines  # last line may be cut
        meaningful = [ln for ln in lines if ln.strip()]
        if meaningful and _OBJ_DATA.search(head) and all(_OBJ_LINE.match(ln) for ln in meaningful):
            return "obj"
        if meaningful and filename and filename.lower().endswith(".obj") and all(
                _OBJ_LINE.match(ln) for ln in meaningful):
            return "obj"
        return None
    if _plausible_binary_stl(head):
        return "stl"
    return None


def extension_format(filename: str | None) -> str | None:
    if not filename:
        return None
    name = str(filename).lower()
    for ext, fmt in MODEL_EXTENSIONS.items():
        if name.endswith(ext):
            return fmt
    return None
