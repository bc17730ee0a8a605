"""Server-sent events of alarm, ticket, technician, sensor and (throttled) reading changes.

Events come from the database's ``events`` table, so every API process sharing the store streams
the same events. Resume with the standard ``Last-Event-ID`` header (or ``?after=``); without
either the stream starts at the current end.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sse_starlette import EventSourceResponse

from api.deps import StoreDep
from twin.live.events import EventFilter
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
        int | None, Query(ge=0, le=INT64_MAX, description="Resume after this event id.")
    ] = None,
) -> EventSourceResponse:
    """Server-sent events of what changes in the live state (alarms, tickets, technicians, sensors,
    ...), filtered by building, storey and type. Reconnect with Last-Event-ID to resume where the
    stream stopped."""
    last = request.headers.get("last-event-id")
    if after is None and last and last.isdigit() and int(last) <= INT64_MAX:
        after = int(last)
    flt = EventFilter(
        building=building,
        storey=storey,
        types=frozenset(t.strip() for t in (types or "").split(",") if t.strip()),
    )

    async def gen() -> AsyncIterator[dict[str, Any]]:
        async for batch in store.follow_events(after, flt):
            for e in batch:
                data = {"id": e.id, "t": iso(e.t), "building": e.building,
                        "storey": e.storey, **e.payload}  # fmt: skip
                yield {"id": str(e.id), "event": e.type, "data": json.dumps(data, default=str)}

    return EventSourceResponse(gen(), ping=15)
