"""Ingest benchmark: cold ingest against the bare geometry engine, warm start from the cache.

Each measurement runs in its own child process so peak RSS (``ru_maxrss``) belongs to it alone.
Two engine passes are measured in the same run (open + triangulate, nothing kept), with the
kernel the ingest uses: ``world s``, a plain ``ifcopenshell.geom.iterator`` pass with
``use-world-coords`` (what ingest did before issue 20, and what most tools do; once per model,
``--no-world`` leaves it out), and ``floor s``, the local-coordinate pass the ingest now runs
(each distinct representation triangulated once, placements applied by the caller). Floor and
cold ingest alternate ``--repeat`` times; the table shows medians. Wall seconds swing with the
load of the shared 2-core machine, so CPU seconds (user + system, all threads) are shown too:
their ratio is the steadier measure of how much work ingest adds to the engine's. Ingest starts
the engine's threads first and reads relations, ports and the spatial tree while they run;
``wait s`` is the time it then spends draining the engine (timed inside the cold run), ``py s``
the rest of the cold run (open, pre-work, and the geometry-dependent assembly after).
``cold/wld`` is cold ingest over the world-coordinate pass. ``webifc s`` is web-ifc's all-mesh
pass (twin/ifc/webifc: Node start, open, every mesh streamed to and read by Python), the engine
cold ingest uses where installed; ``cold/wifc`` the issue-20 ratio, ``node MB`` the worker's
peak RSS (cold MB is Python's alone). ``--occ`` adds a floor with
ifcopenshell's default OpenCASCADE kernel (slow on large files). ``rev s`` is the ingest of a
revision copy (2 % of the elements moved 0.5 m or renamed, every STEP id renumbered; written by
the bench with tests/ifc_fixtures/revision_made.py) with the cache the cold run left, i.e. with
the project's mesh store (twin.ifc.reuse); ``rev/cold`` its share of the cold ingest (issue 20's
target: at most 0.10), ``rev MB`` its peak RSS.

    .venv/bin/python bench/ingest.py [--skip-large] [--only-large] [--models A.ifc ...]
                                     [--all-shared] [--no-small] [--repeat 3] [--occ] [--no-world]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "ifc"
DEFAULT_MODELS = [
    "Duplex_A_20110907.ifc",
    "AC20-FZK-Haus.ifc",
    "SampleHouse_IFC4.ifc",
    "Duplex_Electrical_20121207.ifc",
    "bim2sim_b03_heating_with_building_blenderBIM.ifc",
]


def _floor(path: Path, library: str | None, *, world: bool = False) -> float:
    import ifcopenshell
    import ifcopenshell.geom

    start = time.perf_counter()
    model = ifcopenshell.open(str(path))
    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", world)
    kwargs: dict[str, Any] = {"geometry_library": library} if library else {}
    it = ifcopenshell.geom.iterator(settings, model, os.cpu_count() or 1, **kwargs)
    if it.initialize():
        while True:
            it.get()
            if not it.next():
                break
    return time.perf_counter() - start


def _load(path: Path, cache: Path) -> dict[str, float]:
    import twin.ifc.build as build
    from twin.service.cache import load_twin

    engine = [0.0]
    inner = build.collect_meshes

    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            engine[0] += time.perf_counter() - t0

    build.collect_meshes = timed  # type: ignore[assignment]
    start = time.perf_counter()
    load_twin(path, cache_dir=cache)
    return {"seconds": time.perf_counter() - start, "engine": engine[0]}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(what: str, path: Path, cache: Path) -> None:
    sys.path.insert(0, str(REPO))
    import ifcopenshell  # noqa: F401  (both sides start with it loaded, as the wall time does)

    out: dict[str, float] = {}
    cpu0 = _cpu()
    if what == "floor":
        from twin.ifc.geometry import GEOMETRY_LIBRARY

        cpu0 = _cpu()
        out["seconds"] = _floor(path, GEOMETRY_LIBRARY)
    elif what == "floor_world":
        from twin.ifc.geometry import GEOMETRY_LIBRARY

        cpu0 = _cpu()
        out["seconds"] = _floor(path, GEOMETRY_LIBRARY, world=True)
    elif what == "floor_occ":
        out["seconds"] = _floor(path, None)
    elif what == "webifc":
        from twin.ifc.webifc_engine import run_webifc

        cpu0 = _cpu()
        start = time.perf_counter()
        result = run_webifc(path)
        out["seconds"] = time.perf_counter() - start
        out["products"] = float(len(result.meshes))
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        out["node_mb"] = children.ru_maxrss / 1024
        out["cpu"] = _cpu() - cpu0 + children.ru_utime + children.ru_stime
        out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(out))
        return
    else:
        out = _load(path, cache)
    out["cpu"] = _cpu() - cpu0  # over the timed call only, not the interpreter's imports
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def _run(what: str, path: Path, cache: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, str(path), str(cache)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _demo(size: str) -> Path:
    path = REPO / "var" / f"hospital_{size}.ifc"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "models_ifc", "--size", size, "--out", str(path)],
            check=True,
            cwd=REPO,
        )
    return path


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def _measure(path: Path, repeat: int, occ: bool, world: bool) -> dict[str, float]:
    from twin.ifc.webifc_engine import webifc_available

    webifc = webifc_available()
    floors, colds, warms, occs, worlds, webs, revs = [], [], [], [], [], [], []
    from tests.ifc_fixtures.revision_made import write_revision

    rev_dir = tempfile.TemporaryDirectory()
    revision = write_revision(path, Path(rev_dir.name) / f"rev_{path.name}").path
    for n in range(repeat):
        with tempfile.TemporaryDirectory() as cache_dir:  # never the lead's var/cache
            cache = Path(cache_dir)
            if world and n == 0:
                worlds.append(_run("floor_world", path, cache))
            if webifc:
                webs.append(_run("webifc", path, cache))
            floors.append(_run("floor", path, cache))
            colds.append(_run("load", path, cache))
            warms += [_run("load", path, cache) for _ in range(3)]
            revs.append(_run("load", revision, cache))  # the mesh store of the cold run
            if occ:
                occs.append(_run("floor_occ", path, cache))
    row = {
        "floor": _median(floors, "seconds"),
        "floor_cpu": _median(floors, "cpu"),
        "cold": _median(colds, "seconds"),
        "cold_cpu": _median(colds, "cpu"),
        "engine": _median(colds, "engine"),
        "warm": _median(warms, "seconds"),
        "floor_mb": max(r["rss_mb"] for r in floors),
        "cold_mb": max(r["rss_mb"] for r in colds),
        "warm_mb": max(r["rss_mb"] for r in warms),
        "occ": _median(occs, "seconds") if occs else float("nan"),
        "world": _median(worlds, "seconds") if worlds else float("nan"),
        "world_mb": max(r["rss_mb"] for r in worlds) if worlds else float("nan"),
        "webifc": _median(webs, "seconds") if webs else float("nan"),
        "node_mb": max(r["node_mb"] for r in webs) if webs else float("nan"),
        "rev": _median(revs, "seconds"),
        "rev_mb": max(r["rss_mb"] for r in revs),
    }
    rev_dir.cleanup()
    row["ratio"] = row["cold"] / row["floor"]
    row["ratio_cpu"] = row["cold_cpu"] / row["floor_cpu"]
    row["speedup"] = row["cold"] / row["warm"]
    return row


def main() -> None:
    sys.path.insert(0, str(REPO))  # tests.ifc_fixtures (the revision copy)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--only-large", action="store_true")
    parser.add_argument("--models", nargs="*", default=None, help="shared model file names")
    parser.add_argument("--repeat", type=int, default=3, help="cold/floor pairs per model")
    parser.add_argument("--repeat-large", type=int, default=1)
    parser.add_argument("--occ", action="store_true", help="also the OpenCASCADE floor")
    parser.add_argument(
        "--no-world",
        action="store_true",
        help="leave out the world-coordinate iterator pass (minutes on the large hospital)",
    )
    parser.add_argument("--no-small", action="store_true", help="leave out the small hospital")
    parser.add_argument("--all-shared", action="store_true", help="every IFC file in MANIFEST")
    args = parser.parse_args()
    names = args.models if args.models is not None else DEFAULT_MODELS
    if args.all_shared:
        manifest = json.loads((SHARED / "MANIFEST.json").read_text())
        names = [n for n, m in manifest.items() if m.get("schema") != "IFC4X3_RC2"]
    paths = [] if args.only_large else [SHARED / n for n in names]
    if not (args.only_large or args.no_small):
        paths.append(_demo("small"))
    if not args.skip_large:
        paths.append(_demo("large"))
    cols = (
        "webifc s",
        "world s",
        "floor s",
        "cold s",
        "cold/fl",
        "cpu/fl",
        "wait s",
        "py s",
        "warm s",
        "cold/warm",
        "cold/wifc",
        "rev s",
        "rev/cold",
        "cold/wld",
        "occ s",
        "node MB",
        "world MB",
        "floor MB",
        "cold MB",
        "warm MB",
        "rev MB",
    )
    header = f"{'model':<34}" + "".join(f"{c:>10}" for c in cols)
    print(f"# load before: {os.getloadavg()}", flush=True)
    print(header)
    print("-" * len(header), flush=True)
    for path in paths:
        repeat = args.repeat_large if path.name == "hospital_large.ifc" else args.repeat
        r = _measure(path, repeat, args.occ, not args.no_world)
        values = (
            f"{r['webifc']:.2f}",
            f"{r['world']:.2f}",
            f"{r['floor']:.2f}",
            f"{r['cold']:.2f}",
            f"{r['ratio']:.2f}",
            f"{r['ratio_cpu']:.2f}",
            f"{r['engine']:.2f}",
            f"{r['cold'] - r['engine']:.2f}",
            f"{r['warm']:.3f}",
            f"{r['speedup']:.1f}",
            f"{r['cold'] / r['webifc']:.2f}",
            f"{r['rev']:.2f}",
            f"{r['rev'] / r['cold']:.3f}",
            f"{r['cold'] / r['world']:.2f}",
            f"{r['occ']:.2f}",
            f"{r['node_mb']:.0f}",
            f"{r['world_mb']:.0f}",
            f"{r['floor_mb']:.0f}",
            f"{r['cold_mb']:.0f}",
            f"{r['warm_mb']:.0f}",
            f"{r['rev_mb']:.0f}",
        )
        print(f"{path.name[:33]:<34}" + "".join(f"{v:>10}" for v in values), flush=True)
    print(f"# load after: {os.getloadavg()}; medians of {args.repeat} runs", flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main()
