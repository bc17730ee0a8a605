"""Patrol rounds: visit every checkpoint once, from a start to an end, in little time.

The order is chosen over the travel-time matrix (one graph search per point, see
:func:`twin.navigation.routes.times_from`): exact Held-Karp dynamic programming up to
:data:`EXACT_MAX` checkpoints, otherwise nearest neighbour improved by 2-opt and Or-opt moves.
Every answer reports a lower bound (the minimum spanning tree of the points: a Hamiltonian path
is a spanning tree) so the gap to optimal is known, not hoped for.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from twin.errors import InvalidInput, NoRoute
from twin.navigation.navgraph import NavGraph, Restrictions
from twin.navigation.navgraph import profile as profile_of
from twin.navigation.routes import Place, Route, resolve, route, time_to, times_from

__all__ = ["EXACT_MAX", "Patrol", "held_karp", "improve", "mst_bound", "plan_patrol"]

EXACT_MAX = 12
Matrix = list[list[float]]


@dataclass
class Patrol:
    order: list[int]  # checkpoint indexes in visiting order
    checkpoints: list[Place]
    total_s: float
    lower_bound_s: float
    exact: bool
    method: str
    check_ins: list[dict[str, object]] = field(default_factory=list)  # place, eta_s
    legs: list[Route] = field(default_factory=list)
    solve_seconds: float = 0.0

    @property
    def gap(self) -> float:
        """Relative distance to the lower bound (0 when exact is proven)."""
        if self.exact or self.lower_bound_s <= 0:
            return 0.0
        return (self.total_s - self.lower_bound_s) / self.lower_bound_s


def _cost(m: Matrix, path: Sequence[int]) -> float:
    return sum(m[a][b] for a, b in itertools.pairwise(path))


def held_karp(m: Matrix, start: int, end: int, inner: Sequence[int]) -> tuple[float, list[int]]:
    """Exact shortest path ``start -> all of inner -> end`` by dynamic programming over subsets."""
    k = len(inner)
    if k == 0:
        return m[start][end], [start, end]
    best: dict[tuple[int, int], tuple[float, int]] = {}
    for i in range(k):
        best[(1 << i, i)] = (m[start][inner[i]], -1)
    for size in range(2, k + 1):
        for combo in itertools.combinations(range(k), size):
            mask = sum(1 << i for i in combo)
            for j in combo:
                prev_mask = mask ^ (1 << j)
                cj = inner[j]
                cand = min((best[(prev_mask, i)][0] + m[inner[i]][cj], i) for i in combo if i != j)
                best[(mask, j)] = cand
    full = (1 << k) - 1
    total, last = min((best[(full, j)][0] + m[inner[j]][end], j) for j in range(k))
    order: list[int] = []
    mask, j = full, last
    while j >= 0:
        order.append(inner[j])
        j, mask = best[(mask, j)][1], mask ^ (1 << j)
    return total, [start, *order[::-1], end]


def improve(m: Matrix, path: list[int]) -> list[int]:
    """2-opt and Or-opt (move runs of 1-3 stops) until no move helps; endpoints stay fixed."""
    path = list(path)
    better = True
    while better:
        better = False
        n = len(path)
        for i in range(1, n - 2):
            for j in range(i + 1, n - 1):
                a, b, c, d = path[i - 1], path[i], path[j], path[j + 1]
                if m[a][c] + m[b][d] < m[a][b] + m[c][d] - 1e-9:
                    path[i : j + 1] = path[i : j + 1][::-1]
                    better = True
        for run in (1, 2, 3):
            i = 1
            while i + run < len(path):
                seg = path[i : i + run]
                a, b = path[i - 1], path[i + run]
                gain = m[a][seg[0]] + m[seg[-1]][b] - m[a][b]
                rest = path[:i] + path[i + run :]
                for k in range(1, len(rest)):
                    if k == i:
                        continue
                    u, v = rest[k - 1], rest[k]
                    if m[u][seg[0]] + m[seg[-1]][v] - m[u][v] < gain - 1e-9:
                        path, better = rest[:k] + seg + rest[k:], True
                        break
                i += 1
    return path


def mst_bound(m: Matrix, nodes: Sequence[int]) -> float:
    """Weight of the minimum spanning tree over ``nodes`` (Prim): a lower bound of any path."""
    nodes = list(dict.fromkeys(nodes))
    if len(nodes) < 2:
        return 0.0
    inside = {nodes[0]}
    key = {v: m[nodes[0]][v] for v in nodes[1:]}
    total = 0.0
    while key:
        v = min(key, key=key.__getitem__)
        total += key.pop(v)
        inside.add(v)
        for u in key:
            key[u] = min(key[u], m[v][u])
    return total


def _matrix(
    nav: NavGraph, places: Sequence[Place], prof: str, r: Restrictions | None
) -> tuple[Matrix, list[str]]:
    """Travel times between all places. The graph is undirected, so the matrix is symmetric:
    row i needs only the places after i, and its search stops once they are settled."""
    speed = profile_of(prof).speed
    eps = [resolve(nav, p) for p in places]
    k = len(eps)
    m: Matrix = [[0.0] * k for _ in range(k)]
    for i, ep in enumerate(eps[:-1]):
        later = {n for other in eps[i + 1 :] for n in other.seeds}
        _, dist = times_from(nav, ep, profile=prof, restrictions=r, until=later)
        for j in range(i + 1, k):
            m[i][j] = m[j][i] = time_to(dist, eps[j], speed)
    return m, [ep.label for ep in eps]


def plan_patrol(
    nav: NavGraph,
    checkpoints: Sequence[Place],
    *,
    start: Place,
    end: Place | None = None,
    profile: str = "walking",
    restrictions: Restrictions | None = None,
    legs: bool = True,
) -> Patrol:
    """Visit ``checkpoints`` from ``start`` to ``end`` (back to ``start`` when None)."""
    if not checkpoints:
        raise InvalidInput("a patrol needs at least one checkpoint")
    t0 = time.perf_counter()
    places: list[Place] = [start, *checkpoints, end if end is not None else start]
    m, labels = _matrix(nav, places, profile, restrictions)
    s, e, inner = 0, len(places) - 1, list(range(1, len(places) - 1))
    cut = [labels[i] for i in inner if math.isinf(m[s][i])]
    if cut or math.isinf(m[s][e]):
        raise NoRoute(f"patrol checkpoints unreachable from the start: {cut or [labels[e]]}")
    if len(inner) <= EXACT_MAX:
        total, path = held_karp(m, s, e, inner)
        method, exact = "held-karp", True
    else:
        path = [s]
        todo = set(inner)
        while todo:
            nxt = min(todo, key=lambda j: m[path[-1]][j])
            path.append(nxt)
            todo.discard(nxt)
        path = improve(m, [*path, e])
        total, method, exact = _cost(m, path), "nearest-neighbour+2opt+oropt", False
    bound = total if exact else mst_bound(m, [s, *inner, e])
    order = [i - 1 for i in path[1:-1]]
    patrol = Patrol(order, list(checkpoints), total, bound, exact, method)
    t = 0.0
    for a, b in itertools.pairwise(path):
        t += m[a][b]
        if b != e:
            patrol.check_ins.append({"place": places[b], "label": labels[b], "eta_s": t})
        if legs:
            patrol.legs.append(
                route(nav, places[a], places[b], profile=profile, restrictions=restrictions)
            )
    patrol.solve_seconds = time.perf_counter() - t0
    return patrol
