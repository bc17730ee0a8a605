"""Benchmark the distribution analyses on the large demo hospital.

Run: ``.venv/bin/python bench/networks.py [var/hospital_large.ifc] [--runs 3]``. Prints the build
time of all networks and p50/p99 of trace, isolate and impact, each against a plain networkx BFS
over the same combined graph measured in the same run (the floor any graph walk pays). With
``--runs N`` the whole measurement (build included) repeats N times and the table shows the
median of each figure over the runs, with the load average before and after: the machine is
shared, so one run alone says little. A last row times geometric inference on the real b03
plant with its ports ignored (every element treated as portless), against the same file's build.
After each build the heap is collected once and frozen, as the service does (``networks_of``),
and that step is timed on its own line.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

import networkx as nx
from _timing import percentile

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
B03 = REPO.parent / "shared" / "ifc" / "bim2sim_b03_heating_with_building_blenderBIM.ifc"


def _timed(fn, items) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Wall and CPU (this process) milliseconds of ``fn(item)`` per item.

    On a shared 2-core machine the wall p99 mostly measures time spent waiting for a core; the
    CPU time is what the call itself costs.
    """
    wall, cpu = [], []
    for it in items:
        w0, c0 = time.perf_counter(), time.process_time()
        fn(it)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return wall, cpu


Row = tuple[str, list[float], list[float]]


def _one_run(twin, seed: int = 7) -> tuple[float, list[Row], object, float]:  # type: ignore[no-untyped-def]
    from twin.distribution import build_networks, impact, isolate, trace
    from twin.service.derived import freeze_long_lived

    built: list = []  # type: ignore[type-arg]

    wall, cpu = _timed(lambda _: built.append(build_networks(twin)), [None])
    build_ms, build_cpu = wall[0], cpu[0]
    nets = built[-1]
    # as the service does after building (``networks_of``): one collection, then the twin and
    # its graphs leave the collected generations; timed apart from the build
    print(f"collect + freeze after the build: {freeze_long_lived() * 1000:.0f} ms")
    g = nets.graph
    rng = random.Random(seed)
    terminals = [n for n in g if nets.kinds.get(n) == "terminal"]
    valves = [n for n in g if nets.kinds.get(n) == "valve"]
    sample_t = rng.sample(terminals, min(300, len(terminals)))
    sample_v = rng.sample(valves, min(300, len(valves)))
    rows = [
        ("BFS upstream (nx.ancestors)", *_timed(lambda n: nx.ancestors(g, n), sample_t)),
        ("trace upstream", *_timed(lambda n: trace(nets, n, direction="upstream"), sample_t)),
        ("BFS downstream (nx.descendants)", *_timed(lambda n: nx.descendants(g, n), sample_v)),
        ("trace downstream", *_timed(lambda n: trace(nets, n, direction="downstream"), sample_v)),
        ("isolate terminal", *_timed(lambda n: isolate(nets, n, twin=twin), sample_t)),
        ("isolate valve (max-flow)", *_timed(lambda n: isolate(nets, n, twin=twin), sample_v)),
        ("impact close valve", *_timed(lambda n: impact(nets, twin, [n]), sample_v)),
    ]
    return build_ms, rows, nets, build_cpu


def _inference_row(cache: Path) -> str:
    """Geometric inference on b03 with every element portless, vs building its declared graph."""
    from twin.distribution import build_networks
    from twin.distribution.build import GEOMETRY_TOLERANCE_M
    from twin.distribution.joins import infer_joins
    from twin.service.cache import load_twin

    if not B03.exists():
        return "b03 not found: inference row skipped"
    twin = load_twin(B03, cache_dir=cache)
    t0 = time.perf_counter()
    build_networks(twin)
    build_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    joins = infer_joins(twin, tol=GEOMETRY_TOLERANCE_M, portless=frozenset(twin.elements))
    infer_ms = (time.perf_counter() - t0) * 1000
    return (
        f"b03 inference, ports ignored: {len(joins)} joins for {len(twin.connections)} declared, "
        f"{infer_ms:.0f} ms (declared build {build_ms:.0f} ms, ratio {infer_ms / build_ms:.1f})"
    )


def _cached_twin(path: Path, cache: Path):  # type: ignore[no-untyped-def]
    """The twin of ``path`` from the cache only: never a cold ingest inside a benchmark.

    Falls back to an entry for the same file content written under another cache format (an
    ingest started before a format bump); the network graph does not depend on what changed.
    """
    import pickle

    from twin.service.cache import _sha256, cache_path, load_twin

    if cache_path(path, cache).exists():
        return load_twin(path, cache_dir=cache), "current cache entry"
    older = sorted(cache.glob(f"{_sha256(path)}-*.twin.pkl"), key=lambda p: p.stat().st_mtime)
    if not older:
        sys.exit(
            f"no cached twin of {path} in {cache}: run `twin ingest {path} --cache-dir {cache}`"
        )
    with older[-1].open("rb") as fh:
        key, twin = pickle.load(fh)
    return twin, f"cache entry {key} (older format)"


def main() -> None:

    ap = argparse.ArgumentParser()
    ap.add_argument("path", nargs="?", default=str(REPO / "var" / "hospital_large.ifc"))
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    path = Path(args.path)
    if not path.exists():
        sys.exit(f"{path} missing: .venv/bin/python -m models_ifc --size large --out {path}")
    load_before = os.getloadavg()
    twin, origin = _cached_twin(path, REPO / "var" / "cache")
    print(f"twin from the {origin}")
    runs = [_one_run(twin) for _ in range(args.runs)]
    g = runs[0][2].graph  # type: ignore[attr-defined]
    nets = runs[0][2]
    print(f"model {path.name}: {len(g)} nodes, {g.number_of_edges()} edges, "
          f"{len(nets.by_system)} systems, {len(nets.by_flow)} flows; "  # type: ignore[attr-defined]
          f"median of {args.runs} run(s)")  # fmt: skip
    print(f"build all networks: {statistics.median(r[0] for r in runs):.0f} ms wall, "
          f"{statistics.median(r[3] for r in runs):.0f} ms cpu "
          f"(wall runs: {', '.join(f'{r[0]:.0f}' for r in runs)})")  # fmt: skip
    head = f"{'operation':34} {'n':>4} {'p50 ms':>8} {'p99 ms':>8} {'cpu p99':>8}"
    print(f"{head} {'p50 / BFS p50':>14} {'p99 / BFS p99':>14}")
    for i, (name, v0, _c0) in enumerate(runs[0][1]):
        p50 = statistics.median(percentile(r[1][i][1], 0.5) for r in runs)
        p99 = statistics.median(percentile(r[1][i][1], 0.99) for r in runs)
        cpu99 = statistics.median(percentile(r[1][i][2], 0.99) for r in runs)
        ref_i = 0 if ("upstream" in name or "isolate terminal" in name) else 2
        ref = statistics.median(percentile(r[1][ref_i][1], 0.5) for r in runs)
        ref99 = statistics.median(percentile(r[1][ref_i][1], 0.99) for r in runs)
        ratio = p50 / ref if ref else float("nan")
        ratio99 = p99 / ref99 if ref99 else float("nan")
        print(f"{name:34} {len(v0):>4} {p50:8.2f} {p99:8.2f} {cpu99:8.2f} {ratio:14.1f} "
              f"{ratio99:14.1f}")  # fmt: skip
    print(_inference_row(REPO / "var" / "cache"))
    after = os.getloadavg()
    print(f"load average before {load_before[0]:.1f} / after {after[0]:.1f} (2 cores, shared)")


if __name__ == "__main__":
    main()
