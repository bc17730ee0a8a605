"""Lock-out of work orders: the isolation plan from the networks, locks, restoring supply."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import Principal, PrincipalDep
from api.deps import CampusDep, StoreDep
from api.errors import PROBLEM_RESPONSES
from api.problem_docs import problem_response
from api.schemas.lockout import LockIn, LockOut, LockoutPlanOut, RestorationOut, RestoreIn
from api.strict import DbId
from twin.service.lockout import lock_point, plan_for_ticket, release_lock

router = APIRouter(
    tags=["lockout"],
    responses={**PROBLEM_RESPONSES, 409: problem_response(409, "Locks still on")},
)


def _who(p: Principal) -> str:
    """The person a lock belongs to: a technician key's technician, else the key's name."""
    return p.technician or p.name


@router.get(
    "/tickets/{ticket_id}/isolation-plan",
    response_model=LockoutPlanOut,
    summary="The work order's isolation plan: points to lock, rooms that lose supply",
    description="From the distribution networks: the fewest valves, breakers and dampers "
    "cutting the order's element off, the rooms (critical first) that lose supply when they "
    "are closed, and a notice per critical department hit. `possible` false is carried as the "
    "networks answer it, with their reason and suggestions. 409 when the order is not on an "
    "element.",
)
def isolation_plan(
    ticket_id: DbId, store: StoreDep, campus: CampusDep, _who_: PrincipalDep
) -> LockoutPlanOut:
    plan = plan_for_ticket(store, campus, ticket_id)
    out = LockoutPlanOut.model_validate(plan)
    out.locks_on = sum(1 for lock in store.locks.list(ticket_id) if lock.on)
    return out


@router.get(
    "/tickets/{ticket_id}/locks",
    response_model=list[LockOut],
    summary="Locks of a work order (on and released)",
)
def list_locks(ticket_id: DbId, store: StoreDep, _who_: PrincipalDep) -> list[LockOut]:
    """The lock-out points of a work order, those still locked and those released, with who locked
    them and with which tag."""
    return [LockOut.model_validate(lock) for lock in store.locks.list(ticket_id)]


@router.post(
    "/tickets/{ticket_id}/locks",
    status_code=201,
    response_model=LockOut,
    summary="Lock an isolation point of the work order",
    description="Records who locked which point, when, with which key or tag. The point must "
    "be one of the plan's points (or a source the plan suggests shutting down where no "
    "isolation is possible): 422 otherwise; 409 when already locked or the order is finished.",
)
def add_lock(
    ticket_id: DbId, body: LockIn, store: StoreDep, campus: CampusDep, who: PrincipalDep
) -> LockOut:
    lock = lock_point(
        store, campus, ticket_id, body.point, key_tag=body.key_tag, by=_who(who), note=body.note
    )
    return LockOut.model_validate(lock)


@router.post(
    "/tickets/{ticket_id}/locks/{lock_id}/release",
    response_model=LockOut,
    summary="Release a lock (its owner or a supervisor)",
    description="Only the person who put the lock on, or a supervisor (operator, admin key), "
    "may release it: 403 otherwise; 409 when it is already released.",
)
def release(ticket_id: DbId, lock_id: DbId, store: StoreDep, who: PrincipalDep) -> LockOut:
    lock = release_lock(store, ticket_id, lock_id, by=_who(who), role=who.role)
    return LockOut.model_validate(lock)


@router.post(
    "/tickets/{ticket_id}/restore",
    status_code=201,
    response_model=RestorationOut,
    summary="Record that supply is restored (every lock released first)",
    description="409 naming the points still locked when any lock is on.",
)
def restore(ticket_id: DbId, body: RestoreIn, store: StoreDep, who: PrincipalDep) -> RestorationOut:
    return RestorationOut.model_validate(
        store.locks.restore(ticket_id, by=_who(who), note=body.note)
    )
