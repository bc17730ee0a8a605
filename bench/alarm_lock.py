"""What the per-sensor alarm-evaluation lock costs the PostgreSQL ingest (issue 14).

Run: ``.venv/bin/python bench/alarm_lock.py [--sensors 1000] [--rounds 4] [--batches 6]``.
Worst case for the lock: every sensor has a check (one quantity rule over all of them), so every
sensor of every batch is locked (``twin.live.alarms.lock_sensors``). Batches of 5,000 readings
are ingested in-process into a fresh PostgreSQL schema, rounds alternating with the lock and
with it replaced by a no-op (same process, same data shape); prints readings/s per round and the
medians, and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import Connection, text  # noqa: E402

import twin.live.readings as readings_mod  # noqa: E402
from twin.live.db import make_engine  # noqa: E402
from twin.live.records import AlarmRule, SensorSpec  # noqa: E402
from twin.live.store import open_store  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BATCH = 5000


def _no_lock(conn: Connection, ids: object) -> None:
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pg", default=PG_URL)
    ap.add_argument("--sensors", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--batches", type=int, default=6)
    args = ap.parse_args()
    schema = f"bench_lock_{uuid.uuid4().hex[:8]}"
    admin = make_engine(args.pg)
    with admin.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        store = open_store(f"{args.pg}?options=-csearch_path%3D{schema}")
        n = args.sensors
        store.register_sensors(
            SensorSpec(id=f"b{i:05d}", quantity="bench_temp", unit="degC") for i in range(n)
        )
        store.add_rule(AlarmRule(id=0, kind="above", quantity="bench_temp", threshold=1e9))
        t0 = datetime.now(UTC) - timedelta(days=2)
        real = readings_mod.lock_sensors
        rates: dict[str, list[float]] = {"lock": [], "no lock": []}
        sec = 0
        for r in range(args.rounds):
            for mode in ("lock", "no lock") if r % 2 == 0 else ("no lock", "lock"):
                readings_mod.lock_sensors = real if mode == "lock" else _no_lock
                start = time.perf_counter()
                for _ in range(args.batches):
                    items = [
                        {"sensor": f"b{j % n:05d}", "t": (t0 + timedelta(seconds=sec + j // n))
                         .isoformat(), "value": 20.0}
                        for j in range(BATCH)
                    ]  # fmt: skip
                    sec += BATCH // n + 1
                    store.ingest(items, "bench")
                rates[mode].append(args.batches * BATCH / (time.perf_counter() - start))
        readings_mod.lock_sensors = real
        store.close()
    finally:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    print(f"{'variant':<10} {'rounds (readings/s)':<40} {'median':>10}")
    for mode, v in rates.items():
        runs = ", ".join(f"{x:,.0f}" for x in v)
        print(f"{mode:<10} {runs:<40} {statistics.median(v):>10,.0f}")
    ratio = statistics.median(rates["lock"]) / statistics.median(rates["no lock"])
    print(f"lock / no lock: {ratio:.2f}")


if __name__ == "__main__":
    main()
