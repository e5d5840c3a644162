"""Absolute URLs (mailed links, certificate QR codes and verify links) built from ``LMS_BASE_URL`` only.

Never from the request: its Host header is chosen by whoever sends it, so a reset link built from it
would carry the token to the attacker's host."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

DEFAULT_BASE_URL = "http://localhost:5000"  # the development server; deployments set LMS_BASE_URL


def base_url() -> str:
    """The site's public root as configured, without a trailing slash."""
    return str(current_app.config.get("LMS_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def absolute_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` under the configured base URL (its path, if any, is kept as a prefix)."""
    parts = urlsplit(base_url())
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)
