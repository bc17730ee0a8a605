"""Technicians: register, list (available with a skill), position and shift updates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import Principal, PrincipalDep, act_for
from api.deps import CampusDep, StoreDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.technicians import PositionIn, ShiftIn, TechnicianIn, TechnicianOut
from twin.service.technicians import place_technician

router = APIRouter(tags=["technicians"], responses=PROBLEM_RESPONSES)


def _own(who: Principal, technician_id: str) -> None:
    """Technician keys act only for their own technician."""
    act_for(who, technician_id)


@router.get(
    "/technicians", response_model=list[TechnicianOut], summary="Technicians and where they are"
)
def list_technicians(
    store: StoreDep,
    _who: PrincipalDep,
    skill: Annotated[str | None, Query(examples=["medical_gas"])] = None,
    available: Annotated[bool, Query(description="on shift and not busy")] = False,
    building: str | None = None,
) -> list[TechnicianOut]:
    """Technicians with skills, shift, position and current job, filterable by skill, building and
    availability."""
    found = store.technicians.list(skill=skill, available=available, building=building)
    return [TechnicianOut.model_validate(t) for t in found]


@router.post(
    "/technicians",
    status_code=201,
    response_model=TechnicianOut,
    summary="Register or update a technician",
)
def register(
    body: TechnicianIn,
    store: StoreDep,
    who: PrincipalDep,
) -> TechnicianOut:
    """Register a technician with a name, skills and shift, or update one with the same id."""
    t = store.technicians.register(
        body.id, name=body.name, skills=body.skills, actor=who.name, shift=body.shift
    )
    return TechnicianOut.model_validate(t)


@router.get("/technicians/{technician_id}", response_model=TechnicianOut, summary="One technician")
def get_technician(technician_id: str, store: StoreDep, _who: PrincipalDep) -> TechnicianOut:
    """A technician's skills, shift, state and last known position."""
    return TechnicianOut.model_validate(store.technicians.get(technician_id))


@router.put(
    "/technicians/{technician_id}/position",
    response_model=TechnicianOut,
    summary="Where the technician is: a space GlobalId or a point (+ storey)",
)
def put_position(
    technician_id: str,
    body: PositionIn,
    store: StoreDep,
    campus: CampusDep,
    who: PrincipalDep,
) -> TechnicianOut:
    """Report where a technician is, as a room GlobalId or a point on a storey; dispatch ranks from
    here. A technician key moves only itself."""
    _own(who, technician_id)
    t = place_technician(
        store, campus, technician_id, who.name, space=body.space, point=body.point,
        storey=body.storey,
    )  # fmt: skip
    return TechnicianOut.model_validate(t)


@router.put(
    "/technicians/{technician_id}/shift",
    response_model=TechnicianOut,
    summary="Put a technician on or off shift",
)
def put_shift(
    technician_id: str,
    body: ShiftIn,
    store: StoreDep,
    who: PrincipalDep,
) -> TechnicianOut:
    """Start or end a technician's shift; only technicians on shift are dispatched."""
    _own(who, technician_id)
    return TechnicianOut.model_validate(
        store.technicians.set_shift(technician_id, body.shift, who.name)
    )
