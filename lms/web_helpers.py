"""Helpers every feature's views share: arguments, JSON negotiation, the reader's language, stored files.

One copy of each, so that every page answers ``?format=json`` the same way and every stored file is
sent with the same checks (404 when missing) and headers.
"""
from __future__ import annotations

import gzip

from flask import Response, abort, request, send_file
from flask_babel import get_locale
from flask_babel import gettext as _

from lms.errors import UserFacingError
from lms.storage_app import get_storage, offload_to_proxy

#: The largest id a database integer column holds; a larger number in a URL names nothing.
MAX_ID = 2**63 - 1
#: No listing has this many pages; a larger page number would overflow the query's OFFSET.
MAX_PAGE = 10**6


def page_arg() -> int:
    """The ``?page=`` number: 1 when absent or not a number, 404 when no listing could have it."""
    page = request.args.get("page", 1, type=int)
    if page > MAX_PAGE:
        abort(404)
    return max(page, 1)


def id_arg(name: str, source=None) -> int | None:
    """An id from the query string (or ``source``, e.g. ``request.form``): None when absent, 404 when out of range."""
    value = (request.args if source is None else source).get(name, type=int)
    if value is not None and not 0 <= value <= MAX_ID:
        abort(404)
    return value


def wants_json() -> bool:
    """``?format=json``, or an Accept header that prefers JSON to HTML (a browser's ``*/*`` gets the page)."""
    if request.args.get("format") == "json":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def lang() -> str:
    """The reader's interface language (a code such as ``ky``)."""
    return str(get_locale() or "en")


def error_text(exc: UserFacingError) -> str:
    """An operation's refusal in the reader's language."""
    return _(exc.message, **exc.params)


def send_stored(sha: str | None, mimetype: str, download_name: str | None = None, *, max_age: int = 3600) -> Response:
    """A file from the content-addressed store (404 when it is not there), once the view has checked access.

    ``download_name`` makes it an attachment. ``max_age=0`` for a URL whose file can change (a reissued
    certificate, a new photo): the browser asks again each time and gets a 304 while the hash is the same.
    """
    if not sha:
        abort(404)
    path = get_storage().path(sha)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=mimetype, as_attachment=download_name is not None,
                         download_name=download_name, max_age=max_age, conditional=True, etag=sha)
    response = offload_to_proxy(response, sha)
    response.headers["Cache-Control"] = f"private, max-age={max_age}" if max_age else "private, no-cache"
    return response


def gzipped_response(body: bytes, mimetype: str, max_age: int) -> Response:
    """Bytes stored gzipped: sent as they are when the client accepts gzip, else unpacked."""
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response = Response(body, mimetype=mimetype)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(gzip.decompress(body), mimetype=mimetype)
    response.vary.add("Accept-Encoding")  # both answers, so that a cache keeps them apart
    response.headers["Cache-Control"] = f"private, max-age={max_age}"
    return response
