"""Build the distribution networks of a twin: a directed element graph from ports.

Why a graph of elements, not of ports: facility staff close valves and replace pumps, not ports.
Every declared ``IfcRelConnectsPorts`` becomes one element-to-element edge (its guid kept on the
edge, so the graph provably holds exactly what the file declares). Direction comes from the port
flow directions (SOURCE -> SINK). Where the ports do not say (SOURCEANDSINK, NOTDEFINED, or a
contradiction), direction is inferred by breadth-first distance from the sources (boilers, air
handlers, boards, tanks, ...; pumps where a network has nothing else) and the edge is marked
``assumed``; a source only orients edges of a flow it feeds (``sources``). Where an element has
no ports at all, edges are inferred from segment ends touching fittings, equipment or other
segment ends (``geometry_joins``) and marked ``inferred`` with their ``gap``. A model with
neither is ``known=False``.
"""

from __future__ import annotations

import gc
import logging
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx

from twin.distribution.blocks import MediumNet, build_media
from twin.distribution.joins import infer_joins
from twin.distribution.sources import (
    FLOWS,
    edge_flows,
    element_flows,
    primary_source_flows,
    source_flows,
)
from twin.errors import NotFound
from twin.media import media_of_class
from twin.model import Element, Twin

__all__ = [
    "GEOMETRY_TOLERANCE_M",
    "Networks",
    "build_networks",
    "is_source",
]

log = logging.getLogger(__name__)

#: A segment end and what it joins, closer than this (metres), are taken to touch.
GEOMETRY_TOLERANCE_M = 0.01


@dataclass(frozen=True)
class Networks:
    """All distribution graphs of one twin. Treat every graph as read-only.

    ``graph`` is the combined directed graph; ``by_system`` one subgraph per IfcSystem guid and
    ``by_flow`` one per flow type (water, air, gas, electricity, heating, other). Edge attributes:
    ``connections`` (declared IfcRelConnectsPorts guids), ``assumed`` (direction not declared),
    ``inferred`` (no ports: edge from geometry) and, on inferred edges, ``gap`` (metres).
    """

    graph: nx.DiGraph
    by_system: Mapping[str, nx.DiGraph]
    by_flow: Mapping[str, nx.DiGraph]
    sources: frozenset[str]
    kinds: Mapping[str, str]
    hosts: Mapping[str, str]
    elements: frozenset[str]
    system_names: Mapping[str, str]
    system_flows: Mapping[str, str]
    known: bool
    declared_connections: int
    assumptions: tuple[str, ...] = ()
    fed: frozenset[str] = field(default_factory=frozenset)
    media: Mapping[str, MediumNet] = field(default_factory=dict)
    node_media: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def media_of(self, node: str) -> tuple[str, ...]:
        """Media ``node`` carries: its own systems' (or class's) where it sits in several."""
        found = self.node_media.get(node)
        if found is not None:
            return found
        return tuple(m for m, net in self.media.items() if node in net.adj)

    def view(self, system: str | None = None) -> nx.DiGraph:
        """The graph to analyse: one system's (by guid or flow name) or the combined one."""
        if system is None:
            return self.graph
        if system in self.by_system:
            return self.by_system[system]
        if system in self.by_flow:
            return self.by_flow[system]
        raise NotFound(f"no distribution system or flow {system!r} in this model", system=system)


def is_source(element: Element) -> bool:
    """A primary source of some flow (boiler, board, tank, air handler); see ``sources``."""
    return bool(primary_source_flows(element))


def _declared_edges(
    twin: Twin,
) -> tuple[dict[tuple[str, str], list[str]], dict[frozenset[str], list[str]], int]:
    """Directed and undirected element pairs from the declared port connections."""
    directed: dict[tuple[str, str], list[str]] = defaultdict(list)
    undirected: dict[frozenset[str], list[str]] = defaultdict(list)
    used = 0
    for c in twin.connections:
        p1, p2 = twin.ports.get(c.relating_port), twin.ports.get(c.related_port)
        if p1 is None or p2 is None:
            continue
        a, b = p1.element or p1.guid, p2.element or p2.guid
        if a == b:
            continue
        used += 1
        d1, d2 = p1.flow_direction, p2.flow_direction
        if d1 == "SOURCE" and d2 in ("SINK", "NOTDEFINED", "SOURCEANDSINK"):
            directed[(a, b)].append(c.guid)
        elif d1 == "SINK" and d2 == "SOURCE":
            directed[(b, a)].append(c.guid)
        elif d1 in ("NOTDEFINED", "SOURCEANDSINK") and d2 == "SINK":
            directed[(a, b)].append(c.guid)
        elif d1 in ("NOTDEFINED", "SOURCEANDSINK") and d2 == "SOURCE":
            directed[(b, a)].append(c.guid)
        else:
            undirected[frozenset((a, b))].append(c.guid)
    return directed, undirected, used


def _adjacency(
    twin: Twin, g: nx.DiGraph, loose: Mapping[frozenset[str], object], flow: str
) -> dict[str, set[str]]:
    """Declared edges forwards and loose pairs both ways, where the edge carries ``flow``."""
    adj: dict[str, set[str]] = defaultdict(set)
    for u, v in g.edges:
        if flow in edge_flows(twin, u, v):
            adj[u].add(v)
            adj.setdefault(v, set())
    for pair in loose:
        a, b = tuple(pair)
        if flow in edge_flows(twin, a, b):
            adj[a].add(b)
            adj[b].add(a)
    return adj


def _distances(twin: Twin, adj: Mapping[str, set[str]], flow: str) -> dict[str, int]:
    """Hops from the nearest source of ``flow``, per connected part (movers where none)."""
    und = nx.Graph()
    und.add_nodes_from(adj)
    und.add_edges_from((u, v) for u, vs in adj.items() for v in vs)
    dist: dict[str, int] = {}
    for comp in nx.connected_components(und):
        els = [twin.elements[n] for n in comp if n in twin.elements]
        roots = [e.guid for e in els if flow in source_flows(twin, e)] or [
            e.guid for e in els if flow in source_flows(twin, e, movers=True)
        ]
        queue = deque(roots)
        dist.update(dict.fromkeys(roots, 0))
        while queue:
            n = queue.popleft()
            for m in adj[n]:
                if m not in dist:
                    dist[m] = dist[n] + 1
                    queue.append(m)
    return dist


def _orient(twin: Twin, g: nx.DiGraph, loose: dict[frozenset[str], dict[str, object]]) -> None:
    """Add undirected pairs to ``g`` oriented away from the nearest source (marked assumed).

    Per flow: an edge is oriented only by sources of a flow it carries (``sources``), so an air
    handler on a heating circuit does not push the heating water away from itself. Distances
    follow declared edges only forwards, so a declared return into a boiler does not make the
    heaters look closer to it than their supply. Where the flows disagree or nothing decides,
    the edge is kept both ways.
    """
    if not loose:
        return
    dists = {
        f: _distances(twin, _adjacency(twin, g, loose, f), f) for f in sorted(FLOWS - {"other"})
    }
    for pair, attrs in loose.items():
        a, b = sorted(pair)
        votes = set()
        for f in edge_flows(twin, a, b) - {"other"}:
            da, db = dists[f].get(a), dists[f].get(b)
            if da is not None and db is not None and da != db:
                votes.add((a, b) if da < db else (b, a))
        edges = list(votes) if len(votes) == 1 else [(a, b), (b, a)]
        for u, v in edges:
            g.add_edge(u, v, assumed=True, **attrs)


def _sources(twin: Twin, g: nx.DiGraph) -> set[str]:
    """Primary sources whose flows match at least one flow on their own edges."""
    out = set()
    for n in g:
        e = twin.elements.get(n)
        can = source_flows(twin, e) if e is not None else frozenset()
        if not can:
            continue
        near = set().union(*(edge_flows(twin, n, m) for m in (*g._succ[n], *g._pred[n])))
        if can & near:
            out.add(n)
    return out


def _induced(g: nx.DiGraph, members: set[str]) -> nx.DiGraph:
    """The subgraph of ``g`` on ``members``, copied (attribute dicts too).

    Built from the adjacency dicts directly: ``g.subgraph(m).copy()`` filters every lookup
    through view objects and took most of the build time on the large hospital.
    """
    h = nx.DiGraph()
    node = g._node
    h.add_nodes_from((n, node[n]) for n in members)
    h.add_edges_from((u, v, d) for u in members for v, d in g._succ[u].items() if v in members)
    return h


def _subgraphs(twin: Twin, g: nx.DiGraph) -> tuple[dict[str, nx.DiGraph], dict[str, nx.DiGraph]]:
    by_system: dict[str, nx.DiGraph] = {}
    flow_members: dict[str, set[str]] = defaultdict(set)
    for s in twin.systems.values():
        members = {m for m in s.members if m in g}
        if not members:
            continue
        by_system[s.guid] = _induced(g, members)
        flow_members[s.flow].update(members)
    by_flow = {f: _induced(g, m) for f, m in flow_members.items()}
    return by_system, by_flow


def _reachable(g: nx.DiGraph, roots: Iterable[str]) -> frozenset[str]:
    seen = set(r for r in roots if r in g)
    queue = deque(seen)
    while queue:
        n = queue.popleft()
        for m in g._succ[n]:
            if m not in seen:
                seen.add(m)
                queue.append(m)
    return frozenset(seen)


def build_networks(
    twin: Twin,
    *,
    tolerance: float = GEOMETRY_TOLERANCE_M,
    synthetic_ports: frozenset[str] = frozenset(),
) -> Networks:
    """All distribution graphs of ``twin``; build once per twin (``campus.derived``).

    ``synthetic_ports`` are ports no file declares (a campus joint's, ``campus_joints``): an
    element whose only ports they are still gets its other joins from geometry.

    The cyclic garbage collector is paused while the graphs are built: they allocate hundreds
    of thousands of small dicts next to a twin of half a million objects, and each full
    collection rescans all of them (about 40 % of the build's CPU time on the large hospital).
    Nothing built here is cyclic garbage; collection resumes afterwards.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return _build(twin, tolerance, synthetic_ports)
    finally:
        if paused:
            gc.enable()


def _build(twin: Twin, tolerance: float, synthetic_ports: frozenset[str]) -> Networks:
    directed, undirected, used = _declared_edges(twin)
    portless = None
    if synthetic_ports:
        declared = {p.element for p in twin.ports.values() if p.guid not in synthetic_ports}
        portless = frozenset(g for g in twin.elements if g not in declared)
    inferred = infer_joins(twin, tol=tolerance, portless=portless)
    g = nx.DiGraph()
    nodes = {n for pair in directed for n in pair} | {n for p in undirected for n in p}
    nodes |= {n for p in inferred for n in p}
    for n in nodes:
        e = twin.elements.get(n)
        g.add_node(n, kind=e.kind if e else "port", storey=e.storey if e else None)
    for (a, b), conns in directed.items():
        g.add_edge(a, b, connections=tuple(conns), assumed=False, inferred=False)
    loose: dict[frozenset[str], dict[str, object]] = {
        p: {"connections": tuple(c), "inferred": False} for p, c in undirected.items()
    }
    for p, join in inferred.items():
        if p not in loose and not any(g.has_edge(*pp) for pp in (tuple(p), tuple(p)[::-1])):
            loose[p] = {"connections": (), "inferred": True, "gap": round(join.gap, 4)}
    _orient(twin, g, loose)
    sources = _sources(twin, g)
    by_system, by_flow = _subgraphs(twin, g)
    assumptions = []
    n_assumed = sum(1 for *_, d in g.edges(data=True) if d.get("assumed"))
    n_inferred = sum(1 for *_, d in g.edges(data=True) if d.get("inferred"))
    if n_assumed:
        assumptions.append(
            f"{n_assumed} edges have no declared flow direction; direction assumed away from "
            "the nearest source (both ways where no source decides)"
        )
    if n_inferred:
        assumptions.append(
            f"{n_inferred} edges inferred from geometry (elements without ports: segment ends "
            f"touching fittings, equipment or other segment ends within {tolerance} m)"
        )
    hosts = {e.guid: e.host for e in twin.elements.values() if e.host}
    media = build_media(twin, g)
    log.info("networks of %s: %d nodes, %d edges", twin.source.path, len(g), g.number_of_edges())
    return Networks(
        graph=g,
        by_system=by_system,
        by_flow=by_flow,
        sources=frozenset(sources),
        kinds={n: d["kind"] for n, d in g.nodes(data=True)},
        hosts=hosts,
        elements=frozenset(twin.elements),
        system_names={s.guid: s.name for s in twin.systems.values()},
        system_flows={s.guid: s.flow for s in twin.systems.values()},
        known=g.number_of_edges() > 0,
        declared_connections=used,
        assumptions=tuple(assumptions),
        fed=_reachable(g, sources),
        media=media,
        node_media=_node_media(twin, media),
    )


def _node_media(twin: Twin, media: Mapping[str, MediumNet]) -> dict[str, tuple[str, ...]]:
    """For nodes in several media graphs: the media their own systems (else class) name.

    A pump sits on its water circuit and on the power cable feeding it: both are its media. An
    element whose edges carry "any medium" (no system, generic class) keeps every one.
    """
    where: dict[str, list[str]] = defaultdict(list)
    for m, net in media.items():
        for n in net.adj:
            where[n].append(m)
    out: dict[str, tuple[str, ...]] = {}
    for n, ms in where.items():
        if len(ms) < 2:
            continue
        e = twin.elements.get(n)
        own = element_flows(twin, n) or (
            media_of_class(e.ifc_class, e.name, e.type_name, e.object_type) if e else frozenset()
        )
        out[n] = tuple(m for m in ms if m in own) or tuple(ms)
    return out
