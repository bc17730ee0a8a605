"""Benchmark the command-centre figures (GET /kpis' work) over a year of history.

Run: ``.venv/bin/python bench/kpis.py [--pg] [--size small|large] [--repeat 200]``. Generates
the demo hospital of that size (into a temporary folder; the large one takes a while), fills a
fresh store (SQLite file, or a fresh PostgreSQL schema with ``--pg``) with a year of history:
40 tickets a day with their respond/arrive/resolve stamps (the last hours' still open), 100
alarms a day (the last day's 60 still active, the rest cleared, most acknowledged), and an hourly
register reading for every energy meter of the model for the year, then times
:func:`twin.service.kpis.command_centre` (every figure, energy today vs baseline included) and
prints p50/p95/p99. Target: p99 < 100 ms.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from _timing import percentile  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from models_ifc.hospital import LARGE, SMALL, write_hospital  # noqa: E402
from twin.live.db import make_engine  # noqa: E402
from twin.live.discovery import register_model_sensors  # noqa: E402
from twin.live.sla import DEFAULT_SLA  # noqa: E402
from twin.live.store import LiveStore, open_store  # noqa: E402
from twin.live.tables import alarms, readings  # noqa: E402
from twin.live.tables_ops import tickets  # noqa: E402
from twin.service.cache import load_twin  # noqa: E402
from twin.service.campus import Campus  # noqa: E402
from twin.service.kpis import command_centre  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
H_US = 3600 * 1_000_000
PRIORITIES = ["emergency", "urgent", "urgent", "normal", "normal", "normal", "planned"]


def _tickets(now_us: int, rnd: random.Random) -> list[dict[str, object]]:
    rows = []
    for k in range(365 * 40):
        created = now_us - rnd.randrange(0, 365 * 24 * 3600) * 1_000_000
        age_min = (now_us - created) / 60e6
        resp, arr, res = (rnd.uniform(2, 90) for _ in range(3))
        done = age_min > 6 * 60
        rows.append(dict(
            title=f"t{k}", description="", priority=rnd.choice(PRIORITIES),
            status="closed" if done else rnd.choice(["new", "assigned", "on_site"]),
            created=created, created_by="bench",
            responded=created + int(resp * 60e6) if done or resp < age_min else None,
            arrived=created + int((resp + arr) * 60e6) if done else None,
            resolved=created + int((resp + arr + res * 10) * 60e6) if done else None,
        ))  # fmt: skip
    return rows


def _alarms(now_us: int, rnd: random.Random, spaces: list[tuple[str, str | None, str]],
            elements: list[str]) -> list[dict[str, object]]:  # fmt: skip
    rows = []
    for k in range(365 * 100):
        raised = now_us - rnd.randrange(0, 365 * 24 * 3600) * 1_000_000
        active = k < 60
        if active:
            raised = now_us - rnd.randrange(0, 24 * 3600) * 1_000_000
        space, storey, crit = rnd.choice(spaces)
        acked = raised + rnd.randrange(30, 3600) * 1_000_000 if rnd.random() < 0.8 else None
        rows.append(dict(
            sensor=f"s{k % 500}", rule="limit:upper", kind="above", severity="major",
            message="", active=active, state="raised" if active else "cleared",
            element=rnd.choice(elements), space=space, storey=storey, criticality=crit,
            raised_us=raised, acknowledged_us=acked,
            cleared_us=None if active else raised + 7200 * 1_000_000,
        ))  # fmt: skip
    return rows


def fill(store: LiveStore, campus: Campus, seed: int = 16) -> int:
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    now_us = int(now.timestamp() * 1e6)
    twin = next(iter(campus))
    register_model_sensors(store, twin)
    meters = [s.id for s in store.sensors() if s.quantity == "energy"]
    spaces = [(s.guid, s.storey, s.criticality) for s in twin.spaces.values()]
    elements = sorted(e.guid for e in twin.elements.values() if e.systems)[:500]
    start_h = now_us // H_US * H_US - 365 * 24 * H_US
    regs = [
        {"sensor": m, "t_us": start_h + h * H_US, "value": 20.0 * h + rnd.uniform(0, 5)}
        for m in meters
        for h in range(365 * 24)
    ]
    with store.engine.begin() as conn:
        conn.execute(insert(tickets), _tickets(now_us, rnd))
        conn.execute(insert(alarms), _alarms(now_us, rnd, spaces, elements))
        conn.execute(insert(readings), regs)
    return len(meters)


def _open(pg: bool, tmp: Path) -> tuple[LiveStore, str | None]:
    if not pg:
        return open_store(f"sqlite:///{tmp / 'kpis.db'}"), None
    schema = f"bench_kpis_{uuid.uuid4().hex[:8]}"
    with make_engine(PG_URL).begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    return open_store(f"{PG_URL}?options=-csearch_path%3D{schema}"), schema


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", action="store_true")
    ap.add_argument("--size", choices=["small", "large"], default="small")
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--ifc", type=Path, help="an IFC file to use instead of generating one "
                    "(e.g. var/hospital_large.ifc; cached in var/cache)")  # fmt: skip
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        t0 = time.perf_counter()
        if args.ifc is not None:
            ifc, cache = args.ifc, REPO / "var" / "cache"
        else:
            ifc, cache = tmp / f"hospital_{args.size}.ifc", tmp / "cache"
            write_hospital({"small": SMALL, "large": LARGE}[args.size], ifc)
        campus = Campus()
        campus.add(load_twin(ifc, cache_dir=cache))
        print(f"model {ifc.name}: {time.perf_counter() - t0:.1f} s")
        store, schema = _open(args.pg, tmp)
        t0 = time.perf_counter()
        n_meters = fill(store, campus)
        print(f"history: {365 * 40} tickets, {365 * 100} alarms, {n_meters} meters x 8760 h "
              f"in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        command_centre(campus, store, DEFAULT_SLA)  # warm
        wall, cpu = [], []
        for _ in range(args.repeat):
            w0, c0 = time.perf_counter(), time.process_time()
            command_centre(campus, store, DEFAULT_SLA)
            wall.append((time.perf_counter() - w0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        for name, xs in (("wall", wall), ("cpu", cpu)):
            p50, p95, p99 = (percentile(xs, q) for q in (0.5, 0.95, 0.99))
            print(f"{'pg' if args.pg else 'sqlite'} {name} ms: p50 {p50:.1f} p95 {p95:.1f} "
                  f"p99 {p99:.1f} (n={len(xs)})")  # fmt: skip
        store.close()
        if schema:
            with make_engine(PG_URL).begin() as c:
                c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
