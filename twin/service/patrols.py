"""Patrol rounds over the campus: the planner's visiting order, checkpoint positions, QR labels.

The repository stores templates, rounds and check-ins; what needs the served models lives here:
ordering a template's checkpoints with :func:`twin.navigation.patrol.plan_patrol` (the same
planner as ``POST /patrols``), where a checkpoint is on the plan (for the distance flag), and the
printable QR label of a checkpoint (an SVG from ``segno``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

import segno

from twin.errors import TwinError
from twin.live.patrols import CheckIn, PatrolRound, Planner
from twin.live.store import LiveStore
from twin.navigation.patrol import plan_patrol
from twin.service.campus import Campus
from twin.service.derived import navigation_of

__all__ = ["check_in", "checkpoint_position", "generate_rounds", "planner_for", "qr_svg"]


def planner_for(campus: Campus) -> Planner:
    """A planner over the campus: places -> (order, travel seconds), a loop that starts and
    ends at the first checkpoint. A template whose points cannot be routed (not in a served
    model, unreachable) keeps its listed order, unestimated."""

    def plan(places: Sequence[str]) -> tuple[list[int], float | None]:
        try:
            nav = navigation_of(campus, campus.twin_of(places[0]))
            p = plan_patrol(nav, list(places), start=places[0], legs=False)
        except TwinError:
            return list(range(len(places))), None
        # a closed loop from the first checkpoint: rotate it to begin there (same cycle)
        k = p.order.index(0)
        return [*p.order[k:], *p.order[:k]], p.total_s

    return plan


def generate_rounds(
    campus: Campus, store: LiveStore, template: int, *, start: datetime, end: datetime, actor: str
) -> list[PatrolRound]:
    return store.patrols.generate(
        template, start=start, end=end, planner=planner_for(campus), actor=actor
    )


def checkpoint_position(campus: Campus, place: str) -> tuple[str | None, float, float] | None:
    """(storey, x, y) of a room's footprint centre or an element's box centre; None when the
    place is unknown or has no geometry."""
    try:
        twin = campus.twin_of(place)
    except TwinError:
        return None
    if place in twin.spaces:
        sp = twin.spaces[place]
        if sp.footprint is None:
            return None
        c = sp.footprint.centroid
        return (sp.storey, float(c.x), float(c.y))
    el = twin.elements.get(place)
    if el is None or el.centroid is None:
        return None
    return (el.storey, el.centroid[0], el.centroid[1])


def check_in(
    campus: Campus,
    store: LiveStore,
    round_id: int,
    *,
    code: str,
    technician: str,
    answers: dict[str, object],
    at: datetime,
    actor: str,
) -> CheckIn:
    rnd = store.patrols.round(round_id)
    tpl = store.patrols.template(rnd.template)
    place = next((cp["place"] for cp in tpl.checkpoints if cp["code"] == code), None)
    point = checkpoint_position(campus, place) if place else None
    return store.patrols.check_in(
        round_id, code=code, technician=technician, answers=answers, at=at, actor=actor,
        point=point,
    )  # fmt: skip


def qr_svg(code: str, label: str = "") -> str:
    """A printable QR code (SVG, error correction M, 4 px modules) carrying the check-in code."""
    buf = io.BytesIO()
    segno.make(code, error="m", micro=False).save(buf, kind="svg", scale=4, title=label or code)
    return buf.getvalue().decode()
