"""Benchmark networks across the buildings of the demo campus (issue 17).

Run: ``.venv/bin/python bench/campus_networks.py [campus_dir] [--n 300]``. Without a directory
the demo campus is generated into a temporary one. Prints the time to find the joints and build
the joined network, then p50/p99 of a cross-building impact (closing one valve anywhere on the
campus: the energy centre's mains and branch valves, every storey valve of the tower and the
outpatient block), against the same impact on the valve's own building alone (the per-model
networks the service already has) and a plain networkx BFS over the joined graph, measured in
the same run. Target: cross-building impact p99 < 50 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
from _timing import percentile, times_ms

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from models_ifc.campus import write_campus  # noqa: E402
from twin.campus_file import load_campus_file  # noqa: E402
from twin.distribution import build_networks, impact  # noqa: E402
from twin.service.cache import load_twin  # noqa: E402
from twin.service.campus_networks import build_campus_networks, campus_impact  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("campus", nargs="?", type=Path, default=None)
    ap.add_argument("--n", type=int, default=300, help="impacts timed per row")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="campus-bench-"))
    folder = args.campus
    if folder is None:
        t0 = time.perf_counter()
        write_campus(tmp / "campus")
        folder = tmp / "campus"
        print(f"generated the demo campus in {time.perf_counter() - t0:.2f} s")
    cf = load_campus_file(folder / "campus.json")
    twins = {m.key: load_twin(m.file, cache_dir=tmp / "cache") for m in cf.models}
    t0 = time.perf_counter()
    cn = build_campus_networks(twins, cf.network_joints)
    build_s = time.perf_counter() - t0
    own = {k: build_networks(t) for k, t in twins.items()}
    valves = sorted(n for n, k in cn.nets.kinds.items() if k == "valve")
    rng = random.Random(17)
    picks = [rng.choice(valves) for _ in range(args.n)]
    model_of = {v: cn.building(v) or "" for v in valves}
    cross = times_ms(lambda v: campus_impact(cn, [v]), picks)
    alone = times_ms(lambda v: impact(own[model_of[v]], twins[model_of[v]], [v]), picks)
    g = cn.nets.graph
    bfs = times_ms(lambda v: nx.descendants(g, v), picks)
    o2 = next(
        v for v in valves if cn.twin.elements[v].name == "Campus main isolation Medical oxygen"
    )
    main_valve = times_ms(lambda v: campus_impact(cn, [v]), [o2] * args.n)
    print(
        f"load avg {os.getloadavg()[0]:.2f}; {len(cn.joints)} joints; "
        f"{g.number_of_nodes()} elements, {g.number_of_edges()} edges; {len(valves)} valves"
    )
    print(f"find joints + join + build campus network: {build_s * 1000:.0f} ms")
    print()
    print(f"{f'operation (n={args.n})':<46} {'p50 ms':>8} {'p99 ms':>8} {'p99 ratio':>10}")
    base = percentile(bfs, 0.99)
    rows = [
        ("impact, campus network (random valve)", cross),
        ("impact, energy-centre O2 main valve", main_valve),
        ("impact, the valve's own building only", alone),
        ("baseline: networkx descendants (campus)", bfs),
    ]
    for name, ms in rows:
        p99 = percentile(ms, 0.99)
        print(f"{name:<46} {percentile(ms, 0.5):>8.2f} {p99:>8.2f} {p99 / base:>9.1f}x")
    target = max(percentile(cross, 0.99), percentile(main_valve, 0.99))
    print()
    print(
        f"cross-building impact p99 {target:.2f} ms (target < 50 ms): "
        f"{'OK' if target < 50 else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
