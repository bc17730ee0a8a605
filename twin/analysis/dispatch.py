"""Technician dispatch: who reaches a job first, and who cannot make its SLA and why.

:func:`rank` is a pure function over records: one graph search from the job (the graph is
undirected, so times from the job equal times to it) gives every technician's ETA at once, which
keeps ranking 50 technicians about as cheap as one route. :func:`dispatch` and :func:`decline`
then act through the live store's ticket functions, attaching the chosen technician's route.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from twin.errors import InvalidInput, NoRoute, NotFound
from twin.live.records import Technician, Ticket
from twin.navigation.navgraph import NavGraph, Restrictions
from twin.navigation.navgraph import profile as profile_of
from twin.navigation.routes import Endpoint, Place, resolve, route, time_to, times_from

__all__ = ["Candidate", "DispatchResult", "decline", "decliners", "dispatch", "rank"]


@dataclass(frozen=True, slots=True)
class Candidate:
    technician: str
    name: str
    eligible: bool  # on shift, free, skilled, reachable and in time
    eta_s: float | None
    slack_s: float | None  # seconds left before the deadline on arrival (negative: late)
    reason: str  # "" when eligible, else why not

    def as_dict(self) -> dict[str, Any]:
        return {
            "technician": self.technician,
            "name": self.name,
            "eligible": self.eligible,
            "eta_s": None if self.eta_s is None else round(self.eta_s, 1),
            "slack_s": None if self.slack_s is None else round(self.slack_s, 1),
            "reason": self.reason,
        }


def _where(tech: Technician) -> Place | None:
    if tech.position is not None:
        return tech.position
    return tech.space


def _place_of(nav: NavGraph, tech: Technician) -> Endpoint | str:
    """Where the technician is on the graph, or the reason there is no such place."""
    place = _where(tech)
    if place is None:
        return "position unknown"
    try:
        return resolve(nav, place)
    except (NotFound, NoRoute) as exc:
        return f"position not on the navigation graph ({exc.detail})"


def rank(
    nav: NavGraph,
    target: Place,
    technicians: Sequence[Technician],
    *,
    skill: str | None,
    priority_deadline: datetime,
    now: datetime,
    restrictions: Restrictions | None = None,
    profile: str = "walking",
    exclude: Collection[str] = (),
) -> list[Candidate]:
    """Every technician, eligible ones first by ETA (then slack), the rest with their reason."""
    speed = profile_of(profile).speed
    budget = (priority_deadline - now).total_seconds()
    ok: list[Candidate] = []
    not_ok: list[Candidate] = []
    todo: list[tuple[Technician, Endpoint]] = []
    for t in technicians:
        why = ""
        if t.id in exclude:
            why = "declined this ticket"
        elif t.shift != "on_shift":
            why = t.shift.replace("_", " ")
        elif t.busy_with is not None:
            why = f"busy with ticket {t.busy_with}"
        elif skill and skill not in t.skills:
            why = f"missing skill {skill}"
        place = why or _place_of(nav, t)
        if isinstance(place, str):
            not_ok.append(Candidate(t.id, t.name, False, None, None, place))
        else:
            todo.append((t, place))
    # ONE search from the job, stopped once every candidate's position is settled
    seeds = {n for _, ep in todo for n in ep.seeds}
    _, dist = times_from(nav, target, profile=profile, restrictions=restrictions, until=seeds)
    for t, ep in todo:
        got = time_to(dist, ep, speed)
        if math.isinf(got):
            not_ok.append(Candidate(t.id, t.name, False, None, None, "unreachable"))
            continue
        slack = budget - got
        if slack < 0:
            why = f"too far: arrives {-slack:.0f} s after the deadline"
            not_ok.append(Candidate(t.id, t.name, False, got, slack, why))
        else:
            ok.append(Candidate(t.id, t.name, True, got, slack, ""))
    ok.sort(key=lambda c: (c.eta_s or 0.0, -(c.slack_s or 0.0), c.technician))
    not_ok.sort(key=lambda c: (c.eta_s is None, c.eta_s or 0.0, c.technician))
    return ok + not_ok


@dataclass
class DispatchResult:
    ticket: Ticket
    chosen: Candidate
    candidates: list[Candidate]
    route: dict[str, Any]


_DECLINED = re.compile(r"declined by (\S+?):")


def decliners(ticket: Ticket) -> set[str]:
    """Technicians who already turned this ticket down (from its transition notes)."""
    return {m.group(1) for tr in ticket.transitions if (m := _DECLINED.match(tr.note))}


def _deadline(ticket: Ticket) -> datetime:
    from twin.live.sla import load_policies

    policies = load_policies()
    policy = policies.get(ticket.priority) or policies["normal"]
    return ticket.created + policy.arrive


def dispatch(
    store: Any,
    nav: NavGraph,
    ticket_id: int,
    *,
    actor: str,
    now: datetime,
    technician_id: str | None = None,
    restrictions: Restrictions | None = None,
    profile: str = "walking",
) -> DispatchResult:
    """Assign the best eligible technician (or ``technician_id``) with the route attached.

    A chosen technician who cannot make the SLA is still assigned when named explicitly (the
    operator decided); without a name, only eligible technicians are picked.
    """
    from twin.live import technicians as techs
    from twin.live import tickets

    ticket = tickets.get_ticket(store, ticket_id)
    target = ticket.element or ticket.space
    if target is None:
        raise InvalidInput(f"ticket {ticket_id} names no element or space to go to")
    cands = rank(
        nav, target, techs.list_technicians(store, available=False), skill=ticket.skill,
        priority_deadline=_deadline(ticket), now=now, restrictions=restrictions,
        profile=profile, exclude=decliners(ticket),
    )  # fmt: skip
    if technician_id is not None:
        chosen = next((c for c in cands if c.technician == technician_id), None)
        if chosen is None:
            raise NotFound(f"no technician {technician_id!r}", technician=technician_id)
        if chosen.eta_s is None:  # an explicit choice may be late but must be able to go
            raise NoRoute(f"cannot dispatch {technician_id}: {chosen.reason}")
    else:
        chosen = next((c for c in cands if c.eligible), None)
        if chosen is None:
            reasons = "; ".join(f"{c.technician}: {c.reason}" for c in cands) or "no technicians"
            raise NoRoute(f"nobody can take ticket {ticket_id} in time: {reasons}")
    tech = next(
        t for t in techs.list_technicians(store, available=False) if t.id == chosen.technician
    )
    start = _where(tech)
    if start is None:  # rank() found an ETA, so there is a position; say so for mypy
        raise NoRoute(f"technician {tech.id} has no position")
    r = route(nav, start, target, profile=profile, restrictions=restrictions).as_dict()
    updated = tickets.assign(store, ticket_id, chosen.technician, actor, route=r)
    return DispatchResult(updated, chosen, cands, r)


def decline(
    store: Any,
    nav: NavGraph,
    ticket_id: int,
    technician_id: str,
    *,
    actor: str,
    reason: str,
    now: datetime,
    redispatch: bool = True,
    restrictions: Restrictions | None = None,
) -> DispatchResult | Ticket:
    """The technician turns the job down; re-dispatch to the next best, never to a decliner.

    One transaction: when nobody can take the job (NoRoute, 409) the decline is rolled back too,
    so the ticket stays with the technician rather than silently falling back to ``new``."""
    from twin.live import tickets
    from twin.live.txn import transaction

    with transaction(store) as conn:
        ticket = tickets.decline(conn, ticket_id, technician_id, actor, reason)
        if not redispatch:
            return ticket
        return dispatch(conn, nav, ticket_id, actor=actor, now=now, restrictions=restrictions)
