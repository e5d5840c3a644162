"""Security headers on every response, and ProxyFix for the proxies in front of the app.

The Content-Security-Policy allows scripts only from this site's own files, plus inline scripts
that carry this request's nonce (``csp_nonce()`` in templates: the viewer's import map). Style
attributes stay allowed (``style-src-attr``): the progress bar draws its width with one, and a style
attribute cannot run code.
"""
from __future__ import annotations

import secrets

from flask import g, request
from werkzeug.middleware.proxy_fix import ProxyFix

PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "camera", "microphone", "geolocation", "payment", "usb", "serial", "hid", "midi",
    "magnetometer", "gyroscope", "accelerometer", "display-capture",
))
HSTS = "max-age=31536000; includeSubDomains"


def csp_nonce() -> str:
    """This request's nonce, made on first use."""
    if "lms_csp_nonce" not in g:
        g.lms_csp_nonce = secrets.token_urlsafe(18)
    return g.lms_csp_nonce


def content_security_policy(nonce: str | None) -> str:
    script = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return "; ".join((
        "default-src 'self'",
        f"script-src {script}",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(g.get("lms_csp_nonce")))
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if response.content_encoding:  # a cache must not hand this body to a client that cannot decode it
        response.vary.add("Accept-Encoding")
    return response


def init_app(app) -> None:
    app.after_request(add_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    proxies = int(app.config.get("LMS_PROXY_COUNT") or 0)
    if proxies and not isinstance(app.wsgi_app, ProxyFix):
        # Trust exactly as many X-Forwarded-* hops as the deployment has proxies (nginx: 1); more would let a
        # client forge its address or scheme.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)
