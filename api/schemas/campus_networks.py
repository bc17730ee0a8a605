"""Wire schemas of the campus-wide network endpoints (issue 17: networks across buildings)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.networks import TraceOut
from api.strict import StrictIn
from twin.distribution.campus_joints import Joint
from twin.service.campus_networks import CampusImpact, CampusNetworks

__all__ = [
    "CampusImpactIn",
    "CampusImpactOut",
    "CampusJointEndOut",
    "CampusJointOut",
    "CampusJointsOut",
    "CampusSpaceImpactOut",
    "CampusTraceOut",
]

_A: dict[str, Any] = {
    "model": "energy",
    "element": "1d76p2xYLT0AoRoJi1DK4P",
    "port": "2Qmhq28iLPWBzRGr9cQpsY",
}
_B: dict[str, Any] = {
    "model": "tower",
    "element": "2r7$62ENvHMOYU0W_LXyOa",
    "port": "0ei7VeQ7vI2xTAE73C1NG8",
}
_JOINT: dict[str, Any] = {
    "id": "table-1",
    "a": _A,
    "b": _B,
    "found": "geometry+table",
    "gap_m": 0.0004,
    "system": "Heating",
    "medium": "heating",
    "map_point": [389934.4673, 5820732.4827, 37.15],
}


class CampusJointEndOut(BaseModel):
    model: str = Field(description="the campus file's key of the building model")
    element: str
    port: str | None = Field(description="the open port; null for a segment end without ports")


class CampusJointOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_JOINT]})

    id: str
    a: CampusJointEndOut = Field(description="upstream end where the ports say")
    b: CampusJointEndOut
    found: Literal["geometry", "table", "geometry+table"] = Field(
        description="geometry: open ends coincide on the map within the tolerance; table: the "
        "campus file's network_joints declares it; geometry+table: both"
    )
    gap_m: float | None = Field(description="map distance of the two ends, where known")
    system: str | None
    medium: str | None
    map_point: tuple[float, float, float] | None = Field(
        description="where the joint is: E, N, H in the campus CRS"
    )

    @classmethod
    def of(cls, j: Joint) -> CampusJointOut:
        return cls(
            id=j.id,
            a=CampusJointEndOut(model=j.a.model, element=j.a.element, port=j.a.port),
            b=CampusJointEndOut(model=j.b.model, element=j.b.element, port=j.b.port),
            found=j.found,
            gap_m=j.gap_m,
            system=j.system,
            medium=j.medium,
            map_point=j.map_point,
        )


class CampusJointsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "models": ["tower", "outpatient", "energy"],
                    "joints": [_JOINT],
                    "elements": 4521,
                    "edges": 4460,
                    "assumptions": ["8 cross-model joint(s): 8 found by geometry+table"],
                }
            ]
        }
    )
    models: list[str]
    joints: list[CampusJointOut]
    elements: int = Field(description="elements of the joined campus network")
    edges: int
    assumptions: list[str]

    @classmethod
    def of(cls, cn: CampusNetworks) -> CampusJointsOut:
        return cls(
            models=list(cn.twin.members),
            joints=[CampusJointOut.of(j) for j in cn.joints],
            elements=cn.nets.graph.number_of_nodes(),
            edges=cn.nets.graph.number_of_edges(),
            assumptions=[*cn.notes, *cn.nets.assumptions],
        )


class CampusImpactIn(StrictIn):
    closed: list[str] = Field(
        min_length=1,
        max_length=1000,
        description="GlobalIds of valves closed or elements failed, in any building",
        examples=[["0vAlVe000000000000000A"]],
    )


class CampusSpaceImpactOut(BaseModel):
    guid: str
    label: str
    criticality: str
    storey: str | None
    building: str = Field(description="the campus key of the room's building")
    via: list[str]


class CampusImpactOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "closed": ["0vAlVe000000000000000A"],
                    "spaces": [
                        {
                            "guid": "1ZQJd3Uyb3pP9lm2dB5xk1",
                            "label": "2.B.01 ICU bed 1",
                            "criticality": "icu",
                            "storey": "3Ghl8d1vT0w9qJx7wM2e9A",
                            "building": "tower",
                            "via": ["0Outl3t00000000000000A"],
                        }
                    ],
                    "per_building": {"tower": 77, "outpatient": 35},
                    "elements": 1203,
                    "terminals": ["0Outl3t00000000000000A"],
                    "joints_crossed": ["table-5", "table-6"],
                    "assumptions": ["rooms of every building of the campus, critical first"],
                }
            ]
        }
    )
    closed: list[str]
    spaces: list[CampusSpaceImpactOut] = Field(description="rooms losing supply, critical first")
    per_building: dict[str, int] = Field(description="campus key -> rooms losing supply")
    elements: int = Field(description="elements cut off (closed ones excluded)")
    terminals: list[str]
    joints_crossed: list[str] = Field(description="joints whose far side loses supply")
    assumptions: list[str]

    @classmethod
    def of(cls, ci: CampusImpact) -> CampusImpactOut:
        i = ci.impact
        return cls(
            closed=list(i.closed),
            spaces=[
                CampusSpaceImpactOut(
                    guid=s.guid,
                    label=s.label,
                    criticality=s.criticality,
                    storey=s.storey,
                    building=ci.buildings.get(s.guid, ""),
                    via=list(s.via),
                )
                for s in i.spaces
            ],
            per_building=dict(ci.per_building),
            elements=len(i.elements),
            terminals=list(i.terminals),
            joints_crossed=list(ci.joints_crossed),
            assumptions=list(ci.assumptions),
        )


class CampusTraceOut(TraceOut):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "origin": "0Outl3t00000000000000A",
                    "direction": "upstream",
                    "system": None,
                    "steps": [
                        {
                            "guid": "0Outl3t00000000000000A",
                            "kind": "terminal",
                            "depth": 0,
                            "via": None,
                        },
                    ],
                    "edges": [],
                    "assumptions": [],
                    "buildings": {"0Outl3t00000000000000A": "tower"},
                }
            ]
        },
    )
    buildings: dict[str, str] = Field(
        description="element GlobalId -> campus key of its building, for every step"
    )
