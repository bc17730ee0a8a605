"""Bring a live store's schema to the newest Alembic revision, from code (no alembic.ini).

Several API processes may start at once against one database: the upgrade runs while holding a
PostgreSQL advisory lock (or, on SQLite, an exclusive transaction), so only one process migrates
and the others find the schema current.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from twin.live.db import make_engine

__all__ = ["MIGRATIONS", "alembic_config", "upgrade"]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_KEY = 0x7477696E  # "twin"


def alembic_config(url: str = "") -> Config:
    """An Alembic Config pointing at this package's migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(MIGRATIONS / "versions"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine_or_url: Engine | str, revision: str = "heads") -> None:
    """Upgrade to ``revision`` (all heads by default), serialised across processes."""
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            else:
                conn.exec_driver_sql("BEGIN EXCLUSIVE")
            try:
                cfg = alembic_config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
            finally:
                if conn.dialect.name == "postgresql":
                    conn.commit()
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                conn.commit()
    finally:
        if isinstance(engine_or_url, str):
            engine.dispose()
    log.info("live store schema at %s", revision)
