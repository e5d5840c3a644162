"""The storage of the current app."""
from __future__ import annotations

from flask import current_app

from lms.storage import LocalStorage


def get_storage(app=None) -> LocalStorage:
    app = app or current_app
    store = app.extensions.get("lms_storage")
    if store is None:
        store = app.extensions["lms_storage"] = LocalStorage(app.config["LMS_STORAGE_PATH"])
    return store


def offload_to_proxy(response, sha256: str):
    """Hand a stored file's bytes to nginx (X-Accel-Redirect) once the view has checked who may read it.

    Only when ``LMS_X_ACCEL_PREFIX`` names nginx's internal location for the store, and only for a whole
    200 answer: ranges and 304s stay with the app. Content-Type, Content-Disposition and Cache-Control
    travel on to the client; the body is nginx's to send.
    """
    prefix = current_app.config.get("LMS_X_ACCEL_PREFIX")
    if not prefix or response.status_code != 200:
        return response
    response.headers["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{sha256[:2]}/{sha256[2:4]}/{sha256}"
    response.close()  # the open file the view's send_file made
    response.set_data(b"")
    response.headers.pop("Content-Length", None)
    return response
