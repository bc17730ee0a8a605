"""Alarm rules and alarms: define rules, list alarms, acknowledge and clear (role operator).

Alarms are raised and cleared by the ingest itself (no polling); stale-sensor alarms by the
sweep in the API process.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import PrincipalDep
from api.deps import StoreDep
from api.errors import PROBLEM_RESPONSES
from api.problem_docs import problem_response
from api.schemas.alarms import AlarmOut, AlarmRuleIn, AlarmRuleOut
from api.strict import DbId
from twin.service import alarms as service

__all__ = ["router"]

router = APIRouter(tags=["alarms"])


@router.get("/alarm-rules", response_model=list[AlarmRuleOut], summary="Alarm rules")
def list_rules(store: StoreDep) -> list[AlarmRuleOut]:
    """Threshold, rate-of-change and stale rules, by sensor or quantity, that raise and clear alarms
    as readings arrive."""
    return [AlarmRuleOut.model_validate(r) for r in store.rules()]


@router.post(
    "/alarm-rules",
    response_model=AlarmRuleOut,
    status_code=201,
    responses=PROBLEM_RESPONSES,
    summary="Add an alarm rule",
)
def add_rule(body: AlarmRuleIn, store: StoreDep, who: PrincipalDep) -> AlarmRuleOut:
    """A rule for one sensor or every sensor of a quantity (besides each sensor's own limits)."""
    return AlarmRuleOut.model_validate(service.add_alarm_rule(store, body.record(), who.name))


@router.get("/alarms", response_model=list[AlarmOut], summary="Alarms with their state")
def list_alarms(
    store: StoreDep,
    state: Annotated[
        str | None, Query(examples=["active", "raised", "acknowledged", "cleared"])
    ] = None,
    building: str | None = None,
    storey: str | None = None,
    sensor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[AlarmOut]:
    """Newest first; ``state=active`` means raised or acknowledged."""
    found = store.alarms(state=state, building=building, storey=storey, sensor=sensor, limit=limit)
    return [AlarmOut.model_validate(a) for a in found]


@router.get(
    "/alarms/{alarm_id}", response_model=AlarmOut, responses=PROBLEM_RESPONSES, summary="One alarm"
)
def get_alarm(alarm_id: DbId, store: StoreDep) -> AlarmOut:
    """An alarm with its sensor, where it is (building, storey, room, element), severity, state and
    the times it was raised, acknowledged and cleared."""
    return AlarmOut.model_validate(store.alarm(alarm_id))


#: ack and clear move an alarm along its states; from the wrong state they answer 409
_TRANSITION = {**PROBLEM_RESPONSES, 409: problem_response(409, "Not from the alarm's state")}


@router.post(
    "/alarms/{alarm_id}/ack",
    response_model=AlarmOut,
    responses=_TRANSITION,
    summary="Acknowledge an alarm (plain list)",
)
def ack_alarm(alarm_id: DbId, store: StoreDep, who: PrincipalDep) -> AlarmOut:
    """raised -> acknowledged; 409 from any other state."""
    return AlarmOut.model_validate(service.acknowledge_alarm(store, alarm_id, who.name))


@router.post(
    "/alarms/{alarm_id}/clear",
    response_model=AlarmOut,
    responses=_TRANSITION,
    summary="Clear an alarm by hand",
)
def clear_alarm(alarm_id: DbId, store: StoreDep, who: PrincipalDep) -> AlarmOut:
    """raised/acknowledged -> cleared by hand; 409 when already cleared."""
    return AlarmOut.model_validate(service.clear_alarm(store, alarm_id, who.name))
