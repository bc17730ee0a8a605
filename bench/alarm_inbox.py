"""Benchmark the alarm inbox query for one building with 10,000 active and historical alarms.

Run: ``.venv/bin/python bench/alarm_inbox.py [--pg] [--repeat 200]``. Fills a fresh store
(SQLite file, or a fresh PostgreSQL schema with ``--pg``) with 10,000 alarms in the benched
building (3,000 active unacknowledged, 1,000 active acknowledged, 1,000 cleared unacknowledged,
5,000 cleared and acknowledged; 300 shelved; 20 rooms suppressed by design) and 10,000 in a second
building, then times :func:`twin.service.alarm_inbox.inbox` (the whole query: narrow rows, states,
grouping, filters, counts, the page of full alarms) and prints p50/p95/p99 per variant. Target:
p99 < 50 ms. The CPU columns (this process's CPU time per query) are what the query costs when
the machine is not shared; wall time on a loaded machine includes waiting for a core. "cold"
drops the process's row cache before each query (the first query after the process starts);
"after a change" shelves or unshelves one alarm before each query (an alarm event: the first
query after an alarm change, which re-reads only the alarms the new events name).
Topology grouping is timed with a reach function that answers from a dict (downstream traces
are memoised per twin in the service, so a warm server pays only the lookup).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from _timing import percentile  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from twin.analysis.alarm_grouping import Reach  # noqa: E402
from twin.live.db import make_engine, now_us  # noqa: E402
from twin.live.store import LiveStore, open_store  # noqa: E402
from twin.live.tables import alarms  # noqa: E402
from twin.live.tables_alarm_inbox import alarm_shelves, alarm_suppressions  # noqa: E402
from twin.service.alarm_inbox import inbox  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STOREYS = [f"ST{i}" for i in range(8)]
SEVERITIES = ["critical", "major", "major", "minor", "minor", "minor", "info"]


def fill(store: LiveStore, building: str, seed: int) -> list[int]:
    rnd = random.Random(seed)
    now = now_us()
    rows = []
    kinds = [("au", 3000), ("aa", 1000), ("cu", 1000), ("n", 5000)]
    for kind, n in kinds:
        for _ in range(n):
            raised = now - rnd.randrange(1, 30 * 24 * 3600) * 1_000_000
            active = kind in ("au", "aa")
            rows.append(
                {
                    "sensor": f"{building}-s{rnd.randrange(2000)}",
                    "rule": "limit:upper",
                    "kind": "above",
                    "state": {"au": "raised", "aa": "acknowledged"}.get(kind, "cleared"),
                    "active": active,
                    "severity": rnd.choice(SEVERITIES),
                    "message": "bench",
                    "element": f"E{rnd.randrange(400)}" if rnd.random() < 0.5 else None,
                    "space": f"R{rnd.randrange(600)}",
                    "storey": rnd.choice(STOREYS),
                    "building": building,
                    "criticality": "normal",
                    "raised_us": raised,
                    "acknowledged_us": raised + 1 if kind in ("aa", "n") else None,
                    "cleared_us": None if active else raised + 2,
                }
            )
    with store.engine.begin() as conn:
        conn.execute(insert(alarms), rows)
        ids = [
            r[0]
            for r in conn.execute(
                text("SELECT id FROM alarms WHERE building = :b"), {"b": building}
            )
        ]
    return ids


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", action="store_true")
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args()
    schema = None
    if args.pg:
        schema = f"bench_inbox_{uuid.uuid4().hex[:8]}"
        admin = make_engine(PG_URL)
        with admin.begin() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'inbox.db'}"
    store = open_store(url)
    try:
        ids = fill(store, "B1", 1)
        fill(store, "B2", 2)
        rnd = random.Random(3)
        now = now_us()
        shelved = rnd.sample(ids, 300)
        with store.engine.begin() as conn:
            conn.execute(
                insert(alarm_shelves),
                [{"alarm": a, "reason": "bench", "shelved_by": "bench", "shelved_us": now,
                  "until_us": now + 3600_000_000} for a in shelved],
            )  # fmt: skip
            conn.execute(
                insert(alarm_suppressions),
                [{"target": f"R{i}", "reason": "closed", "created_by": "bench", "created_us": now}
                 for i in range(20)],
            )  # fmt: skip
        feeds = {f"E{i}": Reach(frozenset({f"E{i + 1}"}), frozenset({f"R{i}", f"R{i + 1}"}))
                 for i in range(0, 400, 10)}  # fmt: skip
        free = [a for a in ids if a not in set(shelved)]
        variants = {
            "building inbox, process start": {"building": "B1", "cold": True},
            "building inbox, after a change": {"building": "B1", "change": True},
            "building inbox": {"building": "B1"},
            "building inbox + grouping": {"building": "B1", "reach": feeds.get},
            "one storey": {"building": "B1", "storey": "ST3"},
            "critical only": {"building": "B1", "priority": "critical"},
            "all states (history)": {"building": "B1", "state": "all"},
        }
        print(f"backend: {store.backend}; 10,000 alarms in B1 (+10,000 in B2); {args.repeat} runs")
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(
            f"{'variant':28} {'items':>6} {'total':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
            f" {'cpu p50':>8} {'cpu p99':>8}"
        )
        for name, kw in variants.items():
            cold = bool(kw.pop("cold", False))
            change = bool(kw.pop("change", False))
            res = inbox(store, **kw)  # type: ignore[arg-type]
            t, cpu = [], []
            for i in range(args.repeat):
                if cold:
                    store.alarm_inbox.forget()
                if change:  # an operator shelves an alarm (or takes the shelf off): one event
                    a = free[i // 2 % len(free)]
                    if i % 2 == 0:
                        store.alarm_inbox.shelve(a, "bench", "bench", now_us() + 3600_000_000)
                    else:
                        store.alarm_inbox.unshelve(a)
                w0, c0 = time.perf_counter(), time.process_time()
                inbox(store, **kw)  # type: ignore[arg-type]
                t.append((time.perf_counter() - w0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
            print(
                f"{name:28} {len(res.items):6d} {res.total:6d} {percentile(t, 0.5):8.1f} "
                f"{percentile(t, 0.95):8.1f} {percentile(t, 0.99):8.1f} "
                f"{percentile(cpu, 0.5):8.1f} {percentile(cpu, 0.99):8.1f}"
            )
    finally:
        store.close()
        if schema:
            with admin.begin() as c:
                c.execute(text(f"DROP SCHEMA {schema} CASCADE"))


if __name__ == "__main__":
    main()
