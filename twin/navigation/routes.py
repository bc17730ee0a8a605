"""Routes over the navigation graph: steps, floor-plan polylines, length and ETA.

A query is a Dijkstra search over precomputed edge costs with several seeded sources and
targets (a point inside a room reaches each of the room's portals along its own walkway), so no
temporary nodes are added to the shared graph. Restrictions only make the search skip edges.
When nothing is reachable, the search is repeated without restrictions and the closures lying on
that unrestricted path are named: that is the explanation a dispatcher needs.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import Point

from twin.errors import InvalidInput, NoRoute, NotFound
from twin.navigation import paths
from twin.navigation.navgraph import OUTDOOR_FACTOR, NavGraph, Restrictions, profile
from twin.navigation.navgraph import profile as profile_of
from twin.navigation.walkways import snap_inside

__all__ = ["Endpoint", "Route", "Step", "resolve", "route", "shortest", "time_to", "times_from"]

XY = tuple[float, float]
XYZ = tuple[float, float, float]
Place = str | Sequence[float]


@dataclass(frozen=True, slots=True)
class Step:
    kind: str  # space | door | stair | lift
    guid: str
    name: str
    storey: str | None
    text: str
    t_s: float  # elapsed seconds when this step is reached


@dataclass
class Route:
    steps: list[Step]
    polylines: dict[str, list[list[XY]]]  # storey guid -> polylines (XY) on that storey
    polyline3d: list[XYZ]
    length_m: float
    eta_s: float
    profile: str
    nodes: list[int] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "length_m": round(self.length_m, 2),
            "eta_s": round(self.eta_s, 1),
            "steps": [
                {
                    "kind": s.kind,
                    "guid": s.guid,
                    "name": s.name,
                    "storey": s.storey,
                    "text": s.text,
                    "t_s": round(s.t_s, 1),
                }
                for s in self.steps
            ],
            "polylines": {
                k: [[list(p) for p in line] for line in v] for k, v in self.polylines.items()
            },
            "polyline3d": [list(p) for p in self.polyline3d],
            "assumptions": list(self.assumptions),
        }


@dataclass
class Endpoint:
    """Where a route starts or ends: seeds are nodes with (metres, path from the place)."""

    label: str
    space: str | None
    storey: str | None
    xyz: XYZ
    seeds: dict[int, tuple[float, list[XY]]]


def _space_endpoint(nav: NavGraph, guid: str, label: str) -> Endpoint:
    s = nav.twin.spaces[guid]
    nid = nav.node_of(guid, s.storey)
    if nid is None:
        raise NoRoute(f"space {label} has no walkable footprint", space=guid)
    n = nav.nodes[nid]
    return Endpoint(label, guid, s.storey, n.xyz, {nid: (0.0, [n.xyz[:2]])})


def _point_endpoint(nav: NavGraph, xyz: XYZ) -> Endpoint:
    tw = nav.twin
    x, y, z = xyz
    best: tuple[float, str] | None = None
    pt = Point(x, y)
    guids, tree = paths.room_tree(nav)
    for i in tree.query(pt.buffer(2.0)):
        g = guids[int(i)]
        s = tw.spaces[g]
        zs = nav.nodes[nav.index[(g, s.storey)]].xyz[2]
        if not (zs - 0.6 <= z <= zs + max(s.height or 3.0, 2.0)):
            continue
        d = nav.walkways[g].polygon.distance(pt)
        if d < 2.0 and (best is None or d < best[0]):
            best = (d, g)
    if best is None:
        raise NotFound(f"point {xyz} lies in no walkable space", point=list(xyz))
    g = best[1]
    ww = nav.walkways[g]
    p = snap_inside(ww.polygon, (x, y))
    seeds: dict[int, tuple[float, list[XY]]] = {}
    for nid, entry in nav.space_portals.get(g, []):
        length, pts = ww.path(p, entry)
        portal = nav.nodes[nid].xyz[:2]
        seeds[nid] = (length + math.dist(entry, portal), [*pts, portal])
    return Endpoint(f"({x:.1f}, {y:.1f}, {z:.1f})", g, tw.spaces[g].storey, (x, y, z), seeds)


def resolve(nav: NavGraph, place: Place) -> Endpoint:
    """A space guid, an element guid (door, stair, lift, or anything placed in a space) or a
    point ``(x, y, z)`` as a route endpoint."""
    tw = nav.twin
    if not isinstance(place, str):
        vals = [float(v) for v in place]
        if len(vals) != 3:
            raise InvalidInput(f"a point needs x, y, z; got {place!r}")
        return _point_endpoint(nav, (vals[0], vals[1], vals[2]))
    if place in tw.spaces:
        return _space_endpoint(nav, place, tw.spaces[place].label or place)
    el = tw.element(place)
    stops = [nav.nodes[i] for i in paths.nodes_of(nav, place) if nav.nodes[i].kind != "space"]
    if stops:
        own = [n for n in stops if n.storey == el.storey] or stops
        n = own[0]
        return Endpoint(el.name or place, None, n.storey, n.xyz, {n.id: (0.0, [n.xyz[:2]])})
    if el.space and el.space in nav.walkways and el.centroid is not None:
        ep = _point_endpoint(nav, el.centroid)
        ep.label = el.name or place
        return ep
    if el.space and nav.node_of(el.space, tw.spaces[el.space].storey) is not None:
        return _space_endpoint(nav, el.space, el.name or place)
    if el.centroid is not None:
        ep = _point_endpoint(nav, el.centroid)
        ep.label = el.name or place
        return ep
    raise NoRoute(f"element {place} has no location to route to", element=place)


def shortest(
    nav: NavGraph,
    sources: dict[int, float],
    targets: dict[int, float],
    costs: Sequence[float | None],
    blocked_edges: set[int] | frozenset[int] = frozenset(),
    blocked_nodes: set[int] | frozenset[int] = frozenset(),
) -> tuple[float, list[tuple[int, int]]] | None:
    """Seeded shortest path: (seconds, [(node, edge that reached it, -1 for a seed)]) or None.

    ``costs`` is one of ``nav.costs``: the search is scipy's C Dijkstra on that profile's CSR
    matrix, stopped at the landmark upper bound (exact); see :mod:`twin.navigation.paths`."""
    name = next((k for k, v in nav.costs.items() if v is costs), None)
    if name is None:
        raise InvalidInput("costs must be one of nav.costs (a profile's edge costs)")
    return paths.shortest(nav, name, sources, targets, blocked_edges, blocked_nodes)


def _explain(nav: NavGraph, a: Endpoint, b: Endpoint, prof: str, r: Restrictions | None) -> str:
    """Which closures lie on the unrestricted path (or why there is none at all)."""
    if r:
        found = _search(nav, a, b, prof, None)
        if found is not None:
            names: list[str] = []
            for n, eid in found[1]:
                node = nav.nodes[n]
                hit = node.guid in r.locked_doors or node.guid in r.out_of_service
                if hit or (node.kind == "space" and node.guid in r.closed_spaces):
                    names.append(f"{node.kind} {_name(nav, node.guid)} ({node.guid})")
                if eid >= 0:
                    e = nav.edges[eid]
                    for g in (e.space, e.element):
                        if g and (
                            g in r.closed_spaces or g in r.no_go_zones or g in r.out_of_service
                        ):
                            kind = "space" if g == e.space else e.kind
                            names.append(f"{kind} {_name(nav, g)} ({g})")
            uniq = list(dict.fromkeys(names))
            return f"no route from {a.label} to {b.label} ({prof}): cut off by " + ", ".join(
                uniq or ["the restrictions"]
            )
    if prof in ("cart", "wheelchair") and _search(nav, a, b, "walking", None) is not None:
        return f"no step-free route from {a.label} to {b.label}: only stairs connect them"
    return f"no route from {a.label} to {b.label}: they are not connected in the model"


def _search(
    nav: NavGraph, a: Endpoint, b: Endpoint, prof: str, r: Restrictions | None
) -> tuple[float, list[tuple[int, int]], int] | None:
    p = profile(prof)
    allowed = frozenset(g for g in (a.space, b.space) if g)
    be, bn = paths.blocked(nav, r, allowed)
    src = {n: m / p.speed for n, (m, _) in a.seeds.items()}
    tgt = {n: m / p.speed for n, (m, _) in b.seeds.items()}
    found = shortest(nav, src, tgt, nav.costs[p.name], be, bn)
    if found is None:
        return None
    return found[0], found[1], found[1][-1][0]


def _edge_path(nav: NavGraph, frm: int, eid: int) -> list[XY]:
    e = nav.edges[eid]
    pts = list(e.path)
    return pts if e.a == frm else pts[::-1]


def _name(nav: NavGraph, guid: str) -> str:
    tw = nav.twin
    if guid in tw.spaces:
        return tw.spaces[guid].label or guid
    if guid.startswith("opening:"):
        _, a, b = guid.split(":", 2)
        return f"the opening between {_name(nav, a)} and {_name(nav, b)}"
    el = tw.elements.get(guid)
    return (el.name or guid) if el else guid


def route(
    nav: NavGraph,
    start: Place,
    goal: Place,
    *,
    profile: str = "walking",
    restrictions: Restrictions | None = None,
) -> Route:
    """The fastest route from ``start`` to ``goal`` for ``profile`` under ``restrictions``.

    Raises :class:`NoRoute` naming the closures that cut the goal off.
    """
    a, b = resolve(nav, start), resolve(nav, goal)
    if restrictions:
        for ep in (a, b):
            if ep.space and ep.space in restrictions.closed_spaces:
                raise NoRoute(f"{ep.label} lies in closed space {ep.space}", space=ep.space)
    found = _search(nav, a, b, profile, restrictions)
    if found is None:
        raise NoRoute(_explain(nav, a, b, profile, restrictions), start=a.label, goal=b.label)
    r = _assemble(nav, a, b, profile, found)
    outdoor = [eid for _, eid in found[1] if eid >= 0 and nav.edges[eid].kind == "outdoor"]
    if outdoor:
        r.assumptions.append(_why_outdoor(nav, a, b, profile, restrictions, outdoor))
    return r


def _why_outdoor(
    nav: NavGraph,
    a: Endpoint,
    b: Endpoint,
    prof: str,
    r: Restrictions | None,
    legs: list[int],
) -> str:
    """Why this route leaves the building: no indoor path, or one :data:`OUTDOOR_FACTOR`
    times longer (the search counts outdoor metres that many times)."""
    metres = sum(nav.edges[e].length_m for e in legs)
    head = (
        f"leaves the building for {metres:.0f} m outdoors (at grade, around the building, "
        "between entrance doors)"
    )
    p = profile(prof)
    be, bn = paths.blocked(nav, r, frozenset(g for g in (a.space, b.space) if g))
    all_outdoor = frozenset(i for i, e in enumerate(nav.edges) if e.kind == "outdoor")
    src = {n: m / p.speed for n, (m, _) in a.seeds.items()}
    tgt = {n: m / p.speed for n, (m, _) in b.seeds.items()}
    indoor = shortest(nav, src, tgt, nav.costs[p.name], be | all_outdoor, bn)
    if indoor is None:
        return head + ": no indoor path joins the two places"
    return (
        head + f": the indoor path takes {indoor[0]:.0f} s, more than this route with its "
        f"outdoor time counted {OUTDOOR_FACTOR:g} times"
    )


def _assemble(
    nav: NavGraph,
    a: Endpoint,
    b: Endpoint,
    prof: str,
    found: tuple[float, list[tuple[int, int]], int],
) -> Route:
    p = profile(prof)
    costs = nav.costs[p.name]
    eta, chain, last = found
    # the search counts outdoor legs OUTDOOR_FACTOR times: report the true walking time
    eta -= sum(
        (OUTDOOR_FACTOR - 1.0) * nav.edges[eid].length_m / p.speed
        for _, eid in chain
        if eid >= 0 and nav.edges[eid].kind == "outdoor"
    )
    first = chain[0][0]
    head = a.seeds[first][1]
    pts3: list[XYZ] = []
    lines: dict[str, list[list[XY]]] = {}
    length = a.seeds[first][0]
    t = length / p.speed
    steps: list[Step] = []

    def add(storey: str | None, xy: list[XY], z: float) -> None:
        if not xy:
            return
        key = storey or ""
        bucket = lines.setdefault(key, [])
        if pts3 and abs(pts3[-1][2] - z) < 1e-6 and bucket and bucket[-1][-1] == xy[0]:
            bucket[-1].extend(xy[1:])
        else:
            bucket.append(list(xy))
        pts3.extend((x, y, z) for x, y in xy)

    if a.space:
        steps.append(
            Step("space", a.space, _name(nav, a.space), a.storey, f"Start in {a.label}", 0.0)
        )
    add(nav.nodes[first].storey, head, nav.nodes[first].xyz[2])
    for (frm, _), (to, eid) in itertools.pairwise(chain):
        e = nav.edges[eid]
        nf, nt = nav.nodes[frm], nav.nodes[to]
        t += costs[eid] or 0.0
        if e.kind == "walk":
            length += e.length_m
            add(nt.storey, _edge_path(nav, frm, eid), nt.xyz[2])
            if nt.kind in ("door", "opening"):
                steps.append(
                    Step(
                        "door",
                        nt.guid,
                        _name(nav, nt.guid),
                        nt.storey,
                        f"Walk through {_name(nav, e.space or '')} to "
                        + ("" if nt.kind == "opening" else "door ")
                        + _name(nav, nt.guid),
                        t,
                    )
                )
            elif nt.kind in ("stair", "lift"):
                steps.append(
                    Step(
                        "space",
                        e.space or "",
                        _name(nav, e.space or ""),
                        nt.storey,
                        f"Walk through {_name(nav, e.space or '')} to "
                        f"{nt.kind} {_name(nav, nt.guid)}",
                        t,
                    )
                )
        elif e.kind == "outdoor":
            t += e.length_m / p.speed - (costs[eid] or 0.0)  # true time, not the search's
            length += e.length_m
            add(nt.storey, _edge_path(nav, frm, eid), nt.xyz[2])
            steps.append(
                Step(
                    "outdoor",
                    nt.guid,
                    _name(nav, nt.guid),
                    nt.storey,
                    f"Leave by door {_name(nav, nf.guid)} and walk {e.length_m:.0f} m outside "
                    f"to door {_name(nav, nt.guid)}",
                    t,
                )
            )
        else:
            length += e.length_m
            pts3.append(nt.xyz)
            up = nt.xyz[2] > nf.xyz[2]
            st = nav.twin.storeys.get(nt.storey or "")
            verb = "Take the stairs" if e.kind == "stair" else "Take lift"
            steps.append(
                Step(
                    e.kind,
                    nt.guid,
                    _name(nav, nt.guid),
                    nt.storey,
                    f"{verb} {_name(nav, nt.guid)} {'up' if up else 'down'} "
                    f"{e.storeys} storey(s) to {st.name if st else nt.storey}",
                    t,
                )
            )
    tail = b.seeds[last][1][::-1]
    add(nav.nodes[last].storey, tail, nav.nodes[last].xyz[2])
    length += b.seeds[last][0]
    steps.append(
        Step(
            "space" if b.space else nav.nodes[last].kind,
            b.space or nav.nodes[last].guid,
            b.label,
            b.storey,
            f"Arrive at {b.label}",
            eta,
        )
    )
    assumptions = [f"walking speed {p.speed} m/s"]
    if p.stair_s_per_storey is None:
        assumptions.append("step-free: no stairs")
    else:
        assumptions.append(f"stairs {p.stair_s_per_storey:.0f} s per storey")
    assumptions.append(f"lift wait {p.lift_wait_s:.0f} s, {p.lift_s_per_storey:.0f} s per storey")
    if any(nav.edges[eid].inferred for _, eid in chain if eid >= 0):
        assumptions.append("some door-space links inferred from geometry")
    return Route(steps, lines, pts3, length, eta, p.name, [n for n, _ in chain], assumptions)


def times_from(
    nav: NavGraph,
    place: Place | Endpoint,
    *,
    profile: str = "walking",
    restrictions: Restrictions | None = None,
    until: Collection[int] | None = None,
) -> tuple[Endpoint, dict[int, float]]:
    """Seconds from ``place`` to every reachable node: one search serves many questions (all
    technicians' ETAs to a ticket, one row of a patrol matrix). They are true walking times:
    the search weights outdoor legs to prefer indoor paths, and the weighting is taken back
    out of the paths it found (:func:`twin.navigation.paths.one_to_all`). The graph is
    undirected, so times *to* ``place`` are the same. ``until`` (nodes, e.g. the seeds of the
    places asked about) limits the answer to those nodes."""
    p = profile_of(profile)
    ep = place if isinstance(place, Endpoint) else resolve(nav, place)
    be, bn = paths.blocked(nav, restrictions, frozenset({ep.space} if ep.space else ()))
    src = {n: m / p.speed for n, (m, _) in ep.seeds.items()}
    return ep, paths.one_to_all(nav, p.name, src, be, bn, until)


def time_to(dist: dict[int, float], ep: Endpoint, speed: float) -> float:
    """Seconds to ``ep`` given a :func:`times_from` table (inf when unreachable)."""
    best = math.inf
    for n, (m, _) in ep.seeds.items():
        d = dist.get(n)
        if d is not None and d + m / speed < best:
            best = d + m / speed
    return best
