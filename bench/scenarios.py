"""Benchmark renovation impact reports on the large demo hospital.

Run: ``.venv/bin/python bench/scenarios.py [var/hospital_large.ifc]``. Times the impact report of
a one-room, a one-storey and a one-wing closure (navigation graph and networks built beforehand,
as a running service holds them), against the floor any such report pays in the same run: two
one-to-all searches from the entrances (what the "after" half of a route comparison costs; the
"before" half is computed once per model). Target: a storey closure under 1 s.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _ms(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs)


def main() -> None:
    from twin.analysis.renovation import _reach, baseline_reach, impact_report
    from twin.distribution import build_networks
    from twin.navigation.build import build_navigation
    from twin.scenario import scenario_from_dict
    from twin.service.cache import load_twin

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "var" / "hospital_large.ifc"
    if not path.exists():
        sys.exit(f"{path} missing: .venv/bin/python -m models_ifc --size large --out {path}")
    twin = load_twin(path, cache_dir=REPO / "var" / "cache")
    truth = json.loads(path.with_suffix(".truth.json").read_text())
    t0 = time.perf_counter()
    nav = build_navigation(twin)
    nets = build_networks(twin)
    build_ms = (time.perf_counter() - t0) * 1000

    storey = truth["storeys"][len(truth["storeys"]) // 2]["guid"]
    on_storey = [g for g, s in truth["spaces"].items() if s["storey"] == storey]
    room = next(
        g
        for g in on_storey
        if truth["spaces"][g]["criticality"] == "normal"
        and truth["spaces"][g].get("category") not in ("corridor", "stair", "lift")
    )
    wing = [g for g in on_storey if ".A." in truth["spaces"][g]["number"]] or on_storey[:40]
    cases = {
        "one room": {"name": "room", "closed_spaces": [room]},
        "one wing (one storey)": {"name": "wing", "closed_spaces": wing},
        "one storey": {"name": "storey", "closed_spaces": on_storey},
    }
    floor = _ms(lambda: (_reach(nav, "walking", None), _reach(nav, "emergency", None)))
    baseline = baseline_reach(nav)  # once per model in a service (campus-derived)
    print(f"{path.name}: {len(twin.spaces)} spaces, {len(twin.elements)} elements")
    print(f"navigation + networks build: {build_ms:.0f} ms (once per model)\n")
    print(f"{'closure':<24}{'rooms':>7}{'report ms':>11}{'x floor':>9}")
    print(f"{'floor: 2 searches':<24}{'':>7}{floor:>11.1f}{1.0:>9.2f}")
    for label, doc in cases.items():
        sc = scenario_from_dict(doc)
        ms = _ms(lambda sc=sc: impact_report(twin, sc, nav=nav, nets=nets, baseline=baseline))
        print(f"{label:<24}{len(doc['closed_spaces']):>7}{ms:>11.1f}{ms / floor:>9.2f}")


if __name__ == "__main__":
    main()
