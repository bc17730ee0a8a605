"""Lock-out as the service runs it: a work order's isolation plan from the served networks, and
locks checked against that plan before the store records them.

The plan is computed on demand from the served twin (the networks are memoised per twin), so it
follows the model the service serves; the locks are live state in the store
(:class:`twin.live.lockout.LockRepository`).
"""

from __future__ import annotations

from twin.analysis.lockout import LockoutPlan, lockable_points, lockout_plan
from twin.distribution import impact, isolate
from twin.errors import Conflict, InvalidInput
from twin.live.lockout import Lock
from twin.live.store import LiveStore
from twin.service.campus import Campus
from twin.service.networks import twin_and_networks

__all__ = ["SUPERVISOR_ROLES", "lock_point", "plan_for_ticket", "release_lock"]

#: Roles that may release anyone's lock (a technician releases only their own).
SUPERVISOR_ROLES = frozenset({"operator", "admin"})


def plan_for_ticket(store: LiveStore, campus: Campus, ticket_id: int) -> LockoutPlan:
    """The isolation plan of the element the work order is on; Conflict (409) when the order is
    not on an element (a room-only order has nothing to isolate)."""
    ticket = store.tickets.get(ticket_id)
    if not ticket.element:
        raise Conflict(
            f"ticket {ticket_id} is not on a distribution element: no isolation plan",
            ticket=ticket_id,
        )
    twin, nets = twin_and_networks(campus, ticket.element)
    iso = isolate(nets, ticket.element, twin=twin)
    closed = impact(nets, twin, iso.guids) if iso.possible and iso.guids else None
    sources = [g for s in iso.suggestions if s.kind == "shut_down_source" for g in s.guids]
    shutdown = impact(nets, twin, sources) if not iso.possible and sources else None
    return lockout_plan(ticket_id, ticket.element, twin, iso, closed, shutdown)


def lock_point(
    store: LiveStore,
    campus: Campus,
    ticket_id: int,
    point: str,
    *,
    key_tag: str,
    by: str,
    note: str = "",
) -> Lock:
    """Lock ``point`` for the work order: it must be one of the plan's points (or, where no
    isolation is possible, a source the plan suggests shutting down); 422 otherwise."""
    allowed = lockable_points(plan_for_ticket(store, campus, ticket_id))
    if point not in allowed:
        raise InvalidInput(
            f"{point} is not an isolation point of ticket {ticket_id}'s plan",
            point=point, lockable=sorted(allowed),
        )  # fmt: skip
    return store.locks.lock(
        ticket_id, point, key_tag=key_tag, by=by, point_name=allowed[point], note=note
    )


def release_lock(store: LiveStore, ticket_id: int, lock_id: int, *, by: str, role: str) -> Lock:
    """Release a lock as ``by``; operators and admins are supervisors."""
    return store.locks.release(ticket_id, lock_id, by=by, supervisor=role in SUPERVISOR_ROLES)
