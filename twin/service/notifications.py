"""Escalation and notification delivery (issue 15): unacknowledged alarms escalate by rule;
notifications leave through outbound webhooks (JSON, HMAC-SHA256 signed) and SMTP e-mail.

``run_once`` is what a scheduler calls (the API's ``POST /notifications/run``, a cron job): it
queues what is due, then tries every due outbox row once. A failed attempt is logged and retried
with exponential back-off (30 s, 1 min, 2 min … capped at 1 h); nothing is dropped.

Webhook request: ``POST`` of the stored JSON body, ``Content-Type: application/json``,
``Idempotency-Key: alarm:<id>:level:<n>`` (the same on every retry: the receiver de-duplicates),
``X-Twin-Delivery: <outbox id>`` and ``X-Twin-Signature: sha256=<hex HMAC-SHA256 of the body
with the channel's secret>``. Any 2xx is delivered; anything else, or no answer, is retried.

E-mail channel target: ``smtp://host:port/recipient@example.org`` (plain SMTP, no auth: a
hospital relay); the message carries the idempotency key as ``Message-ID`` and the JSON body.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlsplit

import httpx

from twin.analysis.alarm_escalation import EscalationRule, due_escalations
from twin.live.db import now_us
from twin.live.notifications import SLA_RULE, Channel, Outgoing, StoredRule
from twin.live.records import from_us
from twin.live.sla import SlaPolicy, sla_status
from twin.live.store import LiveStore

__all__ = [
    "BACKOFF_BASE_S",
    "BACKOFF_MAX_S",
    "RunResult",
    "add_channel",
    "add_rule",
    "backoff_us",
    "deliver_due",
    "escalate_due",
    "escalate_sla",
    "run_audited",
    "run_once",
    "sign",
]

log = logging.getLogger(__name__)

BACKOFF_BASE_S = 30
BACKOFF_MAX_S = 3600
TIMEOUT_S = 5.0
SENDER = "twin@localhost"


@dataclass(frozen=True, slots=True)
class RunResult:
    queued: int
    delivered: int
    failed: int


def sign(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of the exact body bytes with the channel's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff_us(attempts: int) -> int:
    """Delay before the next try after ``attempts`` failed ones (exponential, capped)."""
    return int(min(BACKOFF_BASE_S * 2 ** max(0, attempts - 1), BACKOFF_MAX_S)) * 1_000_000


def escalate_due(store: LiveStore, now: int | None = None) -> int:
    """Queue the notifications of every escalation due now; returns how many were queued."""
    now = now_us() if now is None else now
    repo = store.notifications
    rules = [
        EscalationRule(r.id, r.name, r.after_minutes, r.level, r.min_severity, r.building)
        for r in repo.rules()
    ]
    if not rules:
        return 0
    rows = store.alarm_inbox.rows()
    due = due_escalations(
        rows, rules, repo.escalated(), now, store.alarm_inbox.suppressed_targets()
    )
    queued = 0
    for row, rule in due:
        payload = {
            "event": "alarm.escalated",
            "level": rule.level,
            "rule": rule.name,
            "alarm": {
                "id": row.id,
                "sensor": row.sensor,
                "priority": row.severity,
                "building": row.building,
                "storey": row.storey,
                "space": row.space,
                "element": row.element,
                "raised": str(from_us(row.raised_us)),
                "active": row.active,
            },
        }
        queued += len(repo.escalate(row.id, rule.level, rule.id, payload, now))
    return queued


def escalate_sla(
    store: LiveStore, now: int | None = None, policies: Mapping[str, SlaPolicy] | None = None
) -> int:
    """Alarms whose automatic work order (emergency alarms in critical rooms) has breached an
    SLA clock escalate once to the level after the highest they reached, acknowledged or not:
    the ticket is the work, an acknowledgement does not do it."""
    now = now_us() if now is None else now
    at = from_us(now)
    assert at is not None
    repo = store.notifications
    levels = repo.levels()
    queued = 0
    for alarm_id, ticket_id in store.alarm_inbox.ticketed():
        top, done = levels.get(alarm_id, (0, False))
        if done:
            continue
        ticket = store.tickets.get(ticket_id)
        sla = sla_status(ticket, at, policies)
        if not sla.breached:
            continue
        payload = {
            "event": "alarm.sla_breached",
            "level": top + 1,
            "alarm": {"id": alarm_id},
            "ticket": {"id": ticket_id, "priority": ticket.priority, "status": ticket.status},
            "sla": sla.as_dict(),
        }
        queued += len(repo.escalate(alarm_id, top + 1, SLA_RULE, payload, now))
    return queued


def _send_webhook(ch: Channel, out: Outgoing, client: httpx.Client) -> tuple[bool, int | None, str]:
    body = out.body.encode()
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": out.key,
        "X-Twin-Delivery": str(out.id),
        "X-Twin-Signature": sign(ch.secret, body),
    }
    try:
        r = client.post(ch.target, content=body, headers=headers)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:  # a bad URL is a failure too
        return False, None, f"{type(exc).__name__}: {exc}"
    ok = 200 <= r.status_code < 300
    return ok, r.status_code, "" if ok else f"HTTP {r.status_code}"


def _send_email(ch: Channel, out: Outgoing) -> tuple[bool, int | None, str]:
    parts = urlsplit(ch.target)
    to = parts.path.lstrip("/")
    if parts.scheme != "smtp" or not parts.hostname or "@" not in to:
        return False, None, "target must be smtp://host:port/recipient@example.org"
    msg = EmailMessage()
    msg["From"] = SENDER
    msg["To"] = to
    alarm = out.payload.get("alarm", {})
    msg["Subject"] = (
        f"[twin] alarm {alarm.get('id')} ({alarm.get('priority')}) unacknowledged,"
        f" level {out.payload.get('level')}"
    )
    msg["Message-ID"] = f"<{out.key.replace(':', '.')}.{ch.id}@twin>"
    msg["X-Idempotency-Key"] = out.key
    msg.set_content(out.body)
    try:
        with smtplib.SMTP(parts.hostname, parts.port or 25, timeout=TIMEOUT_S) as smtp:
            smtp.send_message(msg)
    except (OSError, ValueError, smtplib.SMTPException) as exc:
        return False, None, f"{type(exc).__name__}: {exc}"
    return True, 250, ""


def deliver_due(store: LiveStore, now: int | None = None, limit: int = 100) -> tuple[int, int]:
    """Try every due outbox row once; returns (delivered, failed)."""
    now = now_us() if now is None else now
    repo = store.notifications
    delivered = failed = 0
    with httpx.Client(timeout=TIMEOUT_S) as client:
        for out in repo.due(now, limit):
            ch = repo.channel(out.channel)
            if ch.kind == "webhook":
                ok, status, error = _send_webhook(ch, out, client)
            else:
                ok, status, error = _send_email(ch, out)
            t = now_us()
            repo.record_attempt(
                out.id,
                ok=ok,
                status=status,
                error=error,
                now=t,
                next_us=max(t, now) + backoff_us(out.attempts + 1),
            )
            if ok:
                delivered += 1
            else:
                failed += 1
                log.warning("notification %s to channel %s failed: %s", out.key, ch.id, error)
    return delivered, failed


def run_once(
    store: LiveStore, now: int | None = None, policies: Mapping[str, SlaPolicy] | None = None
) -> RunResult:
    """Escalate what is due (alarm age, work-order SLA), then deliver what is due."""
    queued = escalate_due(store, now) + escalate_sla(store, now, policies)
    delivered, failed = deliver_due(store, now)
    return RunResult(queued, delivered, failed)


def add_rule(
    store: LiveStore,
    actor: str,
    *,
    name: str,
    after_minutes: int,
    level: int,
    min_severity: str,
    building: str | None = None,
) -> StoredRule:
    """Store an escalation rule and audit who added it."""
    rule = store.notifications.add_rule(name, after_minutes, level, min_severity, building)
    store.audit.record(actor, "escalation_rule.create", f"escalation_rule:{rule.id}")
    return rule


def add_channel(
    store: LiveStore, actor: str, *, name: str, kind: str, target: str, secret: str, level: int
) -> Channel:
    """Store a notification channel and audit who added it (the secret is not audited)."""
    ch = store.notifications.add_channel(name, kind, target, secret, level)
    store.audit.record(
        actor, "notification_channel.create", f"notification_channel:{ch.id}", {"kind": kind}
    )
    return ch


def run_audited(
    store: LiveStore, actor: str, policies: Mapping[str, SlaPolicy] | None = None
) -> RunResult:
    """:func:`run_once` asked for by a person (with the server's configured SLA ``policies``),
    audited with what it did."""
    res = run_once(store, policies=policies)
    store.audit.record(
        actor,
        "notifications.run",
        "notifications",
        {"queued": res.queued, "delivered": res.delivered, "failed": res.failed},
    )
    return res
