"""MQTT ingest split across processes (issue 14): three real consumer processes
(``python -m twin.live.mqtt``) share one MQTT 5 shared subscription (``$share/<group>/...``) on a
real Mosquitto running the shipped settings (``config/mosquitto/twin.conf`` through
``scripts/broker.sh``, private port: the test must not leave sessions on the shared broker) and
store into one real PostgreSQL schema. 30,000 readings, one per QoS 1 message, are published;
one consumer is killed -9 mid-stream and restarted, claiming the same client id (file-lock slot)
so the broker hands it the messages that were in flight to it and its share queued meanwhile.

Truth is the publisher's own record of what the broker acknowledged, compared with the rows read
straight from the readings table: every published reading stored, none twice, and each of the
three processes stored some of them (the load is split, not copied).
"""

from __future__ import annotations

import re
import shutil
import signal
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import text

from tests.conftest import require
from tests.mqtt_support import Broker, ConsumerProcess, wait
from tests.ops_support import open_test_store
from twin.live.records import SensorSpec
from twin.live.store import LiveStore

pytestmark = [pytest.mark.mqtt, pytest.mark.postgres]

SENSORS = 60
READINGS = 30_000
PROCESSES = 3
BASE = datetime.now(UTC) - timedelta(hours=2)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    require(shutil.which("mosquitto") is not None, "mosquitto binary not installed")
    b = Broker(tmp_path)
    b.start()
    yield b
    b.stop(signal.SIGKILL)


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[tuple[LiveStore, str]]:
    for store, url in open_test_store("postgresql", tmp_path):
        store.register_sensors(
            [SensorSpec(id=f"S{k}", quantity="temperature", unit="degC") for k in range(SENSORS)]
        )
        yield store, url


def _payload(i: int) -> bytes:
    """Reading ``i``: value ``i`` at BASE + i/10 s, so its value and time identify it."""
    t = (BASE + timedelta(milliseconds=100 * i)).isoformat()
    return f'{{"t": "{t}", "value": {i}, "unit": "degC"}}'.encode()


class Gateway:
    """Publishes reading ``i`` to ``<prefix>/S<i % SENSORS>`` at QoS 1 and records which ones
    the broker acknowledged (PUBACK): those must all be stored."""

    def __init__(self, port: int, prefix: str) -> None:
        self.prefix = prefix
        self.sent: dict[int, int] = {}
        self.acked: set[int] = set()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"gw-{prefix[-6:]}")
        self.client.max_inflight_messages_set(500)
        self.client.max_queued_messages_set(0)
        self.client.on_publish = self._on_publish
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_publish(self, _c: Any, _ud: Any, mid: int, _rc: Any, _p: Any) -> None:
        self.acked.add(self.sent[mid])

    def publish(self, start: int, n: int) -> None:
        for i in range(start, start + n):
            info = self.client.publish(f"{self.prefix}/S{i % SENSORS}", _payload(i), qos=1)
            self.sent[info.mid] = i

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _rows(store: LiveStore) -> list[tuple[str, int]]:
    with store.engine.connect() as c:
        return [(r[0], int(r[1])) for r in c.execute(text("SELECT sensor, value FROM readings"))]


def _count(store: LiveStore) -> int:
    with store.engine.connect() as c:
        return int(c.execute(text("SELECT count(*) FROM readings")).scalar_one())


def _stored_by(log: Path) -> int:
    """Messages the last run logged in ``log`` stored (its exit line)."""
    found = re.findall(r"stopped: (\d+) messages stored", log.read_text(errors="replace"))
    assert found, f"no exit line in {log}:\n{log.read_text(errors='replace')[-2000:]}"
    return int(found[-1])


@pytest.mark.slow
def test_three_processes_share_the_load_and_a_killed_one_loses_nothing(
    broker: Broker, pg: tuple[LiveStore, str], tmp_path: Path
) -> None:
    store, url = pg
    tag = uuid.uuid4().hex[:6]
    prefix = f"scale/{tag}/readings"
    slots = tmp_path / "slots"
    procs = []
    for n in range(PROCESSES):
        p = ConsumerProcess(url, broker.url, f"{prefix}/#", f"scale-{tag}", tmp_path / f"c{n}.log")
        p.args += ["--share-group", f"g{tag}", "--slot-dir", str(slots)]
        procs.append(p)
    gw = Gateway(broker.port, prefix)
    try:
        for p in procs:
            p.start()
        assert wait(lambda: all(p.subscribed() >= 1 for p in procs), 30), "not all subscribed"
        client_ids = {
            re.findall(r"subscribed to \S+ as (\S+)", p.log.read_text())[0] for p in procs
        }
        assert client_ids == {f"scale-{tag}-{k}" for k in range(PROCESSES)}

        third = READINGS // 3
        gw.publish(0, third)
        assert wait(lambda: _count(store) > third // 2, 30), "nothing stored before the kill"
        victim = procs[0]
        victim_id = re.findall(r"subscribed to \S+ as (\S+)", victim.log.read_text())[0]
        gw.publish(third, third)  # part of it is in flight to, or queued for, the victim
        victim.stop(signal.SIGKILL)
        gw.publish(2 * third, READINGS - 2 * third)  # its share queues in its session
        time.sleep(0.5)
        victim.start()  # takes the freed slot, hence the same client id and session
        assert wait(lambda: victim.subscribed() >= 2, 30), "restarted consumer did not subscribe"
        restarted_id = re.findall(r"subscribed to \S+ as (\S+)", victim.log.read_text())[-1]
        assert restarted_id == victim_id

        assert wait(lambda: len(gw.acked) == READINGS, 60), "broker did not acknowledge all"
        assert wait(lambda: _count(store) >= READINGS, 60), f"stored {_count(store)}"
        time.sleep(1.0)  # a duplicate arriving late would show now
    finally:
        gw.close()
        for p in procs:
            p.stop()

    rows = _rows(store)
    published = {(f"S{i % SENSORS}", i) for i in gw.acked}
    assert len(rows) == len(set(rows)), "a reading stored twice"
    assert set(rows) == published
    assert len(rows) == READINGS
    assert store.dead_letters()[0] == 0
    per_process = [_stored_by(p.log) for p in procs]
    assert all(n > 0 for n in per_process), f"load not split: {per_process}"
    # Split, not copied: the final runs together stored each message about once (the restarted
    # one may store again what the killed one committed but never acknowledged: at most the
    # broker's in-flight window of 1,000). A plain subscription would give each process all.
    assert sum(per_process) <= READINGS + 1000, f"messages delivered to several: {per_process}"


@pytest.mark.slow
def test_draining_a_removed_slot_hands_back_its_share(
    broker: Broker, pg: tuple[LiveStore, str], tmp_path: Path
) -> None:
    """Scaling down: a slot that does not come back keeps its share of the readings in its
    session (Mosquitto still routes it messages while it is away); ``--drain`` with its client
    id stores them and ends the session, after which the survivors get every new reading."""
    store, url = pg
    tag = uuid.uuid4().hex[:6]
    prefix, group = f"drain/{tag}/readings", f"g{tag}"
    procs = []
    for n in range(2):
        p = ConsumerProcess(url, broker.url, f"{prefix}/#", f"dr-{tag}", tmp_path / f"d{n}.log")
        p.args += ["--share-group", group, "--slot-dir", str(tmp_path / "slots")]
        procs.append(p)
    gw = Gateway(broker.port, prefix)
    try:
        for p in procs:
            p.start()
        assert wait(lambda: all(p.subscribed() >= 1 for p in procs), 30)
        gw.publish(0, 2000)
        assert wait(lambda: _count(store) == 2000, 30), _count(store)
        removed = procs.pop()
        removed_id = re.findall(r"subscribed to \S+ as (\S+)", removed.log.read_text())[0]
        removed.stop(signal.SIGKILL)  # the slot never comes back
        gw.publish(2000, 2000)
        assert wait(lambda: len(gw.acked) == 4000, 30)
        time.sleep(1.0)
        stranded = 4000 - _count(store)
        assert stranded > 0, "the broker routed nothing to the absent member"

        drain = ConsumerProcess(url, broker.url, f"{prefix}/#", removed_id, tmp_path / "dr.log")
        drain.args += ["--share-group", group, "--drain"]
        drain.start()
        assert drain.proc is not None
        assert drain.proc.wait(60) == 0  # exits by itself once the session is empty
        drain.proc = None
        assert _count(store) == 4000
        assert _stored_by(tmp_path / "dr.log") >= stranded

        gw.publish(4000, 1000)  # the ended session no longer takes a share
        assert wait(lambda: _count(store) == 5000, 30), _count(store)
    finally:
        gw.close()
        for p in procs:
            p.stop()
    rows = _rows(store)
    assert len(rows) == len(set(rows)) == 5000
    assert set(rows) == {(f"S{i % SENSORS}", i) for i in range(5000)}
