"""The event log behind the server-sent-events stream.

Writers call :func:`publish` inside their own transaction, so an event exists exactly when the
change it reports is committed, and every API process sharing the database sees it.

**Order and cursor.** On SQLite (one writer at a time: ids are allocated and committed in the
same order) readers follow the table by id. On PostgreSQL several processes write at once, and an
id allocated earlier can be committed later: a reader at ``id > cursor`` would skip it. So every
event row also carries its writer's transaction id (column ``xid``, filled by the column default
``pg_current_xact_id()``), and a reader delivers only events whose ``xid`` is below the snapshot's
``pg_snapshot_xmin`` — every transaction below it has finished, so that set is final and only
grows — in ``(xid, id)`` order. The cursor is the pair (:class:`Cursor`); events that become
safe later always sort after everything delivered. The price: a transaction that stays open
holds back delivery of events committed after it began (until it ends).

**Waking readers.** A statement trigger on ``events`` calls ``pg_notify('twin_events', '')`` in
the writer's transaction (delivered at commit); one :class:`Waker` per process LISTENs on a
dedicated connection and wakes every follower of that process. Followers still poll slowly
(:data:`FALLBACK_POLL_SECONDS`) in case a notification is lost while the listener reconnects,
and quickly (:data:`POLL_SECONDS`) while committed events are held back by an open transaction
(whose end may not notify). SQLite followers poll every :data:`POLL_SECONDS` as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, text

from twin.live.db import now_us
from twin.live.records import Event, from_us
from twin.live.tables import events

__all__ = [
    "CHANNEL",
    "FALLBACK_POLL_SECONDS",
    "POLL_SECONDS",
    "START",
    "Cursor",
    "EventFilter",
    "Page",
    "Waker",
    "cursor_of",
    "end_of",
    "follow",
    "last_event_id",
    "parse_cursor",
    "publish",
    "read_events",
    "read_page",
    "resolve",
]

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2
#: PostgreSQL with a listening :class:`Waker`: the poll that catches a lost notification.
FALLBACK_POLL_SECONDS = 1.0
#: The NOTIFY channel (one per database; readers of other schemas only wake up for nothing).
CHANNEL = "twin_events"
_INT64_MAX = 2**63 - 1


@dataclass(frozen=True, slots=True, order=True)
class Cursor:
    """A position in the stream: everything at or before ``(xid, id)`` was delivered.
    On SQLite ``xid`` is -1 and ``id`` alone orders."""

    xid: int
    id: int

    def token(self) -> str:
        """The SSE event id: ``"xid:id"`` on PostgreSQL, the plain id on SQLite."""
        return str(self.id) if self.xid < 0 else f"{self.xid}:{self.id}"


#: Before every event.
START = Cursor(-1, 0)


def cursor_of(e: Event) -> Cursor:
    return Cursor(-1 if e.xid is None else e.xid, e.id)


def parse_cursor(token: str) -> Cursor | int | None:
    """An SSE ``Last-Event-ID`` / ``after``: ``"xid:id"`` is a cursor, a plain number an event id
    (old clients, and SQLite); None when it is neither (or beyond 64 bits)."""
    token = token.strip()
    parts = token.split(":")
    if len(parts) > 2 or not all(p.isdigit() and p.isascii() for p in parts):
        return None
    nums = [int(p) for p in parts]
    if any(n > _INT64_MAX for n in nums):
        return None
    return Cursor(nums[0], nums[1]) if len(nums) == 2 else nums[0]


def publish(
    conn: Connection,
    type: str,
    *,
    building: str | None,
    storey: str | None,
    payload: Mapping[str, Any],
) -> int:
    """Append an event in the caller's transaction; returns its id."""
    row = conn.execute(
        insert(events)
        .values(t_us=now_us(), type=type, building=building, storey=storey, payload=dict(payload))
        .returning(events.c.id)
    ).scalar_one()
    return int(row)


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events a subscriber wants: empty means all."""

    building: str | None = None
    storey: str | None = None
    types: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Page:
    """One read: the events, the cursor to continue from, and whether committed events wait
    behind an open transaction (PostgreSQL)."""

    events: list[Event]
    cursor: Cursor
    held: bool


def read_events(
    conn: Connection, after: int | Cursor, flt: EventFilter = EventFilter(), limit: int = 500
) -> list[Event]:
    """Events after ``after`` (an event id, or a :class:`Cursor`) matching the filter, in
    stream order."""
    return read_page(conn, resolve(conn, after), flt, limit).events


def read_page(conn: Connection, cursor: Cursor, flt: EventFilter, limit: int = 500) -> Page:
    """The next events after ``cursor`` in stream order (see the module docstring)."""
    if conn.dialect.name != "postgresql":
        q = select(events).where(events.c.id > cursor.id).order_by(events.c.id).limit(limit)
        if flt.building:
            q = q.where(events.c.building == flt.building)
        if flt.storey:
            q = q.where(events.c.storey == flt.storey)
        if flt.types:
            q = q.where(events.c.type.in_(sorted(flt.types)))
        out = [_event(r, None) for r in conn.execute(q)]
        return Page(out, cursor_of(out[-1]) if out else cursor, False)
    where = ""
    params: dict[str, Any] = {"cx": cursor.xid, "ci": cursor.id, "lim": limit}
    if flt.building:
        where += " AND building = :b"
        params["b"] = flt.building
    if flt.storey:
        where += " AND storey = :s"
        params["s"] = flt.storey
    if flt.types:
        where += " AND type = ANY(:types)"
        params["types"] = sorted(flt.types)
    # One statement, so the horizon and the rows come from the same snapshot: every event
    # below the horizon that will ever exist is visible to this scan.
    sql = f"""
        WITH h AS (SELECT x AS h, EXISTS (SELECT 1 FROM events WHERE xid >= x) AS held
                   FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS x) s)
        SELECT h.h, h.held, e.* FROM h LEFT JOIN LATERAL (
            SELECT id, xid, t_us, type, building, storey, payload FROM events
            WHERE (xid, id) > (:cx, :ci) AND xid < h.h {where}
            ORDER BY xid, id LIMIT :lim) e ON true"""
    rows = conn.execute(text(sql), params).all()
    horizon, held = int(rows[0].h), bool(rows[0].held)
    out = [_event(r, int(r.xid)) for r in rows if r.id is not None]
    if len(out) < limit:  # everything below the horizon was seen: move past it
        return Page(out, max(cursor, Cursor(horizon - 1, _INT64_MAX)), held)
    return Page(out, cursor_of(out[-1]), held)


def _event(r: Any, xid: int | None) -> Event:
    return Event(
        id=r.id,
        t=from_us(r.t_us),  # type: ignore[arg-type]
        type=r.type,
        building=r.building,
        storey=r.storey,
        payload=r.payload,
        xid=xid,
    )


def resolve(conn: Connection, after: int | Cursor | None) -> Cursor:
    """A cursor for ``after``: a cursor as is; an event id (old clients) as that event's
    position (or, if it is gone, after the newest transaction that wrote ids up to it); None as
    the current end."""
    if isinstance(after, Cursor):
        return after
    pg = conn.dialect.name == "postgresql"
    if after is None:
        return end_of(conn)[0]
    if not pg or after <= 0:
        return Cursor(-1, max(after, 0))
    x = conn.execute(
        text(
            "SELECT coalesce((SELECT xid FROM events WHERE id = :n),"
            " (SELECT max(xid) FROM events WHERE id <= :n), -1)"
        ),
        {"n": after},
    ).scalar_one()
    return Cursor(int(x), after)


def end_of(conn: Connection) -> tuple[Cursor, frozenset[int]]:
    """The current end of the stream: a cursor, and (PostgreSQL) the ids of events already
    committed but after that cursor in stream order (held back by an older open transaction),
    which a follower starting here skips, so that it sees exactly what commits from now on."""
    if conn.dialect.name != "postgresql":
        return Cursor(-1, last_event_id(conn)), frozenset()
    row = conn.execute(
        text(
            "WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS h) "
            "SELECT h.h, ARRAY(SELECT id FROM events WHERE xid >= h.h) FROM h"
        )
    ).one()
    return Cursor(int(row[0]) - 1, _INT64_MAX), frozenset(int(i) for i in row[1])


def last_event_id(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(events.c.id), 0))).scalar_one())


class Waker:
    """One ``LISTEN`` connection per process (PostgreSQL): a thread waits for notifications on
    :data:`CHANNEL` and wakes every subscribed follower (an :class:`asyncio.Event` in its loop).
    Reconnects after a failure (then wakes everyone: notifications may have been missed)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._subs: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = False

    def subscribe(self) -> asyncio.Event:
        """An event set on every notification (call from the follower's loop)."""
        ev = asyncio.Event()
        with self._lock:
            self._subs[id(ev)] = (asyncio.get_running_loop(), ev)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="twin-events-listen")
                self._thread.daemon = True
                self._thread.start()
        return ev

    def unsubscribe(self, ev: asyncio.Event) -> None:
        with self._lock:
            self._subs.pop(id(ev), None)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)

    def _wake(self) -> None:
        with self._lock:
            subs = list(self._subs.values())
        for loop, ev in subs:
            with contextlib.suppress(RuntimeError):  # a closed loop: its follower is gone
                loop.call_soon_threadsafe(ev.set)

    def _run(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            try:
                fairy = self._engine.raw_connection()
                conn = fairy.driver_connection
                fairy.detach()  # a dedicated session, never returned to the pool
                conn.autocommit = True  # type: ignore[union-attr]
                try:
                    conn.execute(f"LISTEN {CHANNEL}")  # type: ignore[union-attr]
                    self.listening = True
                    backoff = 0.2
                    self._wake()  # anything committed while we were not listening
                    while not self._stop.is_set():
                        n = 0
                        for _ in conn.notifies(timeout=0.5):  # type: ignore[union-attr]
                            n += 1
                            break  # one wake-up covers every notification queued so far
                        if n:
                            self._wake()
                finally:
                    self.listening = False
                    conn.close()  # type: ignore[union-attr]
            except Exception:
                log.warning("event listener lost its connection; retrying", exc_info=True)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 2.0)


async def follow(
    engine: Engine,
    after: int | Cursor | None,
    flt: EventFilter = EventFilter(),
    poll: float = POLL_SECONDS,
    waker: Waker | None = None,
) -> AsyncIterator[Iterable[Event]]:
    """Yield batches of new events forever, in stream order; ``after`` is a :class:`Cursor`, an
    event id (old clients) or None (start at the current end). Takes the engine, not the store:
    the event log sits below every repository that writes it. With a ``waker`` (PostgreSQL) a
    notification wakes the follower at once and the poll is only the fallback."""
    loop = asyncio.get_running_loop()

    def _start() -> tuple[Cursor, frozenset[int]]:
        with engine.connect() as conn:
            return end_of(conn) if after is None else (resolve(conn, after), frozenset())

    def _read(c: Cursor) -> Page:
        with engine.connect() as conn:
            return read_page(conn, c, flt)

    cursor, skip = await loop.run_in_executor(None, _start)
    wake = waker.subscribe() if waker is not None else None
    try:
        while True:
            if wake is not None:
                wake.clear()  # before the read: a notification during it is not lost
            page = await loop.run_in_executor(None, _read, cursor)
            cursor = page.cursor
            if page.events:
                batch = [e for e in page.events if e.id not in skip] if skip else page.events
                if batch:
                    yield batch
                continue
            if wake is None or page.held or waker is None or not waker.listening:
                timeout = poll
            else:
                timeout = max(poll, FALLBACK_POLL_SECONDS)
            if wake is None:
                await asyncio.sleep(timeout)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout)
    finally:
        if wake is not None and waker is not None:
            waker.unsubscribe(wake)
