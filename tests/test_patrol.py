"""Patrol order: exact DP against brute force, heuristic against exact, full plan on a twin."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from tests.samples.networks import sample_twin
from twin.navigation.build import build_navigation
from twin.navigation.patrol import held_karp, improve, mst_bound, plan_patrol
from twin.navigation.routes import route


def _metric(n: int, seed: int) -> list[list[float]]:
    rnd = random.Random(seed)
    pts = [(rnd.uniform(0, 100), rnd.uniform(0, 100)) for _ in range(n)]
    return [[math.dist(a, b) for b in pts] for a in pts]


def _brute(m: list[list[float]], s: int, e: int, inner: list[int]) -> float:
    return min(
        sum(m[a][b] for a, b in itertools.pairwise([s, *p, e]))
        for p in itertools.permutations(inner)
    )


@pytest.mark.parametrize("seed", range(5))
def test_held_karp_equals_brute_force(seed: int) -> None:
    m = _metric(8, seed)
    total, path = held_karp(m, 0, 7, list(range(1, 7)))
    assert total == pytest.approx(_brute(m, 0, 7, list(range(1, 7))))
    assert sorted(path[1:-1]) == list(range(1, 7))
    assert sum(m[a][b] for a, b in itertools.pairwise(path)) == pytest.approx(total)


@pytest.mark.parametrize("seed", range(5))
def test_heuristic_close_to_exact_on_10_points(seed: int) -> None:
    m = _metric(12, seed + 100)
    inner = list(range(1, 11))
    exact, _ = held_karp(m, 0, 11, inner)
    path = [0, *inner, 11]  # a poor start: the improvement moves do the work
    path = improve(m, path)
    got = sum(m[a][b] for a, b in itertools.pairwise(path))
    assert got <= exact * 1.05
    assert mst_bound(m, list(range(12))) <= exact + 1e-9


def test_plan_on_twin_returns_route_and_check_ins() -> None:
    nav = build_navigation(sample_twin())
    cps = ["D", "U", "B", "A"]
    p = plan_patrol(nav, cps, start="E")
    assert p.exact and sorted(p.order) == [0, 1, 2, 3]
    assert [c["place"] for c in p.check_ins] == [cps[i] for i in p.order]
    assert len(p.legs) == 5
    assert sum(leg.eta_s for leg in p.legs) == pytest.approx(p.total_s, rel=1e-6)

    # no other order of the four rooms is faster, measured by independent route queries
    def tour(order: tuple[str, ...]) -> float:
        stops = ["E", *order, "E"]
        return sum(route(nav, a, b).eta_s for a, b in itertools.pairwise(stops))

    assert p.total_s == pytest.approx(min(tour(o) for o in itertools.permutations(cps)))
