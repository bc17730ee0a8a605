"""Work orders as the service handles them: opened at a served element or room, moved on
behalf of a caller (who may make which move), exported as BCF.

The ticket life cycle itself (legal moves, SLA clocks, audit) is the store's
(:class:`twin.live.tickets.TicketRepository`); placing a ticket in the served campus and what a
technician key may do to it are rules of the service on top of it, kept here so the tickets
router only parses and shapes.
"""

from __future__ import annotations

from typing import Any

from twin.errors import Forbidden, NotFound
from twin.export.bcf import ticket_bcf_zip
from twin.live.records import Ticket
from twin.live.store import LiveStore
from twin.model import Twin
from twin.service.campus import Campus

__all__ = ["TECHNICIAN_MOVES", "bcf_of_ticket", "move_ticket", "open_ticket", "twin_holding"]

#: What a technician key may do to a ticket assigned to it (decline is ``new``).
TECHNICIAN_MOVES = frozenset({"en_route", "on_site", "resolved", "new"})


def move_ticket(
    store: LiveStore,
    ticket_id: int,
    to: str,
    *,
    actor: str,
    note: str = "",
    technician: str | None = None,
    route: dict[str, Any] | None = None,
    technician_key: bool = False,
    acting_for: str | None = None,
    closing_note: str | None = None,
) -> Ticket:
    """Move ticket ``ticket_id`` to ``to``. A technician key (``technician_key``, acting for the
    technician ``acting_for``) may only move a ticket assigned to that technician, and only to
    en route, on site, resolved, or back to ``new`` (a decline); anything else is Forbidden."""
    if technician_key:
        current = store.tickets.get(ticket_id)
        if current.technician is None or current.technician != acting_for:
            raise Forbidden(f"ticket {ticket_id} is not assigned to you", ticket=ticket_id)
        if to not in TECHNICIAN_MOVES:
            raise Forbidden(f"a technician may not move a ticket to {to!r}")
        if to == "new":
            return store.tickets.decline(ticket_id, current.technician, actor, note)
    return store.tickets.transition(
        ticket_id, to, actor, note, technician=technician, route=route, closing_note=closing_note
    )


def twin_holding(campus: Campus, *guids: str | None) -> Twin | None:
    """The served twin holding the first given GlobalId; None when no model is served or no
    GlobalId is given (NotFound when the first one given is served nowhere)."""
    if len(campus) == 0:
        return None
    for guid in guids:
        if guid:
            return campus.twin_of(guid)
    return None


def open_ticket(
    store: LiveStore,
    campus: Campus,
    *,
    title: str,
    priority: str,
    actor: str,
    description: str = "",
    element: str | None = None,
    space: str | None = None,
    skill: str | None = None,
    requester: str | None = None,
    contact: str | None = None,
) -> Ticket:
    """Open a work order at an element and/or room, placed (storey, building, room of the
    element) by the served twin holding them."""
    return store.tickets.create(
        title=title, priority=priority, actor=actor, description=description, element=element,
        space=space, skill=skill, twin=twin_holding(campus, element, space),
        requester=requester, contact=contact,
    )  # fmt: skip


def bcf_of_ticket(store: LiveStore, campus: Campus, ticket_id: int) -> bytes:
    """The ticket as a BCF topic (``.bcfzip`` bytes); its element's box frames the camera when
    the element is served, else the viewpoint only selects it."""
    ticket = store.tickets.get(ticket_id)
    try:
        twin = twin_holding(campus, ticket.element, ticket.space)
    except NotFound:
        twin = None
    return ticket_bcf_zip(ticket, twin)
