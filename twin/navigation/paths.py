"""Shortest-path searches over a :class:`~twin.navigation.navgraph.NavGraph`: scipy's C Dijkstra.

Why a module of its own: a query must not pay for what does not change between queries. So
the first search of a profile builds, once per graph, the profile's usable edges as CSR arrays
(:func:`matrix`: forbidden edges absent, the cheapest of parallel edges), the index from guids
to nodes and edges that turns a :class:`Restrictions` into blocked node and edge sets (cached
per restriction set) and landmark distances whose triangle inequality gives an upper bound that
stops an unrestricted search early (``limit=``), all cached on the graph.

* :func:`one_to_all` — seconds from seeded sources to every node (dispatch ETAs, patrol
  matrix rows, impact reports).
* :func:`shortest` — the best path between seeded sources and targets.

Both run ``scipy.sparse.csgraph.dijkstra`` (measured in docs/routing.md: one full one-to-all in
C costs about 1 ms on the large demo hospital). The hand-written Python Dijkstra and A* they
replaced live in ``bench/python_search.py``, the baseline ``bench/routing.py`` times.

Space centre nodes of rooms whose portals are all directly joined are never walked *through*
(no path via the middle of a room beats the direct walk between its doors): they are labelled
but not expanded unless they are a source.

Costs are the search's (an outdoor leg counts :data:`~twin.navigation.navgraph.OUTDOOR_FACTOR`
times, so routes prefer indoor paths); :func:`one_to_all` reports the *true* walking time of the
paths it found (the weighting removed along its shortest-path tree), as dispatch and patrol need.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely import STRtree

from twin.navigation.navgraph import OUTDOOR_FACTOR, PROFILES, NavGraph, Restrictions

__all__ = [
    "Found",
    "Matrix",
    "blocked",
    "landmark_bounds",
    "matrix",
    "nodes_of",
    "one_to_all",
    "prepare",
    "room_tree",
    "shortest",
    "transit",
]

#: Landmarks per profile for the A* lower bound (one one-to-all search each, on first use).
LANDMARKS = 12

#: Restriction sets whose blocked nodes and edges are kept (a small cache, oldest dropped).
_BLOCKED_KEEP = 64

#: Restricted CSR copies kept (about 1.4 MB each on the large demo hospital, oldest dropped).
_CSR_KEEP = 16

Found = tuple[float, list[tuple[int, int]]]


def transit(nav: NavGraph) -> list[bool]:
    """Per node, whether a search may walk *through* it: every node but the centres of rooms
    that are not corridors (those are labelled, never expanded unless a source)."""
    got = nav.cache.get("transit")
    if isinstance(got, list):
        return got
    corridors = {e.space for e in nav.edges if nav.nodes[e.a].kind == "waypoint"}
    out = [n.kind != "space" or n.guid in corridors for n in nav.nodes]
    nav.cache["transit"] = out
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
    """Build every profile's matrix and landmarks now, so no query pays for it later."""
    for name in nav.costs:
        landmark_bounds(nav, name)


def landmark_bounds(nav: NavGraph, profile: str) -> np.ndarray:
    """``(LANDMARKS, nodes)`` seconds from each landmark (inf: not reachable), chosen
    farthest-first so they sit at the ends of the building where bounds are tight."""
    key = ("landmarks", profile)
    got = nav.cache.get(key)
    if isinstance(got, np.ndarray):
        return got
    n = len(nav.nodes)
    rows: list[np.ndarray] = []
    m = matrix(nav, profile)
    through = transit(nav)

    def row_from(seed: int) -> np.ndarray:  # one C Dijkstra (same labels as one_to_all)
        seeds, _ = _seeded(m, through, {seed: 0.0}, ())
        return _run(m, seeds)[0].copy()

    if n:
        # the node with most usable edges: in the main part of the building
        hub = int(np.argmax(np.bincount(_entries(nav, profile)[0], minlength=n)))
        near = row_from(hub)
        for _ in range(min(LANDMARKS, n)):
            seed = int(np.argmax(np.where(np.isfinite(near), near, -1.0)))
            row = row_from(seed)
            rows.append(row)
            near = row if len(rows) == 1 else np.minimum(near, row)
    out = np.vstack(rows) if rows else np.zeros((0, n))
    nav.cache[key] = out
    return out


# --- the searches (scipy.sparse.csgraph) ---------------------------------------------------
#
# A profile's forbidden edges are absent, room centres that are not corridors keep only their
# incoming entries (labelled, never walked through; as a source they seed their own
# neighbours), and seeds with offsets hang below one extra node.


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
    walks = np.array(transit(nav), dtype=bool)
    through = walks[row] if len(row) else np.zeros(0, dtype=bool)
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
    n, k = m.n, len(seeds)
    indptr = m.indptr.copy()
    indptr[n + 1] = indptr[n] + k
    indices = np.concatenate([m.indices, np.fromiter(seeds.keys(), np.int32, k)])
    data = np.concatenate([m.data, np.fromiter(seeds.values(), np.float64, k)])
    g = csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))
    dist, pred = dijkstra(g, directed=True, indices=n, return_predecessors=True, limit=limit)
    return dist[:n], pred[:n]


def one_to_all(
    nav: NavGraph,
    profile: str,
    sources: Mapping[int, float],
    be: frozenset[int] | set[int] = frozenset(),
    bn: frozenset[int] | set[int] = frozenset(),
    until: Collection[int] | None = None,
) -> dict[int, float]:
    """True walking seconds from the seeded ``sources`` to every reachable node (with
    ``until``, only those nodes' labels are returned).

    The search itself weights outdoor legs (:data:`OUTDOOR_FACTOR`) so that it prefers indoor
    paths; the seconds returned are those of the paths it found with that weighting taken back
    out, the time a person actually walks (dispatch ETAs, patrol legs)."""
    m = matrix(nav, profile, be, bn)
    seeds, _ = _seeded(m, transit(nav), sources, bn)
    if not seeds:
        return {}
    dist, pred = _run(m, seeds)
    extra = _weighting(nav, profile)
    if extra is not None:
        dist = dist - _along_tree(m, pred, extra)
    if until is not None:
        out = {}
        for v in until:
            d = float(dist[v])
            if d != math.inf:
                out[v] = d
        return out
    idx = np.flatnonzero(np.isfinite(dist))
    return dict(zip(idx.tolist(), dist[idx].tolist(), strict=True))


def _weighting(nav: NavGraph, profile: str) -> np.ndarray | None:
    """Per edge, the seconds the search adds to the true walking time (an outdoor leg's
    ``OUTDOOR_FACTOR - 1`` times its walk); None when no edge is weighted. Built once."""
    key = ("weighting", profile)
    if key in nav.cache:
        got = nav.cache[key]
        return got if isinstance(got, np.ndarray) else None
    speed = PROFILES[profile].speed
    extra = np.array(
        [
            (OUTDOOR_FACTOR - 1.0) * e.length_m / speed if e.kind == "outdoor" else 0.0
            for e in nav.edges
        ],
        dtype=np.float64,
    )
    out = extra if extra.any() else None
    nav.cache[key] = out
    return out


def _along_tree(m: Matrix, pred: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """Per node, the sum of ``extra`` over the edges of its path in the shortest-path tree
    ``pred`` (scipy's predecessors; the seeding node ``m.n`` and -9999 end a path), summed by
    pointer jumping: log2(depth) vectorised rounds instead of a walk per node."""
    n = m.n
    nodes = np.flatnonzero((pred >= 0) & (pred < n))
    own = np.zeros(n, dtype=np.float64)
    if len(nodes):
        at = np.searchsorted(m.key, pred[nodes].astype(np.int64) * (n + 1) + nodes)
        own[nodes] = extra[m.edge[at]]
    if not own.any():
        return own
    up = np.full(n, -1, dtype=np.int64)
    up[nodes] = pred[nodes]
    acc = own
    live = np.flatnonzero(up >= 0)
    while len(live):
        acc[live] = acc[live] + acc[up[live]]
        up[live] = up[up[live]]
        live = live[up[live] >= 0]
    return acc


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


def shortest(
    nav: NavGraph,
    profile: str,
    sources: Mapping[int, float],
    targets: Mapping[int, float],
    be: frozenset[int] | set[int] = frozenset(),
    bn: frozenset[int] | set[int] = frozenset(),
) -> Found | None:
    """The best ``source -> target`` path, offsets included: (seconds, [(node, edge that
    reached it, -1 for a seed)]). Without restrictions the search stops at the landmark upper
    bound (``limit=``), which keeps it exact."""
    m = matrix(nav, profile, be, bn)
    seeds, via = _seeded(m, transit(nav), sources, bn)
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
