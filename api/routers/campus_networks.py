"""Networks across the buildings of the served campus: the cross-model joints, and trace,
isolation and impact over the joined network (a valve in the energy centre, rooms in every
building)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from api.errors import PROBLEM_RESPONSES
from api.problem_docs import problem_response
from api.schemas.campus_networks import (
    CampusImpactIn,
    CampusImpactOut,
    CampusJointsOut,
    CampusTraceOut,
)
from api.schemas.networks import IsolationOut, TraceOut
from twin.errors import NotFound
from twin.service.campus_networks import (
    CampusNetworks,
    campus_impact,
    campus_isolation,
    campus_networks,
    campus_trace,
)
from twin.service.campus_routes import Site

__all__ = ["router"]

router = APIRouter(
    tags=["campus"],
    responses={
        **PROBLEM_RESPONSES,
        409: problem_response(409, "The campus models declare no distribution network"),
    },
)


def _networks(request: Request) -> CampusNetworks:
    site: Site | None = getattr(request.app.state, "site", None)
    if site is None:
        raise NotFound("no campus is served (start with `twin serve --campus campus.json`)")
    return campus_networks(site)


@router.get(
    "/campus/networks/joints",
    response_model=CampusJointsOut,
    summary="Where the campus buildings' networks join",
    description="Cross-model joints: open ports (or segment ends) of two building models that "
    "meet on the map within 5 cm, and the campus file's `network_joints` table, each saying "
    "how it was found. 404 when no campus is served.",
)
def get_joints(request: Request) -> CampusJointsOut:
    return CampusJointsOut.of(_networks(request))


@router.post(
    "/campus/networks/impact",
    response_model=CampusImpactOut,
    summary="What loses supply anywhere on the campus",
    description="Rooms of every building that lose supply when the given valves close or "
    "elements fail, over the networks joined across buildings (closing a valve in the energy "
    "centre reaches the wards of the tower), critical rooms first.",
)
def post_impact(body: CampusImpactIn, request: Request) -> CampusImpactOut:
    return CampusImpactOut.of(campus_impact(_networks(request), body.closed))


MediumQ = Annotated[
    Literal["gas", "electricity", "air", "water", "heating", "cooling", "other"] | None,
    Query(description="restrict to one medium", examples=["gas"]),
]


@router.get(
    "/campus/networks/elements/{guid}/isolation",
    response_model=IsolationOut,
    summary="The fewest valves anywhere on the campus that cut an element off",
    description="As `/elements/{guid}/isolation`, over the networks joined across buildings: "
    "the devices may be in another building (the energy centre's branch valve for a tower "
    "main).",
)
def get_isolation(guid: str, request: Request, medium: MediumQ = None) -> IsolationOut:
    return IsolationOut.of(campus_isolation(_networks(request), guid, medium))


def _trace(
    request: Request, guid: str, direction: Literal["upstream", "downstream"]
) -> CampusTraceOut:
    cn = _networks(request)
    found = campus_trace(cn, guid, direction)
    base = TraceOut.model_validate(found)
    buildings = {s.guid: cn.building(s.guid) or "" for s in found.steps}
    return CampusTraceOut(**base.model_dump(), buildings=buildings)


@router.get(
    "/campus/networks/elements/{guid}/upstream",
    response_model=CampusTraceOut,
    summary="What feeds an element, across buildings",
    description="Walk against the flow from an element to its sources, through the joints "
    "into the central plant of another building, with the building of every step.",
)
def get_upstream(guid: str, request: Request) -> CampusTraceOut:
    return _trace(request, guid, "upstream")


@router.get(
    "/campus/networks/elements/{guid}/downstream",
    response_model=CampusTraceOut,
    summary="What an element feeds, in every building",
    description="Walk with the flow from an element (a central-plant valve: the terminals of "
    "every building it feeds), with the building of every step.",
)
def get_downstream(guid: str, request: Request) -> CampusTraceOut:
    return _trace(request, guid, "downstream")
