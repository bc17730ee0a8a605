"""Dispatch that acts: assign a ticket's best technician, or take a decline and re-dispatch.

The ranking is pure (:func:`twin.analysis.dispatch.rank`); acting on it changes the live store
(the ticket's assignment, with the chosen technician's route) and, for a request, needs the
served campus to find the ticket's building and its navigation graph. That is the serving
layer's job, so it lives here and the analysis never sees the store or the campus.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from twin.analysis.dispatch import Candidate, decliners, rank, rank_by, whereabouts
from twin.errors import InvalidInput, NoRoute, NotFound
from twin.live.records import Ticket
from twin.live.sla import DEFAULT_SLA, SlaPolicy
from twin.live.store import LiveStore, Repositories
from twin.model import Twin
from twin.navigation.campus_graph import CampusPlace
from twin.navigation.navgraph import NavGraph, Restrictions
from twin.navigation.routes import route
from twin.service.campus import Campus
from twin.service.campus_routes import Site
from twin.service.derived import navigation_of

__all__ = [
    "DispatchResult",
    "decline",
    "decline_ticket",
    "dispatch",
    "dispatch_on_site",
    "dispatch_ticket",
    "ticket_twin",
]


@dataclass
class DispatchResult:
    ticket: Ticket
    chosen: Candidate
    candidates: list[Candidate]
    route: dict[str, Any]


def ticket_twin(campus: Campus, store: Repositories, ticket_id: int) -> Twin:
    """The served model holding the ticket's element or space (where the technician goes)."""
    t = store.tickets.get(ticket_id)
    target = t.element or t.space
    if target is None:
        raise InvalidInput(f"ticket {ticket_id} names no element or space to go to")
    return campus.twin_of(target)


def _deadline(ticket: Ticket, policies: Mapping[str, SlaPolicy]) -> datetime:
    policy = policies.get(ticket.priority) or policies["normal"]
    return ticket.created + policy.arrive


def dispatch(
    store: Repositories,
    nav: NavGraph,
    ticket_id: int,
    *,
    actor: str,
    now: datetime,
    technician_id: str | None = None,
    restrictions: Restrictions | None = None,
    profile: str = "walking",
    policies: Mapping[str, SlaPolicy] = DEFAULT_SLA,
) -> DispatchResult:
    """Assign the best eligible technician (or ``technician_id``) with the route attached.

    A chosen technician who cannot make the SLA (``policies``, the app's SLA table) is still
    assigned when named explicitly (the operator decided); without a name, only eligible
    technicians are picked.
    """
    ticket = store.tickets.get(ticket_id)
    target = ticket.element or ticket.space
    if target is None:
        raise InvalidInput(f"ticket {ticket_id} names no element or space to go to")
    cands = rank(
        nav, target, store.technicians.list(available=False), skill=ticket.skill,
        priority_deadline=_deadline(ticket, policies), now=now, restrictions=restrictions,
        profile=profile, exclude=decliners(ticket),
    )  # fmt: skip
    chosen = _choose(cands, ticket_id, technician_id)
    tech = next(t for t in store.technicians.list(available=False) if t.id == chosen.technician)
    start = whereabouts(tech)
    if start is None:  # rank() found an ETA, so there is a position; say so for mypy
        raise NoRoute(f"technician {tech.id} has no position")
    r = route(nav, start, target, profile=profile, restrictions=restrictions).as_dict()
    updated = store.tickets.assign(ticket_id, chosen.technician, actor, route=r)
    return DispatchResult(updated, chosen, cands, r)


def dispatch_on_site(
    store: Repositories,
    site: Site,
    ticket_id: int,
    *,
    actor: str,
    now: datetime,
    technician_id: str | None = None,
    restrictions: Restrictions | None = None,
    profile: str = "walking",
    policies: Mapping[str, SlaPolicy] = DEFAULT_SLA,
) -> DispatchResult:
    """:func:`dispatch` across a campus: technicians anywhere on the site (in any building or
    outdoors on the paths) ranked by their ETA over the campus graph (one campus search from
    the job), the chosen one's campus route attached."""
    ticket = store.tickets.get(ticket_id)
    target = ticket.element or ticket.space
    if target is None:
        raise InvalidInput(f"ticket {ticket_id} names no element or space to go to")
    goal = site.place(target)
    techs = store.technicians.list(available=False)

    def times(places: list[CampusPlace]) -> list[float]:
        return site.times(goal, places, profile=profile, restrictions=restrictions)

    cands = rank_by(
        techs, locate=site.technician_place, times=times, skill=ticket.skill,
        priority_deadline=_deadline(ticket, policies), now=now, exclude=decliners(ticket),
    )  # fmt: skip
    chosen = _choose(cands, ticket_id, technician_id)
    tech = next(t for t in techs if t.id == chosen.technician)
    start = site.technician_place(tech)
    if isinstance(start, str):
        raise NoRoute(f"technician {tech.id}: {start}")
    r = site.route(start, goal, profile=profile, restrictions=restrictions).as_dict()
    updated = store.tickets.assign(ticket_id, chosen.technician, actor, route=r)
    return DispatchResult(updated, chosen, cands, r)


def _choose(cands: list[Candidate], ticket_id: int, technician_id: str | None) -> Candidate:
    if technician_id is not None:
        chosen = next((c for c in cands if c.technician == technician_id), None)
        if chosen is None:
            raise NotFound(f"no technician {technician_id!r}", technician=technician_id)
        if chosen.eta_s is None:  # an explicit choice may be late but must be able to go
            raise NoRoute(f"cannot dispatch {technician_id}: {chosen.reason}")
        return chosen
    chosen = next((c for c in cands if c.eligible), None)
    if chosen is None:
        reasons = "; ".join(f"{c.technician}: {c.reason}" for c in cands) or "no technicians"
        raise NoRoute(f"nobody can take ticket {ticket_id} in time: {reasons}")
    return chosen


def decline(
    store: LiveStore,
    nav: NavGraph,
    ticket_id: int,
    technician_id: str,
    *,
    actor: str,
    reason: str,
    now: datetime,
    redispatch: bool = True,
    restrictions: Restrictions | None = None,
    policies: Mapping[str, SlaPolicy] = DEFAULT_SLA,
) -> DispatchResult | Ticket:
    """The technician turns the job down; re-dispatch to the next best, never to a decliner.

    One transaction: when nobody can take the job (NoRoute, 409) the decline is rolled back too,
    so the ticket stays with the technician rather than silently falling back to ``new``."""
    with store.transaction() as tx:
        ticket = tx.tickets.decline(ticket_id, technician_id, actor, reason)
        if not redispatch:
            return ticket
        return dispatch(
            tx, nav, ticket_id, actor=actor, now=now, restrictions=restrictions, policies=policies
        )


def dispatch_ticket(
    campus: Campus,
    store: LiveStore,
    ticket_id: int,
    *,
    actor: str,
    now: datetime,
    technician_id: str | None = None,
    restrictions: Restrictions | None = None,
    profile: str = "walking",
    policies: Mapping[str, SlaPolicy] = DEFAULT_SLA,
    site: Site | None = None,
) -> DispatchResult:
    """:func:`dispatch` on the navigation graph of the model the ticket points into; with a
    campus ``site`` holding that model, :func:`dispatch_on_site` across its buildings."""
    if site is not None and site.key_of(ticket_twin(campus, store, ticket_id)) is not None:
        return dispatch_on_site(
            store, site, ticket_id, actor=actor, now=now, technician_id=technician_id,
            restrictions=restrictions, profile=profile, policies=policies,
        )  # fmt: skip
    nav = navigation_of(campus, ticket_twin(campus, store, ticket_id))
    return dispatch(
        store, nav, ticket_id, actor=actor, now=now, technician_id=technician_id,
        restrictions=restrictions, profile=profile, policies=policies,
    )  # fmt: skip


def decline_ticket(
    campus: Campus,
    store: LiveStore,
    ticket_id: int,
    technician_id: str,
    *,
    actor: str,
    reason: str,
    now: datetime,
    redispatch: bool = True,
    policies: Mapping[str, SlaPolicy] = DEFAULT_SLA,
    site: Site | None = None,
) -> DispatchResult | Ticket:
    """:func:`decline` on the navigation graph of the model the ticket points into; on a campus
    ``site`` holding that model, re-dispatched across its buildings (:func:`dispatch_on_site`)."""
    if site is not None and site.key_of(ticket_twin(campus, store, ticket_id)) is not None:
        with store.transaction() as tx:  # one transaction, as decline()
            ticket = tx.tickets.decline(ticket_id, technician_id, actor, reason)
            if not redispatch:
                return ticket
            return dispatch_on_site(tx, site, ticket_id, actor=actor, now=now, policies=policies)
    nav = navigation_of(campus, ticket_twin(campus, store, ticket_id))
    return decline(
        store, nav, ticket_id, technician_id, actor=actor, reason=reason, now=now,
        redispatch=redispatch, policies=policies,
    )  # fmt: skip
