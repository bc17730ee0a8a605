"""Work orders: the bodies that open and move them, and the ticket with its SLA state."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.strict import StrictIn
from twin.live.records import Ticket
from twin.live.sla import SlaPolicy, sla_status

__all__ = [
    "Priority",
    "RatingIn",
    "Skill",
    "State",
    "TicketIn",
    "TicketOut",
    "TransitionIn",
    "TransitionOut",
]

Priority = Literal["emergency", "urgent", "normal", "planned"]
State = Literal["new", "assigned", "en_route", "on_site", "resolved", "closed", "cancelled"]
Skill = Literal["electrical", "plumbing", "hvac", "medical_gas", "lifts", "general"]


class TicketIn(StrictIn):
    title: str = Field(min_length=1, max_length=200, examples=["No oxygen at OT 2 bed head"])
    priority: Priority = Field("normal", examples=["emergency"])
    description: str = Field("", max_length=5000, examples=["Wall outlet hisses, pressure low"])
    element: str | None = Field(
        None, description="element GlobalId", examples=["2O2Fr$t4X7Zf8NOew3FLOH"]
    )
    space: str | None = Field(None, description="space GlobalId")
    skill: Skill | None = Field(None, examples=["medical_gas"])
    requester: str | None = Field(
        None, min_length=1, max_length=200, description="who asked for the work",
        examples=["Ward 3B nurse in charge"],
    )  # fmt: skip
    contact: str | None = Field(
        None, min_length=1, max_length=200, description="how to reach the requester",
        examples=["ext. 4711"],
    )  # fmt: skip


class RatingIn(StrictIn):
    model_config = ConfigDict(json_schema_extra={"examples": [{"rating": 4,
                              "comment": "fixed quickly, left dust"}]})  # fmt: skip

    rating: int = Field(ge=1, le=5, description="the requester's rating, 1 (poor) .. 5")
    comment: str = Field("", max_length=2000)


class TransitionIn(StrictIn):
    to: State = Field(examples=["en_route"])
    note: str = Field("", max_length=2000, examples=["leaving workshop B"])
    technician: str | None = Field(None, description="required when `to` is `assigned`")
    route: dict[str, Any] | None = Field(None, description="route JSON kept with an assignment")
    closing_note: str | None = Field(
        None, min_length=1, max_length=5000,
        description="what was done; only with `to` resolved or closed (else 422)",
        examples=["replaced the outlet's valve insert; pressure 4.1 bar"],
    )  # fmt: skip


class TransitionOut(BaseModel):
    # Read from :class:`twin.live.records.Transition`.
    model_config = ConfigDict(from_attributes=True)

    from_status: str | None
    to_status: str
    actor: str
    t: datetime
    note: str


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
    requester: str | None = None
    contact: str | None = None
    closing_note: str | None = None
    rating: int | None = None
    sla: dict[str, Any]
    transitions: list[TransitionOut] = []

    @classmethod
    def of(
        cls, t: Ticket, now: datetime, policies: Mapping[str, SlaPolicy] | None = None
    ) -> TicketOut:
        """The record's own fields as they are, plus its SLA state at ``now``."""
        fields = {k: getattr(t, k) for k in cls.model_fields if k != "sla"}
        return cls.model_validate(fields | {"sla": sla_status(t, now, policies).as_dict()})
