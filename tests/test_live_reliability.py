"""Kill -9 the API while readings stream in, restart it: every acknowledged reading is stored
exactly once. Real uvicorn processes on the small hospital with a SQLite store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO
from tests.mqtt_support import free_port
from twin.live.discovery import discover_sensors
from twin.live.store import open_store


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/sensors", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("server did not start")


@pytest.mark.slow
def test_kill_restart_keeps_every_acknowledged_reading(  # type: ignore[no-untyped-def]
    small_hospital, small_twin, twin_cache_dir, tmp_path
) -> None:
    db = tmp_path / "live.db"
    env = os.environ | {
        "TWIN_MODELS": json.dumps([str(small_hospital)]),
        "TWIN_STORE_URL": f"sqlite:///{db}",
        "TWIN_CACHE_DIR": str(twin_cache_dir),
        "TWIN_MQTT_URL": "",
    }
    sensor = discover_sensors(small_twin)[0]
    port = free_port()
    log = tmp_path / "server.log"
    proc = _serve(env, port, log)
    base = datetime.now(UTC) - timedelta(hours=2)
    acked: list[str] = []
    sent: list[str] = []
    stop = threading.Event()

    def stream() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as c:
            i = 0
            while not stop.is_set():
                ts = [(base + timedelta(milliseconds=10 * (i + k))).isoformat() for k in range(50)]
                i += 50
                sent.extend(ts)
                body = [{"sensor": sensor.id, "t": t, "value": 20.0} for t in ts]
                try:
                    r = c.post("/readings", json=body)
                except httpx.HTTPError:
                    return
                if r.status_code == 200 and r.json()["accepted"] == len(body):
                    acked.extend(ts)

    worker = threading.Thread(target=stream)
    worker.start()
    while len(acked) < 1000:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stop.set()
    worker.join()
    assert len(sent) > len(acked) >= 1000

    proc = _serve(env, port, log)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
            # the same readings again: acknowledged ones are duplicates, nothing is doubled
            body = [{"sensor": sensor.id, "t": t, "value": 20.0} for t in acked]
            res = c.post("/readings", json=body).json()
            assert (res["accepted"], res["duplicates"]) == (0, len(acked))
            with c.stream("GET", "/events", params={"after": 0, "types": "sensor"}) as s:
                line = next(li for li in s.iter_lines() if li.startswith("event:"))
                assert line == "event: sensor"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    store = open_store(f"sqlite:///{db}")
    rows = store.raw(sensor.id)
    store.close()
    stored = [t for t, _ in rows]
    assert len(stored) == len(set(stored))
    from twin.live.records import to_us

    assert {to_us(datetime.fromisoformat(t)) for t in acked} <= set(stored)
