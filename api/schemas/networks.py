"""Wire schemas of the distribution-network and fault-localization endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.strict import StrictIn
from twin.analysis.faults import Localization, NetworkCandidate
from twin.distribution import Isolation, Networks

__all__ = [
    "CommonCauseIn",
    "ImpactIn",
    "ImpactOut",
    "IsolationOut",
    "LocalizationOut",
    "NetworkOut",
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
    model_config = ConfigDict(from_attributes=True)

    guid: str
    kind: str
    depth: int
    via: str | None


class TraceOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
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
        },
    )
    origin: str
    direction: str
    system: str | None
    steps: list[TraceStepOut]
    edges: list[tuple[str, str]]
    assumptions: list[str]


class PointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    guid: str
    kind: str
    name: str
    storey: str | None
    space: str | None
    xyz: tuple[float, float, float] | None


class SuggestionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str = Field(description="shut_down_source | drain_down", examples=["shut_down_source"])
    guids: list[str]
    text: str


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
                    "media": ["gas"],
                    "targets": [GUID],
                    "open_paths": [],
                    "closure_points": [],
                    "suggestions": [],
                    "partial": [],
                },
                {
                    "target": GUID,
                    "system": None,
                    "possible": False,
                    "reason": "no set of isolating devices cuts it off: 1 path(s) to a source "
                    "have no valve or other closable device (via R (3Bbl...) and 29 more "
                    "(system Heizung_RL) to Boiler (01ZL...))",
                    "valves": [],
                    "sources": ["01ZLkLzum6a4lxl_1XXMh0"],
                    "assumptions": [],
                    "media": ["heating"],
                    "targets": [GUID],
                    "open_paths": [[GUID, "3BblI5V$mZcKUvi_hM9Dmm", "01ZLkLzum6a4lxl_1XXMh0"]],
                    "closure_points": [],
                    "suggestions": [
                        {
                            "kind": "shut_down_source",
                            "guids": ["01ZLkLzum6a4lxl_1XXMh0"],
                            "text": "suggestion: shut down the source (boiler, pump or tank) "
                            "feeding it: Boiler (01ZLkLzum6a4lxl_1XXMh0)",
                        }
                    ],
                    "partial": [],
                },
            ]
        }
    )
    target: str
    system: str | None
    possible: bool
    reason: str
    valves: list[PointOut] = Field(
        description="the fewest closable devices (valves, dampers, switches, breakers) whose "
        "closing cuts the target off from every source, supply and return alike; empty "
        "where `possible` is false"
    )
    sources: list[str]
    assumptions: list[str]
    media: list[str] = Field(description="media isolated (a pump: its water and its power)")
    targets: list[str] = Field(description="every element cut off together (a room's outlets)")
    open_paths: list[list[str]] = Field(
        description="paths from the target to a source with no closable device (target first)"
    )
    closure_points: list[PointOut] = Field(
        description="per open path, its element nearest the target: where it would be closed"
    )
    suggestions: list[SuggestionOut] = Field(
        description="alternatives to valves (shut down the source, drain down), marked as such"
    )
    partial: list[PointOut] = Field(
        description="where `possible` is false: the devices that isolate the target once each "
        "open path is closed at its `closure_points`"
    )

    @classmethod
    def of(cls, i: Isolation) -> IsolationOut:
        return cls(
            target=i.target,
            system=i.system,
            possible=i.possible,
            reason=i.reason,
            valves=[PointOut.model_validate(p) for p in i.points],
            sources=list(i.sources),
            assumptions=list(i.assumptions),
            media=list(i.media),
            targets=list(i.targets),
            open_paths=[list(p) for p in i.open_paths],
            closure_points=[PointOut.model_validate(p) for p in i.closure_points],
            suggestions=[SuggestionOut.model_validate(x) for x in i.suggestions],
            partial=[PointOut.model_validate(p) for p in i.partial],
        )


class ImpactIn(StrictIn):
    closed: list[str] = Field(min_length=1, examples=[["0vAlVe000000000000000A"]])


class SpaceImpactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    guid: str
    label: str
    criticality: str
    storey: str | None
    via: list[str]


class ImpactOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
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
        },
    )
    closed: list[str]
    elements: list[str]
    terminals: list[str]
    equipment: list[str]
    spaces: list[SpaceImpactOut]
    by_system: dict[str, list[str]]
    assumptions: list[str]


class CommonCauseIn(StrictIn):
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
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {"guid": GUID, "kind": "pump", "feeds": [GUID], "distance": 3, "total_distance": 5}
            ]
        },
    )
    guid: str
    kind: str
    feeds: list[str]
    distance: int
    total_distance: int


class SystemRefOut(BaseModel):
    guid: str
    name: str


class NetworkOut(BaseModel):
    """One candidate network around the target, with its own isolation."""

    medium: str = Field(examples=["gas"])
    rank: int = Field(description="0 medical gas, 1 power, 2 air, 3 water, 4 heating, ...")
    systems: list[SystemRefOut]
    element: str
    targets: list[str]
    isolation: IsolationOut
    closing_affects: list[SpaceImpactOut] = Field(
        description="rooms that lose supply when this isolation is carried out"
    )

    @classmethod
    def of(cls, c: NetworkCandidate) -> NetworkOut:
        return cls(
            medium=c.medium,
            rank=c.rank,
            systems=[SystemRefOut(guid=g, name=n) for g, n in c.systems],
            element=c.element,
            targets=list(c.targets),
            isolation=IsolationOut.of(c.isolation),
            closing_affects=[SpaceImpactOut.model_validate(s) for s in c.closing_affects],
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
                    "assumptions": ["network chosen by: ticket skill (skill 'medical_gas' -> gas)"],
                    "chosen_by": "ticket skill (skill 'medical_gas' -> gas)",
                    "networks": [],
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
    chosen_by: str = Field(
        description="the rule that chose the network: a ticket's skill, an alarm's sensor "
        "quantity, the element's own systems, or none (every network of a room, ranked)"
    )
    networks: list[NetworkOut] = Field(
        description="every candidate network, ranked (medical gas, power, air, water, "
        "heating, cooling, fuel gas), each with its own isolation; the top-level `element`, "
        "`isolation` and `suspects` are empty for a room whose networks no hint told apart"
    )

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
            isolation=[PointOut.model_validate(p) for p in loc.isolation],
            affected_spaces=[SpaceImpactOut.model_validate(s) for s in loc.affected_spaces],
            plan_svg=plan,
            assumptions=list(loc.assumptions),
            chosen_by=loc.chosen_by,
            networks=[NetworkOut.of(c) for c in loc.networks],
        )
