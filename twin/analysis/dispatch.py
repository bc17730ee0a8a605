"""Technician dispatch: who reaches a job first, and who cannot make its SLA and why.

:func:`rank` is a pure function over records: one graph search from the job (the graph is
undirected, so times from the job equal times to it) gives every technician's ETA at once, which
keeps ranking 50 technicians about as cheap as one route. Acting on the ranking (assigning,
declining, through the live store) is the serving layer's: :mod:`twin.service.dispatch`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from twin.errors import NoRoute, NotFound
from twin.live.records import Technician, Ticket
from twin.navigation.navgraph import NavGraph, Restrictions
from twin.navigation.navgraph import profile as profile_of
from twin.navigation.routes import Endpoint, Place, resolve, time_to, times_from

__all__ = ["Candidate", "decliners", "rank", "rank_by", "whereabouts"]


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


def whereabouts(tech: Technician) -> Place | None:
    """Where the technician was last seen: the reported position, else the space."""
    if tech.position is not None:
        return tech.position
    return tech.space


def _place_of(nav: NavGraph, tech: Technician) -> Endpoint | str:
    """Where the technician is on the graph, or the reason there is no such place."""
    place = whereabouts(tech)
    if place is None:
        return "position unknown"
    try:
        return resolve(nav, place)
    except (NotFound, NoRoute) as exc:
        return f"position not on the navigation graph ({exc.detail})"


P = TypeVar("P")


def rank_by(
    technicians: Sequence[Technician],
    *,
    locate: Callable[[Technician], P | str],
    times: Callable[[list[P]], list[float]],
    skill: str | None,
    priority_deadline: datetime,
    now: datetime,
    exclude: Collection[str] = (),
) -> list[Candidate]:
    """Every technician, eligible ones first by ETA (then slack), the rest with their reason.

    ``locate`` turns a technician into a place (or the reason there is none); ``times`` gives
    the seconds from each place to the job in one go (inf: unreachable). :func:`rank` does it on
    one building's graph, :mod:`twin.service.dispatch` across the buildings of a campus."""
    budget = (priority_deadline - now).total_seconds()
    ok: list[Candidate] = []
    not_ok: list[Candidate] = []
    todo: list[tuple[Technician, P]] = []
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
        place = why or locate(t)
        if isinstance(place, str):
            not_ok.append(Candidate(t.id, t.name, False, None, None, place))
        else:
            todo.append((t, place))
    etas = times([p for _, p in todo]) if todo else []
    for (t, _), got in zip(todo, etas, strict=True):
        if math.isinf(got) or math.isnan(got):
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

    def times(eps: list[Endpoint]) -> list[float]:
        # ONE search from the job, stopped once every candidate's position is settled
        seeds = {n for ep in eps for n in ep.seeds}
        _, dist = times_from(nav, target, profile=profile, restrictions=restrictions, until=seeds)
        return [time_to(dist, ep, speed) for ep in eps]

    return rank_by(
        technicians, locate=lambda t: _place_of(nav, t), times=times, skill=skill,
        priority_deadline=priority_deadline, now=now, exclude=exclude,
    )  # fmt: skip


_DECLINED = re.compile(r"declined by (\S+?):")


def decliners(ticket: Ticket) -> set[str]:
    """Technicians who already turned this ticket down (from its transition notes)."""
    return {m.group(1) for tr in ticket.transitions if (m := _DECLINED.match(tr.note))}
