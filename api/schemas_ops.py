"""Request and response bodies of the operations API: tickets, technicians, keys, audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.strict import Coord, StrictIn
from twin.live.records import ApiKey, AuditEntry, Technician, Ticket, Transition
from twin.live.sla import SlaPolicy, sla_status

__all__ = [
    "AuditOut",
    "KeyCreateIn",
    "KeyCreatedOut",
    "KeyOut",
    "PositionIn",
    "ShiftIn",
    "TechnicianIn",
    "TechnicianOut",
    "TicketIn",
    "TicketOut",
    "TransitionIn",
    "TransitionOut",
]

Priority = Literal["emergency", "urgent", "normal", "planned"]
State = Literal["new", "assigned", "en_route", "on_site", "resolved", "closed", "cancelled"]
Skill = Literal["electrical", "plumbing", "hvac", "medical_gas", "lifts", "general"]
Shift = Literal["on_shift", "off_shift", "on_break"]
Role = Literal["viewer", "technician", "operator", "planner", "admin"]


class _In(StrictIn):
    """Request bodies of the operations API (see :class:`api.strict.StrictIn`)."""


class TicketIn(_In):
    title: str = Field(min_length=1, max_length=200, examples=["No oxygen at OT 2 bed head"])
    priority: Priority = Field("normal", examples=["emergency"])
    description: str = Field("", max_length=5000, examples=["Wall outlet hisses, pressure low"])
    element: str | None = Field(
        None, description="element GlobalId", examples=["2O2Fr$t4X7Zf8NOew3FLOH"]
    )
    space: str | None = Field(None, description="space GlobalId")
    skill: Skill | None = Field(None, examples=["medical_gas"])


class TransitionIn(_In):
    to: State = Field(examples=["en_route"])
    note: str = Field("", max_length=2000, examples=["leaving workshop B"])
    technician: str | None = Field(None, description="required when `to` is `assigned`")
    route: dict[str, Any] | None = Field(None, description="route JSON kept with an assignment")


class TransitionOut(BaseModel):
    from_status: str | None
    to_status: str
    actor: str
    t: datetime
    note: str

    @classmethod
    def of(cls, tr: Transition) -> TransitionOut:
        return cls(from_status=tr.from_status, to_status=tr.to_status, actor=tr.actor, t=tr.t,
                   note=tr.note)  # fmt: skip


class TicketOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{
            "id": 7, "title": "No oxygen at OT 2 bed head", "priority": "emergency",
            "status": "assigned", "technician": "tech-ann", "created_by": "ops-desk",
            "sla": {"respond_breached": False, "arrive_breached": False, "at_risk": True},
        }]}
    )  # fmt: skip

    id: int
    title: str
    priority: str
    status: str
    created: datetime
    created_by: str
    description: str
    element: str | None
    space: str | None
    storey: str | None
    building: str | None
    skill: str | None
    alarm: int | None
    technician: str | None
    responded: datetime | None
    arrived: datetime | None
    resolved: datetime | None
    closed: datetime | None
    route: Any = None
    sla: dict[str, Any]
    transitions: list[TransitionOut] = []

    @classmethod
    def of(
        cls, t: Ticket, now: datetime, policies: dict[str, SlaPolicy] | None = None
    ) -> TicketOut:
        return cls(
            id=t.id, title=t.title, priority=t.priority, status=t.status, created=t.created,
            created_by=t.created_by, description=t.description, element=t.element, space=t.space,
            storey=t.storey, building=t.building, skill=t.skill, alarm=t.alarm,
            technician=t.technician, responded=t.responded, arrived=t.arrived,
            resolved=t.resolved, closed=t.closed, route=t.route,
            sla=sla_status(t, now, policies).as_dict(),
            transitions=[TransitionOut.of(x) for x in t.transitions],
        )  # fmt: skip


class TechnicianIn(_In):
    id: str = Field(min_length=1, max_length=64, examples=["tech-ann"])
    name: str = Field(min_length=1, max_length=200, examples=["Ann Example"])
    skills: list[Skill] = Field(min_length=1, examples=[["electrical", "general"]])
    shift: Shift = "on_shift"


class PositionIn(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"space": "0BTBFw6f90Nfh9rP1dl_3A"},
                {"point": [12.5, 4.0, 3.2], "storey": "1xS3BCk291UvhgP2a6eflN"},
            ]
        },
    )
    space: str | None = None
    point: tuple[Coord, Coord, Coord] | None = None
    storey: str | None = None


class ShiftIn(_In):
    shift: Shift = Field(examples=["on_break"])


class TechnicianOut(BaseModel):
    id: str
    name: str
    skills: list[str]
    shift: str
    space: str | None
    storey: str | None
    building: str | None
    position: tuple[float, float, float] | None
    updated: datetime | None
    busy_with: int | None

    @classmethod
    def of(cls, t: Technician) -> TechnicianOut:
        return cls(id=t.id, name=t.name, skills=list(t.skills), shift=t.shift, space=t.space,
                   storey=t.storey, building=t.building, position=t.position, updated=t.updated,
                   busy_with=t.busy_with)  # fmt: skip


class KeyCreateIn(_In):
    role: Role = Field(examples=["operator"])
    name: str = Field(min_length=1, max_length=200, examples=["ops desk tablet"])
    technician: str | None = Field(None, description="technician id a technician key acts for")


class KeyOut(BaseModel):
    id: str
    role: str
    name: str
    technician: str | None
    created: datetime | None
    revoked: datetime | None

    @classmethod
    def of(cls, k: ApiKey) -> KeyOut:
        return cls(id=k.id, role=k.role, name=k.name, technician=k.technician, created=k.created,
                   revoked=k.revoked)  # fmt: skip


class KeyCreatedOut(KeyOut):
    key: str = Field(description="the secret, shown this once", examples=["twin_3fa1c2d4e5b6_..."])


class AuditOut(BaseModel):
    id: int
    t: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]

    @classmethod
    def of(cls, e: AuditEntry) -> AuditOut:
        return cls(id=e.id, t=e.t, actor=e.actor, action=e.action, target=e.target,
                   detail=dict(e.detail))  # fmt: skip
