"""Request and response bodies of the campus endpoints (site overview, cross-building routes)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator

from api.schemas.routing import RestrictionsIn
from api.strict import Coord, StrictIn

__all__ = ["CampusOut", "CampusPlaceIn", "CampusRouteIn", "CampusRouteOut"]


class CampusPlaceIn(StrictIn):
    """One route end: a GlobalId anywhere on the campus, a point in a building's own metres
    (``building`` key or GlobalId + ``point``), or a map point (``map``: E, N[, H] in the
    campus CRS; outdoors it snaps to the nearest path)."""

    guid: str | None = Field(None, examples=["2gYJkC_25NmQXZu_5BizhP"])
    building: str | None = Field(None, examples=["tower"])
    point: list[Coord] | None = Field(None, examples=[[12.0, 4.5, 0.8]])
    map: list[Coord] | None = Field(None, examples=[[389950.0, 5820700.0, 34.0]])

    @model_validator(mode="after")
    def _one(self) -> CampusPlaceIn:
        given = [self.guid is not None, self.point is not None, self.map is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of guid, point (with building) or map")
        if self.point is not None and self.building is None:
            raise ValueError("a point needs its building")
        return self


class CampusRouteIn(StrictIn):
    start: str | CampusPlaceIn = Field(examples=["0X$oOPohbHUAMMMyXEe$xZ"])
    goal: str | CampusPlaceIn = Field(examples=["2gYJkC_25NmQXZu_5BizhP"])
    profile: str = Field("walking", examples=["walking", "cart", "wheelchair", "emergency"])
    covered_preferred: bool = Field(
        False, description="prefer covered paths (bad weather): uncovered metres count 3 times"
    )
    closed: list[str] = Field(
        default_factory=list,
        description="bridge/tunnel ids or path ids closed",
        examples=[["bridge-1"]],
    )
    restrictions: RestrictionsIn = Field(default_factory=RestrictionsIn)
    scenario: int | None = Field(
        None, description="a stored scenario whose closures apply (rooms, doors, connections)"
    )


class CampusRouteOut(BaseModel):
    profile: str = Field(examples=["walking"])
    length_m: float = Field(examples=[212.4])
    eta_s: float = Field(examples=[171.0])
    crs: str = Field(examples=["EPSG:25833"])
    buildings: list[str] = Field(examples=[["tower", "outpatient"]])
    legs: list[dict[str, Any]] = Field(
        description="building legs (with the building's own route: steps, polylines in its "
        "frame), outdoor legs and bridge/tunnel crossings; `line` in map coordinates, "
        "`line_wgs84` in lon/lat",
        examples=[
            [
                {
                    "kind": "bridge",
                    "building": None,
                    "length_m": 24.0,
                    "eta_s": 18.5,
                    "text": "Cross bridge Bridge L1 (24 m, covered) from tower to outpatient",
                    "covered_m": 24.0,
                    "line": [[1.0, 2.0, 40.0], [1.0, 26.0, 40.0]],
                    "route": None,
                }
            ]
        ],
    )
    steps: list[dict[str, Any]] = Field(
        examples=[
            [
                {
                    "kind": "door",
                    "guid": "2cMGiE2RLQgxSa$Rr9ImQU",
                    "name": "Door 1.A.C",
                    "storey": "S1",
                    "building": "tower",
                    "text": "Walk through ...",
                    "t_s": 12.0,
                }
            ]
        ]
    )
    assumptions: list[str] = Field(examples=[["walking speed 1.3 m/s"]])


class CampusOut(BaseModel):
    name: str = Field(examples=["Demo campus"])
    crs: str = Field(examples=["EPSG:25833"])
    bounds: list[float] | None = Field(description="map E/N min and max of the footprints")
    buildings: list[dict[str, Any]] = Field(
        description="key, name, guid, model, footprint (GeoJSON, map CRS), footprint_wgs84, "
        "entrances, active alarms and open tickets; `placement`: the building's own frame on the "
        "map (its IfcMapConversion: `eastings`, `northings`, `height` of the local origin, "
        "`x_axis` [cos, sin] from grid east, `rotation_deg`, `scale`, and `ground`: the map "
        "height of its ground storey), so its scene.glb can be placed on the site; null "
        "without a map conversion",
        examples=[
            [
                {
                    "key": "tower",
                    "name": "Ward tower",
                    "alarms": 2,
                    "tickets": 1,
                    "placement": {
                        "eastings": 389951.2,
                        "northings": 5820745.3,
                        "height": 34.0,
                        "x_axis": [0.9537, 0.3007],
                        "rotation_deg": 17.5,
                        "scale": 1.0,
                        "ground": 34.0,
                    },
                }
            ]
        ],
    )
    paths: list[dict[str, Any]] = Field(examples=[[{"id": "way/1", "highway": "footway"}]])
    connections: list[dict[str, Any]] = Field(examples=[[{"id": "bridge-1", "kind": "bridge"}]])
    technicians_outdoors: list[dict[str, Any]] = Field(examples=[[]])
    has_paths: bool = Field(examples=[True])
    assumptions: list[str] = Field(examples=[["outdoor paths from footpaths.geojson (12 paths)"]])
    warnings: list[str] = Field(examples=[[]])
