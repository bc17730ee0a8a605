"""Moving a work order on behalf of a caller: who may make which move.

The ticket life cycle itself (legal moves, SLA clocks, audit) is the store's
(:class:`twin.live.tickets.TicketRepository`); what a technician key may do to a ticket is a
rule of the service on top of it, kept here so the tickets router only parses and shapes.
"""

from __future__ import annotations

from typing import Any

from twin.errors import Forbidden
from twin.live.records import Ticket
from twin.live.store import LiveStore

__all__ = ["TECHNICIAN_MOVES", "move_ticket"]

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
    return store.tickets.transition(ticket_id, to, actor, note, technician=technician, route=route)
