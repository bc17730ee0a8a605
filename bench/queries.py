"""Benchmark the spatial index and the exports on the large demo hospital.

Run: ``.venv/bin/python bench/queries.py [var/hospital_large.ifc | var/cache/<entry>.twin.pkl]
[--skip-exports]``
(generate the model first with
``.venv/bin/python -m models_ifc --size large --out var/hospital_large.ifc``). Prints p50/p99 of
locate, elements_in_space, elements_in_box, nearest and search, each against a scan over the
same twin measured in the same run (search: the former linear scan with the same ranking;
box: the former vectorised numpy scan over all 3D boxes, plus a pure-Python loop), then
locate, elements-in-space, search and box over HTTP (FastAPI TestClient, in process: routing +
serialisation, no socket), then plan.svg and scene.glb generation times.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path
from typing import Any

from _timing import percentile, times_ms

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


ROUNDS = 3  # the fast paths run this many rounds; p50 and p99 are the medians over rounds


def _rounds(fn: Any, items: list[Any]) -> tuple[float, float]:
    runs = [times_ms(fn, items) for _ in range(ROUNDS)]
    p50s = sorted(percentile(r, 0.5) for r in runs)
    p99s = sorted(percentile(r, 0.99) for r in runs)
    return p50s[len(runs) // 2], p99s[len(runs) // 2]


def _row(name: str, fast: list[float] | tuple[float, float], slow: list[float] | None) -> None:
    if isinstance(fast, tuple):
        p50, p99 = fast
    else:
        p50, p99 = percentile(fast, 0.5), percentile(fast, 0.99)
    if slow:
        b50 = percentile(slow, 0.5)
        print(f"{name:<22}{p50:>10.3f}{p99:>10.3f}{b50:>12.3f}{b50 / max(p50, 1e-9):>9.0f}x")
    else:
        print(f"{name:<22}{p50:>10.3f}{p99:>10.3f}{'':>12}{'':>10}")


def _brute_locate(twin: Any, p: tuple[float, float, float]) -> str | None:
    from shapely.geometry import Point

    storeys = sorted(twin.storeys.values(), key=lambda s: s.elevation)
    below = [s for s in storeys if s.elevation <= p[2] + 0.05]
    if not below:
        return None
    sg = below[-1].guid
    pt = Point(p[0], p[1])
    for s in twin.spaces.values():
        if s.storey == sg and s.footprint is not None and s.footprint.intersects(pt):
            return str(s.guid)
    return None


def _brute_box(twin: Any, b: tuple[float, ...]) -> list[str]:
    return [
        e.guid
        for e in twin.elements.values()
        if e.bbox
        and e.bbox[0] <= b[3] and e.bbox[3] >= b[0] and e.bbox[1] <= b[4] and e.bbox[4] >= b[1]
        and e.bbox[2] <= b[5] and e.bbox[5] >= b[2]
    ]  # fmt: skip


def _brute_nearest(twin: Any, p: tuple[float, float, float], kind: str) -> str | None:
    best, found = float("inf"), None
    for e in twin.elements.values():
        if e.kind != kind or not e.bbox:
            continue
        d = sum(max(e.bbox[i] - p[i], p[i] - e.bbox[i + 3], 0.0) ** 2 for i in range(3))
        if d < best:
            best, found = d, e.guid
    return found


class _ScanSearch:
    """The former search (the specification in twin.spatial.index): one pass over every row."""

    def __init__(self, twin: Any) -> None:
        from twin.spatial.index import scan_rows

        self.rows = scan_rows(twin)

    def __call__(self, text: str, limit: int = 20) -> list[str]:
        from twin.spatial.index import scan_search

        return [h.guid for h in scan_search(self.rows, text, limit)]


class _ScanBox:
    """The former elements_in_box: a vectorised test of every element's 3D box."""

    def __init__(self, twin: Any) -> None:
        import numpy as np

        self.np = np
        self.elements = [e for e in twin.elements.values() if e.bbox is not None]
        self.boxes = np.array([e.bbox for e in self.elements], dtype=np.float64)

    def __call__(self, bbox: tuple[float, ...]) -> list[str]:
        np, b = self.np, self.boxes
        lo, hi = np.asarray(bbox[:3]), np.asarray(bbox[3:])
        mask = np.all(b[:, :3] <= hi, axis=1) & np.all(b[:, 3:] >= lo, axis=1)
        return [self.elements[int(i)].guid for i in np.flatnonzero(mask)]


def main() -> None:
    from twin.export.gltf import scene_glb
    from twin.export.plan_svg import render_plan
    from twin.service.cache import load_twin
    from twin.spatial.index import build_index

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = Path(args[0]) if args else REPO / "var" / "hospital_large.ifc"
    if path.suffix == ".pkl":  # a parsed-twin cache entry (twin/service/cache.py): skips the ingest
        import pickle

        with path.open("rb") as fh:
            twin = pickle.load(fh)[1]
    else:
        twin = load_twin(path, cache_dir=REPO / "var" / "cache")
    t0 = time.perf_counter()
    idx = build_index(twin)
    build_s = time.perf_counter() - t0
    print(f"model {path.name}: {len(twin.storeys)} storeys, {len(twin.spaces)} spaces, "
          f"{len(twin.elements)} elements; index built in {build_s:.2f} s")  # fmt: skip
    print(f"# load average {os.getloadavg()}; fast paths: median of {ROUNDS} rounds")
    t0 = time.perf_counter()
    idx.search("warm-up")  # the text index is built on the first search
    print(f"search index built on first search in {time.perf_counter() - t0:.2f} s")
    rnd = random.Random(7)
    spaces = [s for s in twin.spaces.values() if s.footprint is not None and s.storey]
    pts = []
    for s in rnd.sample(spaces, min(500, len(spaces))):
        p = s.footprint.representative_point()
        pts.append((p.x, p.y, twin.storeys[s.storey].elevation + 1.2))
    boxes = []
    for x, y, z in pts[:200]:
        boxes.append((x - 3, y - 3, z - 1.5, x + 3, y + 3, z + 1.5))
    words = [
        s.number[: max(1, len(s.number) - 1)] for s in rnd.sample(spaces, min(100, len(spaces)))
    ]
    words += [s.number for s in rnd.sample(spaces, min(100, len(spaces)))]
    elements = list(twin.elements.values())
    words += [e.guid for e in rnd.sample(elements, min(50, len(elements)))]
    words += [(s.long_name or s.name)[:5] for s in rnd.sample(spaces, min(50, len(spaces)))]
    rnd.shuffle(words)
    scan_search, scan_box = _ScanSearch(twin), _ScanBox(twin)
    sample_spaces = [s.guid for s in rnd.sample(spaces, min(200, len(spaces)))]
    assert all(idx.locate(*p) is not None for p in pts)
    assert all(idx.locate(*p).space == _brute_locate(twin, p) for p in pts[:50])  # type: ignore[union-attr]
    assert sorted(e.guid for e in idx.elements_in_box(boxes[0])) == sorted(
        _brute_box(twin, boxes[0])
    )
    for b in boxes[:20]:
        assert sorted(e.guid for e in idx.elements_in_box(b)) == sorted(scan_box(b))
    for w in words[:40]:
        assert [h.guid for h in idx.search(w)] == scan_search(w), w
    print(f"{'in process (ms)':<22}{'p50':>10}{'p99':>10}{'brute p50':>12}{'ratio':>10}")
    _row(
        "locate",
        _rounds(lambda p: idx.locate(*p), pts),
        times_ms(lambda p: _brute_locate(twin, p), pts[:100]),
    )
    _row(
        "elements_in_space",
        _rounds(idx.elements_in_space, sample_spaces),
        times_ms(lambda g: [e for e in twin.elements.values() if e.space == g], sample_spaces[:50]),
    )
    _row("elements_in_box", _rounds(idx.elements_in_box, boxes), times_ms(scan_box, boxes[:100]))
    _row(
        "  vs python loop",
        _rounds(idx.elements_in_box, boxes),
        times_ms(lambda b: _brute_box(twin, b), boxes[:50]),
    )
    _row(
        "nearest terminal",
        _rounds(lambda p: idx.nearest(*p, kinds={"terminal"}), pts[:200]),
        times_ms(lambda p: _brute_nearest(twin, p, "terminal"), pts[:50]),
    )
    _row("search", _rounds(lambda w: idx.search(w), words), times_ms(scan_search, words[:100]))
    _http(twin, pts, sample_spaces, words, boxes)
    if "--skip-exports" in sys.argv:
        return
    first = next(iter(twin.buildings.values()))
    storey = first.storeys[len(first.storeys) // 2]
    print(f"{'exports (s)':<22}{'time':>10}{'size MB':>10}")
    for name, fn in (
        ("plan.svg (1 storey)", lambda: render_plan(twin, storey).encode()),
        ("scene.glb (1 storey)", lambda: scene_glb(twin, storey=storey)),
        ("scene.glb (building)", lambda: scene_glb(twin, building=first.guid)),
    ):
        t0 = time.perf_counter()
        data = fn()
        print(f"{name:<22}{time.perf_counter() - t0:>10.2f}{len(data) / 1e6:>10.1f}")


def _http(
    twin: Any,
    pts: list[tuple[float, float, float]],
    spaces: list[str],
    words: list[str],
    boxes: list[tuple[float, ...]],
) -> None:
    import tempfile

    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings
    from twin.service.campus import Campus

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(  # no background warm-up: it would hold the GIL while we time
            cache_dir=REPO / "var" / "cache", store_url=f"sqlite:///{tmp}/b.db", warm_up=False
        )
        campus = Campus()
        campus.add(twin)
        with TestClient(create_app(settings, campus=campus)) as c:
            c.get("/locate", params={"x": 0, "y": 0, "z": 0})
            loc = times_ms(
                lambda p: c.get("/locate", params={"x": p[0], "y": p[1], "z": p[2]}), pts[:300]
            )
            ins = times_ms(lambda g: c.get("/elements", params={"space": g}), spaces[:100])
            sea = times_ms(lambda w: c.get("/search", params={"q": w}), words[:200])
            box = times_ms(
                lambda b: c.get("/elements", params={"bbox": ",".join(f"{v:.3f}" for v in b)}),
                boxes[:100],
            )
    print(f"{'over HTTP (ms)':<22}{'p50':>10}{'p99':>10}")
    _row("GET /locate", loc, None)
    _row("GET /elements?space=", ins, None)
    _row("GET /search?q=", sea, None)
    _row("GET /elements?bbox=", box, None)


if __name__ == "__main__":
    main()
