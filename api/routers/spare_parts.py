"""Spare parts: the stock list, movements (received, consumed, counted) and the parts used on a
work order; a part at or below its minimum raises a low-stock alarm (twin.live.spare_parts)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.auth import PrincipalDep
from api.deps import StoreDep
from api.errors import PROBLEM_RESPONSES
from api.problem_docs import problem_response
from api.schemas.spare_parts import ConsumeIn, MovementIn, MovementOut, PartIn, PartOut
from api.strict import DbId

router = APIRouter(tags=["spare parts"], responses=PROBLEM_RESPONSES)

#: a movement that would leave less than nothing on the shelf
_SHORT: dict[int | str, dict[str, Any]] = {409: problem_response(409, "Not that much in stock")}

Sku = Annotated[str, Path(min_length=1, max_length=64, examples=["VB-SPA-1250"])]


@router.get("/spare-parts", response_model=list[PartOut], summary="The spare-parts stock list")
def list_parts(
    store: StoreDep,
    _who: PrincipalDep,
    low: Annotated[bool, Query(description="only parts at or below their minimum")] = False,
) -> list[PartOut]:
    """Spare parts with their stock; parts below their minimum are flagged low."""
    return [PartOut.model_validate(p) for p in store.spare_parts.list(low=low)]


@router.put("/spare-parts/{sku}", response_model=PartOut, summary="Define or update a part")
def put_part(sku: Sku, body: PartIn, store: StoreDep, who: PrincipalDep) -> PartOut:
    """Define a spare part or update its name, unit and minimum stock."""
    part = store.spare_parts.define(
        sku, name=body.name, unit=body.unit, min_quantity=body.min_quantity, actor=who.name,
        location=body.location,
    )  # fmt: skip
    return PartOut.model_validate(part)


@router.get("/spare-parts/{sku}", response_model=PartOut, summary="One part")
def get_part(sku: Sku, store: StoreDep, _who: PrincipalDep) -> PartOut:
    """One spare part with its stock level."""
    return PartOut.model_validate(store.spare_parts.get(sku))


@router.post(
    "/spare-parts/{sku}/movements",
    status_code=201,
    response_model=PartOut,
    summary="Receive, consume or count stock (409 when it would go below zero)",
    responses=_SHORT,
)
def post_movement(sku: Sku, body: MovementIn, store: StoreDep, who: PrincipalDep) -> PartOut:
    """Receive, consume or count stock of a part; refused (409) when it would take the stock below
    zero."""
    if body.ticket is not None:
        store.tickets.get(body.ticket)
    part = store.spare_parts.move(
        sku, body.delta, reason=body.reason, actor=who.name, ticket=body.ticket, note=body.note
    )
    return PartOut.model_validate(part)


@router.get(
    "/spare-parts/{sku}/movements", response_model=list[MovementOut], summary="A part's history"
)
def part_movements(sku: Sku, store: StoreDep, _who: PrincipalDep) -> list[MovementOut]:
    """Every movement of a part's stock, newest first."""
    store.spare_parts.get(sku)
    return [MovementOut.model_validate(m) for m in store.spare_parts.movements(sku=sku)]


@router.post(
    "/tickets/{ticket_id}/parts",
    status_code=201,
    response_model=PartOut,
    summary="Parts used on a work order (consumed from stock)",
    responses=_SHORT,
)
def consume_on_ticket(
    ticket_id: DbId, body: ConsumeIn, store: StoreDep, who: PrincipalDep
) -> PartOut:
    """Book parts used on a work order; they are consumed from stock."""
    store.tickets.get(ticket_id)
    part = store.spare_parts.move(
        body.sku, -body.quantity, reason="consume", actor=who.name, ticket=ticket_id,
        note=body.note,
    )  # fmt: skip
    return PartOut.model_validate(part)


@router.get(
    "/tickets/{ticket_id}/parts", response_model=list[MovementOut], summary="Parts used on a ticket"
)
def ticket_parts(ticket_id: DbId, store: StoreDep, _who: PrincipalDep) -> list[MovementOut]:
    """Parts booked on a work order."""
    store.tickets.get(ticket_id)
    return [MovementOut.model_validate(m) for m in store.spare_parts.movements(ticket=ticket_id)]
