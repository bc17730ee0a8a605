"""The alarm repository: rules, the alarm list, acknowledge/clear by hand and the stale sweep
(tables ``alarm_rules``, ``alarms``). Evaluation of readings is :mod:`twin.live.alarms`; the
tickets an auto-ticketing rule asks for are opened by :class:`TicketRepository` in the same
transaction (this module hands its ``open_for_alarm`` to the evaluator)."""

from __future__ import annotations

import builtins
import logging
import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, select, update

from twin.errors import Conflict, InvalidInput, NotFound
from twin.live.alarms import (
    Check,
    Evaluator,
    alarm_json,
    load_rules,
    lock_sensors,
    row_to_alarm,
    row_to_rule,
    stale_candidates,
)
from twin.live.checks import check_fields, check_lengths
from twin.live.condition_alarms import Condition, SyncResult, sync
from twin.live.db import now_us
from twin.live.events import publish
from twin.live.records import Alarm, AlarmRule, SensorSpec
from twin.live.sensors import SensorRepository
from twin.live.tables import alarm_rules, alarms, latest, sensors
from twin.live.tickets import TicketRepository

__all__ = ["RULE_KINDS", "SEVERITIES", "AlarmNotFound", "AlarmRepository"]

log = logging.getLogger(__name__)

RULE_KINDS = ("above", "below", "rate", "stale")
SEVERITIES = ("info", "minor", "major", "critical")
STALE_SWEEP_INTERVAL_S = 5.0
#: Rules of condition alarms (a record's state, not a reading): twin/service/condition_alarms.py.
CONDITION_RULES = ("energy_anomaly", "inspection_expiring", "inspection_expired", "hazard_overdue")


class AlarmNotFound(NotFound):
    title = "Alarm not found"


class AlarmRepository:
    """Alarm rules and alarms; the stale sweep piggy-backs on ingest (:meth:`maybe_sweep`)."""

    def __init__(self, engine: Engine, sensors: SensorRepository) -> None:
        self._engine = engine
        self._sensors = sensors
        self._last_sweep = 0.0

    def add_rule(self, rule: AlarmRule) -> AlarmRule:
        """Store a rule (its ``id`` is ignored and assigned)."""
        _check_rule(rule)
        if rule.sensor is not None:
            self._sensors.get(rule.sensor)
        values = {k: getattr(rule, k) for k in AlarmRule.__slots__ if k != "id"}
        check_lengths("rule", alarm_rules, values)
        with self._engine.begin() as conn:
            rid = conn.execute(
                insert(alarm_rules).values(**values).returning(alarm_rules.c.id)
            ).scalar_one()
            return row_to_rule(
                conn.execute(select(alarm_rules).where(alarm_rules.c.id == rid)).one()
            )

    def rules(self) -> list[AlarmRule]:
        with self._engine.connect() as conn:
            q = select(alarm_rules).order_by(alarm_rules.c.id)
            return [row_to_rule(r) for r in conn.execute(q)]

    def list(
        self,
        *,
        state: str | None = None,
        building: str | None = None,
        storey: str | None = None,
        sensor: str | None = None,
        limit: int = 500,
    ) -> list[Alarm]:
        """Alarms newest first; ``state`` may be raised/acknowledged/cleared or ``active``."""
        q = select(alarms).order_by(alarms.c.id.desc()).limit(limit)
        if state == "active":
            q = q.where(alarms.c.active.is_(True))
        elif state:
            q = q.where(alarms.c.state == state)
        for col, val in (
            (alarms.c.building, building),
            (alarms.c.storey, storey),
            (alarms.c.sensor, sensor),
        ):
            if val:
                q = q.where(col == val)
        with self._engine.connect() as conn:
            return [row_to_alarm(r) for r in conn.execute(q)]

    def get(self, alarm_id: int) -> Alarm:
        with self._engine.connect() as conn:
            row = conn.execute(select(alarms).where(alarms.c.id == alarm_id)).first()
        if row is None:
            raise AlarmNotFound(f"no alarm {alarm_id}")
        return row_to_alarm(row)

    def acknowledge(self, alarm_id: int, by: str) -> Alarm:
        """raised -> acknowledged (still active until the condition clears or someone clears)."""
        return self._transition(
            alarm_id,
            ("raised",),
            {"state": "acknowledged", "acknowledged_us": now_us(), "acknowledged_by": by},
            "acknowledged",
        )

    def clear(self, alarm_id: int, by: str) -> Alarm:
        """Clear by hand (raised or acknowledged -> cleared)."""
        return self._transition(
            alarm_id,
            ("raised", "acknowledged"),
            {"state": "cleared", "active": False, "cleared_us": now_us()},
            "cleared",
        )

    def _transition(
        self, alarm_id: int, allowed: tuple[str, ...], values: dict[str, Any], change: str
    ) -> Alarm:
        with self._engine.begin() as conn:
            res = conn.execute(
                update(alarms)
                .where(and_(alarms.c.id == alarm_id, alarms.c.state.in_(allowed)))
                .values(**values)
            )
            if res.rowcount == 0:
                row = conn.execute(select(alarms.c.state).where(alarms.c.id == alarm_id)).first()
                if row is None:
                    raise AlarmNotFound(f"no alarm {alarm_id}")
                raise Conflict(f"alarm {alarm_id} is {row[0]}; cannot become {change}")
            a = row_to_alarm(conn.execute(select(alarms).where(alarms.c.id == alarm_id)).one())
            publish(
                conn,
                "alarm",
                building=a.building,
                storey=a.storey,
                payload={"change": change, **alarm_json(a)},
            )
        return a

    def sweep_stale(self, now: int | None = None) -> builtins.list[int]:
        """Raise stale alarms for sensors silent longer than their rule allows; returns ids."""
        now = now_us() if now is None else now
        specs = self._sensors.cached()
        with self._engine.begin() as conn:
            rules = load_rules(conn)
            cands = stale_candidates(specs, rules)
            if not cands:
                return []
            ev = Evaluator(conn, rules, now, TicketRepository(conn).open_for_alarm)
            due = _stale_due(conn, ev, cands, now)
            if not due:
                return []
            # decide again under the sensors' evaluation locks: another process's sweep or a
            # reading may have raised or ended the staleness since the unlocked look
            lock_sensors(conn, (spec.id for spec, _ in due))
            for spec, c in _stale_due(conn, ev, due, now):
                ev.raise_(spec, c, None, now)
            return ev.raised

    def sync_conditions(
        self, rule: str, kind: str, conditions: Iterable[Condition], now: int | None = None
    ) -> SyncResult:
        """Raise one alarm per condition of ``rule`` that holds and has none active; clear the
        active ones of ``rule`` whose condition no longer holds
        (:mod:`twin.live.condition_alarms`)."""
        if rule not in CONDITION_RULES:
            raise InvalidInput(f"condition rule must be one of {CONDITION_RULES}")
        with self._engine.begin() as conn:
            return sync(conn, rule, kind, conditions, now_us() if now is None else now)

    def maybe_sweep(self) -> None:
        """Stale checks piggy-back on ingest (other sensors), at most every few seconds."""
        if time.monotonic() - self._last_sweep < STALE_SWEEP_INTERVAL_S:
            return
        self._last_sweep = time.monotonic()
        try:
            self.sweep_stale()
        except Exception:
            log.exception("stale sweep failed")


def _stale_due(
    conn: Connection, ev: Evaluator, cands: builtins.list[tuple[SensorSpec, Check]], now: int
) -> builtins.list[tuple[SensorSpec, Check]]:
    """The (sensor, stale check) pairs silent longer than allowed with no active alarm."""
    ids = sorted({spec.id for spec, _ in cands})
    active = ev.active(ids)
    q = select(latest.c.sensor, latest.c.t_us).where(latest.c.sensor.in_(ids))
    last = dict(conn.execute(q).all())
    created = dict(
        conn.execute(select(sensors.c.id, sensors.c.created_us).where(sensors.c.id.in_(ids))).all()
    )
    out = []
    for spec, c in cands:
        seen = int(last.get(spec.id) or created.get(spec.id) or now)
        if (spec.id, c.key) not in active and now - seen > (c.threshold or 0) * 60e6:
            out.append((spec, c))
    return out


def _check_rule(r: AlarmRule) -> None:
    check_fields("rule", r)
    if r.kind not in RULE_KINDS:
        raise InvalidInput(f"rule kind must be one of {RULE_KINDS}")
    if r.severity not in SEVERITIES:
        raise InvalidInput(f"severity must be one of {SEVERITIES}")
    if (r.sensor is None) == (r.quantity is None):
        raise InvalidInput("a rule names exactly one of sensor or quantity")
    need = {
        "above": r.threshold,
        "below": r.threshold,
        "rate": r.rate_per_min,
        "stale": r.stale_minutes,
    }
    if need[r.kind] is None:
        raise InvalidInput(f"a {r.kind!r} rule needs its limit")
