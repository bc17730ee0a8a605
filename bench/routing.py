"""Routing benchmark on the large demo hospital: graph build, route p50/p99 vs networkx on the
same graph, dispatch among 50 technicians, patrol of 30 checkpoints, and how far the sparse
corridor graph is from the all-pairs one (same run, same pairs).

``.venv/bin/python bench/routing.py [var/hospital_large.ifc]`` (generate the model with
``python -m models_ifc --size large --out var/hospital_large.ifc``; the twin is read from
``var/cache``).
"""

from __future__ import annotations

import contextlib
import pickle
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import networkx as nx
import python_search as pysearch
from _timing import percentile

from twin.analysis.dispatch import rank
from twin.errors import NoRoute
from twin.live.records import Technician
from twin.model import Twin
from twin.navigation import paths
from twin.navigation.build import build_navigation
from twin.navigation.navgraph import NavGraph
from twin.navigation.patrol import plan_patrol
from twin.navigation.routes import route, shortest, times_from
from twin.service.cache import cache_path, load_twin

MS = 1000.0


def _timed(fn, *args, **kw) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(wall, CPU) milliseconds of one call. On a shared 2-core box under load, wall time
    includes waiting for a core; the thread's CPU time is the work the call did."""
    t, c = time.perf_counter(), time.thread_time()
    with contextlib.suppress(NoRoute, nx.NetworkXNoPath):
        fn(*args, **kw)
    return (time.perf_counter() - t) * MS, (time.thread_time() - c) * MS


def _wall(xs: list[tuple[float, float]]) -> list[float]:
    return [w for w, _ in xs]


def _cpu(xs: list[tuple[float, float]]) -> list[float]:
    return [c for _, c in xs]


def _pq(xs: list[tuple[float, float]]) -> str:
    w, c = _wall(xs), _cpu(xs)
    return (
        f"{percentile(w, 0.5):.2f} / {percentile(w, 0.99):.2f} ms wall | "
        f"{percentile(c, 0.5):.2f} / {percentile(c, 0.99):.2f} ms CPU"
    )


def _ratio(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> str:
    """How many times slower ``a`` is than ``b`` at p50 and p99 (CPU time)."""
    ca, cb = _cpu(a), _cpu(b)
    return (
        f"{statistics.median(ca) / statistics.median(cb):.1f}x / "
        f"{percentile(ca, 0.99) / percentile(cb, 0.99):.1f}x"
    )


def _routes(nav: NavGraph, pairs: list[tuple[str, str]]) -> dict[str, list[tuple[float, float]]]:
    """route(), our search alone, networkx bidirectional and dijkstra_path on the same graph."""
    tw = nav.twin
    g = nav.to_networkx("walking")
    costs = nav.costs["walking"]
    comp = pysearch.compiled(nav, "walking")
    out: dict[str, list[tuple[float, float]]] = {
        "route": [], "ours": [], "py": [], "nxb": [], "nxd": []
    }  # fmt: skip
    for a, b in pairs:
        na, nb = nav.node_of(a, tw.spaces[a].storey), nav.node_of(b, tw.spaces[b].storey)
        assert na is not None and nb is not None
        out["route"].append(_timed(route, nav, a, b))
        out["ours"].append(_timed(shortest, nav, {na: 0.0}, {nb: 0.0}, costs))
        h = pysearch.potential(nav, "walking", {nb: 0.0})  # the previous Python A*, same pair
        out["py"].append(_timed(pysearch.shortest, comp, {na: 0.0}, {nb: 0.0}, potential=h))
        out["nxb"].append(_timed(nx.bidirectional_dijkstra, g, na, nb))
        out["nxd"].append(_timed(nx.dijkstra_path, g, na, nb))
    return out


def _stretch(nav: NavGraph, ref: NavGraph, pairs: list[tuple[str, str]]) -> tuple[float, int]:
    """Worst ratio of our ETA to the all-pairs graph's over ``pairs``, and pairs compared."""
    worst, n = 1.0, 0
    for a, b in pairs:
        try:
            x, y = route(nav, a, b).eta_s, route(ref, a, b).eta_s
        except NoRoute:
            continue
        if y > 0:
            worst, n = max(worst, x / y), n + 1
    return worst, n


def _dispatch(
    nav: NavGraph, spaces: list[str], rnd: random.Random
) -> tuple[list[tuple[float, float]], ...]:
    now = datetime(2026, 1, 5, 9, tzinfo=UTC)
    techs = [
        Technician(f"t{i}", f"t{i}", ("electrical",), "on_shift", space=rnd.choice(spaces))
        for i in range(50)
    ]
    g = nav.to_networkx("walking")
    comp = pysearch.compiled(nav, "walking")
    ours, nxs, c_all, py_all = [], [], [], []
    for _ in range(20):
        target = rnd.choice(spaces)
        ours.append(_timed(rank, nav, target, techs, skill="electrical",
                           priority_deadline=now + timedelta(hours=1), now=now))  # fmt: skip
        src = nav.node_of(target, nav.twin.spaces[target].storey)
        assert src is not None
        nxs.append(_timed(nx.single_source_dijkstra_path_length, g, src))
        c_all.append(_timed(paths.one_to_all, nav, "walking", {src: 0.0}))
        py_all.append(_timed(pysearch.one_to_all, comp, {src: 0.0}))
    return ours, nxs, c_all, py_all


def _patrol(nav: NavGraph, spaces: list[str], rnd: random.Random) -> list[tuple[str, str]]:
    cps = rnd.sample(spaces, 30)
    t = time.perf_counter()
    for c in [cps[0], *cps]:
        times_from(nav, c)
    matrix_s = time.perf_counter() - t
    comp = pysearch.compiled(nav, "walking")
    t = time.perf_counter()
    for c in [cps[0], *cps]:
        src = nav.node_of(c, nav.twin.spaces[c].storey)
        assert src is not None
        pysearch.one_to_all(comp, {src: 0.0})  # the previous Python search
    py_matrix_s = time.perf_counter() - t
    t = time.perf_counter()
    bare = plan_patrol(nav, cps, start=cps[0], legs=False)
    bare_s = time.perf_counter() - t
    t = time.perf_counter()
    cpu_p = time.thread_time()
    p = plan_patrol(nav, cps, start=cps[0])
    total = time.perf_counter() - t
    total_cpu = time.thread_time() - cpu_p
    assert bare.order == p.order
    return [
        ("patrol 30 checkpoints, total", f"{total:.2f} s wall | {total_cpu:.2f} s CPU "
                                         f"({p.method}, gap to MST bound {p.gap:.1%})"),
        ("  matrix: 31 one-to-all searches (C / Python)",
         f"{matrix_s:.3f} / {py_matrix_s:.3f} s"),
        ("  matrix + ordering (legs=False)", f"{bare_s:.2f} s"),
        ("  legs: 31 routes (total - legs=False)", f"{max(total - bare_s, 0.0):.2f} s"),
    ]  # fmt: skip


def _load(path: Path) -> tuple[Twin, str]:
    """The cached twin; an entry of the same file written under an older cache format is used
    rather than parsing the large model cold, if it holds what the navigation graph reads
    (doors' ``fills`` and boundaries' ``external``, cache format 4); else the model is parsed
    once into ``var/cache``."""
    cache = Path("var/cache")
    entry = cache_path(path, cache)
    if not entry.exists():
        sha = entry.name.split("-", 1)[0]
        for older in sorted(cache.glob(f"{sha}-*.twin.pkl"), reverse=True):
            with older.open("rb") as fh:
                _, twin = pickle.load(fh)
            if _has_door_facts(twin):
                return twin, f"cache entry {older.name}"
    return load_twin(path, cache_dir=cache), "cache"


def _has_door_facts(twin: Twin) -> bool:
    els = list(twin.elements.values())[:1]
    sbs = list(twin.space_boundaries)[:1]
    return all(hasattr(e, "fills") for e in els) and all(hasattr(b, "external") for b in sbs)


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "var/hospital_large.ifc")
    t0 = time.perf_counter()
    twin, source = _load(path)
    load_s = time.perf_counter() - t0
    nav = build_navigation(twin)
    ref = build_navigation(twin, stretch=None)
    rnd = random.Random(7)
    spaces = sorted(g for g in twin.spaces if nav.node_of(g, twin.spaces[g].storey) is not None)
    pairs = [(rnd.choice(spaces), rnd.choice(spaces)) for _ in range(300)]
    t = _routes(nav, pairs)
    worst, compared = _stretch(nav, ref, pairs[:100])
    disp, nx_disp, c_all, py_all = _dispatch(nav, spaces, rnd)
    rows = [
        ("model", f"{path.name}: {len(twin.spaces)} spaces"),
        ("graph (ours)", f"{len(nav.nodes)} nodes, {len(nav.edges)} edges"),
        ("graph with door cliques (baseline)", f"{len(ref.nodes)} nodes, {len(ref.edges)} edges"),
        ("twin load", f"{load_s:.2f} s ({source})"),
        ("graph build incl. landmarks (ours / cliques)",
         f"{nav.build_seconds:.2f} / {ref.build_seconds:.2f} s"),
        ("route() p50 / p99", _pq(t["route"])),
        ("our C search (scipy dijkstra) p50 / p99", _pq(t["ours"])),
        ("previous Python A* p50 / p99 (same pairs)", _pq(t["py"])),
        ("C search speed-up vs Python A* (CPU p50 / p99)", _ratio(t["py"], t["ours"])),
        ("nx bidirectional p50 / p99 (same graph)", _pq(t["nxb"])),
        ("nx dijkstra_path p50 / p99 (same graph)", _pq(t["nxd"])),
        ("search speed-up vs nx dijkstra (CPU p50 / p99)", _ratio(t["nxd"], t["ours"])),
        ("search speed-up vs nx bidirectional (CPU p50 / p99)", _ratio(t["nxb"], t["ours"])),
        ("worst ETA ratio to the clique graph", f"{worst:.4f} over {compared} routes"),
        ("dispatch rank, 50 technicians p50 / max",
         f"{percentile(_wall(disp), .5):.1f} / {max(_wall(disp)):.1f} ms wall | "
         f"{percentile(_cpu(disp), .5):.1f} / {max(_cpu(disp)):.1f} ms CPU"),
        ("one-to-all C / Python p50",
         f"{percentile(_cpu(c_all), .5):.2f} / {percentile(_cpu(py_all), .5):.2f} ms CPU "
         f"({percentile(_cpu(py_all), .5) / percentile(_cpu(c_all), .5):.1f}x)"),
        ("nx single_source_dijkstra (same graph) p50",
         f"{percentile(_cpu(nx_disp), .5):.1f} ms CPU "
         f"({percentile(_cpu(nx_disp), .5) / percentile(_cpu(disp), .5):.1f}x our whole rank)"),
        *_patrol(nav, spaces, rnd),
    ]  # fmt: skip
    w = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{w}}  {v}")


if __name__ == "__main__":
    main()
