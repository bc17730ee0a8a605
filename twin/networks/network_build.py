"""Build the distribution networks of a twin: a directed element graph from ports.

Why a graph of elements, not of ports: facility staff close valves and replace pumps, not ports.
Every declared ``IfcRelConnectsPorts`` becomes one element-to-element edge (its guid kept on the
edge, so the graph provably holds exactly what the file declares). Direction comes from the port
flow directions (SOURCE -> SINK). Where the ports do not say (SOURCEANDSINK, NOTDEFINED, or a
contradiction), direction is inferred by breadth-first distance from the sources (boilers, air
handlers, boards, tanks, ...; pumps where a network has nothing else) and the edge is marked
``assumed``. Where an element has no ports at all, edges to touching distribution elements are
inferred from bounding boxes and marked ``inferred``. A model with neither is ``known=False``.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx

from twin.model import Element, Twin

__all__ = [
    "GEOMETRY_TOLERANCE_M",
    "Networks",
    "build_networks",
    "is_source",
]

log = logging.getLogger(__name__)

#: Two bounding boxes closer than this (metres) are taken to touch when inferring edges.
GEOMETRY_TOLERANCE_M = 0.05

_SOURCE_CLASSES = frozenset(
    {
        "IfcBoiler",
        "IfcChiller",
        "IfcTank",
        "IfcElectricDistributionBoard",
        "IfcTransformer",
        "IfcElectricGenerator",
        "IfcAirToAirHeatRecovery",
        "IfcUnitaryEquipment",
        "IfcCompressor",
        "IfcFlowStorageDevice",
        "IfcDistrictHeating",
    }
)
_SOURCE_WORDS = re.compile(
    r"boiler|air ?handl|\bAHU\b|tank|board|panel|manifold|riser|chiller|plant|supply unit"
    r"|generator|transformer|heat ?exchanger|source",
    re.I,
)
#: Kinds that join a network through geometry when they have no ports.
_INFERABLE_KINDS = frozenset({"segment", "fitting", "valve", "pump", "terminal", "equipment"})


@dataclass(frozen=True)
class Networks:
    """All distribution graphs of one twin. Treat every graph as read-only.

    ``graph`` is the combined directed graph; ``by_system`` one subgraph per IfcSystem guid and
    ``by_flow`` one per flow type (water, air, gas, electricity, heating, other). Edge attributes:
    ``connections`` (declared IfcRelConnectsPorts guids), ``assumed`` (direction not declared),
    ``inferred`` (no ports: edge from touching geometry).
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

    def view(self, system: str | None = None) -> nx.DiGraph:
        """The graph to analyse: one system's (by guid or flow name) or the combined one."""
        from twin.errors import NotFound

        if system is None:
            return self.graph
        if system in self.by_system:
            return self.by_system[system]
        if system in self.by_flow:
            return self.by_flow[system]
        raise NotFound(f"no distribution system or flow {system!r} in this model", system=system)


def is_source(element: Element) -> bool:
    """A primary source: equipment that feeds a network (boiler, board, tank, air handler)."""
    if element.kind not in ("equipment", "pump") and element.ifc_class not in _SOURCE_CLASSES:
        return False
    if element.ifc_class in _SOURCE_CLASSES and element.kind != "pump":
        return True
    if element.predefined_type.upper() in ("AIRHANDLER", "DISTRIBUTIONBOARD", "BOILER"):
        return True
    text = " ".join((element.name, element.type_name, element.object_type, element.ifc_class))
    return element.kind == "equipment" and bool(_SOURCE_WORDS.search(text))


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
        if d1 == "SOURCE" and d2 in ("SINK", "NOTDEFINED", "SOURCEANDSINK") and d2 != "SOURCE":
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


def _touching(box1: tuple[float, ...], box2: tuple[float, ...], tol: float) -> bool:
    return all(box1[i] - tol <= box2[i + 3] and box2[i] - tol <= box1[i + 3] for i in range(3))


def _inferred_edges(twin: Twin, tol: float) -> set[frozenset[str]]:
    """Pairs of touching distribution elements where at least one has no ports."""
    from shapely import box
    from shapely.strtree import STRtree

    with_ports = {p.element for p in twin.ports.values() if p.element}
    cands = [e for e in twin.elements.values() if e.kind in _INFERABLE_KINDS and e.bbox is not None]
    portless = [e for e in cands if e.guid not in with_ports]
    if not portless:
        return set()
    tree = STRtree([box(e.bbox[0], e.bbox[1], e.bbox[3], e.bbox[4]) for e in cands])  # type: ignore[index]
    pairs: set[frozenset[str]] = set()
    for e in portless:
        b = e.bbox
        assert b is not None
        query = box(b[0] - tol, b[1] - tol, b[3] + tol, b[4] + tol)
        for i in tree.query(query):
            other = cands[int(i)]
            if other.guid == e.guid or other.kind == e.kind == "segment":
                continue
            if other.bbox is not None and _touching(b, other.bbox, tol):
                pairs.add(frozenset((e.guid, other.guid)))
    return pairs


def _orient(
    g: nx.DiGraph, loose: dict[frozenset[str], dict[str, object]], sources: set[str]
) -> None:
    """Add undirected pairs to ``g`` oriented away from the nearest source (marked assumed).

    Distances follow declared edges only forwards and undirected pairs both ways, so a declared
    return into a boiler does not make the heaters look closer to it than their supply.
    """
    adj: dict[str, set[str]] = defaultdict(set)
    und = nx.Graph()
    und.add_nodes_from(g)
    for u, v in g.edges:
        adj[u].add(v)
        und.add_edge(u, v)
    for pair in loose:
        a, b = tuple(pair)
        adj[a].add(b)
        adj[b].add(a)
        und.add_edge(a, b)
    dist: dict[str, int] = {}
    for comp in nx.connected_components(und):
        roots = [n for n in comp if n in sources] or [n for n in comp if _is_pump(g, n)]
        queue = deque(roots)
        for r in roots:
            dist[r] = 0
        while queue:
            n = queue.popleft()
            for m in adj[n]:
                if m not in dist:
                    dist[m] = dist[n] + 1
                    queue.append(m)
    for pair, attrs in loose.items():
        a, b = sorted(pair)
        da, db = dist.get(a), dist.get(b)
        if da is not None and db is not None and da != db:
            edges = [(a, b)] if da < db else [(b, a)]
        else:
            edges = [(a, b), (b, a)]
        for u, v in edges:
            g.add_edge(u, v, assumed=True, **attrs)


def _is_pump(g: nx.DiGraph, n: str) -> bool:
    return bool(g.nodes[n].get("kind") == "pump")


def _subgraphs(twin: Twin, g: nx.DiGraph) -> tuple[dict[str, nx.DiGraph], dict[str, nx.DiGraph]]:
    by_system: dict[str, nx.DiGraph] = {}
    flow_members: dict[str, set[str]] = defaultdict(set)
    for s in twin.systems.values():
        members = [m for m in s.members if m in g]
        if not members:
            continue
        by_system[s.guid] = g.subgraph(members).copy()
        flow_members[s.flow].update(members)
    by_flow = {f: g.subgraph(m).copy() for f, m in flow_members.items()}
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


def build_networks(twin: Twin, *, tolerance: float = GEOMETRY_TOLERANCE_M) -> Networks:
    """All distribution graphs of ``twin``; build once per twin (``campus.derived``)."""
    directed, undirected, used = _declared_edges(twin)
    inferred = _inferred_edges(twin, tolerance)
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
    for p in inferred:
        if p not in loose and not any(g.has_edge(*pp) for pp in (tuple(p), tuple(p)[::-1])):
            loose[p] = {"connections": (), "inferred": True}
    sources = {n for n in g if n in twin.elements and is_source(twin.elements[n])}
    _orient(g, loose, sources)
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
            f"{n_inferred} edges inferred from touching geometry (elements without ports, "
            f"tolerance {tolerance} m)"
        )
    hosts = {e.guid: e.host for e in twin.elements.values() if e.host}
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
    )
