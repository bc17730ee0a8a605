"""Distribution networks and fault localization: trace, isolate, impact, common cause, localize."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from api.deps import CampusDep
from api.errors import PROBLEM_RESPONSES
from api.problem_docs import problem_response
from api.schemas.networks import (
    CommonCauseIn,
    ImpactIn,
    ImpactOut,
    IsolationOut,
    LocalizationOut,
    SuspectOut,
    SystemsOut,
    TraceOut,
)
from twin.distribution import impact, isolate, trace
from twin.errors import InvalidInput
from twin.service.campus import Campus
from twin.service.derived import networks_of
from twin.service.faults import common_cause_for
from twin.service.networks import (
    LocalizeBy,
    localize_record,
    model_and_twin,
    twin_and_networks,
)

_NO_NETWORK = "The element has no distribution connections in this model (nothing to trace)"
router = APIRouter(
    tags=["networks"], responses={**PROBLEM_RESPONSES, 409: problem_response(409, _NO_NETWORK)}
)


@router.get(
    "/networks/{guid}/systems",
    summary="Distribution systems of a model or building",
    description="Per IfcSystem: elements, edges, sources; plus what the graph assumes.",
    response_model=SystemsOut,
)
def systems(guid: str, campus: CampusDep) -> SystemsOut:
    mid, twin = model_and_twin(campus, guid)
    return SystemsOut.of(mid, networks_of(campus, twin))


def _trace(
    campus: Campus,
    guid: str,
    direction: Literal["upstream", "downstream"],
    *,
    max_depth: int | None,
    stop_kinds: list[str],
    system: str | None,
) -> TraceOut:
    _, nets = twin_and_networks(campus, guid)
    found = trace(
        nets, guid, direction=direction, max_depth=max_depth, stop_kinds=stop_kinds, system=system
    )
    return TraceOut.model_validate(found)


DepthQ = Annotated[int | None, Query(ge=0, le=10000, description="hops; unlimited if absent")]
KindsQ = Annotated[
    list[str], Query(description="stop at these kinds (included, not passed)", examples=[["valve"]])
]


@router.get("/elements/{guid}/upstream", summary="What feeds an element", response_model=TraceOut)
def upstream(
    guid: str,
    campus: CampusDep,
    depth: DepthQ = None,
    kinds: KindsQ = [],  # noqa: B006
    system: str | None = None,
) -> TraceOut:
    """Walk the distribution network against the flow from an element to its sources (what feeds
    it), stopping at the kinds asked for."""
    return _trace(campus, guid, "upstream", max_depth=depth, stop_kinds=kinds, system=system)


@router.get("/elements/{guid}/downstream", summary="What an element feeds", response_model=TraceOut)
def downstream(
    guid: str,
    campus: CampusDep,
    depth: DepthQ = None,
    kinds: KindsQ = [],  # noqa: B006
    system: str | None = None,
) -> TraceOut:
    """Walk the distribution network with the flow from an element (what it feeds): terminals,
    rooms, critical rooms first."""
    return _trace(campus, guid, "downstream", max_depth=depth, stop_kinds=kinds, system=system)


@router.post(
    "/impact",
    summary="What loses supply when valves close or elements fail",
    response_model=ImpactOut,
)
def post_impact(body: ImpactIn, campus: CampusDep) -> ImpactOut:
    """Which elements and rooms lose supply when the given valves close or elements fail, critical
    rooms first, with what the answer assumed."""
    twin, nets = twin_and_networks(campus, body.closed[0])
    return ImpactOut.model_validate(impact(nets, twin, body.closed))


@router.post(
    "/common-cause",
    summary="Nearest shared upstream elements of several elements, rooms, alarms or tickets",
    description="Alarms and tickets resolve through the live store to the element (else the "
    "room) they name; a room stands for its terminal. 503 without a store.",
    response_model=list[SuspectOut],
)
def post_common_cause(body: CommonCauseIn, request: Request, campus: CampusDep) -> list[SuspectOut]:
    found = common_cause_for(
        campus,
        getattr(request.app.state, "store", None),
        guids=body.guids,
        alarms=body.alarms,
        tickets=body.tickets,
        system=body.system,
    )
    return [SuspectOut.model_validate(s) for s in found]


MediumQ = Annotated[
    Literal["gas", "electricity", "air", "water", "heating", "cooling", "other"] | None,
    Query(description="the medium of the fault, where no record says it", examples=["gas"]),
]


@router.get(
    "/elements/{guid}/isolation",
    summary="The fewest valves to close to cut an element off, on every side",
    description="The fewest closable devices (valves, dampers, switches, breakers) whose "
    "closing disconnects the element from every source of its medium along every path, supply "
    "and return alike; check valves pass one way. Where none does: `possible` false, the open "
    "paths, the nearest points on them, and suggestions (shut down the source, drain down).",
    response_model=IsolationOut,
)
def isolation(
    guid: str, campus: CampusDep, system: str | None = None, medium: MediumQ = None
) -> IsolationOut:
    twin, nets = twin_and_networks(campus, guid)
    return IsolationOut.of(isolate(nets, guid, system=system, twin=twin, medium=medium))


@router.get(
    "/localize",
    summary="Where a fault is and what around it matters",
    description="Exactly one of `element`, `sensor`, `alarm`, `ticket` (or `space`). The "
    "network comes from what the record says (a ticket's skill, an alarm's sensor quantity), "
    "else `medium`, else the element's own systems; a room with no hint answers every network "
    "in it, ranked, each with its isolation (`networks`); `chosen_by` names the rule.",
    response_model=LocalizationOut,
)
def get_localize(
    request: Request,
    campus: CampusDep,
    element: str | None = None,
    sensor: str | None = None,
    alarm: str | None = None,
    ticket: str | None = None,
    space: str | None = None,
    medium: MediumQ = None,
) -> LocalizationOut:
    named: list[tuple[LocalizeBy, str | None]] = [
        ("element", element), ("sensor", sensor), ("alarm", alarm), ("ticket", ticket),
        ("space", space),
    ]  # fmt: skip
    given = [(what, value) for what, value in named if value]
    if len(given) != 1:
        raise InvalidInput("give exactly one of element, sensor, alarm, ticket, space")
    (what, value), store = given[0], getattr(request.app.state, "store", None)
    return LocalizationOut.of(localize_record(campus, store, what, value or "", medium=medium))
