"""Work orders: creation (by hand or from an alarm), a lifecycle state machine, assignment.

Lifecycle::

    new -> assigned -> en_route -> on_site -> resolved -> closed
     |        |  \\________________^   |
     |        +--> new (decline, for re-dispatch)
     +--------+-------+--------------+--> cancelled   (from any open state)

Every transition is stored with actor, time and note, audited, and published as a ``ticket``
event. :class:`TicketRepository` is bound to the engine (``store.tickets``: each call its own
transaction) or to a connection (``store.transaction()``: every call joins it).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Row, select

from twin.errors import IllegalTransition, InvalidInput, NotFound
from twin.live import audit
from twin.live.db import now_us
from twin.live.events import publish as publish_event
from twin.live.lockout import LOCK_BLOCKED, refuse_if_locked
from twin.live.records import Alarm, Ticket, Transition, from_us
from twin.live.sla import PRIORITIES
from twin.live.tables import sensors
from twin.live.tables_ops import technicians, ticket_transitions, tickets
from twin.live.txn import Db, transaction
from twin.model import Twin

__all__ = [
    "CLOSING_STATES",
    "OPEN_STATES",
    "STATES",
    "TRANSITIONS",
    "TicketRepository",
    "place_of",
    "publish",
    "skill_for_quantity",
]

log = logging.getLogger(__name__)

STATES: tuple[str, ...] = (
    "new",
    "assigned",
    "en_route",
    "on_site",
    "resolved",
    "closed",
    "cancelled",
)
OPEN_STATES = frozenset({"new", "assigned", "en_route", "on_site"})
#: States a closing note may be written on entering, and a rating given in.
CLOSING_STATES = frozenset({"resolved", "closed"})
TRANSITIONS: Mapping[str, frozenset[str]] = {
    "new": frozenset({"assigned", "cancelled"}),
    "assigned": frozenset({"en_route", "on_site", "new", "cancelled"}),
    "en_route": frozenset({"on_site", "cancelled"}),
    "on_site": frozenset({"resolved", "cancelled"}),
    "resolved": frozenset({"closed"}),
    "closed": frozenset(),
    "cancelled": frozenset(),
}
_STAMP = {"assigned": "responded", "on_site": "arrived", "resolved": "resolved", "closed": "closed"}


def publish(conn: Connection, kind: str, ticket: Ticket | None = None, **payload: Any) -> None:
    """Publish a ``ticket`` or ``technician`` event in the caller's transaction; a ticket's id,
    status, priority, technician and title lead the payload."""
    building = payload.pop("building", ticket.building if ticket else None)
    storey = payload.pop("storey", ticket.storey if ticket else None)
    if ticket is not None:
        payload = {
            "id": ticket.id,
            "status": ticket.status,
            "priority": ticket.priority,
            "technician": ticket.technician,
            "title": ticket.title,
            **payload,
        }
    publish_event(conn, kind, building=building, storey=storey, payload=payload)


def place_of(
    twin: Twin | None, element: str | None, space: str | None
) -> tuple[str | None, str | None]:
    """(storey, building) of an element or space GlobalId in ``twin`` (either may be None)."""
    if twin is None:
        return None, None
    storey = None
    if element:
        el = twin.element(element)
        storey = el.storey
        space = space or el.space
    if storey is None and space:
        storey = twin.space(space).storey
    building = twin.storeys[storey].building if storey and storey in twin.storeys else None
    return storey, building


def _row_ticket(r: Row[Any], transitions: tuple[Transition, ...] = ()) -> Ticket:
    return Ticket(
        id=r.id, title=r.title, priority=r.priority, status=r.status,
        created=from_us(r.created),  # type: ignore[arg-type]
        created_by=r.created_by, description=r.description or "", element=r.element,
        space=r.space, storey=r.storey, building=r.building, skill=r.skill, alarm=r.alarm,
        technician=r.technician, responded=from_us(r.responded), arrived=from_us(r.arrived),
        resolved=from_us(r.resolved), closed=from_us(r.closed),
        route=json.loads(r.route) if r.route else None, transitions=transitions,
        requester=r.requester, contact=r.contact, closing_note=r.closing_note, rating=r.rating,
    )  # fmt: skip


def _record_transition(
    conn: Connection, ticket: int, frm: str | None, to: str, actor: str, t: int, note: str
) -> None:
    conn.execute(ticket_transitions.insert().values(
        ticket=ticket, from_status=frm, to_status=to, actor=actor, t=t, note=note
    ))  # fmt: skip


#: Which trade a sensor's quantity calls for (substring match, first hit wins).
_QUANTITY_SKILLS: tuple[tuple[str, str], ...] = (
    ("oxygen", "medical_gas"), ("o2", "medical_gas"), ("medical_gas", "medical_gas"),
    ("vacuum", "medical_gas"), ("nitrous", "medical_gas"), ("lift", "lifts"),
    ("power", "electrical"), ("voltage", "electrical"), ("current", "electrical"),
    ("energy", "electrical"), ("water", "plumbing"), ("leak", "plumbing"), ("flow", "plumbing"),
    ("temperature", "hvac"), ("humidity", "hvac"), ("co2", "hvac"), ("pm", "hvac"),
    ("pressure", "hvac"), ("run", "hvac"),
)  # fmt: skip


def skill_for_quantity(quantity: str | None) -> str:
    """The skill an alarm on ``quantity`` needs: oxygen pressure -> medical_gas, power ->
    electrical, room temperature -> hvac, ...; ``general`` when nothing matches."""
    q = (quantity or "").lower().replace(" ", "_")
    return next((skill for key, skill in _QUANTITY_SKILLS if key in q), "general")


class TicketRepository:
    """Tickets and their transitions (tables ``tickets``, ``ticket_transitions``)."""

    def __init__(self, db: Db) -> None:
        self._db = db

    def create(
        self,
        *,
        title: str,
        priority: str,
        actor: str,
        description: str = "",
        element: str | None = None,
        space: str | None = None,
        storey: str | None = None,
        building: str | None = None,
        skill: str | None = None,
        alarm: int | None = None,
        twin: Twin | None = None,
        requester: str | None = None,
        contact: str | None = None,
    ) -> Ticket:
        """A new ticket attached to an element and/or space; storey/building come from
        ``twin``; ``requester`` and ``contact`` say who asked and how to reach them."""
        if priority not in PRIORITIES:
            raise InvalidInput(
                f"priority must be one of {', '.join(PRIORITIES)}", priority=priority
            )
        if not title.strip():
            raise InvalidInput("a ticket needs a title")
        if twin is not None and (element or space):
            storey, building = place_of(twin, element, space)
            if element and not space:
                space = twin.element(element).space
        t = now_us()
        with transaction(self._db) as conn:
            res = conn.execute(tickets.insert().values(
                title=title, description=description, priority=priority, status="new",
                created=t, created_by=actor, element=element, space=space, storey=storey,
                building=building, skill=skill, alarm=alarm, requester=requester,
                contact=contact,
            ))  # fmt: skip
            tid = int(res.inserted_primary_key[0])  # type: ignore[index]
            _record_transition(conn, tid, None, "new", actor, t, description[:200])
            audit.record(
                conn,
                actor,
                "ticket.create",
                f"ticket:{tid}",
                {"priority": priority, "element": element, "space": space, "alarm": alarm},
            )
            ticket = TicketRepository(conn).get(tid)
            publish(conn, "ticket", ticket, change="created")
        return ticket

    def open_for_alarm(self, alarm: Alarm, priority: str) -> int:
        """The ticket an auto-ticketing alarm rule opens, in this repository's transaction; its
        id. The skill comes from the sensor's quantity so dispatch sends the right trade."""
        title = f"{alarm.severity} alarm: {alarm.message or alarm.kind} ({alarm.sensor})"
        with transaction(self._db) as conn:
            q = select(sensors.c.quantity).where(sensors.c.id == alarm.sensor)
            ticket = TicketRepository(conn).create(
                title=title[:200], priority=priority, actor="alarm", alarm=alarm.id,
                description=f"Raised {alarm.raised.isoformat()} by {alarm.rule}; value "
                f"{alarm.value}, threshold {alarm.threshold}; room criticality "
                f"{alarm.criticality}.",
                element=alarm.element, space=alarm.space, storey=alarm.storey,
                building=alarm.building,
                skill=skill_for_quantity(conn.execute(q).scalar_one_or_none()),
            )  # fmt: skip
        return ticket.id

    def get(self, ticket_id: int) -> Ticket:
        """The ticket with its transitions, oldest first; NotFound if there is none."""
        with transaction(self._db) as conn:
            row = conn.execute(select(tickets).where(tickets.c.id == ticket_id)).first()
            if row is None:
                raise NotFound(f"no ticket {ticket_id}", ticket=ticket_id)
            q = select(ticket_transitions).where(ticket_transitions.c.ticket == ticket_id)
            trs = tuple(
                Transition(ticket=ticket_id, from_status=r.from_status, to_status=r.to_status,
                           actor=r.actor, t=from_us(r._mapping["t"]), note=r.note or "")  # type: ignore[arg-type]
                for r in conn.execute(q.order_by(ticket_transitions.c.id))
            )  # fmt: skip
            return _row_ticket(row, trs)

    def list(
        self,
        *,
        status: str | None = None,
        priority: str | None = None,
        building: str | None = None,
        storey: str | None = None,
        technician: str | None = None,
        open_only: bool = False,
        limit: int = 500,
    ) -> list[Ticket]:
        """Newest first, without transitions; ``status`` may be a comma-separated list."""
        q = select(tickets).order_by(tickets.c.id.desc()).limit(limit)
        if status:
            q = q.where(tickets.c.status.in_(status.split(",")))
        if open_only:
            q = q.where(tickets.c.status.in_(sorted(OPEN_STATES)))
        for col, value in (("priority", priority), ("building", building), ("storey", storey),
                           ("technician", technician)):  # fmt: skip
            if value:
                q = q.where(tickets.c[col] == value)
        with transaction(self._db) as conn:
            return [_row_ticket(r) for r in conn.execute(q)]

    def transition(
        self,
        ticket_id: int,
        to: str,
        actor: str,
        note: str = "",
        *,
        technician: str | None = None,
        route: Mapping[str, Any] | None = None,
        closing_note: str | None = None,
    ) -> Ticket:
        """Move a ticket to ``to``; IllegalTransition (409) names both states when not allowed.
        ``technician`` is required for ``assigned``; declining (``assigned -> new``) clears
        it. ``closing_note`` (what was done) is taken when resolving or closing only."""
        if to not in STATES:
            raise InvalidInput(f"unknown state {to!r}; states: {', '.join(STATES)}", to=to)
        if closing_note is not None and to not in CLOSING_STATES:
            raise InvalidInput(
                "a closing note is written when resolving or closing a ticket", to=to
            )
        with transaction(self._db) as conn:
            row = conn.execute(select(tickets).where(tickets.c.id == ticket_id)).first()
            if row is None:
                raise NotFound(f"no ticket {ticket_id}", ticket=ticket_id)
            frm = row.status
            if to not in TRANSITIONS[frm]:
                raise IllegalTransition(
                    f"ticket {ticket_id} cannot go from {frm!r} to {to!r}",
                    ticket=ticket_id, from_status=frm, to_status=to,
                    allowed=sorted(TRANSITIONS[frm]),
                )  # fmt: skip
            if to in LOCK_BLOCKED:  # lock-out: every lock released first (docs/lockout.md)
                refuse_if_locked(conn, ticket_id, f"go to {to!r}")
            t = now_us()
            values: dict[str, Any] = {"status": to}
            if to == "assigned":
                if not technician:
                    raise InvalidInput("assigning a ticket needs a technician")
                q = select(technicians.c.id).where(technicians.c.id == technician)
                if conn.execute(q).first() is None:
                    raise NotFound(f"no technician {technician!r}", technician=technician)
                values["technician"] = technician
                values["route"] = json.dumps(route) if route is not None else None
            elif to == "new":
                values.update(technician=None, route=None)
            if closing_note is not None:
                values["closing_note"] = closing_note
            stamp = _STAMP.get(to)
            if stamp and getattr(row, stamp) is None:
                values[stamp] = t
            conn.execute(tickets.update().where(tickets.c.id == ticket_id).values(**values))
            _record_transition(conn, ticket_id, frm, to, actor, t, note)
            audit.record(
                conn,
                actor,
                f"ticket.{to}",
                f"ticket:{ticket_id}",
                {"from": frm, "to": to, "note": note, "technician": values.get("technician")},
            )
            ticket = TicketRepository(conn).get(ticket_id)
            publish(conn, "ticket", ticket, change=to)
            if technician or row.technician:
                publish(
                    conn,
                    "technician",
                    None,
                    building=ticket.building,
                    storey=ticket.storey,
                    id=technician or row.technician,
                    busy_with=ticket.id if to != "new" else None,
                )
        return ticket

    def rate(self, ticket_id: int, rating: int, actor: str, comment: str = "") -> Ticket:
        """The requester's rating (1..5) of a resolved or closed ticket; a later rating
        replaces it (both are audited). IllegalTransition (409) while the work is open."""
        if not 1 <= rating <= 5:
            raise InvalidInput("a rating is 1 .. 5", rating=rating)
        with transaction(self._db) as conn:
            row = conn.execute(select(tickets.c.status).where(tickets.c.id == ticket_id)).first()
            if row is None:
                raise NotFound(f"no ticket {ticket_id}", ticket=ticket_id)
            if row.status not in CLOSING_STATES:
                raise IllegalTransition(
                    f"ticket {ticket_id} is {row.status!r}: rate it once resolved or closed",
                    ticket=ticket_id, from_status=row.status, to_status=row.status,
                )  # fmt: skip
            conn.execute(tickets.update().where(tickets.c.id == ticket_id).values(rating=rating))
            audit.record(conn, actor, "ticket.rate", f"ticket:{ticket_id}",
                         {"rating": rating, "comment": comment})  # fmt: skip
            ticket = TicketRepository(conn).get(ticket_id)
            publish(conn, "ticket", ticket, change="rated")
        return ticket

    def assign(
        self,
        ticket_id: int,
        technician_id: str,
        actor: str,
        route: Mapping[str, Any] | None = None,
    ) -> Ticket:
        """Dispatch: ``new -> assigned`` to ``technician_id``, keeping the route JSON it was
        sent."""
        note = f"assigned to {technician_id}"
        return self.transition(ticket_id, "assigned", actor, note,
                               technician=technician_id, route=route)  # fmt: skip

    def decline(self, ticket_id: int, technician_id: str, actor: str, reason: str) -> Ticket:
        """The assigned technician turns the job down: back to ``new`` for re-dispatch."""
        with transaction(self._db) as conn:
            repo = TicketRepository(conn)
            current = repo.get(ticket_id)
            if current.technician != technician_id:
                raise IllegalTransition(
                    f"ticket {ticket_id} is not assigned to {technician_id!r}",
                    ticket=ticket_id, from_status=current.status, to_status="new",
                )  # fmt: skip
            return repo.transition(
                ticket_id, "new", actor, f"declined by {technician_id}: {reason}"
            )
