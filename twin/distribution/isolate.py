"""Isolation (which valves to close) and impact (what loses supply) over a distribution graph.

Both work on the graph of one medium taken **undirected** (``blocks.MediumNet``): a radiator is
isolated only when every path to a boiler is closed, the return as well as the supply; only
elements the model declares one-way (check valves) pass flow one way. Isolation is a minimum
vertex cut between the medium's sources and the element where only closable devices (valves,
dampers, switches, breakers; ``blocks.is_closable``) may be cut: ``networkx.minimum_cut`` on a
split-node flow network (``in -> out``, capacity 1 for a closable device, unbounded for anything
else) over the valve-free blocks, with a super source on every source; of the equally small cuts
the one nearest the element. Where no set of devices does it the answer says so, with the paths
left open, the nearest points on them, and (separately, marked as suggestions) shutting down the
source or draining the circuit. Impact: what the sources reach before, and no longer reach with
the closed elements shut, per medium.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

import networkx as nx

from twin.distribution.blocks import MediumNet
from twin.distribution.build import Networks
from twin.distribution.trace import node_of, require_known
from twin.errors import NotFound
from twin.kinds import CRITICALITY_RANK
from twin.model import Twin

__all__ = [
    "Impact",
    "ImpactedSpace",
    "Isolation",
    "IsolationPoint",
    "Suggestion",
    "impact",
    "isolate",
    "isolate_nodes",
]

#: Open paths reported at most (each one found with the previous ones' elements set aside).
MAX_OPEN_PATHS = 3


@dataclass(frozen=True, slots=True)
class IsolationPoint:
    guid: str
    kind: str
    name: str
    storey: str | None
    space: str | None
    xyz: tuple[float, float, float] | None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Something other than closing valves (shutting down a source, draining a circuit)."""

    kind: str  # "shut_down_source" | "drain_down"
    guids: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True)
class Isolation:
    target: str
    system: str | None
    points: tuple[IsolationPoint, ...]
    possible: bool
    reason: str  # why not, when not possible; "" otherwise
    sources: tuple[str, ...]
    assumptions: tuple[str, ...]
    media: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()  # every element cut off together (a room's outlets)
    open_paths: tuple[tuple[str, ...], ...] = ()  # element -> source, no closable device on them
    closure_points: tuple[IsolationPoint, ...] = ()  # nearest point of each open path
    suggestions: tuple[Suggestion, ...] = ()
    partial: tuple[IsolationPoint, ...] = ()  # not possible: devices needed besides closures

    @property
    def guids(self) -> list[str]:
        return [p.guid for p in self.points]


def _point(twin: Twin | None, nets: Networks, guid: str) -> IsolationPoint:
    e = twin.elements.get(guid) if twin is not None else None
    if e is None:
        return IsolationPoint(guid, nets.kinds.get(guid, ""), "", None, None, None)
    return IsolationPoint(guid, e.kind, e.name, e.storey, e.space, e.centroid)


def _media(nets: Networks, node: str, system: str | None, medium: str | None) -> tuple[str, ...]:
    """The media to isolate ``node`` in: asked for, the system's, else every one it carries."""
    asked = medium or (nets.system_flows.get(system, system) if system else None)
    if asked is None:
        return nets.media_of(node)
    if asked not in nets.media:
        raise NotFound(f"no {asked!r} network in this model", medium=asked)
    return (asked,) if node in nets.media[asked].adj else ()


def isolate(
    nets: Networks,
    guid: str,
    *,
    system: str | None = None,
    twin: Twin | None = None,
    medium: str | None = None,
) -> Isolation:
    """The fewest closable devices whose closing cuts ``guid`` off from every source.

    Every medium the element carries is cut (a pump: its water circuit and its power feed);
    ``system`` (a guid or a flow name) or ``medium`` restricts the answer to one medium, whose
    whole network still counts (a supply system's element is also fed through the return).
    """
    target = node_of(nets, guid)
    media = _media(nets, target, system, medium)
    if not media:
        why = "the element carries no medium of a known network"
        return Isolation(target, system, (), False, why, (), (), targets=(target,))
    parts = [isolate_nodes(nets, [target], m, twin=twin) for m in media]
    fed = [p for p in parts if not p.reason.startswith("nothing feeds")]
    if fed and len(fed) < len(parts):  # a source (an air handler) is not fed in what it feeds
        unfed = ", ".join(p.media[0] for p in parts if p not in fed)
        note = f"not fed in {unfed} (a source or the end of that network there)"
        parts = [replace(p, assumptions=(*p.assumptions, note)) for p in fed]
    return replace(_merge(parts), system=system)


def _merge(parts: Sequence[Isolation]) -> Isolation:
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    seen: dict[str, IsolationPoint] = {}
    for p in parts:
        seen.update((q.guid, q) for q in p.points)
    return replace(
        first,
        points=tuple(seen.values()),
        possible=all(p.possible for p in parts),
        reason=_reasons(parts),
        sources=tuple(dict.fromkeys(s for p in parts for s in p.sources)),
        assumptions=tuple(dict.fromkeys(a for p in parts for a in p.assumptions)),
        media=tuple(m for p in parts for m in p.media),
        open_paths=tuple(dict.fromkeys(x for p in parts for x in p.open_paths)),
        closure_points=tuple(dict.fromkeys(x for p in parts for x in p.closure_points)),
        suggestions=tuple(dict.fromkeys(x for p in parts for x in p.suggestions)),
        partial=tuple(dict.fromkeys(x for p in parts for x in p.partial)),
    )


def _reasons(parts: Sequence[Isolation]) -> str:
    """One line per distinct reason, naming the media it holds for (an edge nothing tells the
    medium of sits in every medium's graph, so the same answer comes back for each)."""
    by: dict[str, list[str]] = {}
    for p in parts:
        if p.reason:
            by.setdefault(p.reason, []).extend(p.media)
    return "; ".join(f"{'/'.join(media)}: {reason}" for reason, media in by.items())


def isolate_nodes(
    nets: Networks, targets: Collection[str], medium: str, *, twin: Twin | None = None
) -> Isolation:
    """The fewest closable devices cutting every one of ``targets`` off in ``medium``."""
    mn = nets.media.get(medium)
    tset = [t for t in dict.fromkeys(targets) if mn is not None and t in mn.adj]
    first = next(iter(targets))
    if mn is None or not tset:
        why = f"not part of a {medium} network"
        return Isolation(first, None, (), False, why, (), (), (medium,), tuple(targets))
    comps = {mn.component[t] for t in tset}
    sources = sorted(s for s in mn.sources if mn.component[s] in comps and s not in tset)
    notes = (f"sources of {medium}: {mn.source_rule}",) if "nothing feeds" in mn.source_rule else ()
    base = Isolation(first, None, (), False, "", tuple(sources), notes, (medium,), tuple(tset))
    if not sources or not any(t in mn.fed for t in tset):
        return replace(base, reason=f"nothing feeds this element in the {medium} network")
    cut = _cut(mn, sources, tset)
    if cut is None:
        return _open(nets, mn, base, sources, tset, twin)
    return replace(base, points=tuple(_point(twin, nets, n) for n in cut), possible=True)


def _single_entry(mn: MediumNet, target: str, sources: Collection[str]) -> str | None:
    """The one closable device through which anything enters the target's block, if only one."""
    b = mn.block.get(target)
    if b is None:
        return None
    entries = {c for m, c in mn.links[b] if mn.passes(c, m)}
    if len(entries) != 1:
        return None
    (c,) = entries
    return c if c in mn.closable and c not in sources else None


def _cut(
    mn: MediumNet,
    sources: Sequence[str],
    targets: Sequence[str],
    removed: Collection[str] = frozenset(),
) -> list[str] | None:
    """A minimum cut of closable devices nearest ``targets``; None where a path has none."""
    blocks = {mn.block[t] for t in targets if t in mn.block}
    if not removed and any(mn.block.get(s) in blocks for s in sources):
        return None
    if not removed and len(targets) == 1:
        one = _single_entry(mn, targets[0], sources)
        if one is not None:
            return [one]
    h = _flow_network(mn, sources, targets, removed)
    try:
        # networkx's partition puts the cut nearest the sink: the valve on the element's branch
        _value, (near, far) = nx.minimum_cut(h, "SOURCE", "SINK")
    except nx.NetworkXUnbounded:
        return None
    return sorted(n for n in mn.closable if (n, "in") in near and (n, "out") in far)


def _flow_network(
    mn: MediumNet, sources: Collection[str], targets: Collection[str], removed: Collection[str]
) -> nx.DiGraph:
    """Split-node flow network over the blocks of the targets' networks (dirty ones expanded)."""
    comps = {mn.component[t] for t in targets}
    dirty = {mn.block[n] for n in removed if n in mn.block}
    tset, sset = set(targets), set(sources)
    h = nx.DiGraph()

    def into(n: str) -> object:
        u = mn.unit(n, dirty)
        return u if isinstance(u, tuple) else (n, "in")

    def out(n: str) -> object:
        u = mn.unit(n, dirty)
        return u if isinstance(u, tuple) else (n, "out")

    for b, links in enumerate(mn.links):
        if b in dirty or mn.component[mn.members[b][0]] not in comps:
            continue
        for m, c in links:
            if c not in removed and mn.passes(m, c):
                h.add_edge(("b", b), into(c))
    singles = [c for c in mn.connectors if mn.component[c] in comps]
    singles += [n for b in dirty for n in mn.members[b]]
    for n in singles:
        if n in removed:
            continue
        if n in mn.closable and n not in tset and n not in sset:
            h.add_edge((n, "in"), (n, "out"), capacity=1)
        elif n not in tset:
            h.add_edge((n, "in"), (n, "out"))
        for m in mn.adj[n]:
            if m not in removed and mn.passes(n, m):
                h.add_edge(out(n), into(m))
    for s in sset - set(removed):
        h.add_edge("SOURCE", into(s))
    for t in tset:
        h.add_edge(into(t), "SINK")
    return h


def _open_path(mn: MediumNet, targets: Collection[str], avoid: set[str]) -> tuple[str, ...]:
    """The shortest path from a target back to a source with no closable device on it."""
    prev: dict[str, str | None] = dict.fromkeys(targets)
    queue = deque(targets)
    while queue:
        n = queue.popleft()
        if n in mn.sources and n not in targets:
            path = [n]
            while (p := prev[path[-1]]) is not None:
                path.append(p)
            return tuple(reversed(path))
        for m in mn.adj[n]:
            if m in prev or m in avoid or m in mn.closable or not mn.passes(m, n):
                continue
            prev[m] = n
            queue.append(m)
    return ()


def _open(
    nets: Networks,
    mn: MediumNet,
    base: Isolation,
    sources: Sequence[str],
    targets: Sequence[str],
    twin: Twin | None,
) -> Isolation:
    """No set of devices isolates: the open paths, the devices that isolate once each open path
    is closed at its nearest point (``partial``), and what else would do (shutting down the
    source, draining the circuit) as suggestions."""
    paths: list[tuple[str, ...]] = []
    avoid: set[str] = set()
    cut: list[str] | None = None
    while len(paths) < MAX_OPEN_PATHS:
        path = _open_path(mn, targets, avoid)
        if not path:
            break
        paths.append(path)
        if len(path) < 3:  # joined to the source directly: nothing between to close
            break
        avoid.add(path[1])  # as if closed at its nearest point (a fitted valve, a pipe freeze)
        cut = _cut(mn, sources, targets, removed=avoid)
        if cut is not None:
            break
    names = [_name(twin, p[-1]) for p in paths]
    reason = (
        f"no set of isolating devices cuts it off: {len(paths)} path(s) to a source have no "
        f"valve or other closable device (" + "; ".join(
            f"via {_describe(twin, nets, p)} to {n}" for p, n in zip(paths, names, strict=True)
        ) + ")"
    )  # fmt: skip
    nearest = tuple(_point(twin, nets, p[1]) for p in paths if len(p) > 1)
    return replace(
        base,
        partial=tuple(_point(twin, nets, n) for n in cut or ()),
        reason=reason,
        open_paths=tuple(paths),
        closure_points=nearest,
        suggestions=_suggestions(mn, twin, tuple(dict.fromkeys(p[-1] for p in paths))),
    )


def _name(twin: Twin | None, guid: str) -> str:
    e = twin.elements.get(guid) if twin is not None else None
    return f"{e.name or e.ifc_class} ({guid})" if e is not None else guid


def _describe(twin: Twin | None, nets: Networks, path: Sequence[str]) -> str:
    """The open path in words: its first elements by name, its length and its systems."""
    inner = path[1:-1]
    if not inner:
        return "a direct connection"
    shown = ", ".join(_name(twin, n) for n in inner[:2])
    more = f" and {len(inner) - 2} more" if len(inner) > 2 else ""
    return f"{shown}{more}{_side(twin, inner)}"


def _side(twin: Twin | None, inner: Sequence[str]) -> str:
    """The system names along a path (a return side's name says so: "Heizung_RL", "return")."""
    if twin is None:
        return ""
    names = {
        twin.systems[s].name
        for n in inner
        if (e := twin.elements.get(n))
        for s in e.systems
        if s in twin.systems and twin.systems[s].name
    }
    return f" (system {', '.join(sorted(names))})" if names else ""


_SHUTDOWN = {
    "gas": "close the supply at the source (manifold, cylinder or plant) feeding it",
    "electricity": "switch off the source (board, transformer, generator) feeding it",
    "air": "stop the air handler or fan feeding it",
}
_FLUIDS = frozenset({"water", "heating", "cooling", "gas"})


def _suggestions(
    mn: MediumNet, twin: Twin | None, sources: Sequence[str]
) -> tuple[Suggestion, ...]:
    """Explicit alternatives to valves, each marked as a suggestion, never as an isolation."""
    what = _SHUTDOWN.get(mn.medium, "shut down the source (boiler, pump or tank) feeding it")
    named = ", ".join(_name(twin, s) for s in sources)
    out = [Suggestion("shut_down_source", tuple(sources), f"suggestion: {what}: {named}")]
    if mn.medium in _FLUIDS:
        text = (
            "suggestion: drain down (or vent) the part of the network that stays connected, "
            "or fit an isolating valve on each open path"
        )
        out.append(Suggestion("drain_down", (), text))
    return tuple(out)


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


def _lost(mn: MediumNet, shut: set[str]) -> set[str]:
    """Elements of ``mn`` the sources reach, and no longer reach with ``shut`` closed."""
    removed = shut & mn.adj.keys()
    if not removed:
        return set()
    blocks, nodes = mn.reach([s for s in mn.sources if s not in removed], removed)
    dirty = {mn.block[n] for n in removed if n in mn.block}
    lost: set[str] = set()
    for b in mn.fed_blocks:
        if b not in blocks and b not in dirty:
            lost.update(mn.members[b])
    singles = list(mn.connectors) + [n for b in dirty for n in mn.members[b]]
    lost.update(n for n in singles if n in mn.fed and n not in nodes)
    return lost - removed


def impact(nets: Networks, twin: Twin, closed: Collection[str]) -> Impact:
    """What loses supply when ``closed`` valves are shut or elements fail, critical rooms first.

    Per medium, on the undirected graph: what the sources reached before and reach no longer,
    so a radiator still connected through its return, or a ring main fed from both ends, is
    not reported as cut off.
    """
    require_known(nets)
    shut = {node_of(nets, c) for c in closed}
    lost: set[str] = set()
    for mn in nets.media.values():
        lost |= _lost(mn, shut)
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
    if any(all(n not in mn.fed for mn in nets.media.values()) for n in shut):
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
