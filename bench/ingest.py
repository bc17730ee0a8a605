"""Ingest benchmark: cold ingest against the bare geometry engine, warm start from the cache.

Each measurement runs in its own child process so peak RSS (``ru_maxrss``) belongs to it alone.
The engine floor is a bare ``ifcopenshell.geom.iterator`` pass (open + triangulate, nothing
kept) over the same file, measured in the same run, once with the kernel the ingest uses and once
with ifcopenshell's default OpenCASCADE kernel.

    .venv/bin/python bench/ingest.py [--skip-large] [--models A.ifc B.ifc]
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
SHARED = REPO.parent / "shared" / "ifc"


def _floor(path: Path, library: str | None) -> float:
    import ifcopenshell
    import ifcopenshell.geom

    start = time.perf_counter()
    model = ifcopenshell.open(str(path))
    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", True)
    kwargs = {"geometry_library": library} if library else {}
    it = ifcopenshell.geom.iterator(settings, model, os.cpu_count() or 1, **kwargs)
    if it.initialize():
        while True:
            it.get()
            if not it.next():
                break
    return time.perf_counter() - start


def _child(what: str, path: Path, cache: Path) -> None:
    sys.path.insert(0, str(REPO))
    if what == "floor":
        from twin.ifc.geometry import GEOMETRY_LIBRARY

        seconds = _floor(path, GEOMETRY_LIBRARY)
    elif what == "floor_occ":
        seconds = _floor(path, None)
    else:
        from twin.cache import load_twin

        start = time.perf_counter()
        load_twin(path, cache_dir=cache)
        seconds = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": rss_mb}))


def _run(what: str, path: Path, cache: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, str(path), str(cache)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _large() -> Path:
    path = REPO / "var" / "hospital_large.ifc"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "models_ifc", "--size", "large", "--out", str(path)],
            check=True,
            cwd=REPO,
        )
    return path


def _small() -> Path:
    path = REPO / "var" / "hospital_small.ifc"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "models_ifc", "--size", "small", "--out", str(path)],
            check=True,
            cwd=REPO,
        )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--models", nargs="*", default=None, help="shared model file names")
    args = parser.parse_args()
    names = args.models if args.models is not None else ["Duplex_A_20110907.ifc"]
    paths = [SHARED / n for n in names] + [_small()]
    if not args.skip_large:
        paths.append(_large())
    header = (
        f"{'model':<36}{'floor s':>9}{'occ s':>9}{'cold s':>9}{'cold/fl':>9}"
        f"{'warm s':>9}{'cold/warm':>10}{'cold MB':>9}{'warm MB':>9}"
    )
    print(header)
    print("-" * len(header))
    for path in paths:
        with tempfile.TemporaryDirectory() as cache_dir:
            cache = Path(cache_dir)
            floor = _run("floor", path, cache)
            occ = _run("floor_occ", path, cache)
            cold = _run("load", path, cache)
            warm = _run("load", path, cache)
        print(
            f"{path.name[:35]:<36}{floor['seconds']:>9.2f}{occ['seconds']:>9.2f}"
            f"{cold['seconds']:>9.2f}{cold['seconds'] / floor['seconds']:>9.2f}"
            f"{warm['seconds']:>9.3f}{cold['seconds'] / warm['seconds']:>10.1f}"
            f"{cold['rss_mb']:>9.0f}{warm['rss_mb']:>9.0f}",
            flush=True,
        )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main()
