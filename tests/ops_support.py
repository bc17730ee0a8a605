"""Shared store setup for the operations tests (work orders, technicians, keys, BCF, API).

Each test module opens one store per backend with ``open_store`` (so the Alembic revisions run)
and wipes the rows between tests, which is much faster than a fresh PostgreSQL schema per test.
The fixtures built on it (``opened_store``, ``store``, ``engine``) live in ``tests/conftest.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import text

from tests.conftest import port_open, require
from twin.live.db import make_engine, metadata
from twin.live.store import LiveStore, open_store
from twin.live.tables_ops import OPS_TABLES
from twin.live.tables_planned import PLANNED_TABLES

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ["sqlite", "postgresql"]


def open_test_store(backend: str, tmp: Path) -> Iterator[tuple[LiveStore, str]]:
    """``(store, url)`` on a fresh SQLite file or a fresh PostgreSQL schema, dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'live-{uuid.uuid4().hex[:6]}.db'}"
        store = open_store(url)
        yield store, url
        store.close()
        return
    require(port_open(5432), "PostgreSQL not running")
    schema = f"t_ops_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL)
    with admin.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    store = open_store(url)
    try:
        yield store, url
    finally:
        store.close()
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def wipe(store: LiveStore) -> None:
    """Delete every operations row (and events) so the next test starts empty."""
    with store.engine.begin() as conn:
        for name in reversed(PLANNED_TABLES):
            conn.execute(metadata.tables[name].delete())
        for name in reversed(OPS_TABLES):
            conn.execute(metadata.tables[name].delete())
        if "events" in metadata.tables:
            conn.execute(metadata.tables["events"].delete())
