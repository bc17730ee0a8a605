"""Sustained readings/s through HTTP batches and MQTT into SQLite and PostgreSQL, p99
ingest-to-alarm latency, against a bare executemany INSERT loop into the same database; the
``store`` column is the same batches parsed and ingested in-process (no HTTP).

    .venv/bin/python bench/ingest_readings.py [--n 100000] [--batch 5000]

The API runs as a real uvicorn process (no models loaded; sensors registered in the store);
MQTT goes through the local Mosquitto. Ingest-to-alarm latency: from sending a single-reading
POST that crosses a threshold to the response, which comes after the commit holding the alarm
and its event (what an SSE subscriber then sees within one poll interval, 0.2 s).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from twin.live.db import make_engine  # noqa: E402
from twin.live.records import AlarmRule, SensorSpec  # noqa: E402
from twin.live.store import LiveStore, open_store  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SENSORS = 200


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def items(n: int, offset: int) -> list[dict[str, object]]:
    base = datetime.now(UTC) - timedelta(days=2)
    return [
        {"sensor": f"S{i % SENSORS}", "t": (base + timedelta(microseconds=offset + i)).isoformat(),
         "value": 20.0 + (i % 7)}
        for i in range(n)
    ]  # fmt: skip


def bare_insert(store: LiveStore, n: int) -> float:
    """Plain executemany of (sensor, t_us, value) into an unconstrained table: the floor."""
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_bare"))
        conn.execute(text("CREATE TABLE bench_bare (sensor TEXT, t_us BIGINT, value FLOAT)"))
    rows = [(f"S{i % SENSORS}", i, 20.0) for i in range(n)]
    ph = "?" if store.backend == "sqlite" else "%s"
    t0 = time.perf_counter()
    for i in range(0, n, 5000):
        with store.engine.begin() as conn:
            cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            cur.executemany(f"INSERT INTO bench_bare VALUES ({ph},{ph},{ph})", rows[i : i + 5000])
            cur.close()
    return n / (time.perf_counter() - t0)


def store_rate(store: LiveStore, n: int, batch: int) -> float:
    """The same bodies parsed and ingested in this process by 2 threads (what the API's thread
    pool does, without HTTP): the library's own rate, apart from the web layer."""
    from api.routers.readings import parse_readings_body

    bodies = [json.dumps(items(batch, 30_000_000 + i)).encode() for i in range(0, n, batch)]

    def one(body: bytes) -> int:
        return store.ingest(parse_readings_body(body, "application/json")).accepted

    t0 = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        done = sum(pool.map(one, bodies))
    return done / (time.perf_counter() - t0)


def serve(url: str, port: int, tmp: Path, workers: int = 1) -> subprocess.Popen[bytes]:
    env = os.environ | {"TWIN_MODELS": "[]", "TWIN_STORE_URL": url, "TWIN_MQTT_URL": "",
                        "TWIN_CACHE_DIR": str(tmp / "cache"),
                        "TWIN_STALE_SWEEP_S": "0"}  # fmt: skip
    cmd = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port",
           str(port), "--log-level", "warning", "--workers", str(workers)]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=REPO, env=env)
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/sensors", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def http_rate(port: int, n: int, batch: int) -> float:
    bodies = [json.dumps(items(batch, 10_000_000 + i)).encode() for i in range(0, n, batch)]

    def post(body: bytes) -> int:
        r = httpx.post(f"http://127.0.0.1:{port}/readings", content=body, timeout=60,
                       headers={"content-type": "application/json"})  # fmt: skip
        return int(r.json()["accepted"])

    t0 = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        done = sum(pool.map(post, bodies))
    return done / (time.perf_counter() - t0)


def alarm_p99(store: LiveStore, port: int, samples: int) -> float:
    store.add_rule(AlarmRule(id=0, kind="above", sensor="S0", threshold=50.0, hysteresis=1.0))
    lat = []
    base = datetime.now(UTC) - timedelta(hours=1)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
        for i in range(samples):
            body = [{"sensor": "S0", "t": (base + timedelta(seconds=i)).isoformat(),
                     "value": 60.0 if i % 2 == 0 else 20.0}]  # fmt: skip
            t0 = time.perf_counter()
            r = c.post("/readings", json=body).json()
            if i % 2 == 0:
                assert r["alarms_raised"], r
                lat.append(time.perf_counter() - t0)
    return statistics.quantiles(lat, n=100)[98] * 1000


def mqtt_rate(store: LiveStore, n: int, per_msg: int) -> float:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from twin.live.mqtt import MqttConfig, MqttConsumer

    prefix = f"bench/{uuid.uuid4().hex[:6]}/readings"
    cfg = MqttConfig(topic=f"{prefix}/#", client_id=f"bench-{uuid.uuid4().hex[:6]}")
    consumer = MqttConsumer(store, cfg)
    consumer.start()
    consumer.connected.wait(10)
    pub = mqtt.Client(CallbackAPIVersion.VERSION2)
    pub.connect("127.0.0.1", 1883)
    pub.loop_start()
    msgs = [json.dumps(items(per_msg, 50_000_000 + i)) for i in range(0, n, per_msg)]
    t0 = time.perf_counter()
    for m in msgs:
        pub.publish(f"{prefix}", m, qos=1)
    while consumer.stored < len(msgs):
        time.sleep(0.01)
    dt = time.perf_counter() - t0
    consumer.stop()
    pub.loop_stop()
    clean = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=cfg.client_id, clean_session=True)
    clean.connect("127.0.0.1", 1883)
    clean.disconnect()
    return len(msgs) * per_msg / dt


def run(name: str, url: str, args: argparse.Namespace, tmp: Path) -> list[str]:
    store = open_store(url)
    store.register_sensors(
        [SensorSpec(id=f"S{i}", quantity="temperature", unit="degC") for i in range(SENSORS)]
    )
    bare = bare_insert(store, args.n)
    lib = store_rate(store, args.n, args.batch)
    port = 18000 + (os.getpid() % 1000)
    proc = serve(url, port, tmp, args.workers if name == "postgresql" else 1)
    try:
        http = http_rate(port, args.n, args.batch)
        p99 = alarm_p99(store, port, 200)
    finally:
        proc.terminate()
        proc.wait()
    mq = mqtt_rate(store, args.n // 2, 500) if port_open(1883) else float("nan")
    store.close()
    return [f"{name:<11}{bare:>12,.0f}{lib:>12,.0f}{lib / bare:>8.2f}{http:>12,.0f}"
            f"{http / bare:>8.2f}{mq:>12,.0f}{mq / bare:>8.2f}{p99:>10.1f}"]  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--workers", type=int, default=1,
                    help="uvicorn worker processes for the PostgreSQL run (SQLite keeps 1: "
                         "one writer per file)")  # fmt: skip
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    lines = [f"{'backend':<11}{'bare ins/s':>12}{'store /s':>12}{'ratio':>8}{'HTTP /s':>12}"
             f"{'ratio':>8}{'MQTT /s':>12}{'ratio':>8}{'p99 ms':>10}"]  # fmt: skip
    lines += run("sqlite", f"sqlite:///{tmp / 'bench.db'}", args, tmp)
    if port_open(5432):
        schema = f"bench_{uuid.uuid4().hex[:6]}"
        eng = make_engine(PG)
        with eng.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            lines += run("postgresql", f"{PG}?options=-csearch_path%3D{schema}", args, tmp)
        finally:
            with eng.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    print("\n".join(lines))
    print(f"(n={args.n} readings per run, HTTP batches of {args.batch}, 2 client threads, "
          f"{args.workers} uvicorn worker(s) for PostgreSQL; "
          f"MQTT {args.n // 2} readings in messages of 500)")  # fmt: skip


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
