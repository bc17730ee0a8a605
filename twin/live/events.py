"""The event log behind the server-sent-events stream.

Writers call :func:`publish` inside their own transaction, so an event exists exactly when the
change it reports is committed, and every API process sharing the database sees it. Readers
:func:`follow` the table by id (the SSE ``Last-Event-ID``), polling at a short interval.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from twin.live.db import now_us
from twin.live.records import Event, from_us
from twin.live.tables import events

__all__ = ["EventFilter", "follow", "last_event_id", "publish", "read_events"]

POLL_SECONDS = 0.2


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


def read_events(
    conn: Connection, after_id: int, flt: EventFilter = EventFilter(), limit: int = 500
) -> list[Event]:
    """Events with id > ``after_id`` matching the filter, oldest first."""
    q = select(events).where(events.c.id > after_id).order_by(events.c.id).limit(limit)
    if flt.building:
        q = q.where(events.c.building == flt.building)
    if flt.storey:
        q = q.where(events.c.storey == flt.storey)
    if flt.types:
        q = q.where(events.c.type.in_(sorted(flt.types)))
    return [
        Event(
            id=r.id,
            t=from_us(r.t_us),  # type: ignore[arg-type]
            type=r.type,
            building=r.building,
            storey=r.storey,
            payload=r.payload,
        )
        for r in conn.execute(q)
    ]


def last_event_id(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(events.c.id), 0))).scalar_one())


async def follow(
    engine: Engine,
    after_id: int | None,
    flt: EventFilter = EventFilter(),
    poll: float = POLL_SECONDS,
) -> AsyncIterator[Iterable[Event]]:
    """Yield batches of new events forever; ``after_id=None`` starts at the current end.
    Takes the engine, not the store: the event log sits below every repository that writes it."""
    loop = asyncio.get_running_loop()

    def _read(after: int) -> list[Event]:
        with engine.connect() as conn:
            return read_events(conn, after, flt)

    def _last() -> int:
        with engine.connect() as conn:
            return last_event_id(conn)

    cursor = after_id if after_id is not None else await loop.run_in_executor(None, _last)
    while True:
        batch = await loop.run_in_executor(None, _read, cursor)
        if batch:
            cursor = batch[-1].id
            yield batch
        else:
            await asyncio.sleep(poll)
