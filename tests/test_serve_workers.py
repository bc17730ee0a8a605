"""``twin serve --workers N`` (issue 14): N uvicorn worker processes on one port and one
PostgreSQL store, each with its own store connections and MQTT consumer.

The real command is started as a process (``python -m twin.cli serve ... --workers 2``) against
a fresh PostgreSQL schema and a private Mosquitto with the shipped settings. Requests on fresh
connections are answered by both workers (``/health`` names the answering pid); readings posted
over HTTP and published over MQTT are all stored, each once (counted straight from the readings
table); the two workers' MQTT consumers took distinct client ids of one shared subscription, and a
worker killed -9 is replaced by one that takes over the dead one's client id (its session).
On SQLite the command refuses N > 1 before loading anything.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import text

from tests.conftest import require
from tests.mqtt_support import Broker, free_port, wait
from tests.ops_support import open_test_store
from twin.live.records import SensorSpec
from twin.live.store import LiveStore

REPO = Path(__file__).resolve().parent.parent
TWIN = [sys.executable, "-m", "twin.cli"]
_MODEL = "PCERT_Building-Hvac.ifc"
SENSORS = 20
BASE = datetime.now(UTC) - timedelta(hours=1)


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[tuple[LiveStore, str]]:
    for store, url in open_test_store("postgresql", tmp_path):
        store.register_sensors(
            [SensorSpec(id=f"W{k}", quantity="temperature", unit="degC") for k in range(SENSORS)]
        )
        yield store, url


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    require(shutil.which("mosquitto") is not None, "mosquitto binary not installed")
    b = Broker(tmp_path)
    b.start()
    yield b
    b.stop(signal.SIGKILL)


def _get(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=10) as r:  # a new connection per request
        return json.loads(r.read())  # type: ignore[no-any-return]


def _post(url: str, body: list[dict[str, object]]) -> dict[str, object]:
    req = urllib.request.Request(
        url, json.dumps(body).encode(), {"content-type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())  # type: ignore[no-any-return]


def _reading(i: int) -> dict[str, object]:
    t = (BASE + timedelta(milliseconds=100 * i)).isoformat()
    return {"sensor": f"W{i % SENSORS}", "t": t, "value": i, "unit": "degC"}


def _rows(store: LiveStore) -> list[tuple[str, int]]:
    with store.engine.connect() as c:
        return [(r[0], int(r[1])) for r in c.execute(text("SELECT sensor, value FROM readings"))]


@pytest.mark.slow
@pytest.mark.mqtt
@pytest.mark.postgres
def test_two_workers_answer_and_store_each_reading_once(
    pg: tuple[LiveStore, str], broker: Broker, shared_ifc: Path, tmp_path: Path
) -> None:
    store, url = pg
    port = free_port()
    tag = os.urandom(3).hex()
    topic = f"workers/{tag}/readings"
    env = os.environ | {
        "PYTHONPATH": str(REPO),
        "TWIN_MQTT_URL": broker.url,
        "TWIN_MQTT_TOPIC": f"{topic}/#",
        "TWIN_MQTT_CLIENT_ID": f"w-{tag}",
        "TWIN_MQTT_SLOT_DIR": str(tmp_path / "slots"),
        "TWIN_STALE_SWEEP_S": "0",
        "TWIN_WARM_UP": "false",
    }
    env.pop("TWIN_MQTT_SHARE_GROUP", None)  # --workers 2 must set it
    log = tmp_path / "serve.log"
    cmd = [*TWIN, "serve", str(shared_ifc / _MODEL), "--workers", "2", "--port", str(port)]
    cmd += ["--store", url, "--cache-dir", str(tmp_path / "cache")]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    gw = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"gw-{tag}")
    gw.max_inflight_messages_set(500)
    try:

        def both_subscribed() -> bool:
            return len(re.findall(r"MQTT connected, subscribed", log.read_text())) >= 2

        assert wait(both_subscribed, 90), log.read_text()[-3000:]
        assert wait(lambda: _try_health(base), 30), log.read_text()[-3000:]
        ids = set(re.findall(r"subscribed to (\S+) as (\S+)", log.read_text()))
        assert ids == {(f"$share/twin/{topic}/#", f"w-{tag}-{k}") for k in range(2)}, ids

        pids: set[object] = set()
        for _ in range(400):
            pids.add(_get(f"{base}/health")["pid"])
            if len(pids) == 2:
                break
        assert len(pids) == 2 and proc.pid not in pids, pids

        # a worker killed -9 is replaced by uvicorn; the new one takes the dead one's MQTT id
        by_pid = _ids_by_pid(log)
        victim = int(sorted(pids)[0])  # type: ignore[call-overload]
        os.kill(victim, signal.SIGKILL)
        assert wait(lambda: len(_ids_by_pid(log)) == 3, 60), log.read_text()[-3000:]
        (new_pid,) = set(_ids_by_pid(log)) - set(by_pid)
        assert _ids_by_pid(log)[new_pid] == by_pid[victim]
        assert wait(lambda: _try_health(base), 30)

        http = [[_reading(i) for i in range(b * 100, b * 100 + 100)] for b in range(20)]
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda batch: _post(f"{base}/readings", batch), http))
        assert sum(int(a["accepted"]) for a in answers) == 2000  # type: ignore[call-overload]

        gw.connect("127.0.0.1", broker.port)
        gw.loop_start()
        sent = [
            gw.publish(f"{topic}/W{i % SENSORS}", json.dumps(_reading(i)), qos=1)
            for i in range(2000, 4000)
        ]
        for info in sent:
            info.wait_for_publish(30)
        assert wait(lambda: len(_rows(store)) >= 4000, 60), len(_rows(store))
    finally:
        gw.disconnect()
        gw.loop_stop()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)

    rows = _rows(store)
    assert len(rows) == len(set(rows)) == 4000
    assert set(rows) == {(f"W{i % SENSORS}", i) for i in range(4000)}


def _ids_by_pid(log: Path) -> dict[int, str]:
    """MQTT client id of each worker, from its log lines ``[pid] ... subscribed to X as ID``."""
    found = re.findall(r"\[(\d+)\] twin\.live\.mqtt: MQTT connected, subscribed to \S+ as (\S+)",
                       log.read_text(errors="replace"))  # fmt: skip
    return {int(pid): cid for pid, cid in found}


def _try_health(base: str) -> bool:
    try:
        return _get(f"{base}/health")["status"] == "ok"
    except OSError:
        return False


def test_workers_refused_on_sqlite(tmp_path: Path, shared_ifc: Path) -> None:
    db = tmp_path / "live.db"
    done = subprocess.run(
        [*TWIN, "serve", str(shared_ifc / _MODEL), "--workers", "2", "--store", f"sqlite:///{db}"],
        cwd=REPO,
        env=os.environ | {"PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--workers 2 needs PostgreSQL" in done.stderr
    assert not db.exists()  # refused before anything was opened
