"""The alarm inbox (issue 15, ISA-18.2 / EEMUA 191): what an operator has to look at, shelving,
design suppressions and the daily alarm-system health report. Thin: parse, call
:mod:`twin.service.alarm_inbox`, shape."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.auth import PrincipalDep
from api.deps import CampusDep, StoreDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.alarm_inbox import (
    AlarmHealthOut,
    InboxItemOut,
    InboxOut,
    ShelfIn,
    ShelfOut,
    SuppressionIn,
    SuppressionOut,
)
from api.schemas.alarms import AlarmOut
from api.strict import DbId
from twin.service import alarm_inbox as service

__all__ = ["router"]

router = APIRouter(tags=["alarms"])

StateQ = Literal[
    "active-unacknowledged",
    "active-acknowledged",
    "cleared-unacknowledged",
    "shelved",
    "suppressed",
    "normal",
    "all",
]
PriorityQ = Literal["critical", "major", "minor", "info"]


@router.get(
    "/alarm-inbox", response_model=InboxOut, responses=PROBLEM_RESPONSES, summary="Alarms to act on"
)
def get_inbox(
    store: StoreDep,
    campus: CampusDep,
    building: Annotated[str | None, Query(max_length=64)] = None,
    storey: Annotated[str | None, Query(max_length=64)] = None,
    system: Annotated[str | None, Query(max_length=64)] = None,
    priority: PriorityQ | None = None,
    state: Annotated[StateQ | None, Query(description="Default: the inbox states.")] = None,
    consequences: bool = False,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> InboxOut:
    """Alarms to act on, highest priority then newest first, with counts per state, storey,
    system and priority. Alarms of rooms and terminals fed by an alarming upstream element are
    grouped under it (``cause``/``consequences``) and left out unless ``consequences=true``."""
    reach, systems = service.reach_in_campus(campus)
    found = service.inbox(
        store,
        building=building,
        storey=storey,
        system=system,
        priority=priority,
        state=state,
        consequences=consequences,
        limit=limit,
        reach=reach,
        systems=systems,
    )
    return InboxOut(
        items=[
            InboxItemOut(
                alarm=AlarmOut.model_validate(i.alarm),
                inbox_state=i.inbox_state,
                cause=i.cause,
                consequences=list(i.consequences),
                systems=list(i.systems),
            )
            for i in found.items
        ],
        total=found.total,
        grouped=found.grouped,
        by_state=found.by_state,
        by_storey=found.by_storey,
        by_system=found.by_system,
        by_priority=found.by_priority,
    )


@router.post(
    "/alarm-inbox/{alarm_id}/ack",
    response_model=AlarmOut,
    responses=PROBLEM_RESPONSES
    | {409: PROBLEM_RESPONSES[422] | {"description": "Already acknowledged"}},
    summary="Acknowledge an alarm",
)
def ack(alarm_id: DbId, store: StoreDep, who: PrincipalDep) -> AlarmOut:
    """Acknowledge an active or a returned-to-normal alarm; 409 when already acknowledged."""
    return AlarmOut.model_validate(service.acknowledge(store, alarm_id, who.name))


@router.put(
    "/alarm-inbox/{alarm_id}/shelf",
    response_model=ShelfOut,
    responses=PROBLEM_RESPONSES
    | {409: PROBLEM_RESPONSES[422] | {"description": "Cleared and acknowledged"}},
    summary="Shelve an alarm for a while",
)
def shelve(alarm_id: DbId, body: ShelfIn, store: StoreDep, who: PrincipalDep) -> ShelfOut:
    """Shelve for ``minutes`` with a reason (replaces an earlier shelf); 409 for an alarm that
    is cleared and acknowledged."""
    shelf = service.shelve(store, alarm_id, who.name, body.reason, body.minutes)
    return ShelfOut.model_validate(shelf)


@router.delete(
    "/alarm-inbox/{alarm_id}/shelf",
    response_model=ShelfOut,
    responses=PROBLEM_RESPONSES,
    summary="Take an alarm off the shelf",
)
def unshelve(alarm_id: DbId, store: StoreDep, who: PrincipalDep) -> ShelfOut:
    """Take the alarm off the shelf now; 404 when it is not shelved."""
    return ShelfOut.model_validate(service.unshelve(store, alarm_id, who.name))


@router.get("/alarm-shelves", response_model=list[ShelfOut], summary="Shelved alarms")
def list_shelves(store: StoreDep) -> list[ShelfOut]:
    """Every shelf, expired ones included until someone removes them."""
    return [ShelfOut.model_validate(s) for s in store.alarm_inbox.shelves()]


@router.get(
    "/alarm-suppressions",
    response_model=list[SuppressionOut],
    summary="Alarms suppressed by design",
)
def list_suppressions(store: StoreDep) -> list[SuppressionOut]:
    """Every suppression by design (a sensor, room or element whose alarms are recorded but kept out
    of the inbox, e.g. in a closed zone), with who set it and why."""
    return [SuppressionOut.model_validate(s) for s in store.alarm_inbox.suppressions()]


@router.post(
    "/alarm-suppressions",
    response_model=SuppressionOut,
    status_code=201,
    responses=PROBLEM_RESPONSES,
    summary="Suppress a target's alarms by design",
)
def add_suppression(body: SuppressionIn, store: StoreDep, who: PrincipalDep) -> SuppressionOut:
    """Suppress by design every alarm of a sensor, space or element (e.g. a closed zone)."""
    sup = service.suppress(store, body.target, body.reason, who.name)
    return SuppressionOut.model_validate(sup)


@router.delete(
    "/alarm-suppressions/{suppression_id}",
    response_model=SuppressionOut,
    responses=PROBLEM_RESPONSES,
    summary="End a suppression",
)
def remove_suppression(suppression_id: DbId, store: StoreDep, who: PrincipalDep) -> SuppressionOut:
    """Lift a suppression by design: the target's alarms reach the inbox again from now on."""
    return SuppressionOut.model_validate(service.unsuppress(store, suppression_id, who.name))


@router.get(
    "/alarm-health",
    response_model=AlarmHealthOut,
    responses=PROBLEM_RESPONSES,
    summary="Alarm-system health of a day",
)
def alarm_health(
    store: StoreDep,
    day: Annotated[
        date | None, Query(description="UTC day; default today.", examples=["2026-11-23"])
    ] = None,
    building: Annotated[str | None, Query(max_length=64)] = None,
    operators: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> AlarmHealthOut:
    """EEMUA 191 / ISA-18.2 health of one day: alarm rate per operator per 10 minutes, floods,
    chattering sensors, stale alarms, priority mix."""
    day = day or datetime.now(UTC).date()
    h = service.day_health(store, day, building=building, operators=operators)
    return AlarmHealthOut(
        day=day,
        operators=h.operators,
        raised=h.raised,
        per_operator_per_10min=h.per_operator_per_10min,
        peak_per_operator_per_10min=h.peak_per_operator_per_10min,
        flood_windows=h.flood_windows,
        flood_share=h.flood_share,
        chattering=list(h.chattering),
        stale=list(h.stale),
        priority_mix=h.priority_mix,
    )
