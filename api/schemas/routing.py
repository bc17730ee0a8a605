"""Request and response bodies of the routing endpoints (routes, dispatch, patrols)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.strict import Coord, StrictIn

__all__ = [
    "CandidateOut",
    "DeclineIn",
    "DispatchIn",
    "DispatchOut",
    "PatrolIn",
    "PatrolOut",
    "RestrictionsIn",
    "RouteIn",
    "RouteOut",
]

_GUID = "2cMGiE2RLQgxSa$Rr9ImQU"


class RestrictionsIn(StrictIn):
    closed_spaces: list[str] = Field(default_factory=list, examples=[["1wHsIa689LPeVWhg5YvE$4"]])
    locked_doors: list[str] = Field(default_factory=list, examples=[[_GUID]])
    out_of_service: list[str] = Field(default_factory=list, examples=[["0aAzdrlR1GOemG_ut9zs7t"]])
    no_go_zones: list[str] = Field(default_factory=list, examples=[[]])


class RouteIn(StrictIn):
    start: str | list[Coord] = Field(examples=["0X$oOPohbHUAMMMyXEe$xZ", [12.0, 4.5, 0.8]])
    goal: str | list[Coord] = Field(examples=["2gYJkC_25NmQXZu_5BizhP"])
    profile: str = Field("walking", examples=["walking", "cart", "wheelchair", "emergency"])
    restrictions: RestrictionsIn = Field(default_factory=RestrictionsIn)
    building: str | None = Field(None, description="needed only when both ends are points")


class RouteOut(BaseModel):
    profile: str = Field(examples=["walking"])
    length_m: float = Field(examples=[84.2])
    eta_s: float = Field(examples=[65.6])
    steps: list[dict[str, Any]] = Field(
        examples=[
            [
                {
                    "kind": "door",
                    "guid": _GUID,
                    "name": "Door 2.A.C/2.B.C",
                    "storey": "S2",
                    "text": "Walk through 2.A.C Corridor A to door Door 2.A.C/2.B.C",
                    "t_s": 52.1,
                },
                {
                    "kind": "outdoor",
                    "guid": _GUID,
                    "name": "Entrance B",
                    "storey": "S0",
                    "text": "Leave by door Entrance A and walk 24 m outside to door Entrance B",
                    "t_s": 71.3,
                },
            ]
        ],
        description="kinds: space, door, opening, stair, lift, waypoint, outdoor",
    )
    polylines: dict[str, list[list[list[float]]]] = Field(
        description="storey guid -> XY polylines (world metres) for the floor plan"
    )
    polyline3d: list[list[float]]
    assumptions: list[str] = Field(
        examples=[
            [
                "walking speed 1.3 m/s",
                "leaves the building for 24 m outdoors (at grade, around the building, between "
                "entrance doors): no indoor path joins the two places",
            ]
        ],
        description="what the route rests on; a route with an outdoor leg always says why it "
        "leaves the building (outdoor time counts 3x in the search), and a route through a "
        "door linked by geometry rather than space boundaries says so",
    )


class CandidateOut(BaseModel):
    technician: str = Field(examples=["tech-7"])
    name: str = Field(examples=["Ann Electric"])
    eligible: bool
    eta_s: float | None = Field(examples=[95.0])
    slack_s: float | None = Field(examples=[3500.0])
    reason: str = Field(examples=["", "off shift", "too far: arrives 40 s after the deadline"])


class DispatchIn(StrictIn):
    technician: str | None = Field(None, examples=["tech-7"], description="choose; else best")
    profile: str = Field("walking", examples=["walking"])
    restrictions: RestrictionsIn = Field(default_factory=RestrictionsIn)


class DeclineIn(StrictIn):
    technician: str = Field(examples=["tech-7"])
    reason: str = Field("", examples=["already on another job"])
    redispatch: bool = True


class DispatchOut(BaseModel):
    ticket: int = Field(examples=[42])
    status: str = Field(examples=["assigned"])
    technician: str | None = Field(examples=["tech-7"])
    chosen: CandidateOut | None = None
    candidates: list[CandidateOut] = Field(default_factory=list)
    route: dict[str, Any] | None = None


class PatrolIn(StrictIn):
    checkpoints: list[str] = Field(examples=[["2gYJkC_25NmQXZu_5BizhP", "2DgwS_zhjMTBoi8vrkOmnB"]])
    start: str = Field(examples=["0X$oOPohbHUAMMMyXEe$xZ"])
    end: str | None = Field(None, examples=[None])
    profile: str = Field("walking", examples=["walking"])
    restrictions: RestrictionsIn = Field(default_factory=RestrictionsIn)


class PatrolOut(BaseModel):
    order: list[str] = Field(description="checkpoints in visiting order")
    total_s: float = Field(examples=[612.0])
    lower_bound_s: float = Field(examples=[590.0])
    gap: float = Field(examples=[0.037])
    exact: bool
    method: str = Field(examples=["held-karp"])
    check_ins: list[dict[str, Any]]
    legs: list[RouteOut]
