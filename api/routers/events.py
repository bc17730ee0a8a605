"""Server-sent events of alarm, ticket, technician, sensor and (throttled) reading changes.

Events come from the database's ``events`` table, so every API process sharing the store streams
the same events in the same order, none skipped or repeated under concurrent writers (the SSE id
is the stream cursor: ``xid:id`` on PostgreSQL, the event id on SQLite;
:mod:`twin.live.events`). Resume with the standard ``Last-Event-ID`` header (or ``?after=``);
without either the stream starts at the current end.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sse_starlette import EventSourceResponse

from api.deps import StoreDep
from twin.errors import InvalidInput
from twin.live.events import Cursor, EventFilter, cursor_of, parse_cursor
from twin.live.records import iso
from twin.live.validate import INT64_MAX

__all__ = ["router"]

router = APIRouter(tags=["events"])


@router.get(
    "/events",
    summary="Live event stream (text/event-stream)",
    response_class=EventSourceResponse,
    responses={
        200: {
            "content": {
                "text/event-stream": {
                    "example": 'id: 42\nevent: alarm\ndata: {"change": "raised", "id": 7, '
                    '"sensor": "OT1-temp", "severity": "major"}\n\n'
                }
            }
        }
    },
)
async def stream_events(
    request: Request,
    store: StoreDep,
    building: str | None = None,
    storey: str | None = None,
    types: Annotated[str | None, Query(examples=["alarm,ticket"])] = None,
    after: Annotated[
        str | None,
        Query(
            max_length=40,
            pattern=r"^[0-9]{1,19}(:[0-9]{1,19})?$",
            description="Resume after this event: the SSE id of the last event received "
            "(`xid:id` on PostgreSQL; a plain event id is still accepted).",
            examples=["7421:42", "42"],
        ),
    ] = None,
) -> EventSourceResponse:
    """Server-sent events of what changes in the live state (alarms, tickets, technicians, sensors,
    ...), filtered by building, storey and type. Reconnect with Last-Event-ID to resume where the
    stream stopped."""
    start: Cursor | int | None = None
    if after is not None:
        start = parse_cursor(after)
        if start is None:
            raise InvalidInput(f"after must be at most {INT64_MAX}")
    last = request.headers.get("last-event-id")
    if start is None and last:
        start = parse_cursor(last)  # a malformed header is ignored: start at the end
    flt = EventFilter(
        building=building,
        storey=storey,
        types=frozenset(t.strip() for t in (types or "").split(",") if t.strip()),
    )

    async def gen() -> AsyncIterator[dict[str, Any]]:
        async for batch in store.follow_events(start, flt):
            for e in batch:
                data = {"id": e.id, "t": iso(e.t), "building": e.building,
                        "storey": e.storey, **e.payload}  # fmt: skip
                yield {"id": cursor_of(e).token(), "event": e.type,
                       "data": json.dumps(data, default=str)}  # fmt: skip

    return EventSourceResponse(gen(), ping=15)
