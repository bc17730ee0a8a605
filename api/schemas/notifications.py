"""Escalation rules, notification channels, the outbox and its delivery log."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.strict import StrictIn

__all__ = [
    "AttemptOut",
    "ChannelIn",
    "ChannelOut",
    "EscalationRuleIn",
    "EscalationRuleOut",
    "OutgoingOut",
    "RunOut",
]


class EscalationRuleIn(StrictIn):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "desk to supervisor", "after_minutes": 10,
                                         "level": 1, "min_severity": "major"}]},
    )  # fmt: skip

    name: str = Field(min_length=1, max_length=200)
    after_minutes: int = Field(ge=0, le=7 * 24 * 60, description="Unacknowledged this long.")
    level: int = Field(ge=1, le=10, description="Channels of this level are notified.")
    min_severity: Literal["critical", "major", "minor", "info"] = "major"
    building: str | None = Field(None, max_length=64)


class EscalationRuleOut(EscalationRuleIn):
    model_config = ConfigDict(extra="ignore", from_attributes=True)
    id: int


class ChannelIn(StrictIn):
    """``webhook``: ``target`` is an http(s) URL, ``secret`` signs the body (HMAC-SHA256).
    ``email``: ``target`` is ``smtp://host:port/recipient@example.org``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [
            {"name": "supervisor pager", "kind": "webhook",
             "target": "https://pager.example.org/hook", "secret": "change-me", "level": 1},
            {"name": "duty manager", "kind": "email",
             "target": "smtp://relay.hospital.example:25/duty@hospital.example", "level": 2}]},
    )  # fmt: skip

    name: str = Field(min_length=1, max_length=200)
    kind: Literal["webhook", "email"]
    target: str = Field(min_length=1, max_length=512, pattern=r"^(https?|smtp)://\S+$")
    secret: str = Field("", max_length=256)
    level: int = Field(1, ge=1, le=10)


class ChannelOut(BaseModel):
    """A channel as listed: the secret is never returned."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    kind: str
    target: str
    level: int
    enabled: bool


class OutgoingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    key: str = Field(description="Idempotency key, the same on every attempt.")
    channel: int
    payload: dict[str, Any]
    created_us: int
    attempts: int
    next_us: int
    delivered_us: int | None
    last_error: str


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    t_us: int
    ok: bool
    status: int | None
    error: str


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    queued: int
    delivered: int
    failed: int
