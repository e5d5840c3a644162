"""A WeasyPrint URL fetcher that serves only one template folder's own assets.

Pure module (no Flask). Everything WeasyPrint wants to load -- images, fonts,
stylesheets from ``@import`` or ``<link>``, SVG ``<use>``/``<image>`` -- goes
through :class:`TemplateAssetFetcher`. It answers:

* ``https://certificate-template.invalid/<path>`` (the pseudo-origin used as
  ``base_url``): the file ``<template folder>/<path>`` if, once resolved (with
  symlinks), it is a regular file *inside* the template folder, has no ``..``
  segment, no hidden segment, and an allowed asset suffix;
* ``data:`` URLs whose payload is at most ``max_data_url_bytes``;

and refuses everything else (``file:`` anywhere, real ``http(s)``, ``ftp``,
other hosts, ...). The ``.invalid`` top-level domain can never resolve
(RFC 2606), and this fetcher never opens a socket anyway.

Refusals are raised as exceptions (WeasyPrint logs them and draws nothing)
and recorded in :attr:`TemplateAssetFetcher.refused` (bounded) so callers
and tests can see what a template attempted.
"""

from __future__ import annotations

import base64
import binascii
import collections
import threading
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

BASE_URL = "https://certificate-template.invalid/"
_BASE = urlsplit(BASE_URL)

#: Suffixes a template may serve, with the content type we announce.
ASSET_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}

DEFAULT_MAX_DATA_URL_BYTES = 32 * 1024
DEFAULT_MAX_ASSET_BYTES = 8 * 1024 * 1024


class AssetRefused(ValueError):
    """Raised (and swallowed by WeasyPrint) for a URL this fetcher will not serve."""


class TemplateAssetFetcher(URLFetcher):
    """Serve files from ``root`` only; see the module docstring."""

    def __init__(
        self,
        root: Path,
        *,
        max_data_url_bytes: int = DEFAULT_MAX_DATA_URL_BYTES,
        max_asset_bytes: int = DEFAULT_MAX_ASSET_BYTES,
        log_size: int = 200,
    ):
        # allowed_protocols=() : should anything ever reach the parent's
        # opener, it would refuse every scheme.
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.root = Path(root).resolve(strict=True)
        self.max_data_url_bytes = max_data_url_bytes
        self.max_asset_bytes = max_asset_bytes
        #: (url, reason) of the latest refusals, newest last.
        self.refused: collections.deque[tuple[str, str]] = collections.deque(maxlen=log_size)
        #: URLs served, newest last (bounded as well).
        self.served: collections.deque[str] = collections.deque(maxlen=log_size)
        self.refused_count = 0
        self._cache: dict[Path, bytes] = {}
        self._lock = threading.Lock()

    # -- WeasyPrint entry points -------------------------------------------------
    def fetch(self, url, headers=None):
        try:
            body, content_type, final_url = self._resolve(url)
        except AssetRefused as exc:
            with self._lock:
                self.refused.append((url[:300], str(exc)))
                self.refused_count += 1
            raise
        with self._lock:
            self.served.append(final_url[:300])
        return URLFetcherResponse(
            final_url, body, {"Content-Type": content_type}, status=200
        )

    # URLFetcher.open/__call__ both end in self.fetch; keep them that way.

    # -- policy ------------------------------------------------------------------
    def _resolve(self, url: str) -> tuple[bytes, str, str]:
        if not isinstance(url, str):
            raise AssetRefused("not a string URL")
        if url[:5].lower() == "data:":
            return self._data_url(url)
        try:
            parts = urlsplit(url)
        except ValueError as exc:
            raise AssetRefused(f"malformed URL: {exc}") from None
        if (parts.scheme.lower(), parts.netloc.lower()) != (_BASE.scheme, _BASE.netloc):
            raise AssetRefused(f"scheme/host not allowed: {parts.scheme}://{parts.netloc}")
        path = self.asset_path(parts.path)
        return self._read(path), ASSET_TYPES[path.suffix.lower()], url

    def asset_path(self, url_path: str) -> Path:
        """Map the path part of a pseudo-origin URL to a file inside ``root``.

        Raises :class:`AssetRefused` unless the result is an existing regular
        file inside the template folder with an allowed suffix.
        """
        raw = unquote(url_path, errors="strict")
        if "\x00" in raw or "\\" in raw:
            raise AssetRefused("control character or backslash in path")
        segments = [s for s in PurePosixPath(raw).parts if s != "/"]
        if not segments:
            raise AssetRefused("empty path")
        for seg in segments:
            if seg in ("..", ".") or seg.startswith("."):
                raise AssetRefused(f"forbidden path segment {seg!r}")
        candidate = self.root.joinpath(*segments)
        suffix = candidate.suffix.lower()
        if suffix not in ASSET_TYPES:
            raise AssetRefused(f"file type {suffix or '(none)'} not served")
        try:
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            raise AssetRefused("no such asset") from None
        if not resolved.is_relative_to(self.root):
            raise AssetRefused("path escapes the template folder")
        if not resolved.is_file():
            raise AssetRefused("not a regular file")
        if resolved.suffix.lower() not in ASSET_TYPES:
            raise AssetRefused("symlink to a file type that is not served")
        return resolved

    def _read(self, path: Path) -> bytes:
        with self._lock:
            cached = self._cache.get(path)
        if cached is not None:
            return cached
        size = path.stat().st_size
        if size > self.max_asset_bytes:
            raise AssetRefused(f"asset larger than {self.max_asset_bytes} bytes")
        data = path.read_bytes()
        with self._lock:
            self._cache[path] = data
        return data

    def _data_url(self, url: str) -> tuple[bytes, str, str]:
        header, sep, payload = url[5:].partition(",")
        if not sep:
            raise AssetRefused("malformed data: URL")
        # Cheap upper bound before decoding anything.
        # (percent-encoding takes at most 3 characters per byte).
        if len(payload) > 3 * self.max_data_url_bytes + 16:
            raise AssetRefused(f"data: URL over {self.max_data_url_bytes} bytes")
        params = header.split(";")
        is_b64 = params[-1].strip().lower() == "base64"
        if is_b64:
            params = params[:-1]
        mime = (params[0].strip().lower() if params and params[0].strip() else "text/plain")
        if is_b64:
            try:
                body = base64.b64decode(unquote_to_bytes(payload), validate=False)
            except (binascii.Error, ValueError):
                raise AssetRefused("bad base64 in data: URL") from None
        else:
            body = unquote_to_bytes(payload)
        if len(body) > self.max_data_url_bytes:
            raise AssetRefused(f"data: URL over {self.max_data_url_bytes} bytes")
        return body, mime, "data:"

