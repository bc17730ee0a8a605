"""The campus: several buildings on one site, their outdoor paths, bridges and tunnels; the
site overview for the command centre's map, its GeoJSON, and routes between buildings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.deps import get_store
from api.errors import PROBLEM_RESPONSES
from api.problem_docs import problem_response
from api.schemas.campus import CampusOut, CampusPlaceIn, CampusRouteIn, CampusRouteOut
from twin.errors import NotFound
from twin.navigation.campus_graph import CampusPlace, map_wgs84
from twin.navigation.navgraph import Restrictions
from twin.service.campus_routes import Site, site_geojson, site_overview

__all__ = ["router"]

router = APIRouter(
    tags=["campus"],
    responses={**PROBLEM_RESPONSES, 409: problem_response(409, "No route on the campus")},
)


def _site(request: Request) -> Site:
    site = getattr(request.app.state, "site", None)
    if site is None:
        raise NotFound("no campus is served (start with `twin serve --campus campus.json`)")
    return site  # type: ignore[no-any-return]


def _store(request: Request) -> Any:
    return getattr(request.app.state, "store", None)


@router.get(
    "/campus",
    response_model=CampusOut,
    summary="The campus",
    description="Buildings with footprints from each model's georeferencing (map CRS and "
    "WGS84), outdoor paths, bridges and tunnels, active alarms and open tickets per building, "
    "technicians outdoors. 404 when no campus file is served.",
)
def get_campus(request: Request) -> CampusOut:
    return CampusOut(**site_overview(_site(request), _store(request)))


@router.get(
    "/campus.geojson",
    summary="The campus as GeoJSON",
    description="Footprints, paths, connections and technicians outdoors as a FeatureCollection "
    "in WGS84 (RFC 7946, the default) or in the campus map CRS (`crs=EPSG:xxxx`, named in the "
    "legacy `crs` member).",
    response_class=JSONResponse,
    responses={200: {"content": {"application/geo+json": {}}}},
)
def get_campus_geojson(
    request: Request,
    crs: Annotated[str, Query(description="EPSG:4326 (default) or the campus CRS")] = "EPSG:4326",
) -> JSONResponse:
    doc = site_geojson(_site(request), _store(request), crs=crs)
    return JSONResponse(doc, media_type="application/geo+json")


def _place(site: Site, p: str | CampusPlaceIn) -> CampusPlace:
    if isinstance(p, str):
        return site.place(p)
    return site.place(p.guid, building=p.building, point=p.point, map_point=p.map)


@router.post(
    "/campus/route",
    response_model=CampusRouteOut,
    summary="Route between buildings",
    description="The fastest route between two places anywhere on the campus (rooms or "
    "elements by GlobalId, points in a building, map points outdoors): legs per building with "
    "their steps, outdoor legs along the paths and bridge/tunnel crossings. Profiles: walking, "
    "cart (no stairs or steps), wheelchair (no steps, no `wheelchair=no` paths), emergency. "
    "`closed` and a stored `scenario` close bridges, tunnels, paths, rooms and doors.",
)
def post_campus_route(request: Request, body: CampusRouteIn) -> CampusRouteOut:
    site = _site(request)
    r = body.restrictions
    res = Restrictions.of(r.closed_spaces, r.locked_doors, r.out_of_service, r.no_go_zones)
    closed = list(body.closed)
    if body.scenario is not None:
        from_sc, conns = site.scenario_closures(get_store(request), body.scenario)
        res = Restrictions.of(
            res.closed_spaces | from_sc.closed_spaces,
            res.locked_doors | from_sc.locked_doors,
            res.out_of_service | from_sc.out_of_service,
            res.no_go_zones,
        )
        closed += conns
    rt = site.route(
        _place(site, body.start),
        _place(site, body.goal),
        profile=body.profile,
        restrictions=res,
        closed=closed,
        covered_preferred=body.covered_preferred,
    )
    return CampusRouteOut(**rt.as_dict(map_wgs84(site.graph())))
