"""Routing benchmark on the large demo hospital: graph build, route p50/p99 vs networkx,
dispatch among 50 technicians, patrol of 30 checkpoints.

``.venv/bin/python bench/routing.py [var/hospital_large.ifc]`` (generate the model with
``python -m models_ifc --size large --out var/hospital_large.ifc``).
"""

from __future__ import annotations

import contextlib
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import networkx as nx

from twin.analysis.dispatch import rank
from twin.cache import load_twin
from twin.live.records import Technician
from twin.networks.navigation import build_navigation
from twin.networks.patrol import plan_patrol
from twin.networks.routes import resolve, route, shortest


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "var/hospital_large.ifc")
    t0 = time.perf_counter()
    twin = load_twin(path, cache_dir=Path("var/cache"))
    load_s = time.perf_counter() - t0
    nav = build_navigation(twin)
    rnd = random.Random(7)
    spaces = sorted(g for g in twin.spaces if nav.node_of(g, twin.spaces[g].storey) is not None)
    pairs = [(rnd.choice(spaces), rnd.choice(spaces)) for _ in range(300)]
    ours, ours_search, nxb, nxd = [], [], [], []
    g = nav.to_networkx("walking")
    costs = nav.costs["walking"]
    for a, b in pairs:
        t = time.perf_counter()
        with contextlib.suppress(Exception):
            route(nav, a, b)
        ours.append(time.perf_counter() - t)
        na, nb = nav.node_of(a, twin.spaces[a].storey), nav.node_of(b, twin.spaces[b].storey)
        assert na is not None and nb is not None
        t = time.perf_counter()
        shortest(nav, {na: 0.0}, {nb: 0.0}, costs)
        ours_search.append(time.perf_counter() - t)
        t = time.perf_counter()
        with contextlib.suppress(nx.NetworkXNoPath):
            nx.bidirectional_dijkstra(g, na, nb)
        nxb.append(time.perf_counter() - t)
        t = time.perf_counter()
        with contextlib.suppress(nx.NetworkXNoPath):
            nx.dijkstra_path(g, na, nb)
        nxd.append(time.perf_counter() - t)
    now = datetime(2026, 1, 5, 9, tzinfo=UTC)
    techs = [
        Technician(f"t{i}", f"t{i}", ("electrical",), "on_shift", space=rnd.choice(spaces))
        for i in range(50)
    ]
    disp = []
    for _ in range(20):
        target = rnd.choice(spaces)
        t = time.perf_counter()
        rank(nav, target, techs, skill="electrical", priority_deadline=now + timedelta(hours=1),
             now=now)  # fmt: skip
        disp.append(time.perf_counter() - t)
    cps = rnd.sample(spaces, 30)
    t = time.perf_counter()
    p = plan_patrol(nav, cps, start=cps[0])
    patrol_s = time.perf_counter() - t
    resolve(nav, spaces[0])
    ms = 1000.0
    rows = [
        ("model", f"{path.name}: {len(twin.spaces)} spaces, {len(nav.nodes)} nodes, "
                  f"{len(nav.edges)} edges"),
        ("twin load (cache)", f"{load_s:.2f} s"),
        ("graph build", f"{nav.build_seconds:.2f} s"),
        ("route() p50 / p99", f"{_pct(ours, .5) * ms:.2f} / {_pct(ours, .99) * ms:.2f} ms"),
        ("our search p50 / p99", f"{_pct(ours_search, .5) * ms:.2f} / "
                                 f"{_pct(ours_search, .99) * ms:.2f} ms"),
        ("nx bidirectional p50 / p99", f"{_pct(nxb, .5) * ms:.2f} / {_pct(nxb, .99) * ms:.2f} ms"),
        ("nx dijkstra_path p50 / p99", f"{_pct(nxd, .5) * ms:.2f} / {_pct(nxd, .99) * ms:.2f} ms"),
        ("search speed-up vs nx dijkstra (p50)",
         f"{statistics.median(nxd) / statistics.median(ours_search):.1f}x"),
        ("search speed-up vs nx bidirectional (p50)",
         f"{statistics.median(nxb) / statistics.median(ours_search):.1f}x"),
        ("dispatch rank, 50 technicians p50 / max", f"{_pct(disp, .5) * ms:.1f} / "
                                                    f"{max(disp) * ms:.1f} ms"),
        ("patrol 30 checkpoints (matrix+solve+legs)", f"{patrol_s:.2f} s, {p.method}, "
                                                      f"gap to MST bound {p.gap:.1%}"),
    ]  # fmt: skip
    w = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{w}}  {v}")


if __name__ == "__main__":
    main()
