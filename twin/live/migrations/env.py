"""Alembic environment for the live store: online only, connection handed in by
:func:`twin.live.migrate.upgrade` through ``config.attributes["connection"]``."""

from __future__ import annotations

import contextlib
import importlib

from alembic import context

from twin.live.db import make_engine, metadata

importlib.import_module("twin.live.tables")
with contextlib.suppress(ImportError):
    importlib.import_module("twin.live.tables_ops")
with contextlib.suppress(ImportError):
    importlib.import_module("twin.live.tables_scenarios")

target_metadata = metadata
config = context.config


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
