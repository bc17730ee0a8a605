"""One leader among the processes sharing a store, for cluster-wide periodic work (the stale
sweep, condition alarms, escalation, the preventive-maintenance generator).

PostgreSQL: the leader is whoever holds a session advisory lock (``pg_try_advisory_lock``) on a
dedicated connection, kept open for as long as the process leads. Every other process tries
again at each of its ticks; when the leader dies its session ends, the database releases the
lock and the next process to try takes over (within one tick). A leader whose connection breaks
stops leading at once (its next check fails) and competes again on a new connection. The key is
derived from the schema (``current_schema()``), so stores in different schemas of one database
elect their leaders independently. The session asks the server for TCP keep-alives (10 s idle,
3 probes 5 s apart), so a leader whose host vanished without closing its socket is noticed within
about 25 s, not the operating system's two hours.

SQLite: one process owns the file, so it is always the leader.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Engine

__all__ = ["Leader"]

log = logging.getLogger(__name__)

_KEY_SQL = "SELECT ('x' || substr(md5('twin.leader:' || current_schema()), 1, 16))::bit(64)::bigint"
_KEEPALIVE_SQL = (
    "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3"
)


class Leader:
    """``is_leader()`` answers (and, on PostgreSQL, tries to become) the leader now; thread-safe."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._pg = engine.dialect.name == "postgresql"
        self._conn: Any = None  # the dedicated psycopg connection (PostgreSQL)
        self._holding = False
        self._lock = threading.Lock()

    def is_leader(self) -> bool:
        """True when this process leads: on PostgreSQL, checks that the lock's session is still
        alive, or tries to take the lock when it does not hold it."""
        if not self._pg:
            return True
        with self._lock:
            try:
                if self._conn is None:
                    self._connect()
                if self._holding:
                    self._conn.execute("SELECT 1")  # the session (and so the lock) is alive
                else:
                    row = self._conn.execute(
                        "SELECT pg_try_advisory_lock(%s)", (self._key,)
                    ).fetchone()
                    self._holding = bool(row[0])
                    if self._holding:
                        log.info("this process is now the leader for periodic work")
            except Exception:
                if self._holding:
                    log.warning("leader lost its database session; no longer leading")
                else:
                    log.warning("leader election failed; will retry", exc_info=True)
                self._drop()
            return self._holding

    def release(self) -> None:
        """Give up leadership (closing the session releases the lock)."""
        with self._lock:
            self._drop()

    def _connect(self) -> None:
        fairy = self._engine.raw_connection()
        conn = fairy.driver_connection
        fairy.detach()  # a session of its own for as long as it leads, never back in the pool
        if conn is None:
            raise RuntimeError("no driver connection")
        conn.autocommit = True
        self._conn = conn
        self._conn.execute(_KEEPALIVE_SQL)
        self._key = int(self._conn.execute(_KEY_SQL).fetchone()[0])

    def _drop(self) -> None:
        self._holding = False
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:
                log.debug("closing the leader session failed", exc_info=True)
