"""Wire schemas of the distribution-network and fault-localization endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from twin.analysis.faults import Localization
from twin.networks.distribution import Impact, Isolation, IsolationPoint, Networks, Suspect, Trace
from twin.networks.isolate import ImpactedSpace

__all__ = [
    "CommonCauseIn",
    "ImpactIn",
    "ImpactOut",
    "IsolationOut",
    "LocalizationOut",
    "SuspectOut",
    "SystemOut",
    "SystemsOut",
    "TraceOut",
]

GUID = "2O2Fr$t4X7Zf8NOew3FLOH"


class SystemOut(BaseModel):
    guid: str
    name: str
    flow: str
    elements: int
    edges: int
    sources: list[str]


class SystemsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "model": "3f1c",
                    "known": True,
                    "elements": 219,
                    "edges": 230,
                    "declared_connections": 228,
                    "flows": ["heating"],
                    "systems": [],
                    "assumptions": [],
                }
            ]
        }
    )
    model: str
    known: bool
    elements: int
    edges: int
    declared_connections: int
    flows: list[str]
    systems: list[SystemOut]
    assumptions: list[str]

    @classmethod
    def of(cls, model: str, nets: Networks) -> SystemsOut:
        systems = [
            SystemOut(
                guid=g,
                name=nets.system_names.get(g, ""),
                flow=nets.system_flows.get(g, ""),
                elements=sg.number_of_nodes(),
                edges=sg.number_of_edges(),
                sources=sorted(n for n in sg if n in nets.sources),
            )
            for g, sg in nets.by_system.items()
        ]
        return cls(
            model=model,
            known=nets.known,
            elements=nets.graph.number_of_nodes(),
            edges=nets.graph.number_of_edges(),
            declared_connections=nets.declared_connections,
            flows=sorted(nets.by_flow),
            systems=systems,
            assumptions=list(nets.assumptions),
        )


class TraceStepOut(BaseModel):
    guid: str
    kind: str
    depth: int
    via: str | None


class TraceOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "origin": GUID,
                    "direction": "upstream",
                    "system": None,
                    "steps": [{"guid": GUID, "kind": "terminal", "depth": 0, "via": None}],
                    "edges": [],
                    "assumptions": [],
                }
            ]
        }
    )
    origin: str
    direction: str
    system: str | None
    steps: list[TraceStepOut]
    edges: list[tuple[str, str]]
    assumptions: list[str]

    @classmethod
    def of(cls, t: Trace) -> TraceOut:
        return cls(
            origin=t.origin,
            direction=t.direction,
            system=t.system,
            steps=[
                TraceStepOut(guid=s.guid, kind=s.kind, depth=s.depth, via=s.via) for s in t.steps
            ],
            edges=list(t.edges),
            assumptions=list(t.assumptions),
        )


class PointOut(BaseModel):
    guid: str
    kind: str
    name: str
    storey: str | None
    space: str | None
    xyz: tuple[float, float, float] | None

    @classmethod
    def of(cls, p: IsolationPoint) -> PointOut:
        return cls(guid=p.guid, kind=p.kind, name=p.name, storey=p.storey, space=p.space, xyz=p.xyz)


class IsolationOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "target": GUID,
                    "system": None,
                    "possible": True,
                    "reason": "",
                    "valves": [
                        {
                            "guid": "0vAlVe000000000000000A",
                            "kind": "valve",
                            "name": "O2 isolation valve L3",
                            "storey": "1kTvXnbbzCWw8lcMd1dR4o",
                            "space": None,
                            "xyz": [12.5, 4.0, 9.2],
                        }
                    ],
                    "sources": [],
                    "assumptions": [],
                }
            ]
        }
    )
    target: str
    system: str | None
    possible: bool
    reason: str
    valves: list[PointOut]
    sources: list[str]
    assumptions: list[str]

    @classmethod
    def of(cls, i: Isolation) -> IsolationOut:
        return cls(
            target=i.target,
            system=i.system,
            possible=i.possible,
            reason=i.reason,
            valves=[PointOut.of(p) for p in i.points],
            sources=list(i.sources),
            assumptions=list(i.assumptions),
        )


class ImpactIn(BaseModel):
    closed: list[str] = Field(min_length=1, examples=[["0vAlVe000000000000000A"]])


class SpaceImpactOut(BaseModel):
    guid: str
    label: str
    criticality: str
    storey: str | None
    via: list[str]

    @classmethod
    def of(cls, s: ImpactedSpace) -> SpaceImpactOut:
        """The API form of a room that loses supply."""
        return cls(
            guid=s.guid, label=s.label, criticality=s.criticality, storey=s.storey, via=list(s.via)
        )


class ImpactOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "closed": ["0vAlVe000000000000000A"],
                    "elements": [],
                    "terminals": [],
                    "equipment": [],
                    "spaces": [],
                    "by_system": {},
                    "assumptions": [],
                }
            ]
        }
    )
    closed: list[str]
    elements: list[str]
    terminals: list[str]
    equipment: list[str]
    spaces: list[SpaceImpactOut]
    by_system: dict[str, list[str]]
    assumptions: list[str]

    @classmethod
    def of(cls, i: Impact) -> ImpactOut:
        return cls(
            closed=list(i.closed),
            elements=list(i.elements),
            terminals=list(i.terminals),
            equipment=list(i.equipment),
            spaces=[SpaceImpactOut.of(s) for s in i.spaces],
            by_system={k: list(v) for k, v in i.by_system.items()},
            assumptions=list(i.assumptions),
        )


class CommonCauseIn(BaseModel):
    guids: list[str] = Field(default_factory=list, examples=[[GUID, "3cUkl32yn9qRSPvBJVyWw5"]])
    alarms: list[int | str] = Field(
        default_factory=list,
        description="alarm ids (as the alarms API gives them)",
        examples=[[17]],
    )
    tickets: list[int | str] = Field(
        default_factory=list,
        description="ticket ids (as the tickets API gives them)",
        examples=[[42, 43]],
    )
    system: str | None = Field(
        default=None, description="limit to one system (guid) or flow", examples=["gas"]
    )


class SuspectOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"guid": GUID, "kind": "pump", "feeds": [GUID], "distance": 3, "total_distance": 5}
            ]
        }
    )
    guid: str
    kind: str
    feeds: list[str]
    distance: int
    total_distance: int

    @classmethod
    def of(cls, s: Suspect) -> SuspectOut:
        return cls(
            guid=s.guid,
            kind=s.kind,
            feeds=list(s.feeds),
            distance=s.distance,
            total_distance=s.total_distance,
        )


class LocalizationOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "target": GUID,
                    "element": GUID,
                    "kind": "terminal",
                    "name": "O2 outlet ICU 3.04",
                    "building": "2hQBAVPOr5VxhS3Jl0O47h",
                    "storey": "1kTvXnbbzCWw8lcMd1dR4o",
                    "space": "0BTBFw6f90Nfh9rP1dlXrb",
                    "xyz": [14.2, 6.1, 10.4],
                    "wgs84": [52.52, 13.40],
                    "bbox": [14.1, 6.0, 10.3, 14.3, 6.2, 10.5],
                    "suspects": [],
                    "isolation": [],
                    "affected_spaces": [],
                    "plan_svg": "/storeys/1kTvXnbbzCWw8lcMd1dR4o/plan.svg?highlight=" + GUID,
                    "assumptions": [],
                }
            ]
        }
    )
    target: str
    element: str | None
    kind: str
    name: str
    building: str | None
    storey: str | None
    space: str | None
    xyz: tuple[float, float, float] | None
    wgs84: tuple[float, float] | None
    bbox: tuple[float, float, float, float, float, float] | None
    suspects: list[dict[str, Any]]
    isolation: list[PointOut]
    affected_spaces: list[SpaceImpactOut]
    plan_svg: str | None
    assumptions: list[str]

    @classmethod
    def of(cls, loc: Localization) -> LocalizationOut:
        plan = None
        if loc.storey:
            plan = f"/storeys/{loc.storey}/plan.svg?highlight={loc.target}"
            if loc.element:
                plan += f"&trace={loc.element}"
        return cls(
            target=loc.target,
            element=loc.element,
            kind=loc.kind,
            name=loc.name,
            building=loc.building,
            storey=loc.storey,
            space=loc.space,
            xyz=loc.xyz,
            wgs84=loc.wgs84,
            bbox=loc.bbox,
            suspects=[
                {"guid": s.guid, "kind": s.kind, "name": s.name, "depth": s.depth, "score": s.score}
                for s in loc.suspects
            ],
            isolation=[PointOut.of(p) for p in loc.isolation],
            affected_spaces=[SpaceImpactOut.of(s) for s in loc.affected_spaces],
            plan_svg=plan,
            assumptions=list(loc.assumptions),
        )
