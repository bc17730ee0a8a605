"""Condition alarms: alarms about a record's state rather than a reading (an energy meter above
its baseline band, an inspection certificate expiring, a hazard past its deadline).

The caller states which conditions hold *now* for one rule; :func:`sync` raises one alarm per
target that has none active and clears the active alarms of that rule whose condition no longer
holds. The rows go to the ordinary ``alarms`` table (``sensor`` is the target, e.g. a meter's
sensor id, ``certificate:12`` or ``hazard:7``), with their ``alarm`` events, so they reach the
same inbox, acknowledgement, escalation and notifications as every other alarm. Idempotent: a
second sync with the same conditions changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, text, update

from twin.live.alarms import alarm_json, row_to_alarm
from twin.live.events import publish
from twin.live.records import Alarm
from twin.live.tables import alarms

__all__ = ["Condition", "SyncResult", "sync"]


@dataclass(frozen=True, slots=True)
class Condition:
    """One target whose condition holds now (what its alarm says if it is raised)."""

    target: str
    severity: str
    message: str
    value: float | None = None
    threshold: float | None = None
    element: str | None = None
    space: str | None = None
    storey: str | None = None
    building: str | None = None


@dataclass(frozen=True, slots=True)
class SyncResult:
    raised: tuple[int, ...]
    cleared: tuple[int, ...]


def _publish(conn: Connection, change: str, a: Alarm) -> None:
    publish(
        conn,
        "alarm",
        building=a.building,
        storey=a.storey,
        payload={"change": change, **alarm_json(a)},
    )


def sync(
    conn: Connection, rule: str, kind: str, conditions: Iterable[Condition], now: int
) -> SyncResult:
    """Make the active alarms of ``rule`` match ``conditions`` (one per target), in ``conn``'s
    transaction; returns the ids raised and cleared."""
    if conn.dialect.name == "postgresql":  # one sync of a rule at a time across processes
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"twin.{rule}"})
    want = {c.target[:64]: c for c in conditions}
    q = select(alarms.c.id, alarms.c.sensor).where(
        (alarms.c.rule == rule) & alarms.c.active.is_(True)
    )
    active = {r.sensor: r.id for r in conn.execute(q)}
    raised: list[int] = []
    cleared: list[int] = []
    for target, c in sorted(want.items()):
        if target in active:
            continue
        values = {
            "sensor": target, "rule": rule, "kind": kind, "state": "raised", "active": True,
            "severity": c.severity, "value": c.value, "threshold": c.threshold,
            "message": c.message, "element": c.element, "space": c.space, "storey": c.storey,
            "building": c.building, "criticality": "normal", "raised_us": now,
        }  # fmt: skip
        a = row_to_alarm(conn.execute(insert(alarms).values(**values).returning(*alarms.c)).one())
        _publish(conn, "raised", a)
        raised.append(a.id)
    for target, aid in sorted(active.items()):
        if target in want:
            continue
        row = conn.execute(
            update(alarms).where(alarms.c.id == aid)
            .values(state="cleared", active=False, cleared_us=now).returning(*alarms.c)
        ).one()  # fmt: skip
        _publish(conn, "cleared", row_to_alarm(row))
        cleared.append(aid)
    return SyncResult(tuple(raised), tuple(cleared))
