"""The hazard ledger: every hazard found, its rectification owner and deadline, verified closure.

Lifecycle (docs/hazards.md)::

    new -> rectifying -> awaiting_verification -> closed
     |         ^  |               |
     |         |  +---------------+--> rectifying (verification failed)
     +---------+--> accepted_risk (with an approver)  -> rectifying (reopened)

Rectifying needs an owner and a deadline; accepting the risk needs an approver (the caller
checks the approver's role); closing is a verification, so the hazard's owner may not close it.
A hazard is overdue when its deadline has passed and it is still ``new`` or ``rectifying``.
Every change is stored with actor, time and note, audited, and published as a ``hazard`` event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from twin.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from twin.live import audit
from twin.live.db import now_us
from twin.live.events import publish as publish_event
from twin.live.records import from_us
from twin.live.tables_ops import tickets
from twin.live.tables_safety import hazard_tickets, hazard_transitions, hazards
from twin.live.txn import Db, transaction

__all__ = [
    "CATEGORIES",
    "HAZARD_STATES",
    "HAZARD_TRANSITIONS",
    "OPEN_HAZARD_STATES",
    "RISKS",
    "Hazard",
    "HazardRepository",
    "HazardTransition",
    "is_overdue",
]

CATEGORIES: tuple[str, ...] = ("electrical", "fire", "gas", "water", "structural", "lift", "other")
#: Risk levels, lowest first.
RISKS: tuple[str, ...] = ("low", "medium", "high", "critical")
HAZARD_STATES: tuple[str, ...] = (
    "new",
    "rectifying",
    "awaiting_verification",
    "closed",
    "accepted_risk",
)
HAZARD_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "new": frozenset({"rectifying", "accepted_risk"}),
    "rectifying": frozenset({"awaiting_verification", "accepted_risk"}),
    "awaiting_verification": frozenset({"closed", "rectifying"}),
    "closed": frozenset(),
    "accepted_risk": frozenset({"rectifying"}),
}
#: States in which the deadline still runs (rectification not yet done).
OPEN_HAZARD_STATES = frozenset({"new", "rectifying"})


@dataclass(frozen=True, slots=True)
class HazardTransition:
    from_status: str | None
    to_status: str
    actor: str
    t: datetime
    note: str


@dataclass(frozen=True, slots=True)
class Hazard:
    id: int
    location: str
    space: str | None
    storey: str | None
    building: str | None
    category: str
    risk: str
    description: str
    found_by: str
    found_at: datetime
    owner: str | None
    deadline: datetime | None
    status: str
    approver: str | None
    updated: datetime
    tickets: tuple[int, ...] = ()
    transitions: tuple[HazardTransition, ...] = ()


def is_overdue(h: Hazard, now: datetime) -> bool:
    """Deadline passed while rectification is not done (``new`` or ``rectifying``)."""
    return h.deadline is not None and h.deadline < now and h.status in OPEN_HAZARD_STATES


def _check(category: str | None, risk: str | None) -> None:
    if category is not None and category not in CATEGORIES:
        raise InvalidInput(f"category must be one of {', '.join(CATEGORIES)}", category=category)
    if risk is not None and risk not in RISKS:
        raise InvalidInput(f"risk must be one of {', '.join(RISKS)}", risk=risk)


def _us(dt: datetime | None) -> int | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        raise InvalidInput("times need a time zone (e.g. 2026-12-01T12:00:00Z)")
    return int(dt.timestamp() * 1_000_000)


def _hazard(r: Row[Any], links: tuple[int, ...], trs: tuple[HazardTransition, ...]) -> Hazard:
    return Hazard(
        id=r.id, location=r.location, space=r.space, storey=r.storey, building=r.building,
        category=r.category, risk=r.risk, description=r.description, found_by=r.found_by,
        found_at=from_us(r.found_at), owner=r.owner, deadline=from_us(r.deadline),  # type: ignore[arg-type]
        status=r.status, approver=r.approver, updated=from_us(r.updated),  # type: ignore[arg-type]
        tickets=links, transitions=trs,
    )  # fmt: skip


def _publish(conn: Connection, h: Hazard, change: str) -> None:
    publish_event(
        conn, "hazard", building=h.building, storey=h.storey,
        payload={"id": h.id, "status": h.status, "risk": h.risk, "category": h.category,
                 "location": h.location, "change": change},
    )  # fmt: skip


class HazardRepository:
    """Hazards, their transitions and linked tickets (tables ``hazards``,
    ``hazard_transitions``, ``hazard_tickets``)."""

    def __init__(self, db: Db) -> None:
        self._db = db

    def create(
        self,
        *,
        location: str,
        category: str,
        risk: str,
        description: str,
        actor: str,
        space: str | None = None,
        storey: str | None = None,
        building: str | None = None,
        owner: str | None = None,
        deadline: datetime | None = None,
        found_at: datetime | None = None,
    ) -> Hazard:
        """A new hazard at a room or element (``space``/``storey``/``building`` placed by the
        caller from the served twin)."""
        _check(category, risk)
        if not description.strip():
            raise InvalidInput("a hazard needs a description")
        t = now_us()
        with transaction(self._db) as conn:
            res = conn.execute(hazards.insert().values(
                location=location, space=space, storey=storey, building=building,
                category=category, risk=risk, description=description, found_by=actor,
                found_at=_us(found_at) or t, owner=owner, deadline=_us(deadline), status="new",
                updated=t,
            ))  # fmt: skip
            hid = int(res.inserted_primary_key[0])  # type: ignore[index]
            conn.execute(hazard_transitions.insert().values(
                hazard=hid, from_status=None, to_status="new", actor=actor, t=t, note=""
            ))  # fmt: skip
            audit.record(conn, actor, "hazard.create", f"hazard:{hid}",
                         {"location": location, "category": category, "risk": risk})  # fmt: skip
            h = HazardRepository(conn).get(hid)
            _publish(conn, h, "created")
        return h

    def get(self, hazard_id: int) -> Hazard:
        with transaction(self._db) as conn:
            row = conn.execute(select(hazards).where(hazards.c.id == hazard_id)).first()
            if row is None:
                raise NotFound(f"no hazard {hazard_id}", hazard=hazard_id)
            q = select(hazard_tickets.c.ticket).where(hazard_tickets.c.hazard == hazard_id)
            links = tuple(sorted(r.ticket for r in conn.execute(q)))
            qt = select(hazard_transitions).where(hazard_transitions.c.hazard == hazard_id)
            trs = tuple(
                HazardTransition(r.from_status, r.to_status, r.actor, from_us(r._mapping["t"]),  # type: ignore[arg-type]
                                 r.note or "")
                for r in conn.execute(qt.order_by(hazard_transitions.c.id))
            )  # fmt: skip
            return _hazard(row, links, trs)

    def list(
        self,
        *,
        building: str | None = None,
        storey: str | None = None,
        status: str | None = None,
        category: str | None = None,
        limit: int = 1000,
    ) -> list[Hazard]:
        """Newest first, with linked tickets (not transitions); ``status`` may be a
        comma-separated list."""
        q = select(hazards).order_by(hazards.c.id.desc()).limit(limit)
        if status:
            q = q.where(hazards.c.status.in_(status.split(",")))
        for col, value in (("building", building), ("storey", storey), ("category", category)):
            if value:
                q = q.where(hazards.c[col] == value)
        with transaction(self._db) as conn:
            rows = list(conn.execute(q))
            ids = [r.id for r in rows]
            links: dict[int, list[int]] = {}
            if ids:
                lq = select(hazard_tickets).where(hazard_tickets.c.hazard.in_(ids))
                for r in conn.execute(lq):
                    links.setdefault(r.hazard, []).append(r.ticket)
            return [_hazard(r, tuple(sorted(links.get(r.id, ()))), ()) for r in rows]

    def update(
        self,
        hazard_id: int,
        *,
        actor: str,
        owner: str | None = None,
        deadline: datetime | None = None,
        risk: str | None = None,
        description: str | None = None,
    ) -> Hazard:
        """Set the rectification owner, deadline, risk or description (given fields only);
        Conflict on a closed hazard."""
        _check(None, risk)
        values: dict[str, Any] = {
            k: v for k, v in (("owner", owner), ("risk", risk), ("description", description))
            if v is not None
        }  # fmt: skip
        if deadline is not None:
            values["deadline"] = _us(deadline)
        if not values:
            raise InvalidInput("nothing to change: give owner, deadline, risk or description")
        with transaction(self._db) as conn:
            current = HazardRepository(conn).get(hazard_id)
            if current.status == "closed":
                raise IllegalTransition(f"hazard {hazard_id} is closed", hazard=hazard_id)
            values["updated"] = now_us()
            conn.execute(hazards.update().where(hazards.c.id == hazard_id).values(**values))
            audit.record(conn, actor, "hazard.update", f"hazard:{hazard_id}",
                         {k: v for k, v in values.items() if k != "updated"})  # fmt: skip
            h = HazardRepository(conn).get(hazard_id)
            _publish(conn, h, "updated")
        return h

    def transition(
        self, hazard_id: int, to: str, actor: str, note: str = "", *, approver: str | None = None
    ) -> Hazard:
        """Move a hazard to ``to``: IllegalTransition (409) naming both states when the move is
        not allowed, InvalidInput (422) for an unknown state or a missing owner/deadline
        (rectifying) or approver (accepted risk), Forbidden (403) when the owner would verify
        their own rectification."""
        if to not in HAZARD_STATES:
            raise InvalidInput(f"unknown state {to!r}; states: {', '.join(HAZARD_STATES)}", to=to)
        with transaction(self._db) as conn:
            current = HazardRepository(conn).get(hazard_id)
            frm = current.status
            if to not in HAZARD_TRANSITIONS[frm]:
                raise IllegalTransition(
                    f"hazard {hazard_id} cannot go from {frm!r} to {to!r}",
                    hazard=hazard_id, from_status=frm, to_status=to,
                    allowed=sorted(HAZARD_TRANSITIONS[frm]),
                )  # fmt: skip
            if to == "rectifying" and (current.owner is None or current.deadline is None):
                raise InvalidInput(
                    "rectifying needs a rectification owner and a deadline (set them first)",
                    hazard=hazard_id,
                )
            if to == "accepted_risk" and not approver:
                raise InvalidInput("accepting a risk needs an approver", hazard=hazard_id)
            if to == "closed" and current.owner is not None and actor == current.owner:
                raise Forbidden(
                    f"hazard {hazard_id}: its owner {actor!r} may not verify their own "
                    "rectification", hazard=hazard_id,
                )  # fmt: skip
            t = now_us()
            values: dict[str, Any] = {"status": to, "updated": t}
            if to == "accepted_risk":
                values["approver"] = approver
            conn.execute(hazards.update().where(hazards.c.id == hazard_id).values(**values))
            conn.execute(hazard_transitions.insert().values(
                hazard=hazard_id, from_status=frm, to_status=to, actor=actor, t=t, note=note
            ))  # fmt: skip
            audit.record(conn, actor, f"hazard.{to}", f"hazard:{hazard_id}",
                         {"from": frm, "to": to, "note": note, "approver": approver})  # fmt: skip
            h = HazardRepository(conn).get(hazard_id)
            _publish(conn, h, to)
        return h

    def link_ticket(self, hazard_id: int, ticket_id: int, actor: str) -> Hazard:
        """Link a work order to the hazard (idempotent); NotFound for either missing."""
        with transaction(self._db) as conn:
            h = HazardRepository(conn).get(hazard_id)
            if conn.execute(select(tickets.c.id).where(tickets.c.id == ticket_id)).first() is None:
                raise NotFound(f"no ticket {ticket_id}", ticket=ticket_id)
            if ticket_id not in h.tickets:
                conn.execute(hazard_tickets.insert().values(hazard=hazard_id, ticket=ticket_id))
                audit.record(conn, actor, "hazard.link_ticket", f"hazard:{hazard_id}",
                             {"ticket": ticket_id})  # fmt: skip
            h = HazardRepository(conn).get(hazard_id)
            _publish(conn, h, "linked")
        return h
