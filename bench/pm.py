"""Bench: generate a year of preventive maintenance work orders for the large demo hospital.

Run: ``.venv/bin/python bench/pm.py [var/hospital_large.ifc] [--pg] [--stress]``. Plans cover every
distribution element and device class the demo hospital has (pumps, fans, air terminals,
valves, lifts, equipment...), each on a fixed calendar interval; the script times
``twin.service.maintenance.targets_for`` + ``MaintenanceRepository.generate`` with a 365-day
horizon on a fresh SQLite file (or a fresh PostgreSQL schema with ``--pg``), then times the
same call again (idempotent: it must create nothing). Target (issue 15): < 5 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# (plan name, target field, value, interval): the usual hospital PM calendar
PLANS = [
    ("Pump service", "ifc_class", "IfcPump", "quarterly"),
    ("Fan service", "ifc_class", "IfcFan", "quarterly"),
    ("Boiler service", "ifc_class", "IfcBoiler", "monthly"),
    ("Chiller service", "ifc_class", "IfcChiller", "monthly"),
    ("AHU filters", "ifc_class", "IfcUnitaryEquipment", "monthly"),
    ("Air terminal cleaning", "ifc_class", "IfcAirTerminal", "half-yearly"),
    ("Valve exercise", "ifc_class", "IfcValve", "yearly"),
    ("Damper test", "ifc_class", "IfcDamper", "yearly"),
    ("Lift maintenance", "kind", "lift", "monthly"),
    ("Lift statutory inspection", "kind", "lift", "yearly"),
    ("Distribution boards", "ifc_class", "IfcElectricDistributionBoard", "yearly"),
]
#: ``--stress``: also weekly flushing of every sanitary outlet as its own order (legionella
#: control; hospitals usually run it as a patrol round instead): ~30x the orders.
STRESS = [("Sanitary outlets flushing", "ifc_class", "IfcSanitaryTerminal", "weekly")]


def main() -> None:
    sys.path.insert(0, str(REPO))
    from twin.live.store import open_store
    from twin.service.cache import load_twin
    from twin.service.maintenance import targets_for

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = Path(args[0]) if args else REPO / "var" / "hospital_large.ifc"
    twin = load_twin(path, cache_dir=REPO / "var" / "cache")
    if "--pg" in sys.argv:
        from sqlalchemy import text

        from twin.live.db import make_engine

        base = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        schema = f"bench_pm_{uuid.uuid4().hex[:8]}"
        admin = make_engine(base)
        with admin.begin() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{base}?options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/pm.db"
    store = open_store(url)
    anchor = date(2026, 1, 5)
    for name, field, value, interval in PLANS + (STRESS if "--stress" in sys.argv else []):
        store.maintenance.create_plan(
            name=name, interval=interval, anchor=anchor, actor="bench", lead_days=14,
            checklist=["visual check", "function test"],
            **{field: value},  # type: ignore[arg-type]
        )  # fmt: skip
    t0 = time.perf_counter()
    targets = targets_for(store.maintenance.plans(), [twin])
    t1 = time.perf_counter()
    made = store.maintenance.generate(targets, today=anchor, actor="bench", horizon_days=365)
    t2 = time.perf_counter()
    again = store.maintenance.generate(targets, today=anchor, actor="bench", horizon_days=365)
    t3 = time.perf_counter()
    by_plan = Counter(o.plan for o in made)
    print(f"model {path.name}: {sum(len(v) for v in targets.values())} plan targets")
    for p in store.maintenance.plans():
        print(f"  {p.name:28s} {p.interval:12s} {len(targets[p.id]):5d} elements "
              f"{by_plan[p.id]:6d} orders")  # fmt: skip
    print(f"backend {store.backend}: {len(made)} orders (tickets) in {t2 - t0:.2f} s "
          f"(targets {t1 - t0:.2f} s, insert {t2 - t1:.2f} s); second run created "
          f"{len(again)} in {t3 - t2:.2f} s")  # fmt: skip
    store.close()
    if "--pg" in sys.argv:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))


if __name__ == "__main__":
    main()
