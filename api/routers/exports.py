"""Floor plans (SVG, GeoJSON, GeoPackage) and the 3D scene (GLB) of storeys and buildings.

Other areas plug their drawings in by name through the typed registries of :mod:`api.layers`
(``plan_layers``: ``factory(request, twin, storey_guid, value) -> PlanLayer``; ``scene_layers``:
``factory(request, twin, value) -> {guid or kind: rgba}``), which the app factory builds. A
query parameter naming an unknown or unavailable layer is a 422 problem that names it.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from api.deps import CampusDep
from api.layers import plan_layer, scene_layer
from api.schemas.exports import (
    GEOJSON_RESPONSES,
    GLB_RESPONSES,
    GPKG_RESPONSES,
    SVG_RESPONSES,
    FeatureCollectionOut,
    SceneColorsOut,
)
from twin.errors import InvalidInput
from twin.export.geojson import plan_geojson as storey_geojson
from twin.export.geojson import write_geopackage
from twin.export.plan_svg import render_plan
from twin.service.exports import bare_plan, kinds_key, scene, scene_tag

__all__ = ["router"]

log = logging.getLogger(__name__)
CrsName = Literal["local", "wgs84", "map"]

router = APIRouter(tags=["exports"])

#: Query parameters of plan.svg that name a registered layer (beside ``highlight``).
PLAN_LAYER_PARAMS = ("overlay", "route", "scenario", "trace")
GUID = "3ilTldiXbMYexld_e2Jz5i"


@router.get(
    "/storeys/{guid}/plan.svg",
    summary="Floor plan of a storey as SVG",
    description=(
        "Rooms with number, name and criticality, walls, doors with swings, stairs, lifts and "
        "distribution symbols; every shape carries `data-guid` and `data-kind`. `highlight` marks "
        "GlobalIds; `overlay`, `route`, `scenario` and `trace` draw the layer registered under "
        "that name with the given value (e.g. `overlay=alarms`, `trace=<guid>`)."
    ),
    response_class=Response,
    responses=SVG_RESPONSES,
)
def plan_svg(
    guid: str,
    request: Request,
    campus: CampusDep,
    highlight: Annotated[
        str | None, Query(description="comma-separated GlobalIds", examples=["2gYJkC_25NmQXZu"])
    ] = None,
    overlay: Annotated[str | None, Query(examples=["alarms"])] = None,
    route: Annotated[str | None, Query(description="route layer value")] = None,
    scenario: Annotated[str | None, Query(description="scenario id")] = None,
    trace: Annotated[str | None, Query(description="GlobalId to trace upstream")] = None,
    width: Annotated[int | None, Query(ge=100, le=10000, description="pixel width")] = None,
) -> Response:
    twin = campus.twin_of(guid)
    twin.storey(guid)
    values = {"overlay": overlay, "route": route, "scenario": scenario, "trace": trace}
    layers = [plan_layer(request, n, twin, guid, v) for n, v in values.items() if v]
    marks = [g.strip() for g in (highlight or "").split(",") if g.strip()]
    if layers or marks:  # live state: drawn per request
        svg = render_plan(twin, guid, layers=layers, highlight=marks, width_px=width)
        return Response(svg, media_type="image/svg+xml")
    # the bare plan depends on the model only: built once per storey and width, sent gzipped
    gz = "gzip" in request.headers.get("accept-encoding", "")
    headers = {"Vary": "Accept-Encoding", "Cache-Control": "no-cache"}
    if gz:
        headers["Content-Encoding"] = "gzip"
    data = bare_plan(campus, twin, guid, width=width, gz=gz)
    return Response(data, media_type="image/svg+xml", headers=headers)


@router.get(
    "/storeys/{guid}/plan.geojson",
    summary="Floor plan of a storey as GeoJSON",
    description="`crs=wgs84` needs a georeferenced model, `crs=map` (the model's projected CRS, "
    "e.g. EPSG:25833) an IfcMapConversion (otherwise 422).",
    response_model=FeatureCollectionOut,
    responses=GEOJSON_RESPONSES,
)
def plan_geojson(
    guid: str,
    campus: CampusDep,
    crs: Annotated[Literal["local", "wgs84", "map"], Query()] = "local",
) -> Response:
    twin = campus.twin_of(guid)
    body = json.dumps(storey_geojson(twin, guid, crs=crs), separators=(",", ":"))
    return Response(body, media_type="application/geo+json")


@router.get(
    "/buildings/{guid}/plan.gpkg",
    summary="Every storey's plan as a GeoPackage",
    response_class=Response,
    responses=GPKG_RESPONSES,
)
def plan_gpkg(
    guid: str,
    campus: CampusDep,
    crs: Annotated[Literal["local", "wgs84", "map"], Query()] = "local",
) -> Response:
    """Every storey's rooms, walls and doors as GeoPackage layers for a GIS, in local, WGS84 or map
    coordinates."""
    twin, _ = campus.building(guid)
    with tempfile.TemporaryDirectory() as tmp:
        data = write_geopackage(twin, Path(tmp) / "plan.gpkg", crs=crs).read_bytes()
    return Response(
        data,
        media_type="application/geopackage+sqlite3",
        headers={"Content-Disposition": f'attachment; filename="{guid}.gpkg"'},
    )


@router.get(
    "/buildings/{guid}/scene.glb",
    summary="3D scene of a building or one storey (glTF binary)",
    description=(
        "Cached per model and arguments; send `If-None-Match` with the ETag to get a 304. "
        "`scenario` (or any registered scene layer) colours products by state. "
        "`layout=merged` (the web viewer's) merges each storey's products per kind into a few "
        "quantised primitives whose `extras` map triangle ranges to GlobalIds; the default "
        "`nodes` gives one node per product. Sent gzip-encoded when the client accepts it."
    ),
    response_class=Response,
    responses=GLB_RESPONSES,
)
def scene_glb(
    guid: str,
    request: Request,
    campus: CampusDep,
    storey: Annotated[str | None, Query(description="only this storey", examples=[GUID])] = None,
    kinds: Annotated[
        str | None, Query(description="comma-separated kinds", examples=["wall,door,space"])
    ] = None,
    scenario: Annotated[str | None, Query(description="scene layer value")] = None,
    layout: Annotated[
        Literal["nodes", "merged"], Query(description="node per product, or merged per kind")
    ] = "nodes",
    exclude: Annotated[
        str | None, Query(description="comma-separated kinds to leave out", examples=["segment"])
    ] = None,
) -> Response:
    twin, _ = campus.building(guid)
    if storey is not None and twin.storey(storey).building != guid:
        raise InvalidInput(f"storey {storey!r} is not in building {guid!r}", storey=storey)
    wanted = {k.strip() for k in kinds.split(",") if k.strip()} if kinds else None
    skip = sorted({k.strip() for k in (exclude or "").split(",") if k.strip()})
    gz = "gzip" in request.headers.get("accept-encoding", "")
    tag = scene_tag(campus, twin, guid, storey, kinds_key(wanted, skip), scenario, layout)
    etag = f'"{tag}{"-gz" if gz else ""}"'
    # no-cache: browsers revalidate with the ETag (a 304 is cheap), so a reloaded model is never
    # shown stale from the HTTP cache
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == etag and not scenario:
        return Response(status_code=304, headers=headers)
    colors = scene_layer(request, "scenario", twin, scenario) if scenario else None
    if scenario:
        headers["Cache-Control"] = "no-store"
    data = scene(
        campus, twin, guid, storey=storey, kinds=wanted, exclude=skip, layout=layout, gz=gz,
        colors=colors,
    )  # fmt: skip
    if gz:
        headers["Content-Encoding"] = "gzip"
    return Response(data, media_type="model/gltf-binary", headers=headers)


@router.get(
    "/buildings/{guid}/scene-colors",
    summary="State colours of a scene layer (e.g. a scenario) for a loaded 3D scene",
    description=(
        "The colours `scene.glb?scenario=` would bake in, as `{GlobalId or kind: [r, g, b, a]}`, "
        "so a viewer that already shows the building tints it without fetching the geometry "
        "again."
    ),
    response_model=SceneColorsOut,
    responses={422: {"description": "the layer is not available or failed"}},
)
def scene_colors(
    guid: str,
    request: Request,
    campus: CampusDep,
    scenario: Annotated[str, Query(description="scenario id", examples=["3"])],
) -> SceneColorsOut:
    twin, _ = campus.building(guid)
    colors = scene_layer(request, "scenario", twin, scenario) or {}
    out = {str(k): [float(c) for c in v] for k, v in dict(colors).items()}
    return SceneColorsOut(layer="scenario", value=scenario, colors=out)
