"""Escalation rules, notification channels and the notification outbox (issue 15).

A notification is written to the outbox in the same transaction that records the escalation,
one row per channel, keyed by an idempotency key (``alarm:<id>:level:<n>``) that is unique per
channel: escalating twice writes nothing twice. Delivery reads due rows, tries them and records
every attempt (the delivery log); a row leaves the queue only when a receiver accepted it, so a
receiver that is down delays notifications but never loses them (at least once).
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, insert, select, update

from twin.errors import InvalidInput, NotFound
from twin.live.db import now_us
from twin.live.records import from_us
from twin.live.tables_alarm_inbox import (
    alarm_escalations,
    escalation_rules,
    notification_attempts,
    notification_channels,
    notification_outbox,
)
from twin.live.txn import Db, transaction

__all__ = [
    "CHANNEL_KINDS",
    "SLA_RULE",
    "Attempt",
    "Channel",
    "NotificationRepository",
    "Outgoing",
    "StoredRule",
]

CHANNEL_KINDS = ("webhook", "email")
SEVERITIES = ("critical", "major", "minor", "info")
#: The ``rule`` recorded for an escalation caused by a breached work-order SLA clock.
SLA_RULE = 0


@dataclass(frozen=True, slots=True)
class StoredRule:
    id: int
    name: str
    after_minutes: int
    level: int
    min_severity: str
    building: str | None


@dataclass(frozen=True, slots=True)
class Channel:
    id: int
    name: str
    kind: str
    target: str
    secret: str
    level: int
    enabled: bool


@dataclass(frozen=True, slots=True)
class Attempt:
    t_us: int
    ok: bool
    status: int | None
    error: str


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One notification to one channel: its payload, idempotency key and delivery state."""

    id: int
    key: str
    channel: int
    payload: dict[str, Any]
    body: str  # the exact JSON sent (and signed) on every attempt
    created_us: int
    attempts: int
    next_us: int
    delivered_us: int | None
    last_error: str


class ChannelNotFound(NotFound):
    title = "Notification channel not found"


class NotificationRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    # ---- rules and channels --------------------------------------------------------------
    def add_rule(
        self,
        name: str,
        after_minutes: int,
        level: int,
        min_severity: str,
        building: str | None = None,
    ) -> StoredRule:
        if min_severity not in SEVERITIES:
            raise InvalidInput(f"min_severity must be one of {SEVERITIES}")
        if after_minutes < 0 or level < 1:
            raise InvalidInput("after_minutes >= 0 and level >= 1")
        with transaction(self._db) as conn:
            rid = conn.execute(
                insert(escalation_rules)
                .values(name=name, after_minutes=after_minutes, level=level,
                        min_severity=min_severity, building=building)
                .returning(escalation_rules.c.id)
            ).scalar_one()  # fmt: skip
            row = conn.execute(select(escalation_rules).where(escalation_rules.c.id == rid)).one()
        return StoredRule(*row)

    def rules(self) -> builtins.list[StoredRule]:
        with transaction(self._db) as conn:
            q = select(escalation_rules).order_by(escalation_rules.c.id)
            return [StoredRule(*r) for r in conn.execute(q)]

    def add_channel(
        self, name: str, kind: str, target: str, secret: str = "", level: int = 1
    ) -> Channel:
        if kind not in CHANNEL_KINDS:
            raise InvalidInput(f"kind must be one of {CHANNEL_KINDS}")
        with transaction(self._db) as conn:
            cid = conn.execute(
                insert(notification_channels)
                .values(name=name, kind=kind, target=target, secret=secret, level=level,
                        enabled=True)
                .returning(notification_channels.c.id)
            ).scalar_one()  # fmt: skip
        return self.channel(int(cid))

    def channel(self, channel_id: int) -> Channel:
        with transaction(self._db) as conn:
            row = conn.execute(
                select(notification_channels).where(notification_channels.c.id == channel_id)
            ).first()
        if row is None:
            raise ChannelNotFound(f"no notification channel {channel_id}")
        return Channel(*row)

    def channels(self) -> builtins.list[Channel]:
        with transaction(self._db) as conn:
            q = select(notification_channels).order_by(notification_channels.c.id)
            return [Channel(*r) for r in conn.execute(q)]

    # ---- escalations into the outbox -----------------------------------------------------
    def escalated(self) -> set[tuple[int, int]]:
        """(alarm, level) pairs already escalated."""
        with transaction(self._db) as conn:
            q = select(alarm_escalations.c.alarm, alarm_escalations.c.level)
            return {(int(a), int(lv)) for a, lv in conn.execute(q)}

    def levels(self) -> dict[int, tuple[int, bool]]:
        """Per escalated alarm: the highest level reached and whether its work order's SLA
        breach escalated it already (rule ``0``)."""
        out: dict[int, tuple[int, bool]] = {}
        with transaction(self._db) as conn:
            q = select(alarm_escalations.c.alarm, alarm_escalations.c.level,
                       alarm_escalations.c.rule)  # fmt: skip
            for a, lv, rule in conn.execute(q):
                top, sla = out.get(int(a), (0, False))
                out[int(a)] = (max(top, int(lv)), sla or int(rule) == SLA_RULE)
        return out

    def escalate(
        self,
        alarm: int,
        level: int,
        rule: int,
        payload: Mapping[str, Any],
        now: int | None = None,
    ) -> builtins.list[int]:
        """Record the escalation and queue one notification per enabled channel of ``level``
        (idempotent: a second call for the same alarm and level queues nothing); due at
        ``now``."""
        t = now_us() if now is None else now
        key = f"alarm:{alarm}:level:{level}"
        with transaction(self._db) as conn:
            seen = conn.execute(
                select(alarm_escalations.c.alarm).where(
                    and_(alarm_escalations.c.alarm == alarm, alarm_escalations.c.level == level)
                )
            ).first()
            if seen is not None:
                return []
            conn.execute(
                insert(alarm_escalations).values(alarm=alarm, level=level, rule=rule, t_us=t)
            )
            chans = conn.execute(
                select(notification_channels.c.id).where(
                    and_(
                        notification_channels.c.level == level,
                        notification_channels.c.enabled.is_(True),
                    )
                )
            ).scalars()
            body = json.dumps({**payload, "idempotency_key": key}, sort_keys=True, default=str)
            ids = []
            for ch in list(chans):
                ids.append(
                    int(
                        conn.execute(
                            insert(notification_outbox)
                            .values(key=key, channel=ch, payload=body, created_us=t,
                                    attempts=0, next_us=t, last_error="")
                            .returning(notification_outbox.c.id)
                        ).scalar_one()
                    )
                )  # fmt: skip
            return ids

    # ---- delivery ------------------------------------------------------------------------
    def due(self, now: int, limit: int = 100) -> builtins.list[Outgoing]:
        with transaction(self._db) as conn:
            q = (
                select(notification_outbox)
                .where(
                    and_(
                        notification_outbox.c.delivered_us.is_(None),
                        notification_outbox.c.next_us <= now,
                    )
                )
                .order_by(notification_outbox.c.next_us, notification_outbox.c.id)
                .limit(limit)
            )
            return [_outgoing(r) for r in conn.execute(q)]

    def outbox(self, limit: int = 200) -> builtins.list[Outgoing]:
        with transaction(self._db) as conn:
            q = select(notification_outbox).order_by(notification_outbox.c.id.desc()).limit(limit)
            return [_outgoing(r) for r in conn.execute(q)]

    def attempts(self, outbox_id: int) -> builtins.list[Attempt]:
        with transaction(self._db) as conn:
            q = (
                select(
                    notification_attempts.c.t_us,
                    notification_attempts.c.ok,
                    notification_attempts.c.status,
                    notification_attempts.c.error,
                )
                .where(notification_attempts.c.outbox == outbox_id)
                .order_by(notification_attempts.c.id)
            )
            return [Attempt(int(t), bool(ok), st, err) for t, ok, st, err in conn.execute(q)]

    def record_attempt(
        self, outbox_id: int, *, ok: bool, status: int | None, error: str, now: int, next_us: int
    ) -> None:
        """Log one attempt; delivered when ``ok``, else retried at ``next_us``."""
        with transaction(self._db) as conn:
            conn.execute(
                insert(notification_attempts).values(
                    outbox=outbox_id, t_us=now, ok=ok, status=status, error=error[:2000]
                )
            )
            row = conn.execute(
                select(notification_outbox.c.attempts).where(notification_outbox.c.id == outbox_id)
            ).one()
            values: dict[str, Any] = {"attempts": int(row[0]) + 1, "last_error": error[:2000]}
            if ok:
                values["delivered_us"] = now
            else:
                values["next_us"] = next_us
            conn.execute(
                update(notification_outbox)
                .where(notification_outbox.c.id == outbox_id)
                .values(**values)
            )


def _outgoing(r: Any) -> Outgoing:
    return Outgoing(
        id=r.id,
        key=r.key,
        channel=r.channel,
        payload=json.loads(r.payload),
        body=r.payload,
        created_us=r.created_us,
        attempts=r.attempts,
        next_us=r.next_us,
        delivered_us=r.delivered_us,
        last_error=r.last_error,
    )


def iso(us: int | None) -> str | None:
    d = from_us(us)
    return d.isoformat() if d else None
