"""FabLab LMS: a Flask plugin for teacher training with 3D-model assignments and certificates.

``create_app()`` builds a standalone app; ``LMS().init_app(host, url_prefix="/lms")``
mounts the same blueprints into an existing Flask app.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Flask is imported lazily so `lms check` starts fast
    from flask import Flask

__all__ = ["LMS", "create_app"]


class LMS:
    def __init__(self, app: Flask | None = None, **kwargs):
        if app is not None:
            self.init_app(app, **kwargs)

    def init_app(self, app: Flask, url_prefix: str = "", config: dict | None = None) -> None:
        from lms import db, i18n, tasks
        from lms.config import load_config
        from lms.extensions import babel, csrf, login_manager
        from lms.web import register_blueprints, register_template_helpers

        load_config(app.config, Path(app.instance_path), config)
        _private_database_files(app)
        app.config["LMS_URL_PREFIX"] = url_prefix
        db.init_app(app)
        tasks.init_app(app)
        from lms.assignments.blueprint import upload_limit

        app.before_request(upload_limit)  # before CSRF, which reads the body
        csrf.init_app(app)
        if "babel" not in app.extensions:
            app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", i18n.TRANSLATIONS_DIR)
            babel.init_app(app, locale_selector=i18n.select_locale)
        login_manager.init_app(app)
        register_template_helpers(app)
        register_blueprints(app, url_prefix)
        from lms.accounts.limits import init_limits

        init_limits(app)
        app.extensions["lms"] = self


def create_app(config: dict | None = None) -> Flask:
    """A standalone LMS app. ``LMS_INSTANCE_PATH`` selects the instance folder."""
    from flask import Flask

    from lms.config import instance_path_from_env

    instance_path = (config or {}).get("LMS_INSTANCE_PATH") or instance_path_from_env()
    from lms.config import private_folder

    private_folder(Path(instance_path))
    app = Flask(__name__, instance_path=os.path.abspath(instance_path), instance_relative_config=True,
                static_folder=None)
    LMS(app, config=config)
    from lms.web import HttpsAwareSessionInterface

    app.session_interface = HttpsAwareSessionInterface()
    return app


def _private_database_files(app: Flask) -> None:
    """The SQLite files (accounts with their password hashes, the task queue) are created 0600."""
    from lms.config import private_file, sqlite_file

    database = sqlite_file(app.config["LMS_DATABASE_URL"])
    if database is not None and database.parent.is_dir():
        private_file(database)
    queue_in_instance = not app.config.get("LMS_REDIS_URL") and not app.config.get("LMS_TASKS_IMMEDIATE")
    if queue_in_instance and os.path.isdir(app.instance_path):
        private_file(Path(app.instance_path) / "tasks.sqlite3")
