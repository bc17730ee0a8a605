"""MQTT ingest against the real Mosquitto: QoS 1 messages survive a consumer stop/restart, and a
poison message (one the store cannot take) never blocks the messages after it: it is split off,
dead-lettered and acknowledged, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.conftest import port_open, require
from tests.ops_support import open_test_store
from twin.live.mqtt import MqttConfig, MqttConsumer, items_from_message
from twin.live.records import SensorSpec
from twin.live.store import LiveStore, open_store


def _publisher() -> mqtt.Client:
    pub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:6]}")
    pub.connect("127.0.0.1", 1883)
    pub.loop_start()
    return pub


def _publish(pub: mqtt.Client, prefix: str, start: int, n: int) -> None:
    base = datetime.now(UTC) - timedelta(hours=1)
    infos = []
    for i in range(start, start + n):
        t = (base + timedelta(seconds=i)).isoformat()
        payload = f'{{"t": "{t}", "value": {i}, "unit": "degC"}}'
        infos.append(pub.publish(f"{prefix}/S{i % 3}", payload, qos=1))
    for info in infos:
        info.wait_for_publish(timeout=10)


def _wait(cond, timeout: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def store(tmp_path) -> LiveStore:  # type: ignore[no-untyped-def]
    s = open_store(f"sqlite:///{tmp_path / 'mqtt.db'}")
    s.register_sensors(
        [SensorSpec(id=f"S{i}", quantity="temperature", unit="degC") for i in range(3)]
    )
    return s


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, tmp_path) -> Iterator[LiveStore]:  # type: ignore[no-untyped-def]
    for s, _ in open_test_store(request.param, tmp_path):
        s.register_sensors(
            [SensorSpec(id=f"S{i}", quantity="temperature", unit="degC") for i in range(3)]
        )
        yield s


def _drop_session(client_id: str) -> None:
    """Connect once with a clean session so the shared broker forgets a test consumer."""
    clean = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    clean.connect("127.0.0.1", 1883)
    clean.disconnect()


def _count(store: LiveStore) -> int:
    return sum(len(store.raw(f"S{i}")) for i in range(3))


@pytest.mark.mqtt
def test_no_loss_across_consumer_restart(store: LiveStore) -> None:
    require(port_open(1883), "Mosquitto not running on 1883")
    prefix = f"test/{uuid.uuid4().hex[:8]}/readings"
    cfg = MqttConfig(topic=f"{prefix}/#", client_id=f"twin-test-{uuid.uuid4().hex[:8]}")
    consumer = MqttConsumer(store, cfg)
    consumer.start()
    assert consumer.connected.wait(10)
    pub = _publisher()
    try:
        _publish(pub, prefix, 0, 300)
        consumer.stop()  # possibly mid-batch: uncommitted messages stay unacknowledged
        _publish(pub, prefix, 300, 300)  # while the consumer is away: queued by the session
        pub.publish(f"{prefix}/S1", b"not json", qos=1).wait_for_publish(10)
        consumer = MqttConsumer(store, cfg)
        consumer.start()
        assert _wait(lambda: _count(store) == 600), f"stored {_count(store)} of 600"
        assert _wait(lambda: store.dead_letters()[0] >= 1)
    finally:
        consumer.stop()
        _drop_session(cfg.client_id)  # so the broker does not keep the persistent session
        pub.loop_stop()
        pub.disconnect()
    values = sorted(v for i in range(3) for _, v in store.raw(f"S{i}"))
    assert values == [float(i) for i in range(600)]  # exactly once each
    assert store.dead_letters()[1][0].reason == "malformed"


def _poison(pub: mqtt.Client, prefix: str) -> None:
    """Four messages the consumer could not get past before: a NUL and a lone surrogate in the
    sensor id (JSON escapes, so the MQTT payload itself is plain ASCII), a raw NUL byte in a
    non-JSON one, and JSON nested deeper than the parsers go (RecursionError)."""
    t = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    for sensor in ("bad\\u0000", "\\ud800"):
        body = f'[{{"sensor": "{sensor}", "t": "{t}", "value": 1, "unit": "degC"}}]'
        pub.publish(f"{prefix}", body.encode(), qos=1).wait_for_publish(10)
    pub.publish(f"{prefix}/S0", b'{"t": 1\x00}', qos=1).wait_for_publish(10)
    pub.publish(f"{prefix}/S1", b"[" * 100_000, qos=1).wait_for_publish(10)


@pytest.mark.mqtt
def test_poison_message_is_dead_lettered_and_never_blocks(any_store: LiveStore) -> None:
    require(port_open(1883), "Mosquitto not running on 1883")
    store = any_store
    prefix = f"test/{uuid.uuid4().hex[:8]}/readings"
    cfg = MqttConfig(topic=f"{prefix}/#", client_id=f"twin-test-{uuid.uuid4().hex[:8]}")
    consumer = MqttConsumer(store, cfg)
    consumer.start()
    pub = _publisher()
    try:
        assert consumer.connected.wait(10)
        _poison(pub, prefix)
        _publish(pub, prefix, 0, 200)
        assert _wait(lambda: _count(store) == 200), f"stored {_count(store)} of 200"
        # Poison is retried with back-off before it is dead-lettered: give a loaded CI machine time.
        assert _wait(lambda: store.dead_letters()[0] == 4, timeout=45), store.dead_letters()[0]
        consumer.stop()  # the poison was acknowledged: a restart does not see it again ...
        _poison(pub, prefix)  # ... but sees this one, queued while the consumer was away
        _publish(pub, prefix, 200, 200)
        consumer = MqttConsumer(store, cfg)
        consumer.start()
        assert _wait(lambda: _count(store) == 400), f"stored {_count(store)} of 400"
        assert _wait(lambda: store.dead_letters()[0] == 8, timeout=45), store.dead_letters()[0]
        time.sleep(0.5)  # a redelivered poison message would add a ninth dead letter
    finally:
        consumer.stop()
        _drop_session(cfg.client_id)
        pub.loop_stop()
        pub.disconnect()
    total, letters = store.dead_letters()
    assert total == 8
    assert {d.source for d in letters} == {"mqtt"}
    assert sum("bad" in d.payload for d in letters) == 2
    values = sorted(v for i in range(3) for _, v in store.raw(f"S{i}"))
    assert values == [float(i) for i in range(400)]


def test_items_from_message() -> None:
    assert items_from_message("twin/readings/T1", b'{"t": 1, "value": 2}') == [
        {"sensor": "T1", "t": 1, "value": 2}
    ]
    assert items_from_message("twin/readings", b'[{"sensor": "A", "t": 1, "value": 2}]') == [
        {"sensor": "A", "t": 1, "value": 2}
    ]
    assert items_from_message("twin/readings/T1", b"\xff") == ["\ufffd"]
    deep = b"[" * 100_000 + b"]" * 100_000  # deeper than orjson and json go
    assert items_from_message("twin/readings/T1", deep) == [deep[:2000].decode()]
    assert items_from_message("twin/readings/T1", b'"a\x00"') == [
        '"a\ufffd"'
    ]  # raw NUL: not JSON, kept storable
