"""The live store's database seam: one SQLAlchemy Core ``MetaData`` and engines for both backends.

Every live table is declared on :data:`metadata` (readings and alarms in one module, tickets and
technicians in another), so Alembic sees one schema and the same SQL runs on SQLite and
PostgreSQL. Engines are built from the ``TWIN_STORE_URL`` setting, never at import time.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url

__all__ = ["backend_of", "make_engine", "metadata", "now_us"]

log = logging.getLogger(__name__)

#: Constraint names stable across backends, so migrations can refer to them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def backend_of(url: str) -> str:
    """``sqlite`` or ``postgresql``; anything else is refused by :func:`make_engine`."""
    return make_url(url).get_backend_name()


def make_engine(url: str) -> Engine:
    """An engine for ``sqlite:///path`` (WAL, foreign keys, busy timeout) or
    ``postgresql+psycopg://...`` (``postgresql://`` is taken to mean psycopg 3)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)
    raise ValueError(f"unsupported store URL {url!r}: use sqlite:///FILE or postgresql://...")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def now_us() -> int:
    """Wall-clock UTC now in epoch microseconds (the store's time unit)."""
    return time.time_ns() // 1000
