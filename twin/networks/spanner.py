"""Greedy geometric spanners: few edges, every pair still joined within a known stretch.

Why: a corridor with 48 doors has 1,128 door pairs; joining all of them makes every search
touch them all. Keeping an edge only when the edges kept so far offer no path within
``1 + stretch`` times its length leaves about a chain along each wall plus short cross links,
and every pair of doors is still joined by a real walk at most ``stretch`` longer.
"""

from __future__ import annotations

import heapq
import math

__all__ = ["greedy_spanner"]

XY = tuple[float, float]


def greedy_spanner(
    n: int, cands: list[tuple[float, int, int, list[XY]]], stretch: float
) -> list[tuple[float, int, int, list[XY]]]:
    """The greedy ``(1 + stretch)``-spanner: take candidate edges shortest first, keeping one
    only when the kept graph has no path within ``(1 + stretch)`` times its length."""
    adj: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    kept = []
    for c in sorted(cands, key=lambda c: c[0]):
        length, i, j = c[0], c[1], c[2]
        limit = length * (1.0 + stretch) + 1e-9
        if _bounded(adj, i, j, limit):
            continue
        adj[i].append((j, length))
        adj[j].append((i, length))
        kept.append(c)
    return kept


def _bounded(adj: list[list[tuple[int, float]]], a: int, b: int, limit: float) -> bool:
    """Is ``b`` within ``limit`` of ``a`` in ``adj``?"""
    dist = {a: 0.0}
    heap = [(0.0, a)]
    while heap:
        d, n = heapq.heappop(heap)
        if n == b:
            return True
        if d > dist.get(n, math.inf):
            continue
        for m, w in adj[n]:
            nd = d + w
            if nd <= limit and nd < dist.get(m, math.inf):
                dist[m] = nd
                heapq.heappush(heap, (nd, m))
    return False
