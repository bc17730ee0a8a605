"""The hazard ledger: report, update, move, link; a hazard with its overdue flag."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.strict import DbIdItem, StrictIn
from twin.live.hazards import Hazard, is_overdue

__all__ = [
    "Category",
    "HazardIn",
    "HazardLinkIn",
    "HazardOut",
    "HazardPatchIn",
    "HazardState",
    "HazardTransitionIn",
    "Risk",
]

Category = Literal["electrical", "fire", "gas", "water", "structural", "lift", "other"]
Risk = Literal["low", "medium", "high", "critical"]
HazardState = Literal["new", "rectifying", "awaiting_verification", "closed", "accepted_risk"]


class HazardIn(StrictIn):
    location: str = Field(min_length=1, max_length=64, description="room or element GlobalId",
                          examples=["2IcU00000000000000000a"])  # fmt: skip
    category: Category = Field(examples=["gas"])
    risk: Risk = Field(examples=["high"])
    description: str = Field(
        min_length=1, max_length=5000, examples=["O2 outlet at bed 3 hisses; leak spray positive"]
    )
    owner: str | None = Field(None, max_length=100, examples=["tech-mg-1"])
    deadline: AwareDatetime | None = Field(None, examples=["2026-12-07T12:00:00Z"])


class HazardPatchIn(StrictIn):
    owner: str | None = Field(None, min_length=1, max_length=100, examples=["tech-mg-1"])
    deadline: AwareDatetime | None = Field(None, examples=["2026-12-07T12:00:00Z"])
    risk: Risk | None = None
    description: str | None = Field(None, min_length=1, max_length=5000)


class HazardTransitionIn(StrictIn):
    to: HazardState = Field(examples=["rectifying"])
    note: str = Field("", max_length=2000, examples=["outlet replaced, leak test passed"])


class HazardLinkIn(StrictIn):
    ticket: DbIdItem = Field(examples=[7])


class HazardTransitionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: str | None
    to_status: str
    actor: str
    t: datetime
    note: str


class HazardOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [{
            "id": 3, "location": "2IcU00000000000000000a", "space": "2IcU00000000000000000a",
            "storey": "2StOrEy000000000000000", "building": "0BuIlDiNg0000000000000",
            "category": "gas", "risk": "high", "description": "O2 outlet hisses",
            "found_by": "tech-mg-1", "found_at": "2026-11-30T21:00:00Z", "owner": "tech-mg-1",
            "deadline": "2026-12-07T12:00:00Z", "status": "rectifying", "approver": None,
            "updated": "2026-11-30T21:05:00Z", "tickets": [7], "transitions": [],
            "overdue": False,
        }]},
    )  # fmt: skip

    id: int
    location: str
    space: str | None
    storey: str | None
    building: str | None
    category: str
    risk: str
    description: str
    found_by: str
    found_at: datetime
    owner: str | None
    deadline: datetime | None
    status: str
    approver: str | None
    updated: datetime
    tickets: list[int]
    transitions: list[HazardTransitionOut]
    overdue: bool = Field(False, description="deadline passed while new or rectifying")

    @classmethod
    def of(cls, h: Hazard, now: datetime) -> HazardOut:
        out = cls.model_validate(h)
        out.overdue = is_overdue(h, now)
        return out
