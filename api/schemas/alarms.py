"""Alarm rules and alarms."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.sensors import GUID_EX
from api.strict import StrictIn
from twin.live.records import AlarmRule

__all__ = ["AlarmOut", "AlarmRuleIn", "AlarmRuleOut"]


class AlarmRuleIn(StrictIn):
    """``above``/``below`` need ``threshold`` (clears past threshold ∓ hysteresis), ``rate``
    needs ``rate_per_min`` (units per minute, either direction), ``stale`` needs
    ``stale_minutes``. Name exactly one of ``sensor`` or ``quantity``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "above", "quantity": "temperature", "threshold": 26.0,
                 "hysteresis": 0.5, "severity": "major"},
                {"kind": "below", "sensor": "O2-OT1", "threshold": 380.0, "severity": "critical",
                 "auto_ticket": True, "ticket_priority": "emergency"},
                {"kind": "stale", "quantity": "temperature", "stale_minutes": 15},
            ]
        },
    )  # fmt: skip

    kind: Literal["above", "below", "rate", "stale"]
    sensor: str | None = Field(None, min_length=1, max_length=64)
    quantity: str | None = Field(None, min_length=1, max_length=64)
    threshold: float | None = None
    hysteresis: float = Field(0.0, ge=0)
    rate_per_min: float | None = Field(None, gt=0)
    stale_minutes: float | None = Field(None, gt=0)
    severity: Literal["info", "minor", "major", "critical"] = "major"
    auto_ticket: bool = False
    ticket_priority: Literal["emergency", "urgent", "normal", "planned"] = "urgent"
    name: str = ""
    enabled: bool = True

    def record(self) -> AlarmRule:
        return AlarmRule(id=0, **self.model_dump())


class AlarmRuleOut(AlarmRuleIn):
    # Read from :class:`twin.live.records.AlarmRule` (``AlarmRuleOut.model_validate(rule)``).
    model_config = ConfigDict(extra="ignore", from_attributes=True)
    id: int


class AlarmOut(BaseModel):
    # Read from :class:`twin.live.records.Alarm` (``AlarmOut.model_validate(alarm)``).
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [{"id": 17, "sensor": "OT1-temp", "rule": "rule:3",
            "kind": "above", "state": "raised", "severity": "major", "value": 27.1,
            "threshold": 26.0, "message": "OT1-temp temperature 27.1 degC above 26",
            "element": None, "space": GUID_EX, "storey": GUID_EX, "building": GUID_EX,
            "criticality": "operating_theatre", "raised": "2026-11-23T10:00:00Z",
            "acknowledged": None, "acknowledged_by": None, "cleared": None, "ticket": None}]}
    )  # fmt: skip

    id: int
    sensor: str
    rule: str
    kind: str
    state: str
    severity: str
    value: float | None
    threshold: float | None
    message: str
    element: str | None
    space: str | None
    storey: str | None
    building: str | None
    criticality: str
    raised: datetime
    acknowledged: datetime | None
    acknowledged_by: str | None
    cleared: datetime | None
    ticket: int | None
