"""Isolation (which valves to close) and impact (what loses supply) over a distribution graph.

Isolation is a minimum vertex cut between the sources and the element, where only isolating
kinds (valves, dampers, breakers) may be cut: each node is split into ``in -> out`` with capacity
1 for isolating kinds and infinite otherwise, and the cut nearest the element is taken (the valve
on its own branch, not the plant's main). Impact compares what the sources feed with and without
the closed elements, so a ring main fed from both ends is not reported as cut.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from dataclasses import dataclass

import networkx as nx

from twin.kinds import CRITICALITY_RANK, ISOLATING_KINDS
from twin.model import Twin
from twin.networks.network_build import Networks
from twin.networks.trace import _upstream_depths, node_of, require_known

__all__ = [
    "Impact",
    "ImpactedSpace",
    "Isolation",
    "IsolationPoint",
    "impact",
    "isolate",
]


@dataclass(frozen=True, slots=True)
class IsolationPoint:
    guid: str
    kind: str
    name: str
    storey: str | None
    space: str | None
    xyz: tuple[float, float, float] | None


@dataclass(frozen=True, slots=True)
class Isolation:
    target: str
    system: str | None
    points: tuple[IsolationPoint, ...]
    possible: bool
    reason: str  # why not, when not possible; "" otherwise
    sources: tuple[str, ...]
    assumptions: tuple[str, ...]

    @property
    def guids(self) -> list[str]:
        return [p.guid for p in self.points]


def _feeding(nets: Networks, g: nx.DiGraph, target: str, upstream: Collection[str]) -> list[str]:
    """The sources upstream of ``target``; where none is known, the roots of its upstream part."""
    sources = [n for n in upstream if n in nets.sources and n != target]
    if not sources:
        sources = [
            n for n in upstream if n != target and not any(p in upstream for p in g._pred[n])
        ]
    return sources


def _flow_graph(
    nets: Networks, g: nx.DiGraph, target: str, upstream: Collection[str], sources: list[str]
) -> nx.DiGraph:
    """Split-node flow graph over the upstream part, from a super source to the target."""
    h = nx.DiGraph()
    srcs = set(sources)
    for n in upstream:
        if nets.kinds.get(n) in ISOLATING_KINDS and n != target and n not in srcs:
            h.add_edge((n, "in"), (n, "out"), capacity=1)
        else:
            h.add_edge((n, "in"), (n, "out"))
        for m in g._pred[n]:
            if m in upstream:
                h.add_edge((m, "out"), (n, "in"))
    for src in sources:
        h.add_edge("SUPER", (src, "in"))
    return h


def _chain(g: nx.DiGraph, target: str) -> list[str] | None:
    """The upstream part when it is one path (every element fed by one), target first; else None.

    Most terminals of a tree-shaped distribution sit on such a path; walking it is far cheaper
    than building a flow graph or a dominator tree.
    """
    path, seen, n = [target], {target}, target
    while True:
        preds = g._pred[n]
        if not preds:
            return path
        if len(preds) > 1:
            return None
        n = next(iter(preds))
        if n in seen:
            return None
        seen.add(n)
        path.append(n)


def _isolate_chain(
    nets: Networks, g: nx.DiGraph, path: list[str], system: str | None, twin: Twin | None
) -> Isolation:
    """Isolation on a single feeding path: the first valve met walking up before any source."""
    target = path[0]
    guessed = any(g.edges[path[i + 1], path[i]].get("assumed") for i in range(len(path) - 1))
    notes = ("the flow direction of some upstream edges is assumed",) if guessed else ()
    sources = ([n for n in path[1:] if n in nets.sources] or path[-1:]) if len(path) > 1 else []
    if not sources:
        return Isolation(target, system, (), False, "nothing feeds this element", (), notes)
    feeding = set(sources)
    for n in path[1:]:
        if n in feeding:
            break
        if nets.kinds.get(n) in ISOLATING_KINDS:
            point = (_point(twin, nets, n),)
            return Isolation(target, system, point, True, "", tuple(sorted(sources)), notes)
    reason = "no set of isolating devices cuts it off: a path from a source has no valve"
    return Isolation(target, system, (), False, reason, tuple(sorted(sources)), notes)


def _dominating_valve(
    nets: Networks, g: nx.DiGraph, target: str, upstream: Collection[str], sources: list[str]
) -> str | None:
    """The nearest valve every source->target path crosses: a one-valve cut, found in O(E).

    A single valve is the smallest possible cut, so when one dominates the element the costly
    max-flow is skipped; the nearest dominator is also the cut nearest the element.
    """
    d = nx.DiGraph()
    d.add_edges_from(("SUPER", s) for s in sources)
    d.add_edges_from((m, n) for n in upstream for m in g._pred[n] if m in upstream)
    idom = nx.immediate_dominators(d, "SUPER")
    n = idom.get(target)
    while n is not None and n != "SUPER":
        if nets.kinds.get(n) in ISOLATING_KINDS and n not in sources:
            return str(n)
        nxt = idom.get(n)
        n = None if nxt == n else nxt
    return None


def _point(twin: Twin | None, nets: Networks, guid: str) -> IsolationPoint:
    e = twin.elements.get(guid) if twin is not None else None
    if e is None:
        return IsolationPoint(guid, nets.kinds.get(guid, ""), "", None, None, None)
    return IsolationPoint(guid, e.kind, e.name, e.storey, e.space, e.centroid)


def isolate(
    nets: Networks, guid: str, *, system: str | None = None, twin: Twin | None = None
) -> Isolation:
    """The fewest isolating devices whose closing cuts ``guid`` off from every source."""
    g = nets.view(system)
    target = node_of(nets, guid, g)
    path = _chain(g, target)
    if path is not None:
        return _isolate_chain(nets, g, path, system, twin)
    upstream = set(_upstream_depths(g, target))
    sources = _feeding(nets, g, target, upstream)
    guessed = any(
        g.edges[m, n].get("assumed") for n in upstream for m in g._pred[n] if m in upstream
    )
    notes = ("the flow direction of some upstream edges is assumed",) if guessed else ()
    if not sources:
        return Isolation(target, system, (), False, "nothing feeds this element", (), notes)
    one = _dominating_valve(nets, g, target, upstream, sources)
    if one is not None:
        single = (_point(twin, nets, one),)
        return Isolation(target, system, single, True, "", tuple(sorted(sources)), notes)
    h = _flow_graph(nets, g, target, upstream, sources)
    try:
        # networkx's partition puts the cut nearest the sink: the valve on the element's branch
        _value, (_near, far) = nx.minimum_cut(h, "SUPER", (target, "in"))
    except nx.NetworkXUnbounded:
        reason = "no set of isolating devices cuts it off: a path from a source has no valve"
        return Isolation(target, system, (), False, reason, tuple(sorted(sources)), notes)
    cut = sorted(n for n in upstream if (n, "out") in far and (n, "in") not in far and n != target)
    points = tuple(_point(twin, nets, n) for n in cut)
    return Isolation(target, system, points, True, "", tuple(sorted(sources)), notes)


@dataclass(frozen=True, slots=True)
class ImpactedSpace:
    guid: str
    label: str
    criticality: str
    storey: str | None
    via: tuple[str, ...]  # terminals in it that lose supply


@dataclass(frozen=True, slots=True)
class Impact:
    closed: tuple[str, ...]
    elements: tuple[str, ...]  # everything cut off (closed elements excluded)
    terminals: tuple[str, ...]
    equipment: tuple[str, ...]
    spaces: tuple[ImpactedSpace, ...]  # critical first
    by_system: dict[str, tuple[str, ...]]
    assumptions: tuple[str, ...]


def _cut_off(nets: Networks, g: nx.DiGraph, closed: set[str]) -> set[str]:
    """Nodes downstream of ``closed`` that no source reaches once they are closed."""
    down: set[str] = set()
    queue = deque(closed)
    while queue:
        n = queue.popleft()
        for m in g._succ[n]:
            if m not in down and m not in closed:
                down.add(m)
                queue.append(m)
    # still fed: sources inside, or fed from a fed node outside the affected region
    fed = {
        n
        for n in down
        if n in nets.sources
        or any(p not in down and p not in closed and p in nets.fed for p in g._pred[n])
    }
    queue = deque(fed)
    while queue:
        n = queue.popleft()
        for m in g._succ[n]:
            if m in down and m not in fed:
                fed.add(m)
                queue.append(m)
    return down - fed


def impact(nets: Networks, twin: Twin, closed: Collection[str]) -> Impact:
    """What loses supply when ``closed`` valves are shut or elements fail, critical rooms first."""
    require_known(nets)
    g = nets.graph
    shut = {node_of(nets, c, g) for c in closed}
    lost = _cut_off(nets, g, shut)
    kinds = nets.kinds
    terminals = sorted(n for n in lost if kinds.get(n) == "terminal")
    equipment = sorted(n for n in lost if kinds.get(n) in ("equipment", "pump"))
    rooms: dict[str, list[str]] = {}
    for t in terminals:
        e = twin.elements.get(t)
        if e is not None and e.space is not None:
            rooms.setdefault(e.space, []).append(t)
    spaces = []
    for sg, via in rooms.items():
        s = twin.spaces.get(sg)
        crit = s.criticality if s else "normal"
        spaces.append(
            ImpactedSpace(sg, s.label if s else sg, crit, s.storey if s else None, tuple(via))
        )
    spaces.sort(key=lambda s: (CRITICALITY_RANK.get(s.criticality, 99), s.label))
    by_system: dict[str, list[str]] = {}
    for n in sorted(lost):
        e = twin.elements.get(n)
        for sys in e.systems if e else ():
            by_system.setdefault(sys, []).append(n)
    notes = [a for a in nets.assumptions]
    if any(n not in nets.fed for n in shut):
        notes.append("some closed elements are not reached from any known source")
    return Impact(
        tuple(sorted(shut)),
        tuple(sorted(lost)),
        tuple(terminals),
        tuple(equipment),
        tuple(spaces),
        {k: tuple(v) for k, v in by_system.items()},
        tuple(notes),
    )
