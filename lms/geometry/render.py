"""CPU thumbnail renderer (numpy + Pillow; no GPU, no display).

Orthographic view from the front-right-top, Lambert shading with two lights,
z-buffered "lattice splatting": every triangle is sampled on a barycentric
lattice fine enough that neighbouring samples are less than a pixel apart,
and each sample is written to the z-buffer with ``np.minimum.at`` on a packed
(depth, face) key.  Large meshes are simplified first (vertex clustering).
Faces seen from behind (inside-out or open models) are drawn in orange.
"""

from __future__ import annotations

import io
import math

import numpy as np

from .mesh import Mesh
from .simplify import simplify

BACKGROUND = (238, 241, 245)
BASE = np.array([120, 160, 205], float)
BACK = np.array([230, 140, 60], float)
TEXT = (40, 48, 60)


def _view_matrix(azimuth_deg=-35.0, elevation_deg=25.0) -> np.ndarray:
    az, el = math.radians(azimuth_deg), math.radians(elevation_deg)
    rz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, math.cos(el), -math.sin(el)], [0, math.sin(el), math.cos(el)]])
    return rx @ rz  # camera space: x right, z up, y into the screen


def _lattice(n: int) -> np.ndarray:
    i, j = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    keep = i + j <= n
    return np.stack([i[keep], j[keep]], axis=1) / float(n)


def render_array(mesh: Mesh, size: int = 512, supersample: int = 2, face_budget: int | None = None,
                 text_rows: int = 0) -> np.ndarray:
    """Render to an RGB uint8 array of shape (size, size, 3)."""
    if face_budget is None:
        face_budget = max(20_000, int(size * size * 0.4))
    mesh, simplified, _kept = simplify(mesh, face_budget)
    v, f = mesh.vertices, mesh.faces
    S = size * supersample
    img = np.empty((S, S, 3), np.uint8)
    img[:] = BACKGROUND
    if len(f) == 0:
        return img[::supersample, ::supersample]
    cam = (v - (v.min(axis=0) + v.max(axis=0)) / 2) @ _view_matrix().T
    sx, depth, sy = cam[:, 0], cam[:, 1], cam[:, 2]
    margin = 0.06 * S
    bottom = text_rows * supersample
    span = max(sx.max() - sx.min(), (sy.max() - sy.min()) * S / max(S - bottom, 1), 1e-12)
    scale = (S - 2 * margin) / span
    px = (sx - (sx.min() + sx.max()) / 2) * scale + S / 2
    py = S / 2 - bottom / 2 - (sy - (sy.min() + sy.max()) / 2) * scale
    # shading per face
    a, b, c = cam[f[:, 0]], cam[f[:, 1]], cam[f[:, 2]]
    n = np.cross(b - a, c - a)
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-30)
    facing = n[:, 1] < 0  # normal points towards the camera (camera looks along +y)
    key_light = np.array([-0.4, -0.8, 0.6])
    key_light /= np.linalg.norm(key_light)
    fill = np.array([0.6, -0.5, -0.2])
    fill /= np.linalg.norm(fill)
    nn = np.where(facing[:, None], n, -n)
    shade = 0.30 + 0.60 * np.clip(nn @ key_light, 0, 1) + 0.20 * np.clip(nn @ fill, 0, 1)
    # back faces in orange flag inside-out or open models; after simplification
    # folded clusters would flag falsely, so they get the base colour then
    back = BASE if simplified else BACK
    colors = np.where(facing[:, None], BASE, back) * np.clip(shade, 0, 1.15)[:, None]
    colors = np.clip(colors, 0, 255).astype(np.uint8)

    # lattice splatting into a packed z-buffer
    p2 = np.stack([px, py], axis=1)
    ta, tb, tc = p2[f[:, 0]], p2[f[:, 1]], p2[f[:, 2]]
    edge = np.maximum(np.maximum(np.linalg.norm(tb - ta, axis=1), np.linalg.norm(tc - tb, axis=1)),
                      np.linalg.norm(ta - tc, axis=1))
    level = np.clip(np.ceil(edge / 0.75), 1, 2048).astype(np.int64)
    dmin, dmax = depth.min(), depth.max()
    dq = ((depth - dmin) / max(dmax - dmin, 1e-12) * ((1 << 30) - 1))
    fbits = max(int(len(f)).bit_length(), 1)
    zbuf = np.full(S * S, np.iinfo(np.int64).max, np.int64)
    for lv in np.unique(level):
        sel = np.flatnonzero(level == lv)
        lat = _lattice(int(lv))  # (k, 2) barycentric (u, v)
        # chunk so that samples stay below ~4M per pass
        per = len(lat)
        step = max(1, 4_000_000 // per)
        for s in range(0, len(sel), step):
            fs = sel[s:s + step]
            fa, fb, fc = f[fs, 0], f[fs, 1], f[fs, 2]
            u = lat[:, 0][None, :]
            w = lat[:, 1][None, :]
            t = 1.0 - u - w
            X = px[fa][:, None] * t + px[fb][:, None] * u + px[fc][:, None] * w
            Y = py[fa][:, None] * t + py[fb][:, None] * u + py[fc][:, None] * w
            Z = dq[fa][:, None] * t + dq[fb][:, None] * u + dq[fc][:, None] * w
            xi = X.astype(np.int64).ravel()
            yi = Y.astype(np.int64).ravel()
            ok = (xi >= 0) & (xi < S) & (yi >= 0) & (yi < S)
            key = (Z.astype(np.int64) << fbits) | np.repeat(fs, per).reshape(len(fs), per)
            np.minimum.at(zbuf, (yi * S + xi)[ok], key.ravel()[ok])
    hit = zbuf != np.iinfo(np.int64).max
    face = (zbuf[hit] & ((1 << fbits) - 1))
    flat = img.reshape(-1, 3)
    flat[hit] = colors[face]
    if supersample > 1:
        img = img.reshape(size, supersample, size, supersample, 3).mean(axis=(1, 3)).astype(np.uint8)
    return img


def _font(px: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=px)
    except TypeError:  # Pillow without FreeType sizes
        return ImageFont.load_default()


def render_thumbnail(mesh: Mesh, size: int = 512, dimensions: bool = True, supersample: int | None = None) -> bytes:
    """Shaded PNG of *mesh*, framed on the model, with its dimensions written on it."""
    from PIL import Image, ImageDraw

    size = int(size)
    if supersample is None:
        supersample = 2 if size <= 256 else 1
    text_px = max(9, size // 24) if dimensions else 0
    rows = int(text_px * 1.8) if dimensions else 0
    arr = render_array(mesh, size=size, supersample=supersample, text_rows=rows)
    im = Image.fromarray(arr, "RGB")
    if dimensions:
        ext = mesh.vertices.max(axis=0) - mesh.vertices.min(axis=0)
        label = "{:.1f} x {:.1f} x {:.1f} mm".format(*ext)
        draw = ImageDraw.Draw(im)
        font = _font(text_px)
        try:
            w = draw.textlength(label, font=font)
        except Exception:
            w = len(label) * text_px * 0.6
        draw.text(((size - w) / 2, size - rows + (rows - text_px) / 2 - 1), label, fill=TEXT, font=font)
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=False, compress_level=3)
    return buf.getvalue()
