"""Alarm evaluation on ingest: threshold (with hysteresis), rate of change, stale sensors.

Runs inside the ingest transaction on the readings that were new and newer than the sensor's
previous latest value (late, out-of-order readings are stored but do not re-fire history).
Active alarms are those raised or acknowledged; each (sensor, rule) has at most one.

An alarm whose rule asks for a ticket is handed to the ``open_ticket`` hook the store passes in
(the ticket repository bound to the same connection): this module knows nothing of tickets, and
the ticket is opened in the transaction that raises the alarm, before the alarm's event, which
then carries the ticket id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, insert, select, text, update

from twin.live.events import publish
from twin.live.records import Alarm, AlarmRule, SensorSpec, from_us, iso
from twin.live.tables import alarm_rules, alarms

log = logging.getLogger(__name__)

__all__ = [
    "Check",
    "Evaluator",
    "TicketOpener",
    "alarm_json",
    "checks_for",
    "load_rules",
    "lock_sensors",
    "row_to_alarm",
    "row_to_rule",
    "stale_candidates",
]

#: Opens the ticket an auto-ticketing rule asks for (alarm, priority) in the evaluator's
#: transaction and returns its id; the evaluator runs it in a savepoint, so a ticket that fails
#: is logged and the readings and the alarm stand.
TicketOpener = Callable[[Alarm, str], int]


@dataclass(frozen=True, slots=True)
class Check:
    """One condition for one sensor: a rule, or the sensor's own lower/upper limit."""

    key: str
    kind: str
    threshold: float | None
    hysteresis: float
    severity: str
    rule: AlarmRule | None


def row_to_rule(r) -> AlarmRule:  # type: ignore[no-untyped-def]
    return AlarmRule(
        id=r.id,
        kind=r.kind,
        sensor=r.sensor,
        quantity=r.quantity,
        threshold=r.threshold,
        hysteresis=r.hysteresis,
        rate_per_min=r.rate_per_min,
        stale_minutes=r.stale_minutes,
        severity=r.severity,
        auto_ticket=bool(r.auto_ticket),
        ticket_priority=r.ticket_priority,
        name=r.name,
        enabled=bool(r.enabled),
    )


def row_to_alarm(r) -> Alarm:  # type: ignore[no-untyped-def]
    return Alarm(
        id=r.id,
        sensor=r.sensor,
        rule=r.rule,
        kind=r.kind,
        state=r.state,
        severity=r.severity,
        value=r.value,
        threshold=r.threshold,
        message=r.message,
        element=r.element,
        space=r.space,
        storey=r.storey,
        building=r.building,
        criticality=r.criticality,
        raised=from_us(r.raised_us),  # type: ignore[arg-type]
        acknowledged=from_us(r.acknowledged_us),
        acknowledged_by=r.acknowledged_by,
        cleared=from_us(r.cleared_us),
        ticket=r.ticket,
    )


def load_rules(conn: Connection) -> list[AlarmRule]:
    q = select(alarm_rules).where(alarm_rules.c.enabled.is_(True)).order_by(alarm_rules.c.id)
    return [row_to_rule(r) for r in conn.execute(q)]


def lock_sensors(conn: Connection, sensor_ids: Iterable[str]) -> None:
    """Take the alarm-evaluation lock of each sensor for the rest of ``conn``'s transaction:
    its ``sensors`` row ``FOR NO KEY UPDATE`` (PostgreSQL; a row lock, so thousands cost no
    shared lock-table slots, and it does not block foreign-key checks), in id order so two
    transactions never wait on each other in a cycle. Whoever holds a sensor's lock reads its
    previous value and active alarms, decides raise/clear, and commits before the next
    evaluation of that sensor starts: two processes receiving readings of one sensor raise an
    alarm once and never miss its clear. SQLite needs nothing (one writer at a time)."""
    ids = sorted(set(sensor_ids))
    if ids and conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT id FROM sensors WHERE id = ANY(:ids) ORDER BY id FOR NO KEY UPDATE"),
            {"ids": ids},
        ).all()


def checks_for(spec: SensorSpec, rules: Iterable[AlarmRule]) -> list[Check]:
    """Every condition that applies to ``spec``."""
    out: list[Check] = []
    if spec.upper is not None:
        out.append(Check("limit:upper", "above", spec.upper, 0.0, "major", None))
    if spec.lower is not None:
        out.append(Check("limit:lower", "below", spec.lower, 0.0, "major", None))
    for r in rules:
        if r.sensor == spec.id or (r.sensor is None and r.quantity == spec.quantity):
            th = r.rate_per_min if r.kind == "rate" else r.threshold
            if r.kind == "stale":
                th = r.stale_minutes
            out.append(Check(f"rule:{r.id}", r.kind, th, r.hysteresis, r.severity, r))
    return out


class Evaluator:
    """Evaluates one ingest batch within its transaction; collects raised/cleared ids."""

    def __init__(
        self,
        conn: Connection,
        rules: Sequence[AlarmRule],
        now_us: int,
        open_ticket: TicketOpener | None = None,
    ) -> None:
        self.conn = conn
        self.open_ticket = open_ticket
        self.rules = rules
        self.now_us = now_us
        self.raised: list[int] = []
        self.cleared: list[int] = []

    def active(self, sensor_ids: Iterable[str]) -> dict[tuple[str, str], int]:
        ids = sorted(set(sensor_ids))
        if not ids:
            return {}
        q = select(alarms.c.id, alarms.c.sensor, alarms.c.rule).where(
            alarms.c.active.is_(True), alarms.c.sensor.in_(ids)
        )
        return {(r.sensor, r.rule): r.id for r in self.conn.execute(q)}

    def run(
        self,
        spec: SensorSpec,
        rows: Sequence[tuple[int, float]],
        prev: tuple[int, float] | None,
        active: dict[tuple[str, str], int],
    ) -> None:
        """Evaluate ``rows`` (t_us, value), ascending and newer than ``prev``, for one sensor."""
        checks = checks_for(spec, self.rules)
        stale_key = [c.key for c in checks if c.kind == "stale"]
        for key in stale_key:  # any reading ends staleness
            if (spec.id, key) in active:
                self.clear(active.pop((spec.id, key)), spec, "reading received")
        for t_us, value in rows:
            for c in checks:
                if c.threshold is None or c.kind == "stale":
                    continue
                metric = value
                if c.kind == "rate":
                    if prev is None or t_us <= prev[0]:
                        continue
                    metric = abs(value - prev[1]) / ((t_us - prev[0]) / 60e6)
                raise_now, clear_now = _conditions(c, metric)
                k = (spec.id, c.key)
                if k in active and clear_now:
                    self.clear(active.pop(k), spec, f"back to {value:g}")
                elif k not in active and raise_now:
                    active[k] = self.raise_(spec, c, value, t_us)
            prev = (t_us, value)

    def raise_(self, spec: SensorSpec, c: Check, value: float | None, t_us: int) -> int:
        word = {"above": "above", "below": "below", "rate": "changing faster than"}
        if c.kind == "stale":
            msg = f"{spec.name or spec.id}: no reading for {c.threshold:g} min"
        else:
            msg = f"{spec.name or spec.id} {spec.quantity} {value:g} {spec.unit} "
            msg += f"{word.get(c.kind, c.kind)} {c.threshold:g}"
        values = {
            "sensor": spec.id,
            "rule": c.key,
            "kind": c.kind,
            "state": "raised",
            "active": True,
            "severity": c.severity,
            "value": value,
            "threshold": c.threshold,
            "message": msg,
            "element": spec.element,
            "space": spec.space,
            "storey": spec.storey,
            "building": spec.building,
            "criticality": spec.criticality,
            "raised_us": max(t_us, 0),
        }
        # RETURNING the whole row: one round trip, not insert + select (the alarm-latency path)
        alarm = row_to_alarm(
            self.conn.execute(insert(alarms).values(**values).returning(*alarms.c)).one()
        )
        if c.rule is not None and c.rule.auto_ticket and self.open_ticket is not None:
            ticket = self._open_ticket(self.open_ticket, alarm, c.rule.ticket_priority)
            if ticket is not None:
                self.conn.execute(
                    update(alarms).where(alarms.c.id == alarm.id).values(ticket=ticket)
                )
                alarm = replace(alarm, ticket=ticket)
        self._publish("raised", alarm)
        self.raised.append(alarm.id)
        return alarm.id

    def _open_ticket(self, opener: TicketOpener, alarm: Alarm, priority: str) -> int | None:
        try:
            with self.conn.begin_nested():  # a failing ticket must not lose readings or alarm
                return opener(alarm, priority)
        except Exception:
            log.exception("auto ticket for alarm %s failed", alarm.id)
            return None

    def clear(self, alarm_id: int, spec: SensorSpec | None, why: str) -> None:
        # only an active alarm clears (one cleared by hand meanwhile is not cleared twice)
        row = self.conn.execute(
            update(alarms)
            .where(alarms.c.id == alarm_id, alarms.c.active.is_(True))
            .values(state="cleared", active=False, cleared_us=self.now_us)
            .returning(*alarms.c)
        ).first()
        if row is None:
            return
        self._publish("cleared", row_to_alarm(row))
        self.cleared.append(alarm_id)

    def get(self, alarm_id: int) -> Alarm:
        return row_to_alarm(self.conn.execute(select(alarms).where(alarms.c.id == alarm_id)).one())

    def _publish(self, change: str, a: Alarm) -> None:
        publish(
            self.conn,
            "alarm",
            building=a.building,
            storey=a.storey,
            payload={"change": change, **alarm_json(a)},
        )


def alarm_json(a: Alarm) -> dict[str, object]:
    """JSON-ready dict of an alarm (events and API)."""
    out: dict[str, object] = {}
    for name in Alarm.__slots__:
        v = getattr(a, name)
        out[name] = iso(v) if isinstance(v, datetime) else v
    return out


def _conditions(c: Check, metric: float) -> tuple[bool, bool]:
    th = c.threshold or 0.0
    if c.kind == "below":
        return metric < th, metric >= th + c.hysteresis
    return metric > th, metric <= th - c.hysteresis


def stale_candidates(
    specs: Mapping[str, SensorSpec], rules: Sequence[AlarmRule]
) -> list[tuple[SensorSpec, Check]]:
    """(sensor, stale check) pairs to sweep."""
    out = []
    for spec in specs.values():
        for c in checks_for(spec, rules):
            if c.kind == "stale" and c.threshold is not None:
                out.append((spec, c))
    return out
