# ruff: noqa: E501  (SQL and table rows read better unbroken)
"""Scale-out figures on one PostgreSQL (issue 14): readings/s over HTTP and MQTT with 1, 2 and 4
processes, CPU per 1,000 readings, the cost of the rollups on ingest, the size of partitioned
readings and rollups per row, BRIN vs B-tree for time slices, monthly vs weekly partitions, and
one-year daily series (one sensor, one storey, one meter's energy) from the rollups.

    .venv/bin/python bench/scale.py [--n 40000] [--procs 1,2,4] [--day-sensors 10000]
                                    [--year-sensors 10] [--skip-ingest] [--skip-volume]

Everything runs in its own database ``twin_bench`` (created here, dropped at the end). The API
processes are real uvicorn processes, one port each (as behind a load balancer); the MQTT
consumers are ``python -m twin.live.mqtt`` processes in one shared-subscription group. CPU is
read from /proc (user + system) of the twin processes and of every ``postgres`` process; on a
2-core machine the scaling figure is CPU per 1,000 readings, not wall time. The SSE fan-out
(500 clients) is measured by ``bench/sse_fanout.py``, not here.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine, text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from twin.live import partitions, rollups  # noqa: E402
from twin.live.db import make_engine, now_us  # noqa: E402
from twin.live.meter_readings import MeterReadingRepository  # noqa: E402
from twin.live.records import SensorSpec  # noqa: E402
from twin.live.store import LiveStore, open_store  # noqa: E402

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DB = "twin_bench"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"
MIN = 60_000_000
DAY = 86_400_000_000
TICK = os.sysconf("SC_CLK_TCK")
PER_STOREY = 100  # sensors per storey in the generated hospital


def cpu_of(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (and their reaped children)."""
    total = 0
    for pid in pids:
        try:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in f[11:15])  # utime stime cutime cstime
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / TICK


def postgres_pids() -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if (p / "comm").read_text().strip() == "postgres":
                    out.append(int(p.name))
            except OSError:
                pass
    return out


def pg_cpu() -> float:
    return cpu_of(postgres_pids())


def batches(n: int, size: int, sensors: int, minute0: int) -> list[list[dict[str, object]]]:
    """``n`` readings as batches of ``size``: each minute every sensor once (a gateway's view)."""
    out = []
    for b in range(0, n, size):
        batch = []
        for i in range(b, min(n, b + size)):
            minute, s = divmod(i, sensors)
            t = datetime.fromtimestamp((minute0 + minute) * 60, UTC).isoformat()
            batch.append({"sensor": f"S{s}", "t": t, "value": 20.0 + (i % 13) / 4})
        out.append(batch)
    return out


def serve(port: int, tmp: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {"TWIN_MODELS": "[]", "TWIN_STORE_URL": URL, "TWIN_MQTT_URL": "",
                        "TWIN_CACHE_DIR": str(tmp / "cache"), "TWIN_STALE_SWEEP_S": "0"}  # fmt: skip
    cmd = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port",
           str(port), "--log-level", "warning"]  # fmt: skip
    return subprocess.Popen(cmd, cwd=REPO, env=env)


def wait_http(port: int) -> None:
    for _ in range(600):
        try:
            httpx.get(f"http://127.0.0.1:{port}/sensors?quantity=none", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"server on {port} did not start")


def count(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(text("SELECT count(*) FROM readings")).scalar_one())


def http_run(
    engine: Engine, procs: int, n: int, sensors: int, minute0: int, tmp: Path
) -> dict[str, float]:
    ports = [19100 + i for i in range(procs)]
    servers = [serve(p, tmp) for p in ports]
    try:
        for p in ports:
            wait_http(p)
        bodies = [json.dumps(b).encode() for b in batches(n, 5000, sensors, minute0)]
        before = count(engine)
        c0, g0 = cpu_of([s.pid for s in servers]), pg_cpu()
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{p}", timeout=120) for p in ports]

        def post(i: int) -> int:
            r = clients[i % procs].post("/readings", content=bodies[i],
                                        headers={"content-type": "application/json"})  # fmt: skip
            r.raise_for_status()
            return int(r.json()["accepted"])

        t0 = time.perf_counter()
        with ThreadPoolExecutor(2 * procs) as pool:
            accepted = sum(pool.map(post, range(len(bodies))))
        wall = time.perf_counter() - t0
        c1, g1 = cpu_of([s.pid for s in servers]), pg_cpu()
        assert accepted == n and count(engine) - before == n, (accepted, n)
    finally:
        for s in servers:
            s.terminate()
        for s in servers:
            s.wait()
    return {"rate": n / wall, "twin_cpu": (c1 - c0) / n * 1000, "pg_cpu": (g1 - g0) / n * 1000}


def mqtt_supported() -> bool:
    out = subprocess.run([sys.executable, "-m", "twin.live.mqtt", "--help"], cwd=REPO,
                         capture_output=True, text=True, check=False).stdout  # fmt: skip
    return "--share-group" in out


def mqtt_run(engine: Engine, procs: int, n: int, sensors: int, minute0: int) -> dict[str, float]:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    tag = uuid.uuid4().hex[:6]
    topic = f"bench/{tag}/readings"
    group = f"g{tag}"
    cmd = [sys.executable, "-m", "twin.live.mqtt", "--store", URL, "--topic", f"{topic}/#",
           "--share-group", group]  # fmt: skip
    logs = [Path(tempfile.mkstemp(prefix="bench-mqtt-")[1]) for _ in range(procs)]
    consumers = [
        subprocess.Popen(
            [*cmd, "--client-id", f"bench-{tag}-{i}"], cwd=REPO, stderr=logs[i].open("wb")
        )
        for i in range(procs)
    ]
    try:  # a shared subscription gets only what is published after it exists
        t0 = time.perf_counter()
        while not all("subscribed to" in lg.read_text() for lg in logs):
            if time.perf_counter() - t0 > 120:
                raise SystemExit("MQTT consumers did not subscribe: " + logs[0].read_text()[-500:])
            time.sleep(0.2)
        time.sleep(0.5)
        msgs = [json.dumps(b) for b in batches(n, 500, sensors, minute0)]
        before = count(engine)
        c0, g0 = cpu_of([c.pid for c in consumers]), pg_cpu()
        pub = mqtt.Client(CallbackAPIVersion.VERSION2)
        pub.connect("127.0.0.1", 1883)
        pub.loop_start()
        t0 = time.perf_counter()
        for m in msgs:
            pub.publish(f"{topic}/x", m, qos=1)
        stored = 0
        while stored < n and time.perf_counter() - t0 < 600:
            time.sleep(0.05)
            stored = count(engine) - before
        wall = time.perf_counter() - t0
        c1, g1 = cpu_of([c.pid for c in consumers]), pg_cpu()
        pub.loop_stop()
        pub.disconnect()
    finally:
        for c in consumers:
            c.terminate()
        for c in consumers:
            c.wait()
    return {"rate": stored / wall, "twin_cpu": (c1 - c0) / max(stored, 1) * 1000,
            "pg_cpu": (g1 - g0) / max(stored, 1) * 1000, "stored": stored}  # fmt: skip


def rollup_cost(store: LiveStore, n: int, sensors: int, minute0: int) -> dict[str, float]:
    """In-process ingest rate (2 threads, median of 2 runs each): readings above the
    watermark (live: the catch-up rolls them up later), below it (late: folded into the
    rollups on ingest, what folding everything on ingest would cost) and rollups off."""
    rates: dict[str, list[float]] = {"live": [], "late": [], "off": []}
    step = n // sensors + 2
    for i, mode in enumerate(("live", "late", "off", "live", "late", "off")):
        store._readings._rollups = mode != "off"  # the bench switches them off
        m = minute0 + i * step
        with store.engine.begin() as c:
            rollups.set_watermark(c, (m + (step if mode == "late" else -1)) * MIN)
        bs = batches(n, 5000, sensors, m)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(store.ingest, bs))
        rates[mode].append(n / (time.perf_counter() - t0))
    store._readings._rollups = None
    return {k: statistics.median(v) for k, v in rates.items()}


def sizes(engine: Engine, like: str) -> tuple[int, int]:
    """(heap+toast bytes, index bytes) of the tables whose name matches ``like``."""
    q = ("SELECT coalesce(sum(pg_table_size(c.oid)),0), coalesce(sum(pg_indexes_size(c.oid)),0) "
         "FROM pg_class c WHERE c.relkind = 'r' AND c.relname LIKE :l "
         "AND c.relnamespace = 'public'::regnamespace")  # fmt: skip
    with engine.connect() as c:
        h, i = c.execute(text(q), {"l": like}).one()
    return int(h), int(i)


def timed(engine: Engine, sql: str, params: dict[str, object], runs: int = 30) -> float:
    """p99 (ms) of ``sql`` over ``runs`` executions on one connection (warm)."""
    lat = []
    with engine.connect() as c:
        for _ in range(runs):
            t0 = time.perf_counter()
            c.execute(text(sql), params).all()
            lat.append((time.perf_counter() - t0) * 1000)
    return sorted(lat)[min(len(lat) - 1, round(0.99 * (len(lat) - 1)))]


def p99(fn, runs: int = 30) -> float:  # type: ignore[no-untyped-def]
    lat = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        lat.append((time.perf_counter() - t0) * 1000)
    return sorted(lat)[min(len(lat) - 1, round(0.99 * (len(lat) - 1)))]


def volume(store: LiveStore, args: argparse.Namespace, out: list[str]) -> None:
    eng = store.engine
    with eng.begin() as c:
        c.execute(text("TRUNCATE readings, readings_5m, readings_1h, readings_1d"))
        c.execute(text("DROP INDEX IF EXISTS ix_readings_t_brin"))  # measured below
    n_s = args.day_sensors
    day0 = (now_us() // DAY - 3) * DAY  # a whole day three days ago, in an existing partition
    partitions.ensure(eng, day0 - 400 * DAY, ahead=16)  # the year below needs its months
    gen = ("INSERT INTO readings (sensor, t_us, value) SELECT 'S' || s, t, "
           "20 + ((t / 60000000 + s) % 97) / 10.0 FROM generate_series(:a, :b, 60000000) t, "
           "generate_series(0, :ns - 1) s")  # fmt: skip
    t0 = time.perf_counter()
    with eng.begin() as c:
        c.execute(text(gen), {"a": day0, "b": day0 + DAY - MIN, "ns": n_s})
    gen_s = time.perf_counter() - t0
    rows_day = n_s * 1440
    with eng.begin() as c:
        c.execute(text("ANALYZE readings"))
    heap, idx = sizes(eng, "readings_p%")
    with eng.begin() as c:
        rollups.set_watermark(c, day0)
    t0 = time.perf_counter()
    rollups.catch_up(eng, day0 + DAY + rollups.LAG_US)  # the periodic job's work for the day
    roll_s = time.perf_counter() - t0
    out.append(f"\n## Volume: {n_s:,} sensors x 1/min x 1 day = {rows_day:,} raw rows "
               "(generate_series, time-major like live ingest)")  # fmt: skip
    out.append(f"insert {rows_day / gen_s:,.0f} rows/s ({gen_s:.1f} s); rollup catch-up of the day "
               f"{rows_day / roll_s:,.0f} rows/s ({roll_s:.1f} s)")  # fmt: skip
    out.append("| table | rows | heap bytes/row | index bytes/row | total bytes/row |")
    out.append("|---|---|---|---|---|")
    out.append(f"| readings (raw) | {rows_day:,} | {heap / rows_day:.1f} | {idx / rows_day:.1f} | "
               f"{(heap + idx) / rows_day:.1f} |")  # fmt: skip
    per_row = {"raw": (heap + idx) / rows_day}
    for table in rollups.GRAINS:
        with eng.connect() as c:
            n = int(c.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
        h, i = sizes(eng, table)
        per_row[table] = (h + i) / n
        out.append(f"| {table} | {n:,} | {h / n:.1f} | {i / n:.1f} | {(h + i) / n:.1f} |")

    # BRIN vs B-tree on t_us for a time slice (all sensors, 5 minutes), one sensor for an hour
    a, b = day0 + 12 * 60 * MIN, day0 + 12 * 60 * MIN + 5 * MIN - 1
    slice_q = "SELECT count(*), avg(value) FROM readings WHERE t_us BETWEEN :a AND :b"
    one_q = ("SELECT count(*), avg(value) FROM readings WHERE sensor = :s "
             "AND t_us BETWEEN :a AND :b + 3600000000")  # fmt: skip
    rows = []
    for label, ddl in (("unique (sensor, t_us) only", None),
                       ("+ BRIN (t_us)", "CREATE INDEX bench_ix ON readings USING brin (t_us)"),
                       ("+ B-tree (t_us)", "CREATE INDEX bench_ix ON readings (t_us)")):  # fmt: skip
        build = 0.0
        extra = 0
        if ddl:
            t0 = time.perf_counter()
            with eng.begin() as c:
                c.execute(text(ddl))
                c.execute(text("ANALYZE readings"))
            build = time.perf_counter() - t0
            _, idx2 = sizes(eng, "readings_p%")
            extra = idx2 - idx
        rows.append(f"| {label} | {extra / 1e6:.1f} MB | {build:.1f} s | "
                    f"{timed(eng, slice_q, {'a': a, 'b': b}, 10):.1f} | "
                    f"{timed(eng, one_q, {'a': a, 'b': b, 's': f'S{n_s // 2}'}, 10):.2f} |")  # fmt: skip
        if ddl:
            with eng.begin() as c:
                c.execute(text("DROP INDEX bench_ix"))
    out.append(f"\n## Indexes on the {rows_day:,}-row day (p99 ms of 10 warm runs)")
    out.append("| index set | extra size | build | 5-min slice, all sensors | one sensor, 1 h |")
    out.append("|---|---|---|---|---|")
    out += rows

    # monthly vs weekly: planning time of a one-year raw query for one sensor
    out.append("\n## Partitions per year: planning + execution of a one-sensor one-year raw query")
    out.append("| layout | partitions | planning ms (median) | execution ms (median) |")
    out.append("|---|---|---|---|")
    for label, step_days, nparts in (("monthly", 30.44, 13), ("weekly", 7, 53)):
        with eng.begin() as c:
            c.execute(text("DROP TABLE IF EXISTS bench_p"))
            c.execute(text("CREATE TABLE bench_p (sensor varchar(64) NOT NULL, t_us bigint NOT NULL, "
                           "value float8 NOT NULL, UNIQUE (sensor, t_us)) PARTITION BY RANGE (t_us)"))  # fmt: skip
            edges = [day0 - 365 * DAY + int(k * step_days * DAY) for k in range(nparts + 1)]
            for k in range(nparts):
                c.execute(text(f"CREATE TABLE bench_p{k} PARTITION OF bench_p FOR VALUES FROM "
                               f"({edges[k]}) TO ({edges[k + 1]})"))  # fmt: skip
            c.execute(text("INSERT INTO bench_p SELECT 'S' || s, t, 1 FROM generate_series(:a, :b, "
                           "3600000000) t, generate_series(0, 99) s"), {"a": edges[0], "b": edges[-1] - 1})  # fmt: skip
            c.execute(text("ANALYZE bench_p"))
        plan, exe = [], []
        with eng.connect() as c:
            for _ in range(20):
                txt = c.execute(text("EXPLAIN (ANALYZE, SUMMARY) SELECT t_us / 86400000000, avg(value) "
                                     "FROM bench_p WHERE sensor = 'S7' AND t_us BETWEEN :a AND :b GROUP BY 1"),
                                {"a": edges[0], "b": edges[-1] - 1}).scalars().all()  # fmt: skip
                plan += [
                    float(x.split(":")[1].split()[0]) for x in txt if x.startswith("Planning Time")
                ]
                exe += [
                    float(x.split(":")[1].split()[0]) for x in txt if x.startswith("Execution Time")
                ]
        out.append(
            f"| {label} | {nparts} | {statistics.median(plan):.2f} | {statistics.median(exe):.2f} |"
        )
        with eng.begin() as c:
            c.execute(text("DROP TABLE bench_p"))

    # a year of 1/min readings for a few sensors (one an energy register), partitioned
    ys = args.year_sensors
    y1 = day0
    y0 = y1 - 365 * DAY
    t0 = time.perf_counter()
    with eng.begin() as c:
        c.execute(text("INSERT INTO readings (sensor, t_us, value) SELECT 'Y' || s, t, "
                       "CASE WHEN s = 0 THEN (t - :a) / 3.6e9 * (1 + (t / 3600000000 % 24) / 24.0) "
                       "ELSE 20 + ((t / 60000000 + s) % 97) / 10.0 END "
                       "FROM generate_series(0, :ns - 1) s, generate_series(:a, :b, 60000000) t"),
                  {"a": y0, "b": y1 - MIN, "ns": ys})  # fmt: skip
        for i in range(ys):
            rollups.rebuild(c, f"Y{i}")
    year_s = time.perf_counter() - t0
    year_rows = ys * 365 * 1440
    # full-size daily rollups: 10,000 sensors x 365 days (what the year's series read)
    with eng.begin() as c:
        c.execute(text("INSERT INTO readings_1d SELECT 'S' || s, d, 1440, 1440 * 21.0, 18, 24, d, 20, "
                       "d + 86340000000, 21, false FROM generate_series(0, :ns - 1) s, "
                       "generate_series(:a, :b, 86400000000) d ON CONFLICT DO NOTHING"),
                  {"a": y0, "b": y1 - DAY, "ns": n_s})  # fmt: skip
        c.execute(text("ANALYZE readings_1d"))
    spec = [SensorSpec(id=f"S{i}", quantity="temperature", unit="degC", storey=f"ST{i // PER_STOREY}",
                       building="B") for i in range(n_s)]  # fmt: skip
    spec += [SensorSpec(id="Y0", quantity="energy", unit="kWh", storey="ST0", building="B")]
    spec += [SensorSpec(id=f"Y{i}", quantity="temperature", unit="degC", storey="ST0", building="B")
             for i in range(1, ys)]  # fmt: skip
    store.register_sensors(spec)
    one = p99(lambda: store.series("Y1", y0, y1 - 1, DAY))
    mid = f"S{n_s // 2}"
    one_big = p99(lambda: store.series(mid, y0, y1 - 1, DAY))
    raw_one = timed(eng, "SELECT t_us / 86400000000, min(value), avg(value), max(value), count(*) "
                    "FROM readings WHERE sensor = 'Y1' AND t_us BETWEEN :a AND :b GROUP BY 1",
                    {"a": y0, "b": y1 - 1}, 5)  # fmt: skip
    storey_q = ("SELECT r.t_us, sum(r.n), sum(r.total) / sum(r.n), min(r.lo), max(r.hi) FROM readings_1d r "
                "JOIN sensors s ON s.id = r.sensor WHERE s.storey = :st AND s.quantity = 'temperature' "
                "AND r.t_us BETWEEN :a AND :b GROUP BY r.t_us ORDER BY r.t_us")  # fmt: skip
    storey = timed(eng, storey_q, {"a": y0, "b": y1 - 1, "st": f"ST{n_s // 2 // PER_STOREY}"})
    repo = MeterReadingRepository(eng)
    energy = p99(lambda: repo.register_thin("Y0", y0, y1 - 1), 10)
    energy_raw = p99(lambda: repo.register("Y0", y0, y1 - 1), 3)
    out.append(f"\n## A year: {ys} sensors x 1/min x 365 days = {year_rows:,} raw rows "
               f"(+ rollups) in {year_s:.0f} s; daily rollups for {n_s:,} sensors x 365 days "
               f"= {n_s * 365:,} rows")  # fmt: skip
    out.append("| query | p99 ms |")
    out.append("|---|---|")
    out.append(
        f"| one sensor, daily series over a year (store.series, 1d rollups + raw edges) | {one:.1f} |"
    )
    out.append(f"| same sensor from raw rows (525,600 rows, GROUP BY) | {raw_one:.1f} |")
    out.append(
        f"| one of {n_s:,} sensors, daily series over a year (rollups only) | {one_big:.1f} |"
    )
    out.append(
        f"| one storey ({PER_STOREY} sensors), daily min/mean/max over a year (1d rollups) | {storey:.1f} |"
    )
    out.append(
        f"| one meter, a year of register for hourly energy (1h rollups, thinned) | {energy:.1f} |"
    )
    out.append(f"| same meter, every raw register reading | {energy_raw:.1f} |")
    rpy = 10_000 * 525_600
    out.append(f"\nper-unit: raw {per_row['raw']:.1f} B/reading; 5m {per_row['readings_5m']:.1f}, "
               f"1h {per_row['readings_1h']:.1f}, 1d {per_row['readings_1d']:.1f} B/cell. "
               f"10,000 sensors x 1/min x 1 year = {rpy / 1e9:.2f} G readings -> raw "
               f"{rpy * per_row['raw'] / 1e12:.2f} TB, 5m rollups "
               f"{10_000 * 105_120 * per_row['readings_5m'] / 1e9:.1f} GB, 1h "
               f"{10_000 * 8760 * per_row['readings_1h'] / 1e9:.2f} GB, 1d "
               f"{10_000 * 365 * per_row['readings_1d'] / 1e9:.2f} GB (extrapolated)")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=40_000, help="readings per ingest run")
    ap.add_argument("--procs", default="1,2,4")
    ap.add_argument("--sensors", type=int, default=10_000, help="sensors of the ingest runs")
    ap.add_argument("--day-sensors", type=int, default=10_000)
    ap.add_argument("--year-sensors", type=int, default=10)
    ap.add_argument("--skip-ingest", action="store_true")
    ap.add_argument("--skip-volume", action="store_true")
    args = ap.parse_args()
    admin = make_engine(ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
        c.execute(text(f"CREATE DATABASE {DB}"))
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    out = [f"# bench/scale.py  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load {os.getloadavg()[0]:.1f}, "
           f"{os.cpu_count()} cores"]  # fmt: skip
    try:
        store = open_store(URL)
        store.register_sensors([SensorSpec(id=f"S{i}", quantity="temperature", unit="degC",
                                           storey=f"ST{i // PER_STOREY}", building="B")
                                for i in range(args.sensors)])  # fmt: skip
        minute0 = now_us() // MIN - 30 * 1440  # 30 days back: every run writes new minutes
        if not args.skip_ingest:
            rc = rollup_cost(store, args.n, args.sensors, minute0)
            minute0 += 6 * (args.n // args.sensors + 2)
            with store.engine.begin() as c:  # the ingest runs below are live readings
                rollups.set_watermark(c, (minute0 - 1) * MIN)
            out.append(f"\n## Rollups on ingest (in-process, 2 threads, batches of 5,000, "
                       f"{args.sensors:,} sensors, readings/s, median of 2)")  # fmt: skip
            out.append(f"live (above the watermark) {rc['live']:,.0f}; late (folded on ingest) "
                       f"{rc['late']:,.0f}; rollups off {rc['off']:,.0f}")  # fmt: skip
            out.append(f"\n## Ingest with N processes on one PostgreSQL ({args.n:,} readings a run; "
                       "CPU s per 1,000 readings)")  # fmt: skip
            out.append("| path | procs | readings/s total | per process | twin CPU s/1k | "
                       "PostgreSQL CPU s/1k |")  # fmt: skip
            out.append("|---|---|---|---|---|---|")
            has_mqtt = mqtt_supported()
            for p in (int(x) for x in args.procs.split(",")):
                r = http_run(store.engine, p, args.n, args.sensors, minute0, tmp)
                minute0 += args.n // args.sensors + 2
                out.append(f"| HTTP | {p} | {r['rate']:,.0f} | {r['rate'] / p:,.0f} | "
                           f"{r['twin_cpu']:.3f} | {r['pg_cpu']:.3f} |")  # fmt: skip
                if has_mqtt:
                    m = mqtt_run(store.engine, p, args.n, args.sensors, minute0)
                    minute0 += args.n // args.sensors + 2
                    out.append(f"| MQTT $share | {p} | {m['rate']:,.0f} | {m['rate'] / p:,.0f} | "
                               f"{m['twin_cpu']:.3f} | {m['pg_cpu']:.3f} |")  # fmt: skip
                print("\n".join(out[-2:]), flush=True)
            if not has_mqtt:
                out.append(
                    "(MQTT: `python -m twin.live.mqtt --share-group` not available: not measured)"
                )
        if not args.skip_volume:
            volume(store, args, out)
        store.close()
    finally:
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
        admin.dispose()
    print("\n".join(out))


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
