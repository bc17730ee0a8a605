"""What-if renovation scenarios: an overlay on a building, never an edit of the twin.

A scenario closes rooms or a drawn zone, locks doors, takes lifts and stairs out of service, shuts
systems or valves off and proposes new solids. :func:`impact_report` answers the planner's
questions in one call by running the same analyses the maintenance desk uses (routes from the
building entrances, downstream supply, clash check) once without and once with the overlay, so a
difference in the report is a difference the scenario makes and nothing else.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from typing import Any

import shapely
from shapely.geometry import MultiPoint, Polygon

from twin.analysis.clash import Clash, find_clashes
from twin.analysis.design import DesignDiff
from twin.distribution import Networks, impact
from twin.errors import InvalidInput, NetworkUnknown
from twin.kinds import CRITICALITY_RANK, DISTRIBUTION_KINDS
from twin.live.records import SensorSpec, Ticket
from twin.model import Twin
from twin.navigation.navgraph import NavGraph, Restrictions
from twin.navigation.routes import Endpoint, times_from
from twin.scenario import ImpactReport, Proposed, Scenario

__all__ = [
    "baseline_reach",
    "closed_spaces_of",
    "compare",
    "impact_report",
]

log = logging.getLogger(__name__)

#: A room counts as closed by a zone when this share of its floor lies inside the zone.
ZONE_SHARE = 0.10
PROFILES_CHECKED = ("walking", "emergency")
_LONGER_BY_S = 1.0  # a route must grow by more than this to be reported


def closed_spaces_of(twin: Twin, scenario: Scenario) -> list[str]:
    """Rooms the scenario closes: listed ones, and those a zone covers by at least ZONE_SHARE."""
    closed = {twin.space(g).guid for g in scenario.closed_spaces}
    for zone in scenario.zones:
        twin.storey(zone.storey)
        for s in twin.spaces.values():
            if s.storey != zone.storey or s.footprint is None or s.footprint.area <= 0:
                continue
            if s.footprint.intersection(zone.polygon).area >= ZONE_SHARE * s.footprint.area:
                closed.add(s.guid)
    return sorted(closed)


def _room(twin: Twin, guid: str, **extra: Any) -> dict[str, Any]:
    s = twin.spaces[guid]
    return {
        "guid": guid,
        "label": s.label,
        "storey": s.storey,
        "criticality": s.criticality,
        **extra,
    }


def _critical_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (CRITICALITY_RANK.get(r["criticality"], 99), r["label"]))


def _reach(nav: NavGraph, profile: str, restrictions: Restrictions | None) -> dict[str, float]:
    """Seconds from the nearest building entrance to every room (entrances of the model, or
    every ground-floor door node when the model marks none)."""
    entrances: dict[int, tuple[float, list[Any]]] = {
        n.id: (0.0, []) for n in nav.nodes if n.entrance
    }
    start = Endpoint("building entrances", None, None, (0.0, 0.0, 0.0), entrances)
    _, dist = times_from(nav, start, profile=profile, restrictions=restrictions)
    out: dict[str, float] = {}
    for guid, s in nav.twin.spaces.items():
        nid = nav.node_of(guid, s.storey)
        if nid is None:
            continue
        t = dist.get(nid)
        out[guid] = math.inf if t is None else t
    return out


def baseline_reach(nav: NavGraph) -> dict[str, dict[str, float]]:
    """Per profile, seconds from the entrances to every room with nothing closed. It does not
    depend on any scenario, so a service computes it once per model and passes it in."""
    return {prof: _reach(nav, prof, None) for prof in PROFILES_CHECKED}


def _routes(
    twin: Twin,
    nav: NavGraph,
    closed: Sequence[str],
    sc: Scenario,
    baseline: Mapping[str, Mapping[str, float]] | None,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    r = Restrictions.of(closed, sc.closed_doors, sc.out_of_service)
    unreachable: dict[str, list[dict[str, Any]]] = {}
    longer: dict[str, list[dict[str, Any]]] = {}
    shut = set(closed)
    for prof in PROFILES_CHECKED:
        before = baseline[prof] if baseline is not None else _reach(nav, prof, None)
        after = _reach(nav, prof, r)
        cut, grew = [], []
        for g, t0 in before.items():
            if g in shut or math.isinf(t0):
                continue
            t1 = after.get(g, math.inf)
            if math.isinf(t1):
                cut.append(_room(twin, g))
            elif t1 - t0 > _LONGER_BY_S:
                grew.append(_room(twin, g, before_s=round(t0, 1), after_s=round(t1, 1),
                                  added_s=round(t1 - t0, 1)))  # fmt: skip
        unreachable[prof] = _critical_first(cut)
        longer[prof] = sorted(grew, key=lambda x: -x["added_s"])
    return unreachable, longer


def _segments_in(twin: Twin, closed: Iterable[str]) -> list[str]:
    """Distribution elements whose plan footprint runs through a closed room (same storey)."""
    rooms = [twin.spaces[g] for g in closed if twin.spaces[g].footprint is not None]
    if not rooms:
        return []
    storeys = {r.storey for r in rooms}
    pool = [
        e
        for e in twin.elements.values()
        if e.kind in DISTRIBUTION_KINDS
        and e.kind != "sensor"
        and e.footprint is not None
        and e.storey in storeys
    ]
    if not pool:
        return []
    tree = shapely.STRtree([r.footprint for r in rooms])
    elem_i, room_i = tree.query([e.footprint for e in pool], predicate="intersects")
    hits = {
        pool[i].guid
        for i, j in zip(elem_i, room_i, strict=True)
        if pool[i].storey == rooms[j].storey
    }
    return sorted(hits)


def _services(twin: Twin, nets: Networks, closed: Sequence[str], sc: Scenario) -> dict[str, Any]:
    failed = set(_segments_in(twin, closed))
    for g in sc.shut_off:
        if g in twin.systems:
            members = set(twin.systems[g].members)
            sources = members & set(getattr(nets, "sources", ()))
            failed |= sources or members
        else:
            failed.add(twin.element(g).guid)
    if not failed:
        return {"known": True, "closed": [], "terminals": [], "spaces": [], "by_system": {}}
    try:
        imp = impact(nets, twin, sorted(failed))
    except NetworkUnknown as exc:
        return {"known": False, "reason": str(exc), "closed": sorted(failed), "spaces": []}
    return {
        "known": True,
        "closed": sorted(failed),
        "terminals": list(imp.terminals),
        "equipment": list(imp.equipment),
        "spaces": [
            {
                "guid": s.guid,
                "label": s.label,
                "criticality": s.criticality,
                "storey": s.storey,
                "via": list(s.via),
            }
            for s in imp.spaces
        ],
        "by_system": {k: list(v) for k, v in imp.by_system.items()},
        "assumptions": list(imp.assumptions),
    }


def impact_report(
    twin: Twin,
    scenario: Scenario,
    *,
    nav: NavGraph,
    nets: Networks,
    sensors: Sequence[SensorSpec] = (),
    tickets: Sequence[Ticket] = (),
    checkpoints: Sequence[str] | None = None,
    baseline: Mapping[str, Mapping[str, float]] | None = None,
    design: DesignDiff | None = None,
) -> ImpactReport:
    """Everything the scenario changes. ``sensors``/``tickets`` are live records (objects with
    ``space``/``element``); ``checkpoints`` default to plant and cold rooms (the patrol set);
    ``baseline`` is :func:`baseline_reach` of ``nav``, computed here when not given; ``design``
    adds the new and modified products of a design IFC to the proposals."""
    closed = closed_spaces_of(twin, scenario)
    shut = set(closed)
    unreachable, longer = _routes(twin, nav, closed, scenario, baseline)
    services = _services(twin, nets, closed, scenario)
    in_zone_elements = {e.guid for e in twin.elements.values() if e.space in shut} | set(
        _segments_in(twin, closed)
    )
    if checkpoints is None:
        checkpoints = [
            s.guid for s in twin.spaces.values() if s.criticality in ("plant", "cold_chain")
        ]
    ifc_sensors = [e.guid for e in twin.elements.values() if e.kind == "sensor" and e.space in shut]
    inside: dict[str, list[Any]] = {
        "sensors": sorted(
            set(ifc_sensors)
            | {s.id for s in sensors if s.space in shut or s.element in in_zone_elements}
        ),
        "open_tickets": sorted(
            t.id
            for t in tickets
            if t.status not in ("resolved", "closed", "cancelled")
            and (t.space in shut or t.element in in_zone_elements)
        ),
        "checkpoints": sorted(c for c in checkpoints if c in shut),
        "elements": sorted(in_zone_elements),
    }
    proposed = scenario.proposed + (design.proposed if design else ())
    clashes: list[Clash] = (
        find_clashes(
            twin,
            proposed,
            clearance=scenario.clearance,
            exclude=design.replaced if design else (),
        )
        if proposed
        else []
    )
    assumptions = [
        f"a room is closed by a zone when {ZONE_SHARE:.0%} of its floor lies inside it",
        "route times are measured from the nearest building entrance",
        "distribution elements running through a closed room are treated as out of service",
    ]
    if not any(n.entrance for n in nav.nodes):
        assumptions.append("the model marks no entrance: route comparisons are empty")
    if design is not None:
        assumptions.append(
            "design products are new when their GlobalId is unknown, modified when their box "
            "moved, removed when the design holds the building but not them"
        )
    return ImpactReport(
        scenario.name,
        _critical_first([_room(twin, g) for g in closed]),
        unreachable,
        longer,
        services,
        inside,
        [asdict(c) for c in clashes],
        assumptions,
        design.summary() if design else {},
        [_drawn(p) for p in proposed],
        [
            {"storey": z.storey, "polygon": _rounded(getattr(z.polygon, "exterior", z.polygon))}
            for z in scenario.zones
        ],
    )


def _rounded(line: Any) -> list[list[float]]:
    return [[round(float(x), 3), round(float(y), 3)] for x, y, *_ in line.coords]


def _drawn(p: Proposed) -> dict[str, Any]:
    """A proposed solid as the plan draws it: its box and the convex hull of its plan outline."""
    hull = MultiPoint([tuple(v[:2]) for v in p.mesh.vertices]).convex_hull
    outline = _rounded(hull.exterior) if isinstance(hull, Polygon) else []
    return {"id": p.id, "kind": p.kind, "name": p.name, "bbox": list(p.bbox), "plan": outline}


def compare(reports: Sequence[ImpactReport]) -> list[dict[str, Any]]:
    """Side-by-side figures of two or more scenarios (one row per scenario)."""
    if len(reports) < 2:
        raise InvalidInput("compare needs at least two scenarios")
    return [r.summary() for r in reports]
