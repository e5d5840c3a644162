"""Build and serve the static viewer harness without copying anything.

Layout of the served temp dir (URL path -> file):

    /vendor/three   -> symlink to <repo>/node_modules/three   (core.vendor)
    /static/viewer  -> symlink to <repo>/lms/static/viewer    (core.static)
    /static/dist    -> symlink to <repo>/lms/static/dist      (the bundle: npm run build)
    /data/sample.json, /data/thumb.png                        (generated)
    /index.html     -> viewer_page.html rendered with the real _viewer.html

Manual use:  python tests/browser/harness/viewer_site.py   (prints a URL, Ctrl-C stops)
"""

from __future__ import annotations

import functools
import json
import struct
import sys
import threading
import zlib
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]

sys.path.insert(0, str(HERE))
import sample_mesh  # noqa: E402


def url_for(endpoint: str, filename: str = "", **_kw) -> str:
    """Stand-in for Flask's url_for with the two endpoints the macro uses."""
    prefixes = {"core.vendor": "/vendor/", "core.static": "/static/"}
    return prefixes[endpoint] + filename


def render_page(**context) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(REPO / "lms" / "templates"), str(HERE)]),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    # Flask-Babel installs gettext the same way (newstyle: _('..%(x)s', x=..)).
    env.install_null_translations(newstyle=True)
    env.globals["url_for"] = url_for
    env.globals["g"] = {}  # per-request namespace, like flask.g (.get / .setdefault)
    return env.get_template("viewer_page.html").render(**context)


def tiny_png(width: int = 160, height: int = 120) -> bytes:
    """A plain PNG thumbnail (light background, grey square), no Pillow needed."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            inside = width * 0.3 < x < width * 0.7 and height * 0.25 < y < height * 0.75
            row += bytes((120, 140, 165) if inside else (238, 241, 245))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows)))
            + chunk(b"IEND", b""))


def build_site(root: Path, payload: dict | None = None) -> Path:
    root = Path(root)
    (root / "vendor").mkdir(parents=True, exist_ok=True)
    (root / "static").mkdir(exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "vendor" / "three").symlink_to(REPO / "node_modules" / "three", target_is_directory=True)
    (root / "static" / "viewer").symlink_to(REPO / "lms" / "static" / "viewer", target_is_directory=True)
    (root / "static" / "dist").symlink_to(REPO / "lms" / "static" / "dist", target_is_directory=True)
    payload = payload if payload is not None else sample_mesh.sample_payload()
    (root / "data" / "sample.json").write_text(json.dumps(payload))
    (root / "data" / "thumb.png").write_bytes(tiny_png())
    html = render_page(data_url="/data/sample.json", broken_url="/data/missing.json",
                       thumbnail_url="/data/thumb.png")
    (root / "index.html").write_text(html, encoding="utf-8")
    return root


class _Handler(SimpleHTTPRequestHandler):
    extensions_map: ClassVar = {**SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".mjs": "text/javascript",
                      ".css": "text/css", ".json": "application/json"}

    def log_message(self, *args):  # keep test output quiet
        pass


def serve(root: Path):
    """Serve `root` on 127.0.0.1 (random port) in a daemon thread.

    Returns (server, base_url); call server.shutdown() and server.server_close().
    """
    handler = functools.partial(_Handler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="viewer-harness", daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


if __name__ == "__main__":  # pragma: no cover - manual use
    import tempfile
    import time

    with tempfile.TemporaryDirectory() as tmp:
        srv, base = serve(build_site(Path(tmp)))
        print(f"{base}/index.html")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            srv.shutdown()
