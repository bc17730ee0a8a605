"""Readings: ingest answers, latest values, downsampled series and dead letters."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from api.schemas.sensors import GUID_EX
from twin.live.records import SensorSpec

__all__ = ["BucketOut", "DeadLetterOut", "DeadLettersOut", "IngestOut", "LatestOut"]


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
        from_attributes=True,
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
    model_config = ConfigDict(from_attributes=True)

    id: int
    received: datetime
    source: str
    sensor: str | None
    reason: str
    detail: str
    payload: str


class DeadLettersOut(BaseModel):
    total: int
    items: list[DeadLetterOut]
