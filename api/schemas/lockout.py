"""Lock-out of work orders: the isolation plan, locks, restoring supply."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.networks import PointOut, SpaceImpactOut, SuggestionOut
from api.strict import StrictIn

__all__ = ["LockIn", "LockOut", "LockoutPlanOut", "NoticeOut", "RestorationOut", "RestoreIn"]

GUID = "1YDDFZxdnRieY5jn6UAAlj"


class NoticeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    criticality: str = Field(examples=["icu"])
    storey: str | None
    storey_name: str
    rooms: list[str]
    text: str


class LockoutPlanOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [{
            "ticket": 7, "element": "0O2OuTlEt00000000000aa", "possible": True, "reason": "",
            "points": [{"guid": GUID, "kind": "valve", "name": "Isolation Medical oxygen 2",
                        "storey": "2StOrEy000000000000000", "space": None,
                        "xyz": [12.5, 4.0, 9.2]}],
            "media": ["gas"], "suggestions": [], "open_paths": [],
            "rooms": [{"guid": "2IcU00000000000000000a", "label": "2.B.01 ICU bed 1",
                       "criticality": "icu", "storey": "2StOrEy000000000000000", "via": []}],
            "critical_rooms": [], "notices": [], "if_suggestion_followed": [],
            "assumptions": [], "locks_on": 0,
        }]},
    )  # fmt: skip

    ticket: int
    element: str
    possible: bool = Field(description="false: no set of closable devices isolates the element")
    reason: str = Field(description="why not, when not possible (the networks' own words)")
    points: list[PointOut] = Field(description="valves, breakers, dampers to close and lock")
    media: list[str]
    suggestions: list[SuggestionOut] = Field(description="where not possible: what else would do")
    open_paths: list[list[str]]
    rooms: list[SpaceImpactOut] = Field(description="rooms that lose supply, critical first")
    critical_rooms: list[SpaceImpactOut]
    notices: list[NoticeOut] = Field(description="one per critical department hit")
    if_suggestion_followed: list[SpaceImpactOut] = Field(
        description="not possible: rooms the suggested source shut-down would cut off"
    )
    assumptions: list[str]
    locks_on: int = Field(0, description="locks currently on for this work order")


class LockIn(StrictIn):
    point: str = Field(min_length=1, max_length=64, description="GlobalId of a plan point",
                       examples=[GUID])  # fmt: skip
    key_tag: str = Field(min_length=1, max_length=100, examples=["padlock 14 / tag A-0231"])
    note: str = Field("", max_length=2000, examples=["closed and locked, pressure gauge at 0"])


class LockOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [{
            "id": 1, "ticket": 7, "point": GUID, "point_name": "Isolation Medical oxygen 2",
            "key_tag": "padlock 14", "locked_by": "tech-mg-1",
            "locked_at": "2026-11-30T22:00:00Z", "released_by": None, "released_at": None,
            "note": "", "on": True,
        }]},
    )  # fmt: skip

    id: int
    ticket: int
    point: str
    point_name: str
    key_tag: str
    locked_by: str
    locked_at: datetime
    released_by: str | None
    released_at: datetime | None
    note: str
    on: bool


class RestoreIn(StrictIn):
    note: str = Field("", max_length=2000, examples=["valve reopened, outlets tested"])


class RestorationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ticket: int
    restored_by: str
    restored_at: datetime
    note: str
