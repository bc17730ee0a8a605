"""Shortest-path searches over a :class:`~twin.networks.navigation.NavGraph`, compiled per profile.

Why a module of its own: a query must not pay for what does not change between queries. So
the first search of a profile compiles, once per graph, an adjacency list holding only the
edges that profile may use with their cost in seconds (no ``None`` test, no cost lookup per
relaxation), the index from guids to nodes and edges that turns a :class:`Restrictions` into
blocked node and edge sets (cached per restriction set), and landmark distances for A*.

Searches:

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
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from shapely import STRtree

from twin.networks.navigation import NavGraph, Restrictions

__all__ = [
    "Compiled",
    "blocked",
    "compiled",
    "landmark_bounds",
    "one_to_all",
    "potential",
    "shortest",
]

#: Landmarks per profile for the A* lower bound (one one-to-all search each, on first use).
LANDMARKS = 12
#: Restriction sets whose blocked nodes and edges are kept (a small cache, oldest dropped).
_BLOCKED_KEEP = 64

Found = tuple[float, list[tuple[int, int]]]


@dataclass(frozen=True)
class Compiled:
    """The graph as one profile sees it: ``adj[n]`` = ``[(neighbour, seconds, edge id)]``."""

    profile: str
    adj: list[list[tuple[int, float, int]]]
    transit: list[bool]  # False: labelled, not expanded unless a source


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
    corridors = {e.space for e in nav.edges if nav.nodes[e.a].kind == "waypoint"}
    transit = [n.kind != "space" or n.guid in corridors for n in nav.nodes]
    comp = Compiled(profile, adj, transit)
    nav.cache[key] = comp
    return comp


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
    keys = [k for k in nav.cache if isinstance(k, tuple) and k[0] == "blocked"]
    if len(keys) >= _BLOCKED_KEEP:
        del nav.cache[keys[0]]
    nav.cache[key] = out
    return out


def prepare(nav: NavGraph) -> None:
    """Compile every profile and its landmarks now, so no query pays for it later."""
    for name in nav.costs:
        landmark_bounds(nav, name)


def one_to_all(
    comp: Compiled,
    sources: Mapping[int, float],
    be: frozenset[int] | set[int] = frozenset(),
    bn: frozenset[int] | set[int] = frozenset(),
) -> dict[int, float]:
    """Seconds from the seeded ``sources`` to every reachable node (Dijkstra)."""
    adj, transit = comp.adj, comp.transit
    pop, push, inf = heapq.heappop, heapq.heappush, math.inf
    dist: dict[int, float] = {}
    tent: dict[int, float] = {}  # best label so far; non-transit nodes are never expanded
    heap = [(c, n) for n, c in sources.items() if n not in bn]
    heapq.heapify(heap)
    restricted = bool(be or bn)
    while heap:
        d, n = pop(heap)
        if n in dist:
            continue
        dist[n] = d
        for m, c, eid in adj[n]:
            nd = d + c
            if nd >= tent.get(m, inf) or m in dist:
                continue
            if restricted and (m in bn or eid in be):
                continue
            tent[m] = nd
            if transit[m]:
                push(heap, (nd, m))
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

    def row_from(seed: int) -> np.ndarray:
        d = one_to_all(comp, {seed: 0.0})
        row = np.full(n, np.inf)
        row[np.fromiter(d.keys(), int, len(d))] = np.fromiter(d.values(), float, len(d))
        return row

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


def potential(nav: NavGraph, profile: str, targets: Mapping[int, float]) -> list[float]:
    """Per node, a lower bound of the seconds still to go to the best of ``targets`` (node ->
    seconds from it to the goal): for every landmark L, ``|d(L, t) - d(L, n)| <= d(n, t)``."""
    lm = landmark_bounds(nav, profile)
    if lm.shape[0] == 0:
        return [0.0] * lm.shape[1]
    idx = np.fromiter(targets.keys(), int, len(targets))
    off = min(targets.values())
    t = lm[:, idx]
    lo, hi = t.min(axis=1, keepdims=True), t.max(axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        gap = np.fmax(lo - lm, lm - hi)  # inf-inf: nothing known (nan, dropped by fmax/nan_to_num)
    gap = np.nan_to_num(gap, nan=0.0, posinf=np.inf)
    h = np.maximum(gap.max(axis=0), 0.0) + off
    return h.tolist()  # type: ignore[no-any-return]


def shortest(
    comp: Compiled,
    sources: Mapping[int, float],
    targets: Mapping[int, float],
    be: frozenset[int] | set[int] = frozenset(),
    bn: frozenset[int] | set[int] = frozenset(),
    potential: list[float] | None = None,
) -> Found | None:
    """Seeded A* (Dijkstra when ``potential`` is None) with early exit: (seconds, [(node,
    edge that reached it, -1 for a seed)]) for the best ``source -> target`` incl. offsets."""
    adj, transit = comp.adj, comp.transit
    h = potential
    done: set[int] = set()
    tent: dict[int, float] = {}
    prev: dict[int, tuple[int, int]] = {}
    heap: list[tuple[float, float, int]] = []
    best, best_node = math.inf, -1
    for n, c0 in sources.items():
        if n in bn or c0 >= tent.get(n, math.inf):
            continue
        tent[n] = c0
        heap.append((c0 + (h[n] if h else 0.0), c0, n))
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
        for m, c, eid in adj[n]:
            if m in done or (restricted and (m in bn or eid in be)):
                continue
            nd = d + c
            if nd >= tent.get(m, math.inf):
                continue
            tent[m] = nd
            prev[m] = (n, eid)
            tg = targets.get(m)
            if tg is not None and nd + tg < best:
                best, best_node = nd + tg, m
            if transit[m]:
                hm = h[m] if h else 0.0
                if hm < math.inf:
                    heapq.heappush(heap, (nd + hm, nd, m))
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
