"""Trace a distribution network upstream or downstream, and find common upstream causes.

Traces are breadth-first with a visited set, so ring mains and loops terminate; each element
appears once, at its shortest depth. Every assumed or inferred edge a trace crosses is reported,
because an answer resting on a guessed direction must say so.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import networkx as nx

from twin.distribution.build import Networks
from twin.errors import ElementNotFound, NetworkUnknown

__all__ = [
    "Direction",
    "Suspect",
    "Trace",
    "TraceStep",
    "common_cause",
    "common_cause_groups",
    "node_of",
    "require_known",
    "trace",
]

Direction = Literal["upstream", "downstream"]

UNKNOWN = "the model declares no distribution ports; the network is unknown"


@dataclass(frozen=True, slots=True)
class TraceStep:
    guid: str
    kind: str
    depth: int
    via: str | None  # the element this one was reached from


@dataclass(frozen=True, slots=True)
class Trace:
    origin: str
    direction: Direction
    system: str | None
    steps: tuple[TraceStep, ...]  # origin first, then by depth
    edges: tuple[tuple[str, str], ...]  # as they flow (upstream traces too: source -> sink)
    assumptions: tuple[str, ...]

    @property
    def guids(self) -> list[str]:
        return [s.guid for s in self.steps]


@dataclass(frozen=True, slots=True)
class Suspect:
    guid: str
    kind: str
    feeds: tuple[str, ...]  # which inputs it is upstream of
    distance: int  # largest hop count to the inputs it feeds
    total_distance: int


def require_known(nets: Networks) -> None:
    if not nets.known:
        raise NetworkUnknown(UNKNOWN)


def node_of(nets: Networks, guid: str, g: nx.DiGraph | None = None) -> str:
    """The graph node for ``guid``: itself, or the host a sensor/actuator is attached to."""
    require_known(nets)
    g = nets.graph if g is None else g
    if guid in g:
        return guid
    host = nets.hosts.get(guid)
    if host is not None and host in g:
        return host
    if guid not in nets.elements:
        raise ElementNotFound(f"no element {guid!r} in this model", guid=guid)
    raise NetworkUnknown(
        f"element {guid!r} has no distribution connections in this model", guid=guid
    )


def _edge_notes(assumed: int, inferred: int) -> tuple[str, ...]:
    notes = []
    if assumed:
        notes.append(f"{assumed} edge(s) on this trace have an assumed flow direction")
    if inferred:
        notes.append(f"{inferred} edge(s) on this trace are inferred from geometry (no ports)")
    return tuple(notes)


def trace(
    nets: Networks,
    guid: str,
    *,
    direction: Direction,
    max_depth: int | None = None,
    stop_kinds: Collection[str] = (),
    system: str | None = None,
) -> Trace:
    """Elements upstream or downstream of ``guid``, nearest first; stops at ``stop_kinds``."""
    g = nets.view(system)
    start = node_of(nets, guid, g)
    up = direction == "upstream"
    nbrs = g._pred if up else g._succ
    kinds = nets.kinds
    depth = {start: 0}
    steps = [TraceStep(start, kinds.get(start, ""), 0, None)]
    edges: list[tuple[str, str]] = []
    assumed = inferred = 0
    queue = deque([start])
    while queue:
        n = queue.popleft()
        d = depth[n]
        if max_depth is not None and d >= max_depth:
            continue
        if n != start and kinds.get(n) in stop_kinds:
            continue
        for m, attrs in nbrs[n].items():  # the edge's attributes, without a view lookup
            edges.append((m, n) if up else (n, m))
            assumed += bool(attrs.get("assumed"))
            inferred += bool(attrs.get("inferred"))
            if m in depth:
                continue
            depth[m] = d + 1
            steps.append(TraceStep(m, kinds.get(m, ""), d + 1, n))
            queue.append(m)
    return Trace(
        start, direction, system, tuple(steps), tuple(edges), _edge_notes(assumed, inferred)
    )


def _upstream_depths(g: nx.DiGraph, start: str | Collection[str]) -> dict[str, int]:
    """Hops upstream from ``start`` (one node, or several at depth 0), nearest first."""
    starts = [start] if isinstance(start, str) else list(start)
    depth = dict.fromkeys(starts, 0)
    queue = deque(starts)
    while queue:
        n = queue.popleft()
        for m in g._pred[n]:
            if m not in depth:
                depth[m] = depth[n] + 1
                queue.append(m)
    return depth


def common_cause(
    nets: Networks, guids: Sequence[str], *, system: str | None = None, limit: int = 10
) -> list[Suspect]:
    """Nearest shared upstream elements of ``guids``: most inputs fed first, then nearest."""
    g = nets.view(system)
    starts = list(dict.fromkeys(node_of(nets, x, g) for x in guids))
    return common_cause_groups(nets, {s: (s,) for s in starts}, system=system, limit=limit)


def common_cause_groups(
    nets: Networks,
    groups: Mapping[str, Collection[str]],
    *,
    system: str | None = None,
    limit: int = 10,
) -> list[Suspect]:
    """Like ``common_cause``, where each input is a group of nodes (a room: its terminals).

    A group is fed by whatever feeds any of its members; ``feeds`` names the groups' keys.
    """
    g = nets.view(system)
    seen: dict[str, dict[str, int]] = {}
    for key, members in groups.items():
        nodes = [node_of(nets, m, g) for m in members]
        for n, d in _upstream_depths(g, nodes).items():
            seen.setdefault(n, {})[key] = d
    need = 2 if len(groups) > 1 else 1
    own = {m for members in groups.values() for m in members} if len(groups) == 1 else set()
    suspects = [
        Suspect(n, nets.kinds.get(n, ""), tuple(f), max(f.values()), sum(f.values()))
        for n, f in seen.items()
        if len(f) >= need and n not in own
    ]
    suspects.sort(key=lambda s: (-len(s.feeds), s.distance, s.total_distance, s.guid))
    return suspects[:limit]
