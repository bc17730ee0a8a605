"""A work order's isolation plan: what to close and lock, what loses supply, who to tell.

Pure: it takes the networks' answers (:func:`twin.distribution.isolate` for the element the work
is on, :func:`twin.distribution.impact` of closing the plan's points) and the twin, and shapes
the plan a permit-to-work needs. When no set of closable devices isolates the element the plan
says so (``possible`` false, the networks' reason, open paths and suggestions carried as they
are); what would then lose supply is the impact of the suggested source shut-down, reported
apart (``if_suggestion_followed``) and never as the plan's own impact.

Departments: the twin has no department record, so an affected department is a criticality class
on a storey (``icu`` on storey 2, ``operating_theatre`` on storey 1); a notice is drafted for
each when a critical room (operating theatre, ICU, isolation, medical gas, cold chain) loses
supply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from twin.distribution import Impact, ImpactedSpace, Isolation, IsolationPoint, Suggestion
from twin.kinds import CRITICALITIES
from twin.model import Twin

__all__ = [
    "CRITICAL_CLASSES",
    "DepartmentNotice",
    "LockoutPlan",
    "lockable_points",
    "lockout_plan",
]

#: Room criticality classes whose loss of supply needs a notice ("plant" and "normal" do not).
CRITICAL_CLASSES: frozenset[str] = frozenset(
    c for c in CRITICALITIES if c not in ("plant", "normal")
)


@dataclass(frozen=True, slots=True)
class DepartmentNotice:
    criticality: str
    storey: str | None
    storey_name: str
    rooms: tuple[str, ...]  # GlobalIds
    text: str


@dataclass(frozen=True, slots=True)
class LockoutPlan:
    ticket: int
    element: str
    possible: bool
    reason: str
    points: tuple[IsolationPoint, ...]  # close and lock these
    media: tuple[str, ...]
    suggestions: tuple[Suggestion, ...]
    open_paths: tuple[tuple[str, ...], ...]
    rooms: tuple[ImpactedSpace, ...]  # lose supply when the points are closed, critical first
    critical_rooms: tuple[ImpactedSpace, ...]
    notices: tuple[DepartmentNotice, ...]
    if_suggestion_followed: tuple[ImpactedSpace, ...]  # not possible: rooms a shut-down cuts
    assumptions: tuple[str, ...]


def lockable_points(plan: LockoutPlan) -> dict[str, str]:
    """GlobalId -> name of every point a lock may be put on: the plan's points, and where no
    isolation is possible the sources the suggestions name (a manifold shut down and locked)."""
    out = {p.guid: p.name or p.kind for p in plan.points}
    for s in plan.suggestions:
        out.update((g, out.get(g, "")) for g in s.guids)
    return out


def _notices(twin: Twin, ticket: int, spaces: Sequence[ImpactedSpace], media: Sequence[str]
             ) -> tuple[DepartmentNotice, ...]:  # fmt: skip
    groups: dict[tuple[str, str | None], list[ImpactedSpace]] = {}
    for s in spaces:
        if s.criticality in CRITICAL_CLASSES:
            groups.setdefault((s.criticality, s.storey), []).append(s)
    what = "/".join(media) or "supply"
    out = []
    for (crit, storey), rooms in groups.items():
        st = twin.storeys.get(storey) if storey else None
        name = (st.name if st else None) or (storey or "unknown storey")
        labels = ", ".join(r.label for r in rooms)
        text = (
            f"Planned isolation (work order {ticket}): {what} will be cut off in "
            f"{len(rooms)} {crit.replace('_', ' ')} room(s) on {name}: {labels}. Arrange "
            "alternative supply or move patients before the points are locked."
        )
        out.append(DepartmentNotice(crit, storey, name, tuple(r.guid for r in rooms), text))
    return tuple(out)


def lockout_plan(
    ticket: int,
    element: str,
    twin: Twin,
    isolation: Isolation,
    closed_impact: Impact | None,
    shutdown_impact: Impact | None,
) -> LockoutPlan:
    """Shape the plan from the networks' answers (``closed_impact``: closing ``isolation``'s
    points; ``shutdown_impact``: following the source shut-down suggestion, when not
    possible)."""
    rooms = closed_impact.spaces if closed_impact is not None and isolation.possible else ()
    critical = tuple(s for s in rooms if s.criticality in CRITICAL_CLASSES)
    after = shutdown_impact.spaces if shutdown_impact is not None and not isolation.possible else ()
    notices = _notices(twin, ticket, critical or [s for s in after if s.criticality in
                                                  CRITICAL_CLASSES], isolation.media)  # fmt: skip
    assumptions = tuple(isolation.assumptions) + (
        tuple(closed_impact.assumptions) if closed_impact is not None else ()
    )
    return LockoutPlan(
        ticket=ticket,
        element=element,
        possible=isolation.possible,
        reason=isolation.reason,
        points=isolation.points if isolation.possible else (),
        media=isolation.media,
        suggestions=isolation.suggestions,
        open_paths=isolation.open_paths,
        rooms=rooms,
        critical_rooms=critical,
        notices=notices,
        if_suggestion_followed=after,
        assumptions=tuple(dict.fromkeys(assumptions)),
    )
