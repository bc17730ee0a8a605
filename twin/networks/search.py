"""Shortest-path searches over a :class:`~twin.networks.navigation.NavGraph`, compiled per profile.

Why a module of its own: a query must not pay for what does not change between queries. So
the first search of a profile compiles, once per graph, an adjacency list holding only the
edges that profile may use with their cost in seconds (no ``None`` test, no cost lookup per
relaxation), the index from guids to nodes and edges that turns a :class:`Restrictions` into
blocked node and edge sets (cached per restriction set), and landmark distances for A*.

What routes.py runs (since the C measurement in docs/routing.md): :func:`shortest_c` and
:func:`one_to_all_c`, scipy's C Dijkstra (``scipy.sparse.csgraph.dijkstra``) on a CSR matrix
per profile and restriction set (:func:`matrix`, cached on the graph), with the same rules
(forbidden edges absent, room centres labelled but not walked through, seeds with offsets).
A full one-to-all in C costs less than the Python A* below at p99 (and the landmarks are
computed with it too); the Python searches stay as the reference ``bench/routing.py`` times
in the same run.

Python searches:

* :func:`one_to_all` — Dijkstra from seeded sources to every node (dispatch ETAs, patrol
  matrix rows, impact reports).
* :func:`shortest` — A* with ALT potentials (*A\\*, landmarks, triangle inequality*): the
  distances from a few far-apart landmark nodes give, by the triangle inequality, a lower bound
  of the remaining time to the goal that is consistent, so the search stays exact while it
  settles only the nodes around the corridor of the answer. Restrictions only remove edges,
  so bounds from the unrestricted graph stay valid under any closure.

Space centre nodes of rooms whose portals are all directly joined are never walked *through*
(no path via the middle of a room beats the direct walk between its doors): they are labelled
but not expanded unless they are a source. That keeps the heap small.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from operator import sub

import numpy as np
from shapely import STRtree

from twin.networks.navigation import NavGraph, Restrictions

__all__ = [
    "Compiled",
    "Matrix",
    "blocked",
    "compiled",
    "landmark_bounds",
    "matrix",
    "one_to_all",
    "one_to_all_c",
    "potential",
    "shortest",
    "shortest_c",
]

#: Landmarks per profile for the A* lower bound (one one-to-all search each, on first use).
LANDMARKS = 12
#: Restriction sets whose blocked nodes and edges are kept (a small cache, oldest dropped).
_BLOCKED_KEEP = 64
#: Restricted CSR copies kept (about 1.4 MB each on the large demo hospital, oldest dropped).
_CSR_KEEP = 16

Found = tuple[float, list[tuple[int, int]]]


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
    corridors = {e.space for e in nav.edges if nav.nodes[e.a].kind == "waypoint"}
    transit = [n.kind != "space" or n.guid in corridors for n in nav.nodes]
    parent = _hanging(adj, transit)
    flat, core_adj = _flatten(adj, transit, parent)
    comp = Compiled(profile, adj, transit, parent, flat, core_adj)
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


def _index(nav: NavGraph) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """guid -> nodes, guid (space or stair/lift) -> edges."""
    got = nav.cache.get("index")
    if isinstance(got, tuple):
        return got
    nodes: dict[str, list[int]] = {}
    for n in nav.nodes:
        nodes.setdefault(n.guid, []).append(n.id)
    edges: dict[str, list[int]] = {}
    for eid, e in enumerate(nav.edges):
        for g in (e.space, e.element):
            if g is not None:
                edges.setdefault(g, []).append(eid)
    nav.cache["index"] = (nodes, edges)
    return nodes, edges


def nodes_of(nav: NavGraph, guid: str) -> list[int]:
    """Every node of ``guid`` (a door, a stair's or lift's stops, a space centre)."""
    return _index(nav)[0].get(guid, [])


def room_tree(nav: NavGraph) -> tuple[list[str], STRtree]:
    """Space guids and an STRtree of their walkable footprints (to snap points to a room)."""
    got = nav.cache.get("rooms")
    if isinstance(got, tuple):
        return got
    guids = list(nav.walkways)
    out = (guids, STRtree([nav.walkways[g].polygon for g in guids]))
    nav.cache["rooms"] = out
    return out


def blocked(
    nav: NavGraph, r: Restrictions | None, allowed: frozenset[str] = frozenset()
) -> tuple[frozenset[int], frozenset[int]]:
    """Edges and nodes a search must skip under ``r``; no-go zones in ``allowed`` (the
    start's and goal's own rooms) stay usable. Cached per ``(r, allowed)``."""
    if not r:
        return frozenset(), frozenset()
    key = ("blocked", r, allowed)
    got = nav.cache.get(key)
    if isinstance(got, tuple):
        return got
    by_node, by_edge = _index(nav)
    bn: set[int] = set()
    for g in r.locked_doors | r.out_of_service:
        bn.update(by_node.get(g, ()))
    for g in r.closed_spaces:
        bn.update(n for n in by_node.get(g, ()) if nav.nodes[n].kind == "space")
    be: set[int] = set()
    for g in r.closed_spaces | (r.no_go_zones - allowed) | r.out_of_service:
        be.update(by_edge.get(g, ()))
    out = (frozenset(be), frozenset(bn))
    # list() copies the keys in one step: requests may add entries from other threads
    keys = [k for k in list(nav.cache) if isinstance(k, tuple) and k[0] == "blocked"]
    if len(keys) >= _BLOCKED_KEEP:
        nav.cache.pop(keys[0], None)
    nav.cache[key] = out
    return out


def prepare(nav: NavGraph) -> None:
    """Compile every profile and its landmarks now, so no query pays for it later."""
    for name in nav.costs:
        _rows(nav, name)


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


def landmark_bounds(nav: NavGraph, profile: str) -> np.ndarray:
    """``(LANDMARKS, nodes)`` seconds from each landmark (inf: not reachable), chosen
    farthest-first so they sit at the ends of the building where bounds are tight."""
    key = ("landmarks", profile)
    got = nav.cache.get(key)
    if isinstance(got, np.ndarray):
        return got
    comp = compiled(nav, profile)
    n = len(nav.nodes)
    rows: list[np.ndarray] = []

    m = matrix(nav, profile)

    def row_from(seed: int) -> np.ndarray:  # one C Dijkstra (same labels as one_to_all)
        seeds, _ = _seeded(m, comp.transit, {seed: 0.0}, ())
        return _run(m, seeds)[0].copy()

    if n:
        hub = max(range(n), key=lambda i: len(comp.adj[i]))  # in the main part of the building
        near = row_from(hub)
        for _ in range(min(LANDMARKS, n)):
            seed = int(np.argmax(np.where(np.isfinite(near), near, -1.0)))
            row = row_from(seed)
            rows.append(row)
            near = row if len(rows) == 1 else np.minimum(near, row)
    out = np.vstack(rows) if rows else np.zeros((0, n))
    nav.cache[key] = out
    return out


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


# --- the same searches in C (scipy.sparse.csgraph), used by routes.py ---------------------
#
# Measured on the large demo hospital (docs/routing.md): one full one-to-all Dijkstra in C
# costs about 1 ms, less than the Python A* at p99 and 15x less than the Python one-to-all.
# The rules above still hold: a profile's forbidden edges are absent, room centres that are
# not corridors keep only their incoming entries (labelled, never walked through; as a source
# they seed their own neighbours), and seeds with offsets hang below one extra node.


@dataclass(frozen=True)
class Matrix:
    """One profile's usable edges under one restriction set, as CSR arrays (both directions,
    the cheapest of parallel edges per pair). ``edge[k]`` is the edge id of entry k;
    ``walk_*`` are the same arrays with the rows of non-transit nodes (room centres) kept,
    for seeding a search that starts at a centre."""

    n: int
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    edge: np.ndarray
    key: np.ndarray  # row * (n + 1) + col per entry, ascending (finds an entry's edge)
    walk_indptr: np.ndarray
    walk_indices: np.ndarray
    walk_data: np.ndarray
    walk_edge: np.ndarray


def _entries(nav: NavGraph, profile: str) -> tuple[np.ndarray, ...]:
    """(row, col, seconds, edge id) of every directed entry a profile may use, sorted by row,
    col, seconds; built once per profile."""
    key = ("csr_entries", profile)
    got = nav.cache.get(key)
    if isinstance(got, tuple):
        return got
    costs = nav.costs[profile]
    ids = np.array([i for i, c in enumerate(costs) if c is not None], dtype=np.int64)
    a = np.array([nav.edges[i].a for i in ids], dtype=np.int64)
    b = np.array([nav.edges[i].b for i in ids], dtype=np.int64)
    c = np.array([costs[i] for i in ids], dtype=np.float64)
    row, col = np.concatenate([a, b]), np.concatenate([b, a])
    cost, eid = np.concatenate([c, c]), np.concatenate([ids, ids])
    order = np.lexsort((cost, col, row))
    out = (row[order], col[order], cost[order], eid[order])
    nav.cache[key] = out
    return out


def _pack(
    n: int, row: np.ndarray, col: np.ndarray, cost: np.ndarray, eid: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays from sorted entries, keeping the first (cheapest) entry per (row, col)."""
    if len(row):
        first = np.ones(len(row), dtype=bool)
        first[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
        row, col, cost, eid = row[first], col[first], cost[first], eid[first]
    indptr = np.zeros(n + 2, dtype=np.int32)  # one spare row for the seeding node
    np.cumsum(np.bincount(row, minlength=n), out=indptr[1 : n + 1])
    indptr[n + 1] = indptr[n]
    return indptr, col.astype(np.int32), cost.astype(np.float64), eid


def matrix(
    nav: NavGraph,
    profile: str,
    be: frozenset[int] | set[int] = frozenset(),
    bn: frozenset[int] | set[int] = frozenset(),
) -> Matrix:
    """The profile's CSR arrays without blocked edges ``be`` and nodes ``bn`` (no entry into or
    out of them). Cached on the graph per (profile, restriction); 16 restricted ones kept."""
    be, bn = frozenset(be), frozenset(bn)
    key = ("csr", profile, be, bn)
    got = nav.cache.get(key)
    if isinstance(got, Matrix):
        return got
    n = len(nav.nodes)
    row, col, cost, eid = _entries(nav, profile)
    if be or bn:
        keep = np.ones(len(row), dtype=bool)
        if be:
            keep &= ~np.isin(eid, np.fromiter(be, np.int64, len(be)))
        if bn:
            nodes = np.fromiter(bn, np.int64, len(bn))
            keep &= ~np.isin(row, nodes) & ~np.isin(col, nodes)
        row, col, cost, eid = row[keep], col[keep], cost[keep], eid[keep]
    w_ptr, w_idx, w_dat, w_eid = _pack(n, row, col, cost, eid)
    transit = np.array(compiled(nav, profile).transit, dtype=bool)
    through = transit[row] if len(row) else np.zeros(0, dtype=bool)
    ptr, idx, dat, eids = _pack(n, row[through], col[through], cost[through], eid[through])
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr[: n + 1]))
    out = Matrix(n, ptr, idx, dat, eids, rows * (n + 1) + idx, w_ptr, w_idx, w_dat, w_eid)
    if be or bn:
        keys = [
            k
            for k in list(nav.cache)
            if isinstance(k, tuple) and k[0] == "csr" and k[2:] != (frozenset(), frozenset())
        ]
        if len(keys) >= _CSR_KEEP:
            nav.cache.pop(keys[0], None)
    nav.cache[key] = out
    return out


def _seeded(
    m: Matrix, transit: list[bool], sources: Mapping[int, float], bn: Collection[int]
) -> tuple[dict[int, float], dict[int, tuple[int, int]]]:
    """The seeds below the extra node: each source at its offset, and a room-centre source's
    neighbours at offset + walk (``via[v] = (centre, edge)``)."""
    seeds: dict[int, float] = {}
    via: dict[int, tuple[int, int]] = {}
    for s, c0 in sources.items():
        if s in bn:
            continue
        if c0 < seeds.get(s, math.inf):
            seeds[s] = c0
            via.pop(s, None)
        if not transit[s]:
            lo, hi = int(m.walk_indptr[s]), int(m.walk_indptr[s + 1])
            for v, c, e in zip(
                m.walk_indices[lo:hi].tolist(),
                m.walk_data[lo:hi].tolist(),
                m.walk_edge[lo:hi].tolist(),
                strict=True,
            ):
                if c0 + c < seeds.get(v, math.inf):
                    seeds[v] = c0 + c
                    via[v] = (s, e)
    return seeds, via


def _run(
    m: Matrix, seeds: Mapping[int, float], limit: float = math.inf
) -> tuple[np.ndarray, np.ndarray]:
    """scipy's Dijkstra from the extra node ``n`` whose entries are the seeds: (seconds,
    predecessors) for the graph's nodes."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    n, k = m.n, len(seeds)
    indptr = m.indptr.copy()
    indptr[n + 1] = indptr[n] + k
    indices = np.concatenate([m.indices, np.fromiter(seeds.keys(), np.int32, k)])
    data = np.concatenate([m.data, np.fromiter(seeds.values(), np.float64, k)])
    g = csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))
    dist, pred = dijkstra(g, directed=True, indices=n, return_predecessors=True, limit=limit)
    return dist[:n], pred[:n]


def one_to_all_c(
    nav: NavGraph,
    profile: str,
    sources: Mapping[int, float],
    be: frozenset[int] | set[int] = frozenset(),
    bn: frozenset[int] | set[int] = frozenset(),
    until: Collection[int] | None = None,
) -> dict[int, float]:
    """:func:`one_to_all` in C: seconds from the seeded ``sources`` to every reachable node
    (with ``until``, only those nodes' labels are returned)."""
    m = matrix(nav, profile, be, bn)
    seeds, _ = _seeded(m, compiled(nav, profile).transit, sources, bn)
    if not seeds:
        return {}
    dist, _ = _run(m, seeds)
    if until is not None:
        out = {}
        for v in until:
            d = float(dist[v])
            if d != math.inf:
                out[v] = d
        return out
    idx = np.flatnonzero(np.isfinite(dist))
    return dict(zip(idx.tolist(), dist[idx].tolist(), strict=True))


def _upper(
    nav: NavGraph, profile: str, sources: Mapping[int, float], targets: Mapping[int, float]
) -> float:
    """An upper bound of the best source -> target time on the unrestricted graph: via the
    best landmark (a walk through it exists, so the shortest is no longer)."""
    lm = landmark_bounds(nav, profile)
    if not len(lm):
        return math.inf
    s = np.fromiter(sources.keys(), np.int64, len(sources))
    t = np.fromiter(targets.keys(), np.int64, len(targets))
    so = np.fromiter(sources.values(), np.float64, len(sources))
    to = np.fromiter(targets.values(), np.float64, len(targets))
    via = (lm[:, s] + so).min(axis=1) + (lm[:, t] + to).min(axis=1)
    return float(via.min())


def shortest_c(
    nav: NavGraph,
    profile: str,
    sources: Mapping[int, float],
    targets: Mapping[int, float],
    be: frozenset[int] | set[int] = frozenset(),
    bn: frozenset[int] | set[int] = frozenset(),
) -> Found | None:
    """:func:`shortest` in C: (seconds, [(node, edge that reached it, -1 for a seed)]). Without
    restrictions the search stops at the landmark upper bound (``limit=``)."""
    m = matrix(nav, profile, be, bn)
    seeds, via = _seeded(m, compiled(nav, profile).transit, sources, bn)
    if not seeds or not targets:
        return None
    limit = math.inf
    if not (be or bn):
        ub = _upper(nav, profile, sources, targets)
        if ub != math.inf:
            limit = ub * (1 + 1e-9) + 1e-6
    dist, pred = _run(m, seeds, limit)
    best, best_node = math.inf, -1
    for t, off in targets.items():
        d = float(dist[t]) + off
        if d < best:
            best, best_node = d, t
    if best_node < 0:
        return None
    n, nodes, preds = m.n, [], []
    v = best_node
    while True:
        p = int(pred[v])
        if p == n or p < 0:
            break
        nodes.append(v)
        preds.append(p)
        v = p
    chain: list[tuple[int, int]] = []
    if nodes:
        at = np.searchsorted(m.key, np.array(preds, np.int64) * (n + 1) + np.array(nodes))
        chain = list(zip(nodes, m.edge[at].tolist(), strict=True))
    if v in via:
        c, e = via[v]
        chain.append((v, e))
        v = c
    chain.append((v, -1))
    chain.reverse()
    return best, chain
