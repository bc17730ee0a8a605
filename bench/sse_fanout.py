"""SSE fan-out latency across processes (issue 14): C clients of ``GET /events`` spread round
robin over N real uvicorn processes of ``api.app:create_app`` on one PostgreSQL; a separate writer
process publishes one event per transaction at a steady rate (``twin.live.events.publish``, the
send time ``time.time()`` taken just before the insert is in the payload); every client records
receive time minus send time. Reports p50/p99/max latency and delivered/expected per process
count; expected is every event of the run for every client, exactly once (a repeat or a gap is
counted, not hidden).

    .venv/bin/python bench/sse_fanout.py [--clients 500] [--procs 2,4] [--rate 10]
                                         [--seconds 20] [--client-procs 2]

Runs in its own database ``twin_sse_bench`` (created here, dropped at the end). The clients are
asyncio + httpx streams in ``--client-procs`` processes. Each stream resumes after the last event
id present before the run (``?after=<id>``), so a stream that is still opening when the writer
starts misses nothing. The event cursor waits for the oldest writing transaction on the whole
PostgreSQL server (any database), so other sessions' work on the same server inflates latency:
the table gives the load average and the longest write transaction seen in other databases.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from twin.live.db import make_engine  # noqa: E402
from twin.live.store import open_store  # noqa: E402

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DB = "twin_sse_bench"
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"
TYPE = "fanout"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(port: int, tmp: Path) -> subprocess.Popen[bytes]:
    """A real API process on the bench database (as tests/test_scale_events.py starts them)."""
    env = os.environ | {"TWIN_MODELS": "[]", "TWIN_STORE_URL": URL, "TWIN_MQTT_URL": "",
                        "TWIN_CACHE_DIR": str(tmp / "c"), "TWIN_STALE_SWEEP_S": "0"}  # fmt: skip
    cmd = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    return subprocess.Popen(cmd, cwd=REPO, env=env)


def wait_http(proc: subprocess.Popen[bytes], port: int) -> None:
    end = time.monotonic() + 120
    while time.monotonic() < end:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/sensors", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"server on {port} exited ({proc.returncode})")
        time.sleep(0.2)
    raise SystemExit(f"server on {port} did not start")


def writer(n: int, rate: float, run: int, go: Any) -> None:
    """Publish ``n`` events, one per transaction, at ``rate``/s on a fixed schedule."""
    from twin.live.events import publish

    engine = make_engine(URL)
    go.wait()
    t0 = time.monotonic()
    for seq in range(n):
        delay = t0 + seq / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        with engine.begin() as conn:
            publish(conn, TYPE, building=None, storey=None,
                    payload={"run": run, "seq": seq, "sent": time.time()})  # fmt: skip
    engine.dispose()


async def _clients(
    ports: list[int], first: int, count: int, after: int, n: int, run: int,
    ready: Any, deadline_s: float, out: Any,
) -> None:  # fmt: skip
    """``count`` streams (global indexes ``first``...), each until ``n`` events of the run."""
    cpu0 = time.process_time()
    opened = 0
    lat: list[list[float]] = [[] for _ in range(count)]
    seqs: list[list[int]] = [[] for _ in range(count)]
    errors: list[str] = []
    all_open = asyncio.Event()
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    timeout = httpx.Timeout(30, read=None)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as http:

        async def one(i: int) -> None:
            nonlocal opened
            port = ports[(first + i) % len(ports)]
            url = f"http://127.0.0.1:{port}/events"
            try:
                params = {"types": TYPE, "after": str(after)}
                async with http.stream("GET", url, params=params) as s:
                    s.raise_for_status()
                    opened += 1
                    if opened == count:
                        all_open.set()
                    async for line in s.aiter_lines():
                        if line.startswith("data:"):
                            now = time.time()
                            d = json.loads(line[5:])
                            if d.get("run") != run:
                                continue
                            lat[i].append(now - float(d["sent"]))
                            seqs[i].append(int(d["seq"]))
                            if len(seqs[i]) >= n:
                                return
            except (httpx.HTTPError, OSError, ValueError) as e:
                errors.append(f"client {first + i}: {type(e).__name__}: {e}")
                all_open.set()

        tasks = [asyncio.create_task(one(i)) for i in range(count)]
        await all_open.wait()
        ready.set()
        _, pending = await asyncio.wait(tasks, timeout=deadline_s)
        for t in pending:
            t.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    out.put({"lat": lat, "seqs": seqs, "errors": errors, "cpu": time.process_time() - cpu0})


def client_proc(*args: Any) -> None:
    asyncio.run(_clients(*args))


def cpu_of(pids: list[int]) -> float:
    """User + system CPU seconds of these processes."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):  # a postgres backend may end meanwhile
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])
    return total / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    out = []
    for p in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if p.name.isdigit() and (p / "comm").read_text().strip() == "postgres":
                out.append(int(p.name))
    return out


def other_write_age() -> float:
    """Seconds the oldest open write transaction of another database has been running."""
    sql = text(
        "SELECT coalesce(max(extract(epoch FROM now() - xact_start)), 0) FROM pg_stat_activity "
        "WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM :db"
    )
    with make_engine(ADMIN).connect() as c:
        return float(c.execute(sql, {"db": DB}).scalar_one())


def pct(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=1000, method="inclusive")[int(q * 1000) - 1] if xs else 0.0


def run(
    procs: int, clients: int, args: argparse.Namespace, tmp: Path, runno: int
) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    ports = [free_port() for _ in range(procs)]
    servers = [serve(p, tmp) for p in ports]
    engine = make_engine(URL)
    with engine.connect() as c:
        after = int(c.execute(text("SELECT coalesce(max(id), 0) FROM events")).scalar_one())
    engine.dispose()
    n = int(args.rate * args.seconds)
    go = ctx.Event()
    w = ctx.Process(target=writer, args=(n, args.rate, runno, go))
    q = ctx.Queue()
    nproc = min(args.client_procs, clients)
    per = [clients // nproc + (i < clients % nproc) for i in range(nproc)]
    readies = [ctx.Event() for _ in per]
    deadline = args.seconds + 30 + clients / 10
    cps = [
        ctx.Process(target=client_proc,
                    args=(ports, sum(per[:i]), per[i], after, n, runno, readies[i], deadline, q))
        for i in range(len(per))
    ]  # fmt: skip
    load: list[float] = []
    held: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            load.append(os.getloadavg()[0])
            with contextlib.suppress(Exception):  # a sample is optional
                held.append(other_write_age())
            stop.wait(1.0)

    sampler = threading.Thread(target=sample, daemon=True)
    results: list[dict[str, Any]] = []
    wall = server_cpu = pg_cpu = 0.0
    try:
        for s, p in zip(servers, ports, strict=True):
            wait_http(s, p)
        w.start()
        for cp in cps:
            cp.start()
        for r in readies:
            if not r.wait(timeout=120):
                raise SystemExit("the clients did not connect within 120 s")
        time.sleep(1.0)
        sampler.start()
        cpu0 = cpu_of([s.pid for s in servers])
        pgs = postgres_pids()
        pg0 = cpu_of(pgs)
        t0 = time.monotonic()
        go.set()
        results = [q.get(timeout=deadline + 60) for _ in cps]
        wall = time.monotonic() - t0
        server_cpu = cpu_of([s.pid for s in servers]) - cpu0
        pg_cpu = cpu_of(pgs) - pg0  # backends present at the start (the servers' pools are)
        w.join(timeout=30)
    finally:
        stop.set()
        for child in [w, *cps]:
            if child.is_alive():
                child.kill()
        for s in servers:
            s.send_signal(signal.SIGTERM)
        for s in servers:
            try:
                s.wait(timeout=20)
            except subprocess.TimeoutExpired:
                s.kill()
    lat = [x for r in results for per_client in r["lat"] for x in per_client]
    seqs = [s for r in results for s in r["seqs"]]
    exact = sum(1 for s in seqs if sorted(s) == list(range(n)))
    dup = sum(len(s) - len(set(s)) for s in seqs)
    errors = [e for r in results for e in r["errors"]]
    for e in errors[:5]:
        print(e, file=sys.stderr)
    return {"procs": procs, "clients": clients, "events": n, "expected": n * clients,
            "delivered": len(lat), "exact": exact, "dup": dup, "errors": len(errors),
            "p50": pct(lat, 0.5), "p99": pct(lat, 0.99), "max": max(lat, default=0.0),
            "wall": wall, "server_cpu": server_cpu, "pg_cpu": pg_cpu,
            "client_cpu": sum(r["cpu"] for r in results),
            "load": statistics.mean(load) if load else os.getloadavg()[0],
            "load_max": max(load, default=0.0), "held": max(held, default=0.0)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clients", type=int, default=500)
    ap.add_argument("--procs", default="2,4", help="API processes per run, comma separated")
    ap.add_argument("--rate", type=float, default=10.0, help="events per second")
    ap.add_argument("--seconds", type=float, default=20.0, help="how long the writer writes")
    ap.add_argument("--client-procs", type=int, default=2)
    ap.add_argument(
        "--baseline",
        type=int,
        default=10,
        help="first a run of this many clients on the first process count (0: none)",
    )
    args = ap.parse_args()
    admin = make_engine(ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
        c.execute(text(f"CREATE DATABASE {DB}"))
    tmp = Path(tempfile.mkdtemp(prefix="bench-sse-"))
    started = datetime.now(UTC)
    rows = []
    try:
        open_store(URL).close()  # migrations, once, before the servers start
        counts = [int(p) for p in args.procs.split(",")]
        plan = [(counts[0], args.baseline)] if args.baseline else []
        for k, (procs, clients) in enumerate(plan + [(p, args.clients) for p in counts]):
            rows.append(run(procs, clients, args, tmp, k))
    finally:
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
        admin.dispose()
    print(f"# bench/sse_fanout.py  {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
          f"{args.rate:g} events/s for {args.seconds:g} s, one event per transaction")  # fmt: skip
    print("| API procs | clients | events | delivered / expected | exactly once | p50 ms | "
          "p99 ms | max ms | CPU s/1k deliveries: API, clients, PostgreSQL | load avg (max) | "
          "other DBs' longest write tx s |")  # fmt: skip
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        k = max(r["delivered"], 1) / 1000
        print(f"| {r['procs']} | {r['clients']} | {r['events']} | "
              f"{r['delivered']:,} / {r['expected']:,} | {r['exact']}/{r['clients']} clients, "
              f"{r['dup']} repeats | {r['p50'] * 1e3:.0f} | {r['p99'] * 1e3:.0f} | "
              f"{r['max'] * 1e3:.0f} | {r['server_cpu'] / k:.3f}, {r['client_cpu'] / k:.3f}, "
              f"{r['pg_cpu'] / k:.3f} | "
              f"{r['load']:.1f} ({r['load_max']:.1f}) | "
              f"{r['held']:.1f} |")  # fmt: skip
    if any(r["errors"] for r in rows):
        print("client errors: " + ", ".join(f"{r['procs']} procs: {r['errors']}" for r in rows))


if __name__ == "__main__":
    main()
