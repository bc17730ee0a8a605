"""Records of the alarm inbox (frozen dataclasses; the store's answers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["InboxRow", "Shelf", "Suppression"]


@dataclass(frozen=True, slots=True)
class InboxRow:
    """The facts about one alarm the inbox classifies (a narrow row: 10,000 of them per query)."""

    id: int
    sensor: str
    severity: str
    active: bool
    acknowledged_us: int | None
    raised_us: int
    cleared_us: int | None
    element: str | None
    space: str | None
    storey: str | None
    shelved_until_us: int | None = None
    building: str | None = None


@dataclass(frozen=True, slots=True)
class Shelf:
    """An operator took an alarm out of the inbox until ``until`` (ISA-18.2 shelving)."""

    alarm: int
    reason: str
    shelved_by: str
    shelved: datetime
    until: datetime


@dataclass(frozen=True, slots=True)
class Suppression:
    """Alarms of ``target`` (a sensor id, space or element GlobalId) are suppressed by design."""

    id: int
    target: str
    reason: str
    created_by: str
    created: datetime
