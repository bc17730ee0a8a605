"""Benchmark the distribution analyses on the large demo hospital.

Run: ``.venv/bin/python bench/networks.py [var/hospital_large.ifc]``. Prints the build time of all
networks and p50/p99 of trace, isolate and impact, each against a plain networkx BFS over the
same combined graph measured in the same run (the floor any graph walk pays).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

import networkx as nx
from _timing import percentile, times_ms

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    from twin.cache import load_twin
    from twin.networks.distribution import build_networks, impact, isolate, trace

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "var" / "hospital_large.ifc"
    if not path.exists():
        sys.exit(f"{path} missing: .venv/bin/python -m models_ifc --size large --out {path}")
    twin = load_twin(path, cache_dir=REPO / "var" / "cache")
    t0 = time.perf_counter()
    nets = build_networks(twin)
    build_ms = (time.perf_counter() - t0) * 1000
    g = nets.graph
    rng = random.Random(7)
    terminals = [n for n in g if nets.kinds.get(n) == "terminal"]
    valves = [n for n in g if nets.kinds.get(n) == "valve"]
    sample_t = rng.sample(terminals, min(300, len(terminals)))
    sample_v = rng.sample(valves, min(300, len(valves)))
    rows = [
        ("BFS upstream (nx.ancestors)", times_ms(lambda n: nx.ancestors(g, n), sample_t)),
        ("trace upstream", times_ms(lambda n: trace(nets, n, direction="upstream"), sample_t)),
        ("BFS downstream (nx.descendants)", times_ms(lambda n: nx.descendants(g, n), sample_v)),
        ("trace downstream", times_ms(lambda n: trace(nets, n, direction="downstream"), sample_v)),
        ("isolate terminal", times_ms(lambda n: isolate(nets, n, twin=twin), sample_t)),
        ("impact close valve", times_ms(lambda n: impact(nets, twin, [n]), sample_v)),
    ]
    base = {"up": statistics.median(rows[0][1]), "down": statistics.median(rows[2][1])}
    print(f"model {path.name}: {len(g)} nodes, {g.number_of_edges()} edges, "
          f"{len(nets.by_system)} systems, {len(nets.by_flow)} flows")  # fmt: skip
    print(f"build all networks: {build_ms:.0f} ms")
    print(f"{'operation':34} {'n':>4} {'p50 ms':>8} {'p99 ms':>8} {'p50 / BFS p50':>14}")
    for name, v in rows:
        ref = base["up"] if ("upstream" in name or "isolate" in name) else base["down"]
        ratio = statistics.median(v) / ref if ref else float("nan")
        p50, p99 = percentile(v, 0.5), percentile(v, 0.99)
        print(f"{name:34} {len(v):>4} {p50:8.2f} {p99:8.2f} {ratio:14.1f}")


if __name__ == "__main__":
    main()
