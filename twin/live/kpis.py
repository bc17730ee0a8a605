"""The store's side of the command-centre figures: a handful of aggregate queries, each on an
index (:mod:`twin.live.tables_kpis`, ``ix_tickets_status``, ``ix_alarms_state``). Times are
epoch microseconds as everywhere in the store; SLA arithmetic is the service's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, and_, case, func, literal, or_, select

from twin.live.tables import alarms
from twin.live.tables_ops import tickets
from twin.live.tickets import OPEN_STATES

__all__ = ["CLOCKS", "ActiveAlarm", "KpiRepository"]

#: clock name -> the ticket column that stops it
CLOCKS = {"respond": tickets.c.responded, "arrive": tickets.c.arrived}

ACTIVE_ALARM_STATES = ("raised", "acknowledged")


@dataclass(frozen=True, slots=True)
class ActiveAlarm:
    id: int
    severity: str
    element: str | None
    space: str | None
    storey: str | None
    criticality: str


class KpiRepository:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def open_tickets(self) -> dict[tuple[str, str], int]:
        """(priority, status) -> count of open tickets."""
        q = (
            select(tickets.c.priority, tickets.c.status, func.count())
            .where(tickets.c.status.in_(sorted(OPEN_STATES)))
            .group_by(tickets.c.priority, tickets.c.status)
        )
        with self._engine.connect() as conn:
            return {(r[0], r[1]): int(r[2]) for r in conn.execute(q)}

    def sla_counts(
        self,
        now_us: int,
        windows: Mapping[str, int],
        due_us: Mapping[str, tuple[int, int]],
        default_due: tuple[int, int],
    ) -> dict[tuple[str, str, str], int]:
        """(window, clock, met|breached|pending) -> count of the tickets created since the
        window's start (not cancelled). ``due_us``: priority -> (respond, arrive) durations. One
        range scan on ``ix_tickets_created`` from the earliest window start, summed in SQL."""
        c = tickets.c
        cols: list[ColumnElement[int]] = []
        keys: list[tuple[str, str, str]] = []
        for i, (clock, stop) in enumerate(CLOCKS.items()):
            span = case(
                *((c.priority == p, literal(d[i])) for p, d in sorted(due_us.items())),
                else_=literal(default_due[i]),
            )
            due = c.created + span
            outcome = {
                "met": and_(stop.is_not(None), stop <= due),
                "breached": or_(stop > due, and_(stop.is_(None), due < now_us)),
                "pending": and_(stop.is_(None), due >= now_us),
            }
            for name, since in windows.items():
                for o, cond in outcome.items():
                    cols.append(func.sum(case((and_(c.created >= since, cond), 1), else_=0)))
                    keys.append((name, clock, o))
        q = select(*cols).where(c.created >= min(windows.values()), c.status != "cancelled")
        with self._engine.connect() as conn:
            row = conn.execute(q).one()
        return {k: int(v or 0) for k, v in zip(keys, row, strict=True)}

    def mean_repair_us(self, since_us: int) -> tuple[float | None, int]:
        """Mean (resolved - created) of tickets created since ``since_us`` and resolved."""
        c = tickets.c
        q = select(func.avg(c.resolved - c.created), func.count()).where(
            c.created >= since_us, c.resolved.is_not(None), c.status != "cancelled"
        )
        with self._engine.connect() as conn:
            avg, n = conn.execute(q).one()
        return (None if avg is None else float(avg)), int(n)

    def mean_ack_us(self, since_us: int) -> tuple[float | None, int]:
        """Mean (acknowledged - raised) of alarms raised since ``since_us``, and how many."""
        c = alarms.c
        q = select(func.avg(c.acknowledged_us - c.raised_us), func.count()).where(
            c.raised_us >= since_us, c.acknowledged_us.is_not(None)
        )
        with self._engine.connect() as conn:
            avg, n = conn.execute(q).one()
        return (None if avg is None else float(avg)), int(n)

    def active_alarms(self) -> list[ActiveAlarm]:
        c = alarms.c
        q = select(c.id, c.severity, c.element, c.space, c.storey, c.criticality).where(
            c.state.in_(ACTIVE_ALARM_STATES)
        )
        with self._engine.connect() as conn:
            return [ActiveAlarm(*r) for r in conn.execute(q.order_by(c.id))]
