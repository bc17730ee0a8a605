"""Alarm escalation rules, notification channels, the outbox with its delivery log, and a run
now (issue 15). Channels say where alarm data leaves the twin: admin only; rules, the
outbox and a run now: the operator."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import PrincipalDep
from api.deps import SlaDep, StoreDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.notifications import (
    AttemptOut,
    ChannelIn,
    ChannelOut,
    EscalationRuleIn,
    EscalationRuleOut,
    OutgoingOut,
    RunOut,
)
from api.strict import DbId
from twin.service import notifications as service

__all__ = ["router"]

router = APIRouter(tags=["alarms"])


@router.get("/escalation-rules", response_model=list[EscalationRuleOut], summary="Escalation rules")
def list_rules(store: StoreDep) -> list[EscalationRuleOut]:
    """Which unacknowledged alarms escalate to which level after how many minutes."""
    return [EscalationRuleOut.model_validate(r) for r in store.notifications.rules()]


@router.post(
    "/escalation-rules",
    response_model=EscalationRuleOut,
    status_code=201,
    responses=PROBLEM_RESPONSES,
    summary="Add an escalation rule",
)
def add_rule(body: EscalationRuleIn, store: StoreDep, who: PrincipalDep) -> EscalationRuleOut:
    """An alarm unacknowledged ``after_minutes`` at ``min_severity`` or above notifies the
    channels of ``level`` (once per alarm and level)."""
    rule = service.add_rule(store, who.name, **body.model_dump())
    return EscalationRuleOut.model_validate(rule)


@router.get(
    "/notification-channels", response_model=list[ChannelOut], summary="Notification channels"
)
def list_channels(store: StoreDep) -> list[ChannelOut]:
    """Where notifications go: webhooks (HMAC-signed JSON) and e-mail addresses, per escalation
    level."""
    return [ChannelOut.model_validate(c) for c in store.notifications.channels()]


@router.post(
    "/notification-channels",
    response_model=ChannelOut,
    status_code=201,
    responses=PROBLEM_RESPONSES,
    summary="Add a notification channel",
)
def add_channel(body: ChannelIn, store: StoreDep, who: PrincipalDep) -> ChannelOut:
    """Add a webhook URL or an e-mail address for an escalation level; webhook secrets are stored,
    never returned."""
    return ChannelOut.model_validate(service.add_channel(store, who.name, **body.model_dump()))


@router.get(
    "/notifications", response_model=list[OutgoingOut], summary="Notifications sent and pending"
)
def list_outbox(
    store: StoreDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[OutgoingOut]:
    """The outbox, newest first: delivered ones carry ``delivered_us``."""
    return [OutgoingOut.model_validate(o) for o in store.notifications.outbox(limit)]


@router.get(
    "/notifications/{outbox_id}/attempts",
    response_model=list[AttemptOut],
    responses=PROBLEM_RESPONSES,
    summary="Delivery log of a notification",
)
def list_attempts(outbox_id: DbId, store: StoreDep) -> list[AttemptOut]:
    """The delivery log of one notification (every attempt, failed ones included)."""
    return [AttemptOut.model_validate(a) for a in store.notifications.attempts(outbox_id)]


@router.post(
    "/notifications/run",
    response_model=RunOut,
    responses=PROBLEM_RESPONSES,
    summary="Escalate and deliver now",
)
def run_now(store: StoreDep, who: PrincipalDep, sla: SlaDep) -> RunOut:
    """Escalate what is due (work-order SLA with the configured ``TWIN_SLA`` table) and try
    every due notification once (the API also does this on the stale-sweep timer)."""
    return RunOut.model_validate(service.run_audited(store, who.name, sla))
