"""Preventive maintenance plans, work orders and inspection certificates (``store.maintenance``).

A plan covers one element or every element of an IFC class or twin kind; the service resolves
which elements (from the campus) and passes them to :meth:`MaintenanceRepository.generate`. Each
order is a ticket (the field's one work list) plus a ``pm_orders`` row keyed by plan, element and
due date: the unique constraint makes generation idempotent, and the rows are inserted in bulk
(one statement per table) so a year of orders for a large hospital takes seconds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from twin.errors import Conflict, InvalidInput, NotFound
from twin.live import audit
from twin.live.bulk import copy_rows, reserve_ids
from twin.live.db import now_us
from twin.live.tables import latest
from twin.live.tables_ops import ticket_transitions, tickets
from twin.live.tables_planned import certificates, pm_orders, pm_plans
from twin.live.tickets import TicketRepository
from twin.live.txn import Db, transaction
from twin.planning.schedule import (
    Compliance,
    add_interval,
    compliance,
    fixed_dues,
    floating_next,
    parse_interval,
)

__all__ = [
    "Certificate",
    "MaintenanceRepository",
    "PmOrder",
    "PmPlan",
    "PmTarget",
]


class PlanNotFound(NotFound):
    slug = "pm-plan-not-found"
    title = "Maintenance plan not found"


class OrderNotFound(NotFound):
    slug = "pm-order-not-found"
    title = "Maintenance order not found"


@dataclass(frozen=True, slots=True)
class PmPlan:
    id: int
    name: str
    element: str | None
    ifc_class: str | None
    kind: str | None
    interval: str
    floating: bool
    anchor: date
    lead_days: int
    checklist: tuple[str, ...]
    skill: str | None
    inspection: bool
    counter_sensor: str | None = None
    counter_every: float | None = None


@dataclass(frozen=True, slots=True)
class PmOrder:
    id: int
    plan: int
    element: str
    due: date
    ticket: int | None
    completed: datetime | None
    results: Mapping[str, Any] | None
    follow_up: int | None = None  # the ticket a failed checklist item opened


@dataclass(frozen=True, slots=True)
class PmTarget:
    """An element a plan applies to, with where it is (copied onto its tickets)."""

    element: str
    name: str = ""
    space: str | None = None
    storey: str | None = None
    building: str | None = None


@dataclass(frozen=True, slots=True)
class Certificate:
    id: int
    element: str
    number: str
    issuer: str
    issued: date
    valid_until: date
    pm_order: int | None


_TICKET_COLS = (
    "id", "title", "description", "priority", "status", "created", "created_by", "element",
    "space", "storey", "building", "skill",
)  # fmt: skip


def _plan(r: Row[Any]) -> PmPlan:
    return PmPlan(
        r.id, r.name, r.element, r.ifc_class, r.kind, r.interval, bool(r.floating),
        date.fromisoformat(r.anchor), r.lead_days, tuple(json.loads(r.checklist)), r.skill,
        bool(r.inspection), r.counter_sensor, r.counter_every,
    )  # fmt: skip


def _order(r: Row[Any]) -> PmOrder:
    done = None if r.completed is None else datetime.fromtimestamp(r.completed / 1e6, UTC)
    res = json.loads(r.results) if r.results else None
    return PmOrder(
        r.id, r.plan, r.element, date.fromisoformat(r.due), r.ticket, done, res, r.follow_up
    )


def _cert(r: Row[Any]) -> Certificate:
    return Certificate(
        r.id, r.element, r.number, r.issuer, date.fromisoformat(r.issued),
        date.fromisoformat(r.valid_until), r.pm_order,
    )  # fmt: skip


def _us(d: datetime) -> int:
    return int(d.timestamp() * 1_000_000)


class MaintenanceRepository:
    """Tables ``pm_plans``, ``pm_orders``, ``certificates`` (orders' tickets in ``tickets``)."""

    def __init__(self, db: Db) -> None:
        self._db = db

    # ---- plans ---------------------------------------------------------------------------
    def create_plan(
        self,
        *,
        name: str,
        interval: str,
        anchor: date,
        actor: str,
        element: str | None = None,
        ifc_class: str | None = None,
        kind: str | None = None,
        floating: bool = False,
        lead_days: int = 14,
        checklist: Sequence[str] = (),
        skill: str | None = None,
        inspection: bool = False,
        counter_sensor: str | None = None,
        counter_every: float | None = None,
    ) -> PmPlan:
        """A plan over exactly one of ``element``, ``ifc_class`` or ``kind``. A counter-based
        plan (``counter_sensor`` + ``counter_every``) targets one element, is floating, and
        falls due when the counter advanced ``counter_every`` since the last completion or when
        its calendar interval has passed, whichever comes first."""
        parse_interval(interval)
        if (counter_sensor is None) != (counter_every is None):
            raise InvalidInput("a counter-based plan needs counter_sensor and counter_every")
        if counter_sensor is not None:
            if element is None:
                raise InvalidInput("a counter-based plan targets one element")
            if not (counter_every or 0) > 0:
                raise InvalidInput("counter_every must be positive")
            floating = True
        if sum(x is not None for x in (element, ifc_class, kind)) != 1:
            raise InvalidInput("a plan targets exactly one of element, ifc_class or kind")
        if not name.strip():
            raise InvalidInput("a plan needs a name")
        if not 0 <= lead_days <= 366:
            raise InvalidInput("lead_days is between 0 and 366", lead_days=lead_days)
        with transaction(self._db) as conn:
            pid = conn.execute(
                insert(pm_plans)
                .values(
                    name=name, element=element, ifc_class=ifc_class, kind=kind,
                    interval=interval, floating=floating, anchor=anchor.isoformat(),
                    lead_days=lead_days, checklist=json.dumps(list(checklist)), skill=skill,
                    inspection=inspection, created=now_us(), created_by=actor,
                    counter_sensor=counter_sensor, counter_every=counter_every,
                )
                .returning(pm_plans.c.id)
            ).scalar_one()  # fmt: skip
            audit.record(conn, actor, "pm.plan.create", f"pm-plan:{pid}", {"name": name})
        return self.plan(int(pid))

    def plan(self, plan_id: int) -> PmPlan:
        with transaction(self._db) as conn:
            r = conn.execute(select(pm_plans).where(pm_plans.c.id == plan_id)).first()
        if r is None:
            raise PlanNotFound(f"no maintenance plan {plan_id}", plan=plan_id)
        return _plan(r)

    def plans(self) -> list[PmPlan]:
        with transaction(self._db) as conn:
            return [_plan(r) for r in conn.execute(select(pm_plans).order_by(pm_plans.c.id))]

    # ---- orders --------------------------------------------------------------------------
    def generate(
        self,
        targets: Mapping[int, Sequence[PmTarget]],
        *,
        today: date,
        actor: str,
        horizon_days: int = 0,
    ) -> list[PmOrder]:
        """Create the orders due up to ``today + lead_days + horizon_days`` for each plan's
        targets, skipping every (plan, element, due) that already has one; the new orders.

        Fixed plans get every due date from the anchor up to that day; floating plans only
        their next one, and only once the previous order is completed."""
        plans = {p.id: p for p in self.plans() if p.id in targets}
        now = now_us()
        with transaction(self._db) as conn:
            have: dict[tuple[int, str], list[tuple[str, int | None, float | None]]] = {}
            q = select(pm_orders.c.plan, pm_orders.c.element, pm_orders.c.due,
                       pm_orders.c.completed, pm_orders.c.counter,
                       ).where(pm_orders.c.plan.in_(list(plans)))  # fmt: skip
            for r in conn.execute(q):
                have.setdefault((r.plan, r.element), []).append((r.due, r.completed, r.counter))
            counters = _counters(conn, [p.counter_sensor for p in plans.values()])
            todo: list[tuple[PmPlan, PmTarget, date]] = []
            for pid, plan in plans.items():
                iv = parse_interval(plan.interval)
                until = today + timedelta(days=plan.lead_days + horizon_days)
                for tg in targets[pid]:
                    prior = have.get((pid, tg.element), [])
                    seen = {d for d, _, _ in prior}
                    if plan.floating:
                        last = max(prior, default=None)
                        if last is not None and last[1] is None:
                            continue
                        done = None if last is None else _day(last[1])
                        due = floating_next(plan.anchor, iv, done)
                        now_value = counters.get(plan.counter_sensor or "")
                        base = (last[2] if last is not None else None) or 0.0
                        if (
                            plan.counter_every is not None and now_value is not None
                            and now_value - base >= plan.counter_every
                        ):  # fmt: skip
                            due = min(due, today)
                        dues = [due] if due <= until else []
                    else:
                        dues = fixed_dues(plan.anchor, iv, until)
                    todo.extend((plan, tg, d) for d in dues if d.isoformat() not in seen)
            if not todo:
                return []
            audit.record(conn, actor, "pm.generate", "pm-orders",
                         {"orders": len(todo), "horizon_days": horizon_days})  # fmt: skip
            ids = reserve_ids(conn, tickets, len(todo))
            made = reserve_ids(conn, pm_orders, len(todo))
            copy_rows(conn, tickets, _TICKET_COLS, [
                (i, f"PM {plan.name}: {tg.name or tg.element} due {d.isoformat()}"[:200],
                 "\n".join(f"[ ] {c}" for c in plan.checklist), "planned", "new", now, actor,
                 tg.element, tg.space, tg.storey, tg.building, plan.skill)
                for i, (plan, tg, d) in zip(ids, todo, strict=True)
            ])  # fmt: skip
            copy_rows(conn, ticket_transitions, ("ticket", "to_status", "actor", "t", "note"),
                      [(i, "new", actor, now, "preventive maintenance") for i in ids])  # fmt: skip
            copy_rows(conn, pm_orders, ("id", "plan", "element", "due", "ticket", "created"), [
                (o, plan.id, tg.element, d.isoformat(), i, now)
                for o, (plan, tg, d), i in zip(made, todo, ids, strict=True)
            ])  # fmt: skip
            return [
                PmOrder(int(oid), plan.id, tg.element, d, int(i), None, None)
                for oid, (plan, tg, d), i in zip(made, todo, ids, strict=True)
            ]

    def order(self, order_id: int) -> PmOrder:
        with transaction(self._db) as conn:
            r = conn.execute(select(pm_orders).where(pm_orders.c.id == order_id)).first()
        if r is None:
            raise OrderNotFound(f"no maintenance order {order_id}", order=order_id)
        return _order(r)

    def orders(
        self,
        *,
        plan: int | None = None,
        element: str | None = None,
        due_from: date | None = None,
        due_to: date | None = None,
        open_only: bool = False,
        limit: int = 1000,
    ) -> list[PmOrder]:
        """Orders by due date, then id."""
        q = select(pm_orders).order_by(pm_orders.c.due, pm_orders.c.id).limit(limit)
        if plan is not None:
            q = q.where(pm_orders.c.plan == plan)
        if element is not None:
            q = q.where(pm_orders.c.element == element)
        if due_from is not None:
            q = q.where(pm_orders.c.due >= due_from.isoformat())
        if due_to is not None:
            q = q.where(pm_orders.c.due <= due_to.isoformat())
        if open_only:
            q = q.where(pm_orders.c.completed.is_(None))
        with transaction(self._db) as conn:
            return [_order(r) for r in conn.execute(q)]

    def complete(
        self,
        order_id: int,
        *,
        actor: str,
        at: datetime,
        results: Mapping[str, Any] | None = None,
    ) -> PmOrder:
        """Record the order done at ``at`` and close its ticket (a transition by ``actor``); a
        checklist result ``false`` is a failed item and opens one follow-up ticket (normal
        priority, same element, room and skill).
        The plan's next due date follows from the completions: a floating plan's next order is
        one interval after ``at``; a fixed plan keeps its calendar. Conflict (409) when the
        order is already completed."""
        t = _us(at)
        with transaction(self._db) as conn:
            r = conn.execute(select(pm_orders).where(pm_orders.c.id == order_id)).first()
            if r is None:
                raise OrderNotFound(f"no maintenance order {order_id}", order=order_id)
            if r.completed is not None:
                raise Conflict("this maintenance order is already completed", order=order_id)
            failed = sorted(k for k, v in (results or {}).items() if v is False)
            follow_up = None
            if failed:
                plan = conn.execute(select(pm_plans.c.name, pm_plans.c.skill).where(
                    pm_plans.c.id == r.plan)).one()  # fmt: skip
                where = conn.execute(
                    select(tickets.c.space, tickets.c.storey, tickets.c.building).where(
                        tickets.c.id == r.ticket)
                ).first()  # fmt: skip
                follow_up = TicketRepository(conn).create(
                    title=f"Follow-up {plan.name}: failed {', '.join(failed)}"[:200],
                    priority="normal", actor=actor, element=r.element,
                    description=f"Failed on preventive maintenance order {order_id} "
                    f"(due {r.due}): " + ", ".join(failed),
                    space=where.space if where else None, storey=where.storey if where else None,
                    building=where.building if where else None, skill=plan.skill,
                ).id  # fmt: skip
            sensor = conn.execute(
                select(pm_plans.c.counter_sensor).where(pm_plans.c.id == r.plan)
            ).scalar_one()
            counter = _counters(conn, [sensor]).get(sensor or "")
            conn.execute(update(pm_orders).where(pm_orders.c.id == order_id).values(
                completed=t, results=json.dumps(dict(results or {})), follow_up=follow_up,
                counter=counter,
            ))  # fmt: skip
            if r.ticket is not None:
                st = conn.execute(
                    select(tickets.c.status).where(tickets.c.id == r.ticket)
                ).scalar_one_or_none()
                if st not in (None, "closed", "cancelled"):
                    conn.execute(update(tickets).where(tickets.c.id == r.ticket).values(
                        status="closed", closed=t, resolved=t
                    ))  # fmt: skip
                    conn.execute(insert(ticket_transitions).values(
                        ticket=r.ticket, from_status=st, to_status="closed", actor=actor, t=t,
                        note="preventive maintenance order completed",
                    ))  # fmt: skip
            audit.record(conn, actor, "pm.order.complete", f"pm-order:{order_id}",
                         {"due": r.due, "element": r.element})  # fmt: skip
        return self.order(order_id)

    def next_due(self, plan_id: int, element: str) -> date | None:
        """The earliest due date of the plan's open order for the element, else (floating)
        one interval after its last completion, else (fixed) the next calendar date after its
        last order; None for a fixed plan without orders before its anchor."""
        plan = self.plan(plan_id)
        iv = parse_interval(plan.interval)
        mine = self.orders(plan=plan_id, element=element, limit=100_000)
        open_ = [o.due for o in mine if o.completed is None]
        if open_:
            return min(open_)
        if not mine:
            return plan.anchor
        last = max(mine, key=lambda o: o.due)
        if plan.floating:
            return floating_next(plan.anchor, iv, last.completed.date() if last.completed else None)
        return add_interval(last.due, iv)

    def compliance(
        self, *, now: datetime, due_from: date | None = None, due_to: date | None = None
    ) -> Compliance:
        """SMRP PM compliance of the orders due in ``[due_from, due_to]`` as of ``now``."""
        ivs = {p.id: parse_interval(p.interval) for p in self.plans()}
        orders = self.orders(due_from=due_from, due_to=due_to, limit=10_000_000)
        return compliance(((o.due, ivs[o.plan], o.completed) for o in orders), now=now)

    # ---- certificates --------------------------------------------------------------------
    def add_certificate(
        self,
        *,
        element: str,
        number: str,
        issuer: str,
        issued: date,
        valid_until: date,
        actor: str,
        pm_order: int | None = None,
    ) -> Certificate:
        if valid_until < issued:
            raise InvalidInput("a certificate's valid_until cannot precede its issue date")
        if not number.strip() or not issuer.strip():
            raise InvalidInput("a certificate needs a number and an issuer")
        with transaction(self._db) as conn:
            if pm_order is not None and conn.execute(
                select(pm_orders.c.id).where(pm_orders.c.id == pm_order)
            ).first() is None:  # fmt: skip
                raise OrderNotFound(f"no maintenance order {pm_order}", order=pm_order)
            cid = conn.execute(
                insert(certificates).values(
                    element=element, number=number, issuer=issuer, issued=issued.isoformat(),
                    valid_until=valid_until.isoformat(), pm_order=pm_order, created=now_us(),
                    created_by=actor,
                ).returning(certificates.c.id)
            ).scalar_one()  # fmt: skip
            audit.record(conn, actor, "certificate.create", f"certificate:{cid}",
                         {"element": element, "number": number})  # fmt: skip
            r = conn.execute(select(certificates).where(certificates.c.id == cid)).one()
        return _cert(r)

    def certificates(
        self, *, element: str | None = None, valid_until_before: date | None = None
    ) -> list[Certificate]:
        """Certificates by ``valid_until`` (soonest first); only the latest certificate of an
        element counts for expiry (a renewed one supersedes the old)."""
        q = select(certificates).order_by(certificates.c.valid_until, certificates.c.id)
        if element is not None:
            q = q.where(certificates.c.element == element)
        with transaction(self._db) as conn:
            rows = [_cert(r) for r in conn.execute(q)]
        if valid_until_before is None:
            return rows
        latest: dict[str, Certificate] = {}
        for c in rows:
            if c.element not in latest or c.valid_until >= latest[c.element].valid_until:
                latest[c.element] = c
        return sorted(
            (c for c in latest.values() if c.valid_until < valid_until_before),
            key=lambda c: (c.valid_until, c.id),
        )


def _counters(conn: Connection, sensor_ids: Iterable[str | None]) -> dict[str, float]:
    """Latest value of each counter sensor that has one."""
    ids = sorted({s for s in sensor_ids if s})
    if not ids:
        return {}
    q = select(latest.c.sensor, latest.c.value).where(latest.c.sensor.in_(ids))
    return {r.sensor: float(r.value) for r in conn.execute(q)}


def _day(us: int | None) -> date | None:
    return None if us is None else datetime.fromtimestamp(us / 1e6, UTC).date()


def expiry_state(c: Certificate, today: date) -> str:
    """``expired`` (valid_until before today) or ``expiring``."""
    return "expired" if c.valid_until < today else "expiring"


def targets_of(pairs: Iterable[tuple[int, PmTarget]]) -> dict[int, list[PmTarget]]:
    out: dict[int, list[PmTarget]] = {}
    for pid, tg in pairs:
        out.setdefault(pid, []).append(tg)
    return out
