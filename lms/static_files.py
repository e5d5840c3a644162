"""The core's static files: content-hashed URLs, long cache lifetimes, precompressed variants.

``url_for('core.static', filename=...)`` gains ``?v=<hash of the file>``; an answer to that exact
version may be cached for a year. Files under ``dist/chunks/`` (the viewer's bundle, built by
``npm run build``) carry esbuild's content hash in their names and are cached the same way.
``python -m lms.static_files`` writes ``.br`` (Brotli) and ``.gz`` beside each text file once, at
setup; the view sends the best one the client accepts.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import sys
from functools import lru_cache
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=300"  # an unversioned URL: a page that forgot url_for
COMPRESSIBLE = (".js", ".css", ".svg", ".json", ".txt", ".html")
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


@lru_cache(maxsize=512)
def _hash(path: str, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        digest.update(fh.read())
    return digest.hexdigest()[:16]


def file_version(filename: str, folder: Path = FOLDER) -> str | None:
    path = folder / filename
    try:
        stat = path.stat()
    except OSError:
        return None
    return _hash(str(path), stat.st_mtime_ns, stat.st_size)


def _variant(path: Path, accepted) -> tuple[Path, str | None]:
    """The precompressed file to send (when it is at least as new as the original) and its encoding."""
    for encoding, suffix in ENCODINGS:
        candidate = path.with_name(path.name + suffix)
        if accepted[encoding] and candidate.is_file() and candidate.stat().st_mtime >= path.stat().st_mtime:
            return candidate, encoding
    return path, None


def serve_static(filename: str):
    from flask import abort, request, send_file
    from werkzeug.security import safe_join

    joined = safe_join(str(FOLDER), filename)
    if joined is None or not os.path.isfile(joined) or joined.endswith((".gz", ".br")):
        abort(404)
    path = Path(joined)
    version = file_version(filename)
    immutable = request.args.get("v") == version or filename.startswith("dist/chunks/")
    chosen, encoding = _variant(path, request.accept_encodings)
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if mimetype.startswith("text/") or mimetype == "application/javascript":
        mimetype += "; charset=utf-8"
    response = send_file(chosen, mimetype=mimetype, conditional=True, etag=f"{version}-{encoding or 'identity'}",
                         max_age=None)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = IMMUTABLE if immutable else REVALIDATE
    return response


def add_static_route(blueprint) -> None:
    """``<blueprint>.static`` served by ``serve_static``, and versioned URLs for it."""
    blueprint.add_url_rule("/static/<path:filename>", endpoint="static", view_func=serve_static)

    @blueprint.url_defaults
    def _versioned(endpoint: str, values: dict) -> None:
        if endpoint == f"{blueprint.name}.static" and "v" not in values and values.get("filename"):
            version = file_version(values["filename"])
            if version:
                values["v"] = version


def precompress(folder: Path = FOLDER) -> list[Path]:
    """Write .br and .gz beside every text file under ``folder`` that has none newer; return what was written."""
    import brotli

    written = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix not in COMPRESSIBLE or path.stat().st_size < 256:
            continue
        data = path.read_bytes()
        for suffix, pack in ((".gz", lambda b: gzip.compress(b, compresslevel=9, mtime=0)),
                             (".br", lambda b: brotli.compress(b, quality=11))):
            target = path.with_name(path.name + suffix)
            if target.is_file() and target.stat().st_mtime >= path.stat().st_mtime:
                continue
            target.write_bytes(pack(data))
            written.append(target)
    return written


if __name__ == "__main__":
    for done in precompress(Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER):
        print(f"compressed {done.relative_to(FOLDER) if done.is_relative_to(FOLDER) else done}")
