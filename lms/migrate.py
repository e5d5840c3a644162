"""Schema migrations through Alembic, configured in code."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from lms.db import get_db

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(app) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", app.config["LMS_DATABASE_URL"].replace("%", "%%"))
    return cfg


def upgrade(app, revision: str = "head") -> None:
    cfg = alembic_config(app)
    with get_db(app).engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def downgrade(app, revision: str) -> None:
    cfg = alembic_config(app)
    with get_db(app).engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def revision(app, message: str) -> None:
    cfg = alembic_config(app)
    with get_db(app).engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.revision(cfg, message=message, autogenerate=True)
