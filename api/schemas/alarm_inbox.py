"""The alarm inbox: items with their ISA-18.2 state, counts, shelves, suppressions, health."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.alarms import AlarmOut
from api.schemas.sensors import GUID_EX
from api.strict import StrictIn

__all__ = [
    "AlarmHealthOut",
    "InboxItemOut",
    "InboxOut",
    "ShelfIn",
    "ShelfOut",
    "SuppressionIn",
    "SuppressionOut",
]


class InboxItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    alarm: AlarmOut
    inbox_state: str = Field(examples=["active-unacknowledged"])
    cause: int | None = Field(
        None, description="The upstream alarm this one is a consequence of (topology grouping)."
    )
    consequences: list[int] = Field(description="Alarms grouped under this one as consequences.")
    systems: list[str] = Field(description="IfcSystem GlobalIds of the alarm's element.")


class InboxOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [{"items": [], "total": 0, "grouped": 0,
            "by_state": {"active-unacknowledged": 3}, "by_storey": {GUID_EX: 3},
            "by_system": {"none": 3}, "by_priority": {"major": 3}}]},
    )  # fmt: skip

    items: list[InboxItemOut]
    total: int = Field(description="Alarms matching the filters (before the limit).")
    grouped: int = Field(description="Consequences hidden under their upstream cause.")
    by_state: dict[str, int] = Field(description="Every alarm read, per ISA-18.2 state.")
    by_storey: dict[str, int] = Field(description="Matching alarms per storey GlobalId.")
    by_system: dict[str, int] = Field(description="Matching alarms per IfcSystem GlobalId.")
    by_priority: dict[str, int]


class ShelfIn(StrictIn):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "sensor under repair", "minutes": 120}]},
    )

    reason: str = Field(min_length=1, max_length=500)
    minutes: int = Field(ge=1, le=7 * 24 * 60, description="Shelved until now + minutes.")


class ShelfOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [{"alarm": 17, "reason": "sensor under repair",
            "shelved_by": "ops-desk", "shelved": "2026-11-23T10:00:00Z",
            "until": "2026-11-23T12:00:00Z"}]},
    )  # fmt: skip

    alarm: int
    reason: str
    shelved_by: str
    shelved: datetime
    until: datetime


class SuppressionIn(StrictIn):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"target": GUID_EX, "reason": "ward 3 closed for renovation"}]
        },
    )

    target: str = Field(
        min_length=1, max_length=64, description="A sensor id, space or element GlobalId."
    )
    reason: str = Field(min_length=1, max_length=500)


class SuppressionOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [{"id": 1, "target": GUID_EX,
            "reason": "ward 3 closed for renovation", "created_by": "ops-desk",
            "created": "2026-11-23T10:00:00Z"}]},
    )  # fmt: skip

    id: int
    target: str
    reason: str
    created_by: str
    created: datetime


class AlarmHealthOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [{"day": "2026-11-23", "operators": 1, "raised": 40,
            "per_operator_per_10min": 0.28, "peak_per_operator_per_10min": 12.0,
            "flood_windows": 1, "flood_share": 0.007, "chattering": ["OT1-temp"],
            "stale": [3], "priority_mix": {"major": 0.9, "critical": 0.1}}]},
    )  # fmt: skip

    day: date
    operators: int
    raised: int
    per_operator_per_10min: float
    peak_per_operator_per_10min: float
    flood_windows: int
    flood_share: float
    chattering: list[str]
    stale: list[int]
    priority_mix: dict[str, float]
