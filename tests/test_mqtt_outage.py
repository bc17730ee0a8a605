"""MQTT delivery over outages, against a private Mosquitto running the shipped broker settings
(``config/mosquitto/twin.conf`` via ``scripts/broker.sh``, on a free port, state in a temporary
directory): the shared broker on 1883 cannot be stopped or killed from a test.

- the broker stops (SIGTERM, it saves its state) and comes back: the consumer re-subscribes
  within about 2 s, and every reading the broker acknowledged is stored exactly once;
- the twin is killed -9 for 5 s while 2,500 readings arrive (more than Mosquitto's default
  queue of 1,000 per client): all are queued by the broker and stored exactly once;
- the broker is killed -9 (it saves nothing more) and restarted: the twin's session survived
  (autosave), so readings published before the twin is back are queued for it, not lost.
"""

from __future__ import annotations

import shutil
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require
from tests.mqtt_support import Broker, ConsumerProcess, Publisher, stored, wait
from twin.live.mqtt import MqttConfig, MqttConsumer
from twin.live.records import SensorSpec
from twin.live.store import LiveStore, open_store

pytestmark = pytest.mark.mqtt

SENSORS = 4


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    require(shutil.which("mosquitto") is not None, "mosquitto binary not installed")
    b = Broker(tmp_path)
    b.start()
    yield b
    b.stop(signal.SIGKILL)


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'outage.db'}"


@pytest.fixture
def store(store_url: str) -> Iterator[LiveStore]:
    s = open_store(store_url)
    s.register_sensors(
        [SensorSpec(id=f"S{i}", quantity="temperature", unit="degC") for i in range(SENSORS)]
    )
    yield s
    s.close()


def _names() -> tuple[str, str]:
    tag = uuid.uuid4().hex[:6]
    return f"outage/{tag}/readings", f"ingest-{tag}"


def _exactly_once(store: LiveStore, expected: set[tuple[str, int]]) -> None:
    rows = stored(store, SENSORS)
    assert len(rows) == len(set(rows)), "a reading stored twice"
    assert set(rows) == expected
    assert store.dead_letters()[0] == 0


@pytest.mark.slow
def test_broker_restart_resubscribes_fast_and_loses_nothing(
    broker: Broker, store: LiveStore
) -> None:
    prefix, client_id = _names()
    consumer = MqttConsumer(store, MqttConfig(broker.url, f"{prefix}/#", client_id))
    consumer.start()
    pub = Publisher(broker.port, prefix, SENSORS)
    try:
        assert consumer.connected.wait(10)
        pub.publish(0, 300)  # before: acknowledged, some still queued when the broker goes
        assert wait(lambda: len(pub.acked) == 300)
        broker.stop()
        assert wait(lambda: not consumer.connected.is_set(), 10)
        pub.publish(300, 300)  # during: kept by the gateway, acknowledged only later
        time.sleep(3.5)  # long enough for the back-off to grow to its cap
        assert len(pub.acked) == 300 and consumer.connects == 1
        broker.start()
        back = time.monotonic()
        assert wait(lambda: consumer.connects == 2, 10)
        resubscribed_s = time.monotonic() - back
        pub.publish(600, 300)  # after
        assert wait(lambda: len(pub.acked) == 900), f"{len(pub.acked)} acknowledged"
        assert wait(lambda: len(stored(store, SENSORS)) >= 900)
        time.sleep(0.5)  # late redeliveries would show up as repeats or extra rows
    finally:
        pub.close()
        consumer.stop()
    assert resubscribed_s < 2.5, f"re-subscribed {resubscribed_s:.1f} s after the broker was back"
    assert consumer.sessions_lost == 0
    assert pub.acked == {(f"S{i % SENSORS}", i) for i in range(900)}
    _exactly_once(store, pub.acked)


@pytest.mark.slow
def test_twin_killed_for_5_s_gets_every_acknowledged_reading(
    broker: Broker, store: LiveStore, store_url: str, tmp_path: Path
) -> None:
    prefix, client_id = _names()
    twin = ConsumerProcess(store_url, broker.url, f"{prefix}/#", client_id, tmp_path / "twin.log")
    twin.start()
    pub = Publisher(broker.port, prefix, SENSORS)
    try:
        assert wait(lambda: twin.subscribed() == 1, 15), twin.log.read_text()
        pub.publish(0, 500)
        assert wait(lambda: len(stored(store, SENSORS)) >= 100)
        twin.stop(signal.SIGKILL)  # mid-stream: some batches stored but not acknowledged
        for k in range(10):  # 2,500 readings over 5 s: more than Mosquitto's default queue
            pub.publish(500 + 250 * k, 250)
            time.sleep(0.5)
        assert wait(lambda: len(pub.acked) == 3000), f"{len(pub.acked)} acknowledged"
        twin.start()
        assert wait(lambda: len(stored(store, SENSORS)) >= 3000, 30)
        time.sleep(0.5)
    finally:
        pub.close()
        twin.stop()
    assert pub.acked == {(f"S{i % SENSORS}", i) for i in range(3000)}
    _exactly_once(store, pub.acked)


@pytest.mark.slow
def test_broker_killed_keeps_the_twins_session(broker: Broker, store: LiveStore) -> None:
    prefix, client_id = _names()
    # the twin comes back 3 s after the broker dies: everything is published before that
    cfg = MqttConfig(broker.url, f"{prefix}/#", client_id, reconnect_min_s=3, reconnect_max_s=3)
    consumer = MqttConsumer(store, cfg)
    consumer.start()
    try:
        assert consumer.connected.wait(10)
        subscribed = time.time()
        assert wait(lambda: broker.saved_after(subscribed + 0.1), 5), "no autosave within 5 s"
        broker.stop(signal.SIGKILL)
        assert wait(lambda: not consumer.connected.is_set(), 10)
        broker.start()
        pub = Publisher(broker.port, prefix, SENSORS)
        pub.publish(0, 500)
        assert wait(lambda: len(pub.acked) == 500)
        assert consumer.connects == 1  # all 500 acknowledged while the twin was away
        assert wait(lambda: len(stored(store, SENSORS)) >= 500), len(stored(store, SENSORS))
        pub.close()
    finally:
        consumer.stop()
    assert consumer.connects == 2 and consumer.sessions_lost == 0
    _exactly_once(store, pub.acked)
