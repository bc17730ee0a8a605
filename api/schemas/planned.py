"""Bodies of the patrol-round and preventive-maintenance API (issue 15)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.strict import StrictIn

__all__ = [
    "CertificateIn",
    "CertificateOut",
    "CheckInIn",
    "CheckInOut",
    "CompletionOut",
    "ComplianceOut",
    "GenerateOrdersIn",
    "GenerateRoundsIn",
    "GeneratedOut",
    "OrderCompleteIn",
    "PlanIn",
    "PlanOut",
    "PmOrderOut",
    "RoundOut",
    "TemplateIn",
    "TemplateOut",
]

_ID = Field(min_length=1, max_length=64)


class HazardOnAbnormalIn(StrictIn):
    """What an abnormal answer to an item records in the hazard ledger (docs/hazards.md)."""

    category: Literal["electrical", "fire", "gas", "water", "structural", "lift", "other"] = "other"
    risk: Literal["low", "medium", "high", "critical"] = "medium"


class ItemIn(StrictIn):
    """One checklist line: ``yesno`` (``expect`` is the normal answer) or ``reading`` (normal
    range ``min``..``max``)."""

    key: str = Field(min_length=1, max_length=60, examples=["leak"])
    kind: Literal["yesno", "reading"] = "yesno"
    label: str = Field("", max_length=200)
    expect: bool = True
    min: float | None = Field(None, allow_inf_nan=False)
    max: float | None = Field(None, allow_inf_nan=False)
    hazard: HazardOnAbnormalIn | None = Field(
        None, description="an abnormal answer records this hazard instead of opening a ticket"
    )


class CheckpointIn(StrictIn):
    place: str = Field(min_length=1, max_length=64, description="GlobalId of a room or element.")
    label: str = Field("", max_length=200)
    items: list[ItemIn] = Field(default_factory=list, max_length=50)


class TemplateIn(StrictIn):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "Plant rooms night round", "building": "1xS3BCk291UvhgP2a6eflL",
        "schedule": "daily at 22:00", "window_minutes": 90, "team": ["tech-1"],
        "checkpoints": [{"place": "1wHsIa689LPeVWhg5YvE$4", "label": "Oxygen manifold",
                         "items": [{"key": "pressure_bar", "kind": "reading", "min": 3.5,
                                    "max": 5.0}, {"key": "leak", "expect": False}]}],
    }]}, extra="forbid", allow_inf_nan=False)  # fmt: skip

    name: str = Field(min_length=1, max_length=200)
    building: str | None = Field(None, max_length=64)
    schedule: str = Field(
        min_length=1, max_length=100,
        description="`daily`, `weekdays` or `weekly on mon,thu`, optionally `at HH:MM[,HH:MM]` "
        "(UTC; default 08:00).",
    )  # fmt: skip
    window_minutes: int = Field(120, ge=5, le=1440)
    team: list[str] = Field(default_factory=list, max_length=50)
    checkpoints: list[CheckpointIn] = Field(min_length=1, max_length=200)


class TemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    building: str | None
    schedule: str
    window_minutes: int
    team: list[str]
    checkpoints: list[dict[str, Any]]


class GenerateRoundsIn(StrictIn):
    start: datetime = Field(examples=["2026-12-01T00:00:00Z"])
    days: int = Field(7, ge=1, le=62, description="Rounds starting in [start, start + days).")


class RoundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    template: int
    due_start: datetime
    due_end: datetime
    planned: list[int]
    planned_s: int | None
    status: str = Field(description="scheduled | in_progress | done | late | missed")
    checked: list[int]
    missed: list[int]
    flagged: int


class CheckInIn(StrictIn):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "code": "a1b2c3d4e5", "technician": "tech-1",
        "answers": {"pressure_bar": 4.2, "leak": False},
    }]}, extra="forbid", allow_inf_nan=False)  # fmt: skip

    code: str = Field(min_length=1, max_length=40, description="The checkpoint's QR code.")
    technician: str = _ID
    answers: dict[str, bool | float | None] = Field(default_factory=dict, max_length=50)
    at: datetime | None = Field(None, description="When; now when absent.")


class CheckInOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    round: int
    checkpoint: int
    t: datetime
    technician: str
    answers: dict[str, Any]
    flags: list[str]
    abnormal: list[str]
    ticket: int | None
    hazard: int | None = None


class CompletionOut(BaseModel):
    template: int
    week: str
    done: int
    due: int
    rate: float


class PlanIn(StrictIn):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "Pump service", "ifc_class": "IfcPump", "interval": "quarterly",
        "anchor": "2027-01-04", "lead_days": 14, "checklist": ["bearing noise", "seal leak"],
        "skill": "plumbing",
    }]}, extra="forbid", allow_inf_nan=False)  # fmt: skip

    name: str = Field(min_length=1, max_length=200)
    element: str | None = Field(None, min_length=1, max_length=64)
    ifc_class: str | None = Field(None, min_length=1, max_length=64)
    kind: str | None = Field(None, min_length=1, max_length=64)
    interval: str = Field(
        min_length=1, max_length=40,
        description="daily, weekly, monthly, quarterly, half-yearly, yearly or "
        "'every N days|weeks|months|years'.",
    )  # fmt: skip
    anchor: date = Field(description="The first due date; fixed plans count from it.")
    floating: bool = False
    lead_days: int = Field(14, ge=0, le=366)
    checklist: list[str] = Field(default_factory=list, max_length=100)
    skill: str | None = Field(None, max_length=30)
    inspection: bool = False
    counter_sensor: str | None = Field(
        None, min_length=1, max_length=64,
        description="Counter-based (with counter_every, one element): a cumulative sensor such "
        "as running hours; due when it advanced counter_every, or the interval passed.",
    )  # fmt: skip
    counter_every: float | None = Field(None, gt=0, le=1e12)


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    element: str | None
    ifc_class: str | None
    kind: str | None
    interval: str
    floating: bool
    anchor: date
    lead_days: int
    checklist: list[str]
    skill: str | None
    inspection: bool
    counter_sensor: str | None
    counter_every: float | None


class GenerateOrdersIn(StrictIn):
    today: date | None = Field(None, description="The generation day; today (UTC) when absent.")
    horizon_days: int = Field(0, ge=0, le=366, description="Generate this much further ahead.")


class PmOrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    plan: int
    element: str
    due: date
    ticket: int | None
    completed: datetime | None
    results: dict[str, Any] | None
    follow_up: int | None = Field(None, description="Ticket opened by a failed checklist item.")


class GeneratedOut(BaseModel):
    created: int
    orders: list[PmOrderOut]


class OrderCompleteIn(StrictIn):
    at: datetime | None = None
    results: dict[str, bool | float | str | None] = Field(default_factory=dict, max_length=100)


class ComplianceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    due: int
    on_time: int
    late: int
    missed: int
    share: float | None = Field(description="On time / due (SMRP, grace 10 % of the interval).")
    target: float = 0.9


class CertificateIn(StrictIn):
    element: str = _ID
    number: str = Field(min_length=1, max_length=100)
    issuer: str = Field(min_length=1, max_length=200)
    issued: date
    valid_until: date
    pm_order: int | None = Field(None, ge=1, le=2**63 - 1)


class CertificateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    element: str
    number: str
    issuer: str
    issued: date
    valid_until: date
    pm_order: int | None
    state: str = Field("valid", description="valid | expiring | expired (as of today)")
