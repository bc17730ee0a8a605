"""MQTT ingest against the real Mosquitto: QoS 1 messages survive a consumer stop/restart."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.conftest import port_open, require
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


def _count(store: LiveStore) -> int:
    return sum(len(store.raw(f"S{i}")) for i in range(3))


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
        # drop the persistent session so the broker does not keep it
        clean = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=cfg.client_id,
                            clean_session=True)  # fmt: skip
        clean.connect("127.0.0.1", 1883)
        clean.disconnect()
        pub.loop_stop()
        pub.disconnect()
    values = sorted(v for i in range(3) for _, v in store.raw(f"S{i}"))
    assert values == [float(i) for i in range(600)]  # exactly once each
    assert store.dead_letters()[1][0].reason == "malformed"


def test_items_from_message() -> None:
    assert items_from_message("twin/readings/T1", b'{"t": 1, "value": 2}') == [
        {"sensor": "T1", "t": 1, "value": 2}
    ]
    assert items_from_message("twin/readings", b'[{"sensor": "A", "t": 1, "value": 2}]') == [
        {"sensor": "A", "t": 1, "value": 2}
    ]
    assert items_from_message("twin/readings/T1", b"\xff") == ["\ufffd"]
