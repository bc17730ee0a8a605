"""The hand-written Python searches routes used before scipy's csgraph: the bench baseline.

Production routing runs scipy's C Dijkstra (:mod:`twin.navigation.paths`). These searches stay
here, outside the library, as the reference ``bench/routing.py`` times in the same run: a
Dijkstra one-to-all (:func:`one_to_all`) and an A* with ALT potentials (*A\\*, landmarks,
triangle inequality*, :func:`shortest`) over a per-profile adjacency (:func:`compiled`) whose
branches hanging below one node are labelled without the heap. They use the landmarks the
library computes (:func:`twin.navigation.paths.landmark_bounds`) and the same blocked sets.

Space centre nodes of rooms whose portals are all directly joined are never walked *through*:
they are labelled but not expanded unless they are a source (as in the C search).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from operator import sub

import numpy as np

from twin.navigation.navgraph import NavGraph
from twin.navigation.paths import Found, landmark_bounds, transit

__all__ = ["Compiled", "Potential", "compiled", "one_to_all", "potential", "shortest"]


@dataclass(frozen=True)
class Compiled:
    """The graph as one profile sees it: ``adj[n]`` = ``[(neighbour, seconds, edge id)]``,
    cheapest first (so the first edge met to a neighbour is its best one)."""

    profile: str
    adj: list[list[tuple[int, float, int]]]
    transit: list[bool]  # False: labelled, not expanded unless a source
    #: ``parent[m] = n`` when m hangs below n: every walk from outside m's branch to m passes
    #: n (an office door below its corridor waypoint); -1 for the core of the graph
    parent: list[int]
    #: per core node, its hanging branch flattened: ``(node, seconds from it, previous node,
    #: edge)`` top-down, with the rooms only that branch opens into; ``core_adj`` is ``adj``
    #: without those edges. Used when nothing is restricted and no source lies in the branch.
    flat: list[list[tuple[int, float, int, int]]]
    core_adj: list[list[tuple[int, float, int]]]


def compiled(nav: NavGraph, profile: str) -> Compiled:
    """The profile's adjacency, built on first use and kept on the graph."""
    key = ("compiled", profile)
    got = nav.cache.get(key)
    if isinstance(got, Compiled):
        return got
    costs = nav.costs[profile]
    adj: list[list[tuple[int, float, int]]] = [[] for _ in nav.nodes]
    for eid, e in enumerate(nav.edges):
        c = costs[eid]
        if c is None:
            continue
        adj[e.a].append((e.b, c, eid))
        adj[e.b].append((e.a, c, eid))
    for lst in adj:
        lst.sort(key=lambda t: t[1])
    through = transit(nav)
    parent = _hanging(adj, through)
    flat, core_adj = _flatten(adj, through, parent)
    comp = Compiled(profile, adj, through, parent, flat, core_adj)
    nav.cache[key] = comp
    return comp


def _hanging(adj: list[list[tuple[int, float, int]]], transit: list[bool]) -> list[int]:
    """Peel the transit graph down to its 2-core: a node left with one neighbour hangs below
    it. A search settles hanging branches without the heap once their top is settled."""
    nbrs = [{m for m, _, _ in lst if transit[m] and m != n} for n, lst in enumerate(adj)]
    deg = [len(x) if transit[n] else -1 for n, x in enumerate(nbrs)]
    parent = [-1] * len(adj)
    gone = [not t for t in transit]
    todo = [n for n, d in enumerate(deg) if 0 <= d <= 1]
    while todo:
        n = todo.pop()
        if gone[n]:
            continue
        gone[n] = True
        rest = [m for m in nbrs[n] if not gone[m]]
        if len(rest) == 1:
            q = rest[0]
            parent[n] = q
            deg[q] -= 1
            if deg[q] <= 1:
                todo.append(q)
    return parent


def _flatten(
    adj: list[list[tuple[int, float, int]]], transit: list[bool], parent: list[int]
) -> tuple[list[list[tuple[int, float, int, int]]], list[list[tuple[int, float, int]]]]:
    """Each core node's branch (hanging transit nodes and the rooms reached only from them or
    from the core node itself) with exact offsets, by a Dijkstra confined to the branch."""
    n = len(adj)
    top = list(range(n))  # the core node a hanging node belongs to
    for v in range(n):
        if transit[v] and parent[v] >= 0:
            x = v
            while parent[x] >= 0:
                x = parent[x]
            top[v] = x
    members: dict[int, set[int]] = {}
    for v in range(n):
        if transit[v] and parent[v] >= 0:
            members.setdefault(top[v], set()).add(v)
    for v in range(n):
        if not transit[v] and adj[v]:
            tops = {top[m] for m, _, _ in adj[v] if transit[m]}
            nbrs = {m for m, _, _ in adj[v]}
            if len(tops) == 1:
                x = next(iter(tops))
                inside = members.get(x, set())
                if nbrs <= inside | {x}:
                    members.setdefault(x, set()).add(v)
    flat: list[list[tuple[int, float, int, int]]] = [[] for _ in range(n)]
    core_adj = [list(a) for a in adj]
    for x, mem in members.items():
        dist, out, heap = {x: 0.0}, [], [(0.0, x, -1, -1)]
        while heap:
            d, v, pv, eid = heapq.heappop(heap)
            if v in dist and v != x:
                continue
            if v != x:
                dist[v] = d
                out.append((v, d, pv, eid))
                if not transit[v]:
                    continue
            for m, c, e in adj[v]:
                if m in mem and m not in dist:
                    heapq.heappush(heap, (d + c, m, v, e))
        # safety: a branch whose nodes touch anything outside it keeps the general path
        if all(m in mem or m == x for v in mem for m, _, _ in adj[v]):
            flat[x] = out
            core_adj[x] = [t for t in adj[x] if t[0] not in mem]
    return flat, core_adj


def _pinned(comp: Compiled, sources: Mapping[int, float]) -> set[int]:
    """Sources and the nodes above them (and above a source's neighbours when the source is a
    room centre): their labels may come from below, so they are never settled from above."""
    parent, out = comp.parent, set()
    starts = list(sources)
    for s in sources:
        if not comp.transit[s]:
            starts.extend(m for m, _, _ in comp.adj[s])
    for x in starts:
        while x >= 0 and x not in out:
            out.add(x)
            x = parent[x]
    return out


def one_to_all(
    comp: Compiled,
    sources: Mapping[int, float],
    be: frozenset[int] | set[int] = frozenset(),
    bn: frozenset[int] | set[int] = frozenset(),
    until: Collection[int] | None = None,
) -> dict[int, float]:
    """Seconds from the seeded ``sources`` to every reachable node (Dijkstra; branches
    hanging below a settled node are labelled at once, without the heap). With ``until``,
    the search stops once all those nodes are settled and returns only settled labels."""
    adj, transit, parent = comp.adj, comp.transit, comp.parent
    flat, core_adj = comp.flat, comp.core_adj
    pinned = _pinned(comp, sources)
    pop, push, inf = heapq.heappop, heapq.heappush, math.inf
    need = set(until) if until is not None else None
    dist: dict[int, float] = {}
    # best label so far (non-transit nodes are never expanded); -1 once settled, so that one
    # lookup per edge tells both "settled" and "no better"
    tent: dict[int, float] = {n: c for n, c in sources.items() if n not in bn}
    heap = [(c, n) for n, c in tent.items()]
    heapq.heapify(heap)
    restricted = bool(be or bn)
    while heap:
        d, n = pop(heap)
        if n in dist:
            continue
        dist[n] = d
        tent[n] = -1.0
        if need is not None:
            need.discard(n)
            if not need:
                return dist
            if not transit[n] and n not in sources:
                continue  # a room centre someone waits at: settled, not walked through
        if not restricted and n not in pinned:  # plain Dijkstra, branches labelled at once
            for m, off, _, _ in flat[n]:  # the branch below n: final at once
                dist[m] = d + off
                tent[m] = -1.0
            if need is not None:
                need.difference_update(m for m, _, _, _ in flat[n])
            for m, c, _ in core_adj[n]:
                nd = d + c
                if nd >= tent.get(m, inf):
                    continue
                tent[m] = nd
                if transit[m] or (need is not None and m in need):
                    push(heap, (nd, m))
            if need is not None and not need:
                return dist
            continue
        stack = [(n, d)]
        while stack:
            x, dx = stack.pop()
            for m, c, eid in adj[x]:
                nd = dx + c
                if nd >= tent.get(m, inf):
                    continue
                if restricted and (m in bn or eid in be):
                    continue
                tent[m] = nd
                if not transit[m]:
                    if need is not None and m in need:
                        push(heap, (nd, m))
                    continue
                if parent[m] == x and m not in pinned:
                    dist[m] = nd  # only reached through x: final
                    tent[m] = -1.0
                    stack.append((m, nd))
                    if need is not None:
                        need.discard(m)
                else:
                    push(heap, (nd, m))
        if need is not None and not need:
            return dist
    for m, d in tent.items():
        if m not in dist:
            dist[m] = d
    return dist


#: Stands for "not reachable from this landmark" in the per-node rows (finite, so that
#: ``BIG - BIG`` is 0, "nothing known", rather than nan).
_BIG = 1e9


@dataclass(frozen=True)
class Potential:
    """ALT lower bound towards a set of targets, evaluated per node as the search reaches it:
    ``max(lo - d(L, n), d(L, n) - hi)`` over landmarks L, where ``[lo, hi]`` spans the targets'
    own landmark distances (exact for one target; admissible and consistent for several)."""

    rows: list[tuple[float, ...]]  # per node, seconds from each landmark
    lo: tuple[float, ...]
    hi: tuple[float, ...]
    offset: float  # the smallest target offset

    def __call__(self, n: int) -> float:
        r = self.rows[n]
        h = max(max(map(sub, self.lo, r)), max(map(sub, r, self.hi)), 0.0)
        return math.inf if h >= _BIG / 2 else h + self.offset


def _rows(nav: NavGraph, profile: str) -> list[tuple[float, ...]]:
    key = ("landmark_rows", profile)
    got = nav.cache.get(key)
    if isinstance(got, list):
        return got
    lm = landmark_bounds(nav, profile)
    rows = [tuple(r) for r in np.where(np.isfinite(lm), lm, _BIG).T.tolist()]
    nav.cache[key] = rows
    return rows


def potential(nav: NavGraph, profile: str, targets: Mapping[int, float]) -> Potential | None:
    """A lower bound of the seconds still to go from a node to the best of ``targets`` (node ->
    seconds from it to the goal): for every landmark L, ``|d(L, t) - d(L, n)| <= d(n, t)``."""
    rows = _rows(nav, profile)
    if not rows or not rows[0] or not targets:
        return None
    own = [rows[t] for t in targets]
    lo = tuple(map(min, *own)) if len(own) > 1 else own[0]
    hi = tuple(map(max, *own)) if len(own) > 1 else own[0]
    return Potential(rows, lo, hi, min(targets.values()))


def shortest(
    comp: Compiled,
    sources: Mapping[int, float],
    targets: Mapping[int, float],
    be: frozenset[int] | set[int] = frozenset(),
    bn: frozenset[int] | set[int] = frozenset(),
    potential: Potential | None = None,
) -> Found | None:
    """Seeded A* (Dijkstra when ``potential`` is None) with early exit: (seconds, [(node,
    edge that reached it, -1 for a seed)]) for the best ``source -> target`` incl. offsets."""
    adj, transit, parent = comp.adj, comp.transit, comp.parent
    flat, core_adj = comp.flat, comp.core_adj
    pinned = _pinned(comp, sources)
    h = potential
    rows, lo, hi, off = (h.rows, h.lo, h.hi, h.offset) if h else (None, (), (), 0.0)
    done: set[int] = set()
    tent: dict[int, float] = {}
    prev: dict[int, tuple[int, int]] = {}
    heap: list[tuple[float, float, int]] = []
    best, best_node = math.inf, -1
    for n, c0 in sources.items():
        if n in bn or c0 >= tent.get(n, math.inf):
            continue
        tent[n] = c0
        heap.append((c0 + (h(n) if h else 0.0), c0, n))
        tg = targets.get(n)
        if tg is not None and c0 + tg < best:
            best, best_node = c0 + tg, n
    heapq.heapify(heap)
    restricted = bool(be or bn)
    while heap:
        f, d, n = heapq.heappop(heap)
        if f >= best:
            break
        if n in done or d > tent[n]:
            continue
        done.add(n)
        tent[n] = -1.0  # settled: no label is better (one lookup per edge below)
        if not restricted and n not in pinned:
            for m, off, pv, eid in flat[n]:  # the branch below n: final at once
                done.add(m)
                tent[m] = -1.0
                prev[m] = (pv, eid)
                tg = targets.get(m)
                if tg is not None and d + off + tg < best:
                    best, best_node = d + off + tg, m
            scan = [(n, d, core_adj[n])]
        else:
            scan = [(n, d, adj[n])]
        stack = scan
        while stack:
            x, dx, edges = stack.pop()
            for m, c, eid in edges:
                nd = dx + c
                if nd >= tent.get(m, math.inf):
                    continue
                if restricted and (m in bn or eid in be):
                    continue
                tent[m] = nd
                prev[m] = (x, eid)
                tg = targets.get(m)
                if tg is not None and nd + tg < best:
                    best, best_node = nd + tg, m
                if not transit[m]:
                    continue
                if parent[m] == x and m not in pinned:
                    done.add(m)  # only reached through x: final
                    tent[m] = -1.0
                    stack.append((m, nd, adj[m]))
                    continue
                if rows is None:
                    heapq.heappush(heap, (nd, nd, m))
                    continue
                r = rows[m]  # the ALT bound, inlined: this line runs for every push
                hm = max(max(map(sub, lo, r)), max(map(sub, r, hi)), 0.0)
                if hm < _BIG / 2:
                    heapq.heappush(heap, (nd + hm + off, nd, m))
    if best_node < 0:
        return None
    chain: list[tuple[int, int]] = []
    n = best_node
    while n in prev:
        p, eid = prev[n]
        chain.append((n, eid))
        n = p
    chain.append((n, -1))
    chain.reverse()
    return best, chain
