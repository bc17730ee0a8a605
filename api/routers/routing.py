"""Indoor routes, technician dispatch and patrol rounds over the navigation graph."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

from api.auth import PrincipalDep, act_for
from api.deps import CampusDep, SlaDep
from api.errors import PROBLEM_RESPONSES
from api.problem_docs import problem_response
from api.schemas.routing import (
    CandidateOut,
    DeclineIn,
    DispatchIn,
    DispatchOut,
    PatrolIn,
    PatrolOut,
    RestrictionsIn,
    RouteIn,
    RouteOut,
)
from api.strict import COORD_MAX, DbId
from twin.errors import InvalidInput, StoreUnavailable
from twin.export.plan_svg import PolylineLayer
from twin.live.store import LiveStore
from twin.model import Twin
from twin.navigation.navgraph import Restrictions
from twin.navigation.patrol import plan_patrol
from twin.navigation.routes import Place, Route, route
from twin.service import dispatch as dispatching
from twin.service.campus import Campus
from twin.service.derived import navigation_of

__all__ = ["route_layer", "router"]

_NO_ROUTE = "No route under these restrictions, or the ticket's state does not allow it"
router = APIRouter(
    tags=["routing"], responses={**PROBLEM_RESPONSES, 409: problem_response(409, _NO_ROUTE)}
)


def _place(value: str | list[float]) -> Place:
    if isinstance(value, list):
        return value
    if "," in value:
        try:
            point = [float(v) for v in value.split(",")]
        except ValueError:
            raise InvalidInput(f"a point is 'x,y,z' in metres; got {value!r}") from None
        if not all(abs(v) <= COORD_MAX for v in point):  # NaN fails this too
            raise InvalidInput(f"a point is finite metres within {COORD_MAX:g} of the origin")
        return point
    return value


def _twin(campus: Campus, ends: list[Place], building: str | None) -> Twin:
    for p in ends:
        if isinstance(p, str):
            return campus.twin_of(p)
    if building:
        return campus.building(building)[0]
    if len(campus) == 1:
        return next(iter(campus))
    raise InvalidInput("both ends are points: say which building (building=)")


def _restrictions(r: RestrictionsIn) -> Restrictions:
    return Restrictions.of(r.closed_spaces, r.locked_doors, r.out_of_service, r.no_go_zones)


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


def _out(r: Route) -> RouteOut:
    return RouteOut(**r.as_dict())


@router.get("/routes", response_model=RouteOut, summary="Fastest indoor route")
def get_route(
    campus: CampusDep,
    from_: Annotated[str, Query(alias="from", description="guid or 'x,y,z'")],
    to: Annotated[str, Query(description="guid or 'x,y,z'")],
    profile: Annotated[str, Query(description="walking | cart | wheelchair | emergency")] = (
        "walking"
    ),
    closed: Annotated[str | None, Query(description="closed space guids, comma-separated")] = None,
    locked: Annotated[str | None, Query(description="locked door guids, comma-separated")] = None,
    out_of_service: Annotated[str | None, Query(description="lift/stair guids")] = None,
    building: Annotated[str | None, Query(description="when both ends are points")] = None,
) -> RouteOut:
    """The fastest indoor route between two rooms, elements or points, with its legs per storey and
    its steps."""
    a, b = _place(from_), _place(to)
    twin = _twin(campus, [a, b], building)
    r = Restrictions.of(_split(closed), _split(locked), _split(out_of_service))
    return _out(route(navigation_of(campus, twin), a, b, profile=profile, restrictions=r))


@router.post("/routes", response_model=RouteOut, summary="Route with restrictions in the body")
def post_route(campus: CampusDep, body: RouteIn) -> RouteOut:
    """The fastest route between two places with restrictions (closed rooms, locked doors, lifts out
    of service, no-go zones) and a profile (walking, cart, wheelchair) given in the body."""
    a, b = _place(body.start), _place(body.goal)
    twin = _twin(campus, [a, b], body.building)
    res = _restrictions(body.restrictions)
    return _out(route(navigation_of(campus, twin), a, b, profile=body.profile, restrictions=res))


def _store(request: Request) -> LiveStore:
    store = getattr(request.app.state, "store", None)
    if store is None:
        raise StoreUnavailable("the live store is not open: dispatch needs tickets")
    return store  # type: ignore[no-any-return]


def _dispatch_out(res: Any) -> DispatchOut:
    t = res.ticket
    return DispatchOut(
        ticket=t.id, status=t.status, technician=t.technician,
        chosen=CandidateOut(**res.chosen.as_dict()),
        candidates=[CandidateOut(**c.as_dict()) for c in res.candidates], route=res.route,
    )  # fmt: skip


@router.post(
    "/tickets/{ticket_id}/dispatch",
    response_model=DispatchOut,
    summary="Send the best technician to a work order",
)
def dispatch_ticket(
    ticket_id: DbId,
    request: Request,
    campus: CampusDep,
    principal: PrincipalDep,
    sla: SlaDep,
    body: Annotated[DispatchIn | None, Body()] = None,
) -> DispatchOut:
    """Rank the technicians on shift with the skill by ETA along the walking route and assign the
    best, or the one named; the answer carries the route and every candidate considered."""
    body = body or DispatchIn()
    res = dispatching.dispatch_ticket(
        campus, _store(request), ticket_id, actor=principal.name, now=datetime.now(UTC),
        technician_id=body.technician, restrictions=_restrictions(body.restrictions),
        profile=body.profile, policies=sla, site=getattr(request.app.state, "site", None),
    )  # fmt: skip
    return _dispatch_out(res)


@router.post(
    "/tickets/{ticket_id}/decline",
    response_model=DispatchOut,
    summary="Decline a job, optionally redispatching it",
    description="The assigned technician turns the job down (a technician key only for itself) "
    "and, with `redispatch`, the next best technician gets it. All or nothing: when nobody can "
    "take it (409) the ticket is left as it was.",
)
def decline_ticket(
    ticket_id: DbId,
    request: Request,
    campus: CampusDep,
    principal: PrincipalDep,
    sla: SlaDep,
    body: DeclineIn,
) -> DispatchOut:
    act_for(principal, body.technician)  # a technician key declines only its own jobs
    res = dispatching.decline_ticket(
        campus, _store(request), ticket_id, body.technician, actor=principal.name,
        reason=body.reason, now=datetime.now(UTC), redispatch=body.redispatch, policies=sla,
        site=getattr(request.app.state, "site", None),
    )  # fmt: skip
    if hasattr(res, "chosen"):
        return _dispatch_out(res)
    return DispatchOut(ticket=res.id, status=res.status, technician=res.technician)


@router.post("/patrols", response_model=PatrolOut, summary="Plan a patrol round")
def post_patrol(campus: CampusDep, body: PatrolIn) -> PatrolOut:
    """Order checkpoints into the shortest round from a start (and optional end), with the lower
    bound and gap that say how close to optimal the order is."""
    nav = navigation_of(campus, campus.twin_of(body.start))
    p = plan_patrol(
        nav, body.checkpoints, start=body.start, end=body.end, profile=body.profile,
        restrictions=_restrictions(body.restrictions),
    )  # fmt: skip
    return PatrolOut(
        order=[body.checkpoints[i] for i in p.order], total_s=round(p.total_s, 1),
        lower_bound_s=round(p.lower_bound_s, 1), gap=round(p.gap, 4), exact=p.exact,
        method=p.method, check_ins=p.check_ins, legs=[_out(leg) for leg in p.legs],
    )  # fmt: skip


def route_layer(request: Request, twin: Twin, storey: str, value: str) -> PolylineLayer:
    """``route=FROM;TO[;profile]`` on a storey plan: the route's polylines on that storey."""
    parts = value.split(";")
    if len(parts) not in (2, 3):
        raise InvalidInput("route= takes FROM;TO[;profile]")
    campus: Campus = request.app.state.campus
    prof = parts[2] if len(parts) == 3 else "walking"
    r = route(navigation_of(campus, twin), _place(parts[0]), _place(parts[1]), profile=prof)
    return PolylineLayer(lines=r.polylines.get(storey, []), name="route", css_class="route")
