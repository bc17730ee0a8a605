"""Pydantic schemas of the live-state endpoints (sensors, readings, alarms), with examples."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.strict import StrictIn
from twin.live.records import Alarm, AlarmRule, DeadLetter, SensorSpec

__all__ = [
    "AlarmOut",
    "AlarmRuleIn",
    "AlarmRuleOut",
    "BucketOut",
    "DeadLettersOut",
    "IngestOut",
    "LatestOut",
    "SensorIn",
    "SensorOut",
]

GUID_EX = "2O2Fr$t4X7Zf8NOew3FLOH"


class SensorIn(StrictIn):
    """A sensor bound to an element GlobalId and/or a space GlobalId of a loaded model."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"id": "OT1-temp", "quantity": "temperature", "unit": "degC", "space": GUID_EX,
                 "lower": 18.0, "upper": 24.0, "name": "OT 1 room temperature"}
            ]
        },
    )  # fmt: skip

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:$-]+$")
    quantity: str = Field(min_length=1, max_length=64, examples=["temperature", "oxygen_pressure"])
    unit: str | None = Field(None, max_length=32, description="Default from the quantity.")
    element: str | None = Field(None, description="GlobalId of the element it sits on/measures.")
    space: str | None = Field(None, description="GlobalId of the space (taken from the element).")
    name: str = ""
    lower: float | None = None
    upper: float | None = None


class SensorOut(BaseModel):
    id: str
    quantity: str
    unit: str
    element: str | None
    space: str | None
    storey: str | None
    building: str | None
    host: str | None
    name: str
    lower: float | None
    upper: float | None
    criticality: str
    position: tuple[float, float, float] | None
    source: str
    last_t: datetime | None
    last_value: float | None

    @classmethod
    def of(cls, s: SensorSpec) -> SensorOut:
        return cls(**{k: getattr(s, k) for k in cls.model_fields})


class LatestOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"sensor": "OT1-temp", "quantity": "temperature",
            "unit": "degC", "space": GUID_EX, "t": "2026-11-23T10:00:00Z", "value": 21.4}]}
    )  # fmt: skip

    sensor: str
    quantity: str
    unit: str
    space: str | None
    t: datetime | None
    value: float | None

    @classmethod
    def of(cls, s: SensorSpec) -> LatestOut:
        return cls(sensor=s.id, quantity=s.quantity, unit=s.unit, space=s.space, t=s.last_t,
                   value=s.last_value)  # fmt: skip


class IngestOut(BaseModel):
    """Partial acceptance is normal: rejected readings went to the dead-letter table."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"accepted": 998, "duplicates": 1, "rejected": 1,
            "reasons": {"unknown_sensor": 1}, "alarms_raised": [17], "alarms_cleared": []}]}
    )  # fmt: skip

    accepted: int
    duplicates: int
    rejected: int
    reasons: dict[str, int]
    alarms_raised: list[int]
    alarms_cleared: list[int]


class BucketOut(BaseModel):
    start: datetime
    min: float
    mean: float
    max: float
    count: int


class DeadLetterOut(BaseModel):
    id: int
    received: datetime
    source: str
    sensor: str | None
    reason: str
    detail: str
    payload: str

    @classmethod
    def of(cls, d: DeadLetter) -> DeadLetterOut:
        return cls(**{k: getattr(d, k) for k in cls.model_fields})


class DeadLettersOut(BaseModel):
    total: int
    items: list[DeadLetterOut]


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
    model_config = ConfigDict(extra="ignore")
    id: int

    @classmethod
    def of(cls, r: AlarmRule) -> AlarmRuleOut:
        return cls(**{k: getattr(r, k) for k in cls.model_fields})


class AlarmOut(BaseModel):
    model_config = ConfigDict(
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

    @classmethod
    def of(cls, a: Alarm) -> AlarmOut:
        return cls(**{k: getattr(a, k) for k in cls.model_fields})
