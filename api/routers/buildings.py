"""Buildings, storeys and spaces: the spatial tree as maintenance staff browse it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CampusDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.buildings import BuildingOut, LocateOut, SpaceOut, StoreyOut
from api.strict import coord_query
from twin.model import Building, Twin
from twin.service import query
from twin.service.buildings import spaces_on
from twin.service.campus import Campus

router = APIRouter(tags=["buildings"], responses=PROBLEM_RESPONSES)


@router.get("/buildings", summary="Every building served", response_model=list[BuildingOut])
def list_buildings(campus: CampusDep) -> list[BuildingOut]:
    """The buildings of every served model, with their storeys and whether they are
    georeferenced."""
    return [_building(campus, t, b) for t, b in campus.buildings()]


def _building(campus: Campus, twin: Twin, b: Building) -> BuildingOut:
    models = campus.members(twin)
    return BuildingOut.of(twin, b, models[0], models)


@router.get("/buildings/{guid}", summary="One building", response_model=BuildingOut)
def get_building(guid: str, campus: CampusDep) -> BuildingOut:
    """One building: name, site, storeys, georeferencing and the model it comes from."""
    twin, b = campus.building(guid)
    return _building(campus, twin, b)


@router.get(
    "/buildings/{guid}/storeys",
    summary="Storeys of a building, lowest first",
    response_model=list[StoreyOut],
)
def list_storeys(guid: str, campus: CampusDep) -> list[StoreyOut]:
    """The storeys of a building from the lowest up, with their elevations; the viewer's storey
    picker."""
    twin, b = campus.building(guid)
    return [StoreyOut.of(twin, twin.storeys[s]) for s in b.storeys]


@router.get("/storeys/{guid}", summary="One storey", response_model=StoreyOut)
def get_storey(guid: str, campus: CampusDep) -> StoreyOut:
    """One storey: name, elevation and the building it belongs to."""
    twin = campus.twin_of(guid)
    return StoreyOut.of(twin, twin.storey(guid))


@router.get("/storeys/{guid}/spaces", summary="Rooms on a storey", response_model=list[SpaceOut])
def list_spaces(guid: str, campus: CampusDep) -> list[SpaceOut]:
    """The rooms (IfcSpace) of a storey with number, name, category and floor area."""
    return [SpaceOut.of(s, with_psets=False) for s in spaces_on(campus, guid)]


@router.get("/spaces/{guid}", summary="One room with its property sets", response_model=SpaceOut)
def get_space(guid: str, campus: CampusDep) -> SpaceOut:
    """One room with its property sets as the IFC gives them."""
    return SpaceOut.of(campus.twin_of(guid).space(guid))


@router.get(
    "/locate",
    summary="Which storey and room a point is in",
    description=(
        "Coordinates are metres in the model frame. Without `building`, every model is tried."
    ),
    response_model=LocateOut,
)
def locate(
    campus: CampusDep,
    x: Annotated[float, coord_query(12.5)],
    y: Annotated[float, coord_query(6.0)],
    z: Annotated[float, coord_query(9.0)],
    building: Annotated[str | None, Query(description="restrict to one building")] = None,
) -> LocateOut:
    hit = query.locate(campus, x, y, z, building=building)
    return LocateOut.model_validate(hit)
