"""MQTT ingest: a paho-mqtt 2 subscriber that stores readings before acknowledging them.

Topic pattern (configurable, default ``twin/readings/#``): ``twin/readings/<sensor id>`` with a
payload ``{"t": "2026-01-01T12:00:00Z", "value": 21.5, "unit": "degC"}`` or a JSON array of such
objects; an item may name its own ``"sensor"`` (then the topic may be just ``twin/readings``).

No acknowledged message is lost: the session is persistent (fixed client id, clean_session off),
subscriptions are QoS 1, and PUBACKs are sent by hand only after the batch holding the message is
committed (``manual_ack``). A crash before commit means the broker redelivers; redelivery is
harmless because readings are idempotent on (sensor, timestamp). paho reconnects with back-off.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

if TYPE_CHECKING:
    from twin.live.store import LiveStore

__all__ = ["MqttConfig", "MqttConsumer", "items_from_message"]

log = logging.getLogger(__name__)

_NOT_JSON = object()


@dataclass(frozen=True, slots=True)
class MqttConfig:
    """``url``: ``mqtt://host:1883``; ``topic``: subscription filter; ``client_id`` must be
    stable across restarts for the broker to keep the session."""

    url: str = "mqtt://127.0.0.1:1883"
    topic: str = "twin/readings/#"
    client_id: str = "twin-live-ingest"
    batch_max: int = 5000  # readings per commit (Mosquitto lets 20 QoS 1 messages be in flight)
    batch_wait_s: float = 0.02
    reconnect_min_s: int = 1
    reconnect_max_s: int = 30


def items_from_message(topic: str, payload: bytes | bytearray) -> list[Any]:
    """Reading items of one message; an undecodable payload becomes one item (dead-lettered)."""
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError:
        doc = _NOT_JSON
    if doc is _NOT_JSON:  # what orjson refuses but Python senders emit: NaN, Infinity
        try:
            doc = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return [payload.decode("utf-8", "replace")[:2000]]
    items = doc if isinstance(doc, list) else [doc]
    leaf = topic.rsplit("/", 1)[-1]
    out: list[Any] = []
    for item in items:
        if isinstance(item, dict) and "sensor" not in item and leaf not in ("readings", ""):
            item = {"sensor": leaf, **item}
        out.append(item)
    return out


class MqttConsumer:
    """Subscribes, batches messages into :meth:`LiveStore.ingest`, then acknowledges them."""

    def __init__(self, store: LiveStore, config: MqttConfig) -> None:
        self.store = store
        self.config = config
        self.stored = 0  # messages committed and acknowledged
        self.connects = 0  # successful connections (1 + reconnections after broker outages)
        self._queue: queue.Queue[tuple[int, list[Any]]] = queue.Queue()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self.connected = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=config.client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        self.client.reconnect_delay_set(config.reconnect_min_s, config.reconnect_max_s)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    def start(self) -> None:
        u = urlparse(self.config.url)
        if u.username:
            self.client.username_pw_set(u.username, u.password)
        self._stop.clear()
        self._worker = threading.Thread(target=self._run, name="mqtt-ingest", daemon=True)
        self._worker.start()
        self.client.connect_async(u.hostname or "127.0.0.1", u.port or 1883, keepalive=30)
        self.client.loop_start()

    def stop(self) -> None:
        """Disconnect; messages not yet committed stay unacknowledged and are redelivered."""
        self._stop.set()
        if self._worker:
            self._worker.join(timeout=10)
        self.client.disconnect()
        self.client.loop_stop()
        self.connected.clear()

    def _on_connect(self, client: mqtt.Client, _ud: Any, _flags: Any, rc: Any, _p: Any) -> None:
        if rc.is_failure:
            log.warning("MQTT connect failed: %s", rc)
            return
        client.subscribe(self.config.topic, qos=1)
        self.connects += 1
        self.connected.set()
        log.info("MQTT connected, subscribed to %s", self.config.topic)

    def _on_disconnect(self, _c: mqtt.Client, _ud: Any, _f: Any, rc: Any, _p: Any) -> None:
        self.connected.clear()
        if not self._stop.is_set():
            log.warning("MQTT disconnected (%s); reconnecting with back-off", rc)

    def _on_message(self, _c: mqtt.Client, _ud: Any, msg: mqtt.MQTTMessage) -> None:
        self._queue.put((msg.mid, items_from_message(msg.topic, msg.payload)))

    def _run(self) -> None:
        while not self._stop.is_set():
            batch = self._take()
            if not batch:
                continue
            items = [i for _, its in batch for i in its]
            while not self._stop.is_set():
                try:
                    self.store.ingest(items, source="mqtt")
                    break
                except Exception:  # store down: keep the batch, retry, no ack
                    log.exception("MQTT batch not stored; retrying")
                    time.sleep(1.0)
            else:
                return
            for mid, _ in batch:
                self.client.ack(mid, 1)
            self.stored += len(batch)

    def _take(self) -> list[tuple[int, list[Any]]]:
        try:
            first = self._queue.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.config.batch_wait_s
        n = len(first[1])
        while n < self.config.batch_max:
            left = deadline - time.monotonic()
            try:
                nxt = (
                    self._queue.get(timeout=max(left, 0)) if left > 0 else self._queue.get_nowait()
                )
            except queue.Empty:
                break
            batch.append(nxt)
            n += len(nxt[1])
        return batch
