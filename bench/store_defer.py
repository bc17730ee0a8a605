"""A/B: a cold ingest with the revision store's keys and write on its path (A, as written up to
issue 20's first reuse commits) against the store deferred until after the twin (B, what
``load_twin`` does now), and the next revision's time with the store B left.

Each sample is a fresh process (same heap state for A and B) with an empty store directory;
the rounds alternate A, B, A, B in one run so both see the same load. Columns: ``cold s`` is the
time until ``build_twin`` returned the twin; ``store s`` the deferred keys + write run after it
(B only); ``rev s`` a revision copy (2 % of elements moved or renamed, ids renumbered, written by
tests/ifc_fixtures/revision_made.py) built with that store; ``reused / meshed`` its products taken
from the store and meshed again; ``MB`` the process's peak RSS.

    .venv/bin/python bench/store_defer.py [--rounds 2] [--large-rounds 1] MODEL.ifc ...
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _one(mode: str, model: Path, rev: Path | None) -> dict[str, object]:
    from twin.ifc.build import build_twin
    from twin.ifc.geometry import GeometryStats

    with tempfile.TemporaryDirectory() as d:
        store = Path(d)
        deferred: list = [] if mode == "B" else None  # type: ignore[type-arg]
        t0 = time.perf_counter()
        build_twin(model, reuse_dir=store, deferred=deferred)
        cold = time.perf_counter() - t0
        t1 = time.perf_counter()
        for task in deferred or ():
            task()
        after = time.perf_counter() - t1
        out: dict[str, object] = {"cold": cold, "store": after if mode == "B" else None}
        if rev is not None:
            stats = GeometryStats()
            t2 = time.perf_counter()
            build_twin(rev, reuse_dir=store, stats=stats)
            out.update(rev=time.perf_counter() - t2, reused=stats.reused, products=stats.products)
    out["mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _sample(mode: str, model: Path, rev: Path | None) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--one", mode, str(model), str(rev or "")]
    run = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(run.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("models", type=Path, nargs="*")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--large-rounds", type=int, default=1)
    ap.add_argument("--no-large-revision", action="store_true")
    ap.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        mode, model, rev = args.one
        print(json.dumps(_one(mode, Path(model), Path(rev) if rev else None)))
        return
    from tests.ifc_fixtures.revision_made import write_revision

    print(f"start {time.strftime('%H:%M:%S', time.gmtime())} UTC, load {os.getloadavg()}")
    print("| model | round | mode | cold s | store s | rev s | reused / meshed | MB |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as d:
        for model in args.models:
            large = model.stat().st_size > 20e6
            skip_rev = large and args.no_large_revision
            rev = None if skip_rev else write_revision(model, Path(d) / model.name).path
            for r in range(args.large_rounds if large else args.rounds):
                for mode in ("A", "B"):
                    s = _sample(mode, model, rev if mode == "B" else None)
                    store = f"{s['store']:.2f}" if s["store"] is not None else "-"
                    revs = f"{s['rev']:.2f}" if "rev" in s else "-"
                    reused = f"{s['reused']} / {s['products']}" if "rev" in s else "-"
                    print(
                        f"| {model.stem} | {r + 1} | {mode} | {s['cold']:.2f} | {store} | "
                        f"{revs} | {reused} | {s['mb']:.0f} |",
                        flush=True,
                    )
    print(f"end {time.strftime('%H:%M:%S', time.gmtime())} UTC, load {os.getloadavg()}")


if __name__ == "__main__":
    main()
