"""MQTT ingest survives a broker outage: the consumer reconnects with back-off and every reading
whose publication the broker acknowledged (QoS 1 PUBACK) is stored exactly once.

A private Mosquitto (the real binary, on a free port, with persistence in a temporary directory)
is stopped and started again while readings are published before, during and after the outage.
The shared broker on 1883 cannot be stopped from a test, hence the private one. It is stopped
with SIGTERM: Mosquitto then writes its persistence file (sessions, queued QoS 1 messages); what
a broker killed with SIGKILL acknowledged but never wrote down is the broker's loss, not ours.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.conftest import require
from twin.live.mqtt import MqttConfig, MqttConsumer
from twin.live.records import SensorSpec
from twin.live.store import LiveStore, open_store

SENSORS = 4
BASE = datetime.now(UTC) - timedelta(hours=2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(cond: Callable[[], bool], timeout: float = 20.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


class Broker:
    """A private Mosquitto that can be stopped and started on the same port and state."""

    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "user root\n"
            "persistence true\n"
            f"persistence_location {workdir}/\n"
            "max_queued_messages 100000\n"
            f"log_dest file {workdir}/mosquitto.log\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(["mosquitto", "-c", str(self.conf)])
        if not _wait(self._listening, 10):
            raise RuntimeError("private mosquitto did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def _listening(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    require(shutil.which("mosquitto") is not None, "mosquitto binary not installed")
    b = Broker(tmp_path)
    b.start()
    yield b
    b.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LiveStore]:
    s = open_store(f"sqlite:///{tmp_path / 'outage.db'}")
    s.register_sensors(
        [SensorSpec(id=f"S{i}", quantity="temperature", unit="degC") for i in range(SENSORS)]
    )
    yield s
    s.close()


class Publisher:
    """A gateway: persistent session, QoS 1; remembers which readings the broker acknowledged."""

    def __init__(self, port: int, prefix: str) -> None:
        self.prefix = prefix
        self.sent: dict[int, tuple[str, int]] = {}  # mid -> (sensor, i)
        self.acked: set[tuple[str, int]] = set()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"gw-{uuid.uuid4().hex[:6]}", clean_session=False
        )
        self.client.reconnect_delay_set(1, 2)
        self.client.on_publish = self._on_publish
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_publish(self, _c: Any, _ud: Any, mid: int, _rc: Any, _p: Any) -> None:
        self.acked.add(self.sent[mid])

    def publish(self, start: int, n: int) -> None:
        for i in range(start, start + n):
            sensor = f"S{i % SENSORS}"
            t = (BASE + timedelta(seconds=i)).isoformat()
            payload = f'{{"t": "{t}", "value": {i}, "unit": "degC"}}'
            info = self.client.publish(f"{self.prefix}/{sensor}", payload, qos=1)
            self.sent[info.mid] = (sensor, i)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _stored(store: LiveStore) -> list[tuple[str, int]]:
    """(sensor, i) of every stored reading, repeats kept (value i was published at BASE + i s)."""
    return [(f"S{k}", int(v)) for k in range(SENSORS) for _, v in store.raw(f"S{k}")]


@pytest.mark.slow
def test_broker_outage_loses_no_acknowledged_reading(broker: Broker, store: LiveStore) -> None:
    prefix = f"outage/{uuid.uuid4().hex[:6]}/readings"
    cfg = MqttConfig(
        url=f"mqtt://127.0.0.1:{broker.port}",
        topic=f"{prefix}/#",
        client_id=f"ingest-{uuid.uuid4().hex[:6]}",
        reconnect_min_s=1,
        reconnect_max_s=2,
    )
    consumer = MqttConsumer(store, cfg)
    consumer.start()
    pub = Publisher(broker.port, prefix)
    try:
        assert consumer.connected.wait(10)
        pub.publish(0, 300)  # before: acknowledged, some still queued when the broker goes
        assert _wait(lambda: len(pub.acked) == 300)
        broker.stop()
        assert _wait(lambda: not consumer.connected.is_set(), 10)
        pub.publish(300, 300)  # during: queued in the gateway, acknowledged only later
        time.sleep(2.5)  # several failed reconnect attempts (back-off 1-2 s)
        assert len(pub.acked) == 300 and consumer.connects == 1
        broker.start()
        assert _wait(lambda: consumer.connected.is_set() and consumer.connects == 2)
        pub.publish(600, 300)  # after
        assert _wait(lambda: len(pub.acked) == 900), f"{len(pub.acked)} acknowledged"
        assert _wait(lambda: len(_stored(store)) >= 900)
        time.sleep(0.5)  # late redeliveries would show up as repeats or extra rows
    finally:
        pub.close()
        consumer.stop()
    stored = _stored(store)
    assert len(stored) == len(set(stored))
    assert set(stored) == pub.acked == {(f"S{i % SENSORS}", i) for i in range(900)}
    total, _ = store.dead_letters()
    assert total == 0
