"""Elements with filters, and search across rooms and elements."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CampusDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.buildings import SpaceOut
from api.schemas.elements import ElementOut, Page, SearchHitOut
from twin.service import query

router = APIRouter(tags=["elements"], responses=PROBLEM_RESPONSES)


@router.get(
    "/elements",
    summary="Elements matching every given filter",
    description=(
        "Filters combine with AND. `kind` repeats (`kind=valve&kind=pump`). `bbox` is "
        "`xmin,ymin,xmax,ymax` or `xmin,ymin,zmin,xmax,ymax,zmax` in metres."
    ),
    response_model=Page,
)
def list_elements(
    campus: CampusDep,
    building: str | None = None,
    kind: Annotated[list[str], Query(examples=[["valve"]])] = [],  # noqa: B006
    storey: str | None = None,
    space: str | None = None,
    bbox: Annotated[str | None, Query(examples=["0,0,20,10"])] = None,
    system: str | None = None,
    q: Annotated[str | None, Query(description="text in name, type or GlobalId")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page:
    found = query.filter_elements(
        campus,
        building=building,
        kinds=kind,
        storey=storey,
        space=space,
        bbox=query.parse_bbox(bbox) if bbox else None,
        system=system,
        text=q,
    )
    items = [
        ElementOut.of(e, with_psets=False, model_id=campus.model_of(e.guid))
        for e in found[offset : offset + limit]
    ]
    return Page(total=len(found), offset=offset, limit=limit, items=items)


@router.get(
    "/elements/{guid}", summary="One element with its property sets", response_model=ElementOut
)
def get_element(guid: str, campus: CampusDep) -> ElementOut:
    """One element (wall, door, pipe, valve, sensor, ...) with its IFC class, kind, place and
    property sets."""
    return ElementOut.of(campus.twin_of(guid).element(guid), model_id=campus.model_of(guid))


@router.get(
    "/search",
    summary="Find rooms and elements by number, name, asset tag or GlobalId",
    description="Exact room numbers first, then prefixes, then names (an element's name, type "
    "name and the asset tags its IFC carries: tag number, bar code, serial number); every "
    "model is searched.",
    response_model=list[SearchHitOut],
    responses=PROBLEM_RESPONSES,
)
def search(
    campus: CampusDep,
    q: Annotated[str, Query(min_length=1, examples=["2.A.07"])],
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[SearchHitOut]:
    return [SearchHitOut.model_validate(h) for h in query.search(campus, q, limit=limit)]


__all__ = ["ElementOut", "SpaceOut", "router"]
