"""Work orders: create, list with SLA state, transitions (role-checked), BCF export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.auth import PrincipalDep
from api.deps import CampusDep, SlaDep, StoreDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.tickets import RatingIn, TicketIn, TicketOut, TransitionIn
from api.strict import DbId
from twin.service.tickets import bcf_of_ticket, move_ticket, open_ticket

router = APIRouter(tags=["tickets"], responses=PROBLEM_RESPONSES)


@router.post(
    "/tickets",
    status_code=201,
    response_model=TicketOut,
    summary="Open a work order at an element and/or space",
)
def create_ticket(
    body: TicketIn,
    store: StoreDep,
    campus: CampusDep,
    who: PrincipalDep,
    sla: SlaDep,
) -> TicketOut:
    """Open a work order at an element and/or a room with a priority; its SLA clocks (respond,
    arrive) start now."""
    ticket = open_ticket(
        store, campus, title=body.title, priority=body.priority, actor=who.name,
        description=body.description, element=body.element, space=body.space, skill=body.skill,
        requester=body.requester, contact=body.contact,
    )  # fmt: skip
    return TicketOut.of(ticket, datetime.now(UTC), sla)


@router.get("/tickets", response_model=list[TicketOut], summary="Work orders with SLA state")
def list_tickets(
    store: StoreDep,
    _who: PrincipalDep,
    sla: SlaDep,
    status: Annotated[str | None, Query(examples=["new,assigned"])] = None,
    priority: str | None = None,
    building: str | None = None,
    storey: str | None = None,
    technician: str | None = None,
    at_risk: Annotated[bool | None, Query(description="only at-risk or breached")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[TicketOut]:
    """Work orders with their SLA clocks (respond and arrive due, overdue), filterable by status,
    priority, place and technician."""
    now, pol = datetime.now(UTC), sla
    found = store.tickets.list(
        status=status, priority=priority, building=building, storey=storey,
        technician=technician, limit=limit,
    )  # fmt: skip
    out = [TicketOut.of(t, now, pol) for t in found]
    if at_risk is not None:
        out = [t for t in out if (t.sla["at_risk"] or t.sla["breached"]) == at_risk]
    return out


@router.get("/tickets/{ticket_id}", response_model=TicketOut, summary="One work order")
def get_ticket(ticket_id: DbId, store: StoreDep, _who: PrincipalDep, sla: SlaDep) -> TicketOut:
    """One work order with its place, technician and SLA clocks."""
    return TicketOut.of(store.tickets.get(ticket_id), datetime.now(UTC), sla)


@router.post(
    "/tickets/{ticket_id}/transitions",
    response_model=TicketOut,
    summary="Move a work order through its lifecycle",
    description=(
        "new → assigned → en_route → on_site → resolved → closed; cancelled from any open "
        "state; assigned → new declines. Illegal moves get 409 naming both states. Technician "
        "keys may only move tickets assigned to them (en_route, on_site, resolved, decline)."
    ),
    responses={409: PROBLEM_RESPONSES[422] | {"description": "Illegal transition"}},
)
def transition(
    ticket_id: DbId,
    body: TransitionIn,
    store: StoreDep,
    who: PrincipalDep,
    sla: SlaDep,
) -> TicketOut:
    t = move_ticket(
        store, ticket_id, body.to, actor=who.name, note=body.note, technician=body.technician,
        route=body.route, technician_key=who.role == "technician", acting_for=who.technician,
        closing_note=body.closing_note,
    )  # fmt: skip
    return TicketOut.of(t, datetime.now(UTC), sla)


@router.put(
    "/tickets/{ticket_id}/rating",
    response_model=TicketOut,
    summary="Record the requester's rating of a resolved or closed work order",
    description=(
        "1 (poor) .. 5 (excellent), with an optional comment (kept in the audit log). A later "
        "rating replaces the earlier one. 409 while the ticket is still open."
    ),
    responses={409: PROBLEM_RESPONSES[422] | {"description": "Ticket still open"}},
)
def rate_ticket(
    ticket_id: DbId, body: RatingIn, store: StoreDep, who: PrincipalDep, sla: SlaDep
) -> TicketOut:
    t = store.tickets.rate(ticket_id, body.rating, who.name, body.comment)
    return TicketOut.of(t, datetime.now(UTC), sla)


@router.get(
    "/tickets/{ticket_id}/bcf",
    summary="The work order as a BCF topic (zip) that opens at its element",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def ticket_bcf(ticket_id: DbId, store: StoreDep, campus: CampusDep, _who: PrincipalDep) -> Response:
    """The work order as a BCF topic (zip) whose viewpoint opens at its element in a BIM tool."""
    return Response(
        bcf_of_ticket(store, campus, ticket_id),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="ticket-{ticket_id}.bcfzip"'},
    )
