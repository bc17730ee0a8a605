"""The store's side of the command-centre figures: a handful of aggregate queries, each on an
index (:mod:`twin.live.tables_kpis`, ``ix_tickets_status``, ``ix_alarms_state``). Times are
epoch microseconds as everywhere in the store; SLA arithmetic is the service's."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from twin.live.tables import alarms
from twin.live.tables_ops import tickets
from twin.live.tickets import OPEN_STATES

__all__ = ["ActiveAlarm", "KpiRepository", "TicketTimes"]

ACTIVE_ALARM_STATES = ("raised", "acknowledged")


@dataclass(frozen=True, slots=True)
class TicketTimes:
    id: int
    priority: str
    status: str
    created: int
    responded: int | None
    arrived: int | None
    resolved: int | None


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

    def tickets_since(self, since_us: int) -> list[TicketTimes]:
        """Tickets created at or after ``since_us`` (not cancelled), their clocks' stamps."""
        c = tickets.c
        q = select(c.id, c.priority, c.status, c.created, c.responded, c.arrived, c.resolved)
        q = q.where(c.created >= since_us, c.status != "cancelled")
        with self._engine.connect() as conn:
            return [TicketTimes(*r) for r in conn.execute(q.order_by(c.created))]

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
