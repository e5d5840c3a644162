"""The storage of the current app."""
from __future__ import annotations

from flask import current_app

from lms.storage import LocalStorage


def get_storage(app=None) -> LocalStorage:  # noqa: ANN001
    app = app or current_app
    store = app.extensions.get("lms_storage")
    if store is None:
        store = app.extensions["lms_storage"] = LocalStorage(app.config["LMS_STORAGE_PATH"])
    return store
