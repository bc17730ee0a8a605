"""The live-state records the store hands out: plain frozen dataclasses, no database types.

Times are timezone-aware UTC datetimes in Python and integer microseconds since the epoch in the
database (exact equality for the ``(sensor, timestamp)`` idempotence key, cheap bucketing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "Alarm",
    "AlarmRule",
    "ApiKey",
    "AuditEntry",
    "DeadLetter",
    "Event",
    "IngestResult",
    "Reading",
    "SensorSpec",
    "Technician",
    "Ticket",
    "Transition",
    "from_us",
    "iso",
    "to_us",
]


def to_us(t: datetime) -> int:
    """Epoch microseconds of an aware datetime (naive ones are taken as UTC)."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return round(t.timestamp() * 1_000_000)


def iso(t: datetime) -> str:
    """The one time format on the wire: UTC ISO 8601 with ``Z`` (``2026-11-23T10:00:00Z``,
    microseconds when there are any), as pydantic writes aware UTC datetimes."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def from_us(us: int | None) -> datetime | None:
    if us is None:
        return None
    return datetime.fromtimestamp(us / 1_000_000, tz=UTC)


@dataclass(frozen=True, slots=True)
class SensorSpec:
    """A sensor: bound to an element GlobalId and/or a space, measuring one quantity."""

    id: str
    quantity: str
    unit: str
    element: str | None = None
    space: str | None = None
    storey: str | None = None
    building: str | None = None
    host: str | None = None
    name: str = ""
    lower: float | None = None
    upper: float | None = None
    criticality: str = "normal"
    position: tuple[float, float, float] | None = None
    source: str = "api"  # "ifc" when discovered from the model
    last_t: datetime | None = None
    last_value: float | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    sensor: str
    t: datetime
    value: float


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    received: datetime
    source: str
    sensor: str | None
    reason: str
    detail: str
    payload: str


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What one batch did: stored, already present (idempotent repeats), dead-lettered."""

    accepted: int
    duplicates: int
    rejected: int
    reasons: Mapping[str, int] = field(default_factory=dict)
    alarms_raised: tuple[int, ...] = ()
    alarms_cleared: tuple[int, ...] = ()
    dead_lettered: tuple[int, ...] = ()  # positions in the batch given to ingest (MQTT acks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "reasons": dict(self.reasons),
            "alarms_raised": list(self.alarms_raised),
            "alarms_cleared": list(self.alarms_cleared),
        }


@dataclass(frozen=True, slots=True)
class AlarmRule:
    """``kind``: ``above`` / ``below`` (threshold, hysteresis), ``rate`` (units per minute,
    either direction), ``stale`` (no reading for ``stale_minutes``). Bound to one sensor or to
    every sensor of a quantity."""

    id: int
    kind: str
    sensor: str | None = None
    quantity: str | None = None
    threshold: float | None = None
    hysteresis: float = 0.0
    rate_per_min: float | None = None
    stale_minutes: float | None = None
    severity: str = "major"
    auto_ticket: bool = False
    ticket_priority: str = "urgent"
    name: str = ""
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Alarm:
    id: int
    sensor: str
    rule: str  # "rule:<id>" or "limit:upper" / "limit:lower" (the sensor's own thresholds)
    kind: str
    state: str  # raised | acknowledged | cleared
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
    acknowledged: datetime | None = None
    acknowledged_by: str | None = None
    cleared: datetime | None = None
    ticket: int | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    ticket: int
    from_status: str | None
    to_status: str
    actor: str
    t: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class Ticket:
    id: int
    title: str
    priority: str
    status: str
    created: datetime
    created_by: str
    description: str = ""
    element: str | None = None
    space: str | None = None
    storey: str | None = None
    building: str | None = None
    skill: str | None = None
    alarm: int | None = None
    technician: str | None = None
    responded: datetime | None = None
    arrived: datetime | None = None
    resolved: datetime | None = None
    closed: datetime | None = None
    route: Any = None
    transitions: tuple[Transition, ...] = ()
    requester: str | None = None
    contact: str | None = None
    closing_note: str | None = None
    rating: int | None = None


@dataclass(frozen=True, slots=True)
class Technician:
    id: str
    name: str
    skills: tuple[str, ...]
    shift: str  # on_shift | off_shift | on_break
    space: str | None = None
    storey: str | None = None
    building: str | None = None
    position: tuple[float, float, float] | None = None
    updated: datetime | None = None
    busy_with: int | None = None  # open ticket assigned to them, if any


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    t: datetime
    type: str  # alarm | ticket | reading | technician | sensor
    building: str | None
    storey: str | None
    payload: Mapping[str, Any]
    #: The writer's transaction id (PostgreSQL; None on SQLite): with ``id`` the stream's
    #: order and resume cursor (:mod:`twin.live.events`).
    xid: int | None = None


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    role: str
    name: str
    technician: str | None = None
    created: datetime | None = None
    revoked: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    t: datetime
    actor: str
    action: str
    target: str
    detail: Mapping[str, Any]
