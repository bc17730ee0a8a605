"""Per-medium connectivity for isolation and impact: the pipe graph taken undirected.

Why undirected: water leaving a radiator through its return pipe reaches the boiler as surely as
the supply does, so "cut off from the sources" means no path at all, whichever way the ports
point. Only elements the model declares one-way (check valves, back-draft dampers) pass flow in
one direction, the way their ports (SINK -> SOURCE) say.

Why blocks: isolation and impact only ever cut at closable devices (valves, dampers, breakers).
The graph without them falls apart into valve-free *blocks*; each block is contracted to one unit,
so a question about 44,000 elements becomes one about a few hundred blocks and devices. A block
holding an element that fails (a pipe, a pump) is *dirty* and expanded back to its elements.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from twin.distribution.sources import FLOWS, edge_flows, source_flows
from twin.kinds import ISOLATING_KINDS
from twin.model import Element, Twin

__all__ = [
    "NON_CLOSABLE_TYPES",
    "ONE_WAY_TYPES",
    "MediumNet",
    "Unit",
    "build_media",
    "is_closable",
    "is_one_way",
]

#: Predefined types of flow controllers that nobody closes to isolate (they act by themselves or
#: do not sit in the line): IfcValveTypeEnum, IfcDamperTypeEnum, IfcElectricTimeControl...
NON_CLOSABLE_TYPES: frozenset[str] = frozenset(
    {
        "CHECK",
        "DOUBLECHECK",
        "AIRRELEASE",
        "ANTIVACUUM",
        "PRESSUREREDUCING",
        "PRESSURERELIEF",
        "STEAMTRAP",
        "BACKDRAFTDAMPER",
        "GRAVITYDAMPER",
        "GRAVITYRELIEFDAMPER",
        "RELIEFDAMPER",
        "TIMECLOCK",
        "TIMEDELAY",
        "RELAY",
    }
)
#: Predefined types that pass flow one way only (IfcValve CHECK, back-draft dampers).
ONE_WAY_TYPES: frozenset[str] = frozenset(
    {"CHECK", "DOUBLECHECK", "BACKDRAFTDAMPER", "GRAVITYDAMPER", "GRAVITYRELIEFDAMPER"}
)
_ONE_WAY_WORDS = re.compile(
    r"check ?valve|non[- ]?return|r[üu]ckschlag|r[üu]ckfluss|backflow|back ?draft", re.I
)
_NOT_CLOSABLE_CLASSES = frozenset({"IfcElectricTimeControl", "IfcFlowMeter"})


def _texts(e: Element) -> str:
    return " ".join((e.name, e.type_name, e.object_type))


def is_one_way(e: Element | None) -> bool:
    """Declared one-way: a check valve or back-draft damper (predefined type or name)."""
    if e is None:
        return False
    return e.predefined_type.upper() in ONE_WAY_TYPES or bool(_ONE_WAY_WORDS.search(_texts(e)))


def is_closable(e: Element | None) -> bool:
    """A device one closes to isolate: a valve, damper, switch or breaker that is not automatic."""
    if e is None or e.kind not in ISOLATING_KINDS or e.ifc_class in _NOT_CLOSABLE_CLASSES:
        return False
    return e.predefined_type.upper() not in NON_CLOSABLE_TYPES and not is_one_way(e)


#: A unit of the contracted graph: ``("b", block id)`` or an element guid.
Unit = tuple[str, int] | str


@dataclass(frozen=True)
class MediumNet:
    """The undirected graph of one medium, contracted into valve-free blocks.

    ``adj``: neighbours along edges carrying the medium. ``connectors``: closable devices and
    one-way elements (never inside a block). ``links[b]``: (member, connector) pairs at block
    ``b``'s edge. ``inlets``/``outlets``: for a one-way element with declared ports, the
    neighbours flow may come from / go to. ``sources``: what feeds this medium. ``component``:
    connected part of each node (one network). ``fed_blocks``/``fed``: what the sources reach.
    """

    medium: str
    adj: Mapping[str, frozenset[str]]
    block: Mapping[str, int]
    members: tuple[tuple[str, ...], ...]
    links: tuple[tuple[tuple[str, str], ...], ...]
    connectors: frozenset[str]
    closable: frozenset[str]
    inlets: Mapping[str, frozenset[str]]
    outlets: Mapping[str, frozenset[str]]
    sources: frozenset[str]
    source_rule: str
    component: Mapping[str, int]
    fed_blocks: frozenset[int]
    fed: frozenset[str]

    def passes(self, a: str, b: str) -> bool:
        """Can flow go from ``a`` to its neighbour ``b``? Only one-way elements refuse."""
        out = self.outlets.get(a)
        if out is not None and b not in out:
            return False
        inl = self.inlets.get(b)
        return inl is None or a in inl

    def unit(self, n: str, dirty: Collection[int] = ()) -> Unit:
        b = self.block.get(n)
        return n if b is None or b in dirty else ("b", b)

    def reach(
        self, starts: Iterable[str], removed: Collection[str] = ()
    ) -> tuple[set[int], set[str]]:
        """Blocks and single elements flow reaches from ``starts`` with ``removed`` shut.

        Blocks holding a removed element are expanded (``dirty``); the rest move as one unit.
        """
        dirty = {self.block[n] for n in removed if n in self.block}
        blocks: set[int] = set()
        nodes: set[str] = set()
        queue: deque[str] = deque()

        def enter(n: str) -> None:
            b = self.block.get(n)
            if b is not None and b not in dirty:
                if b not in blocks:
                    blocks.add(b)
                    for m, c in self.links[b]:
                        if c not in removed and c not in nodes and self.passes(m, c):
                            nodes.add(c)
                            queue.append(c)
            elif n not in nodes:
                nodes.add(n)
                queue.append(n)

        for s in starts:
            if s in self.adj and s not in removed:
                enter(s)
        while queue:
            n = queue.popleft()
            for m in self.adj[n]:
                if m in removed or not self.passes(n, m):
                    continue
                b = self.block.get(m)
                if (b is not None and b not in dirty and b in blocks) or m in nodes:
                    continue
                enter(m)
        return blocks, nodes


def _one_way_sides(g: nx.DiGraph, n: str, nbrs: frozenset[str]) -> tuple[frozenset[str], ...]:
    """Declared (not assumed) neighbours upstream and downstream of a one-way element."""
    ins = frozenset(m for m in g._pred[n] if m in nbrs and not g._pred[n][m].get("assumed"))
    outs = frozenset(m for m in g._succ[n] if m in nbrs and not g._succ[n][m].get("assumed"))
    return (ins, outs) if ins and outs else ()


def _blocks(
    adj: Mapping[str, frozenset[str]], connectors: frozenset[str]
) -> tuple[dict[str, int], list[tuple[str, ...]], list[tuple[tuple[str, str], ...]]]:
    block: dict[str, int] = {}
    members: list[tuple[str, ...]] = []
    links: list[tuple[tuple[str, str], ...]] = []
    for start in adj:
        if start in block or start in connectors:
            continue
        bid = len(members)
        block[start] = bid
        found, edge, queue = [start], [], deque([start])
        while queue:
            n = queue.popleft()
            for m in adj[n]:
                if m in connectors:
                    edge.append((n, m))
                elif m not in block:
                    block[m] = bid
                    found.append(m)
                    queue.append(m)
        members.append(tuple(found))
        links.append(tuple(edge))
    return block, members, links


def _components(adj: Mapping[str, frozenset[str]]) -> dict[str, int]:
    comp: dict[str, int] = {}
    k = 0
    for start in adj:
        if start in comp:
            continue
        comp[start] = k
        queue = deque([start])
        while queue:
            n = queue.popleft()
            for m in adj[n]:
                if m not in comp:
                    comp[m] = k
                    queue.append(m)
        k += 1
    return comp


def _medium_sources(
    twin: Twin,
    g: nx.DiGraph,
    medium: str,
    adj: Mapping[str, frozenset[str]],
    comp: Mapping[str, int],
) -> tuple[frozenset[str], str]:
    """Primary sources of ``medium``; in a part without one, its pumps/fans; else its roots."""
    primary = {n for n in adj if (e := twin.elements.get(n)) and medium in source_flows(twin, e)}
    parts_fed = {comp[n] for n in primary}
    rule = "primary sources (boilers, boards, tanks, air handlers, manifolds)"
    movers = {
        n
        for n in adj
        if comp[n] not in parts_fed
        and (e := twin.elements.get(n))
        and medium in source_flows(twin, e, movers=True)
    }
    if movers:
        rule += "; pumps and fans where a network has none"
    parts_fed |= {comp[n] for n in movers}
    roots = {
        n for n in adj if comp[n] not in parts_fed and not any(p in adj[n] for p in g._pred[n])
    }
    if roots:
        rule += "; elements nothing feeds where a network has neither"
    return frozenset(primary | movers | roots), rule


def _medium_net(twin: Twin, g: nx.DiGraph, medium: str, pairs: list[tuple[str, str]]) -> MediumNet:
    nbrs: dict[str, set[str]] = defaultdict(set)
    for a, b in pairs:
        nbrs[a].add(b)
        nbrs[b].add(a)
    adj = {n: frozenset(v) for n, v in nbrs.items()}
    closable = frozenset(n for n in adj if is_closable(twin.elements.get(n)))
    inlets: dict[str, frozenset[str]] = {}
    outlets: dict[str, frozenset[str]] = {}
    for n in adj:
        if is_one_way(twin.elements.get(n)):
            sides = _one_way_sides(g, n, adj[n])
            if sides:
                inlets[n], outlets[n] = sides
    connectors = closable | frozenset(inlets)
    block, members, links = _blocks(adj, connectors)
    comp = _components(adj)
    sources, rule = _medium_sources(twin, g, medium, adj, comp)
    net = MediumNet(
        medium, adj, block, tuple(members), tuple(links), connectors, closable,
        inlets, outlets, sources, rule, comp, frozenset(), frozenset(),
    )  # fmt: skip
    blocks, nodes = net.reach(sources)
    fed = set(nodes).union(*(members[b] for b in blocks)) if blocks else set(nodes)
    object.__setattr__(net, "fed_blocks", frozenset(blocks))
    object.__setattr__(net, "fed", frozenset(fed))
    return net


def build_media(twin: Twin, g: nx.DiGraph) -> dict[str, MediumNet]:
    """One ``MediumNet`` per medium that some edge of ``g`` carries.

    An edge whose medium nothing tells (no system, generic classes) carries every medium, as
    ``edge_flows`` says, so it appears in each medium's graph.
    """
    pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    seen: set[frozenset[str]] = set()
    for u, v in g.edges:
        key = frozenset((u, v))
        if key in seen:
            continue
        seen.add(key)
        for f in edge_flows(twin, u, v) & FLOWS:
            pairs[f].append((u, v))
    return {f: _medium_net(twin, g, f, p) for f, p in sorted(pairs.items())}
