"""MQTT ingest: a paho-mqtt 2 subscriber that stores readings before acknowledging them.

Topic pattern (configurable, default ``twin/readings/#``): ``twin/readings/<sensor id>`` with a
payload ``{"t": "2026-01-01T12:00:00Z", "value": 21.5, "unit": "degC"}`` or a JSON array of such
objects; an item may name its own ``"sensor"`` (then the topic may be just ``twin/readings``).

No acknowledged message is lost: the session is persistent (MQTT 5, fixed client id,
``clean_start`` off, a session expiry of ``session_expiry_s``), subscriptions are QoS 1, and
PUBACKs are sent by hand only after the batch holding the message is
committed (``manual_ack``). A crash before commit means the broker redelivers; redelivery is
harmless because readings are idempotent on (sensor, timestamp). No message blocks the others:
a batch the store refuses is split and a message that still fails is dead-lettered and then
acknowledged (:mod:`twin.live.mqtt_batch`). After a broker restart paho reconnects after
``reconnect_min_s`` (0.5 s), doubling up to ``reconnect_max_s`` (2 s). The broker must keep
sessions and queues for this to hold: ``config/mosquitto/twin.conf``.

Several processes share the load with an MQTT 5 shared subscription (``share_group``: the filter
becomes ``$share/<group>/<topic>``): the broker hands each message to one member of the group, so
each is stored once. Each member needs its own stable client id, because the broker keeps the
messages in flight to a member that died (and, Mosquitto 2.0, its share of new ones) in that
member's session until the same id reconnects: :func:`claim_slot` gives the processes of one host
the ids ``<base>-0``, ``<base>-1``, ... through file locks, so a restarted process takes over the
id of the one that died (docs/scale.md).
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from twin.errors import StoreUnavailable
from twin.live import validate
from twin.live.mqtt_batch import Message, commit_batch
from twin.live.store import LiveStore, open_store

__all__ = ["MqttConfig", "MqttConsumer", "Slot", "claim_slot", "items_from_message"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MqttConfig:
    """``url``: ``mqtt://host:1883``; ``topic``: subscription filter; ``client_id`` must be
    stable across restarts for the broker to keep the session. ``poison_tries``: how often a
    single message the store refuses is tried before it is dead-lettered and acknowledged.
    ``share_group``: non-empty to subscribe ``$share/<group>/<topic>`` (several processes, one
    copy of each message); ``session_expiry_s``: how long the broker keeps the session (and
    queues for it) while this client is away. ``drain``: take over a session only to empty it
    (a slot removed when scaling down): unsubscribe instead of subscribing, so the broker routes
    it nothing new, and store what the session still holds (:meth:`MqttConsumer.drained`)."""

    url: str = "mqtt://127.0.0.1:1883"
    topic: str = "twin/readings/#"
    client_id: str = "twin-live-ingest"
    batch_max: int = 5000  # readings per commit
    batch_wait_s: float = 0.02
    reconnect_min_s: float = 0.5  # first retry after a lost connection
    reconnect_max_s: float = 2.0  # cap of the doubling back-off
    keepalive_s: int = 15
    poison_tries: int = 3
    store_retry_s: float = 1.0  # pause while the database does not answer
    share_group: str = ""  # "": a plain subscription (one process)
    session_expiry_s: int = 14 * 24 * 3600  # as persistent_client_expiration in twin.conf
    drain: bool = False

    @property
    def subscription(self) -> str:
        """The filter sent to the broker: ``topic``, or ``$share/<group>/<topic>``."""
        return f"$share/{self.share_group}/{self.topic}" if self.share_group else self.topic


@dataclass(frozen=True, slots=True)
class Slot:
    """A client id held by this process while ``lock`` stays open (the kernel drops the lock
    when the process exits, however it exits)."""

    client_id: str
    index: int
    lock: IO[bytes]

    def release(self) -> None:
        self.lock.close()


def claim_slot(lock_dir: Path, base: str, limit: int = 256) -> Slot:
    """The lowest free client id ``<base>-<i>`` on this host, held by an exclusive ``flock`` on
    ``<lock_dir>/<base>-<i>.lock``. Processes started together get distinct ids; a process
    started after one died gets the dead one's id, so the broker hands it that session's
    unacknowledged and queued messages. Use one ``base`` per host (the locks are local)."""
    lock_dir.mkdir(parents=True, exist_ok=True)
    for i in range(limit):
        fh = (lock_dir / f"{base}-{i}.lock").open("ab")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            continue
        fh.truncate(0)
        fh.write(f"{os.getpid()}\n".encode())
        fh.flush()
        return Slot(f"{base}-{i}", i, fh)
    raise RuntimeError(f"no free MQTT client slot among {limit} in {lock_dir}")


def items_from_message(topic: str, payload: bytes | bytearray) -> list[Any]:
    """Reading items of one message; a payload that is not JSON (not UTF-8, nested deeper than
    the parsers go) becomes one text item, which the store dead-letters as malformed."""
    try:
        doc = validate.loads_json(bytes(payload))
    except ValueError:
        return [validate.clean_text(payload.decode("utf-8", "replace"), 2000)]
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
        self.dead_lettered = 0  # poison messages dead-lettered and acknowledged
        self.duplicates = 0  # readings the store already had (redeliveries)
        self.connects = 0  # successful connections (1 + reconnections after broker outages)
        self.sessions_lost = 0  # reconnections where the broker no longer had our session
        self.received = 0  # messages handed over by the broker (redeliveries included)
        self._last_message = time.monotonic()
        self._queue: queue.Queue[Message] = queue.Queue()
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self.connected = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=config.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        # paho annotates the delays as int but computes with them as numbers (sleep, min, * 2)
        self.client.reconnect_delay_set(
            min_delay=config.reconnect_min_s,  # type: ignore[arg-type]
            max_delay=config.reconnect_max_s,  # type: ignore[arg-type]
        )
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
        host, port = u.hostname or "127.0.0.1", u.port or 1883
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = self.config.session_expiry_s
        self.client.connect_async(
            host,
            port,
            keepalive=self.config.keepalive_s,
            clean_start=False,
            properties=props,
        )
        self.client.loop_start()

    def stop(self, *, end_session: bool = False) -> None:
        """Disconnect; messages not yet committed stay unacknowledged and are redelivered.
        ``end_session``: also tell the broker to discard this client's session (after a
        drain: nothing is left in it, and a shared group stops routing messages to it)."""
        self._stop.set()
        if self._worker:
            self._worker.join(timeout=10)
        props = None
        if end_session:
            props = Properties(PacketTypes.DISCONNECT)  # type: ignore[no-untyped-call]
            props.SessionExpiryInterval = 0
        self.client.disconnect(properties=props)
        self.client.loop_stop()
        self.connected.clear()

    def drained(self, idle_s: float) -> bool:
        """Connected, every message received is stored (or dead-lettered) and acknowledged,
        and none arrived for ``idle_s`` seconds: the session holds nothing more for us."""
        return (
            self.connected.is_set()
            and self.received == self.stored + self.dead_lettered
            and time.monotonic() - self._last_message >= idle_s
        )

    def _on_connect(self, client: mqtt.Client, _ud: Any, flags: Any, rc: Any, _p: Any) -> None:
        if rc.is_failure:
            log.warning("MQTT connect failed: %s", rc)
            return
        self.connects += 1
        if self.connects > 1 and not flags.session_present:
            self.sessions_lost += 1
            log.warning(
                "MQTT broker did not keep this consumer's session: readings published while "
                "we were away are lost (is the broker persistent? config/mosquitto/twin.conf)"
            )
        self._last_message = time.monotonic()
        if self.config.drain:
            client.unsubscribe(self.config.subscription)
            self.connected.set()
            log.info("MQTT connected as %s to drain its session", self.config.client_id)
            return
        client.subscribe(self.config.subscription, qos=1)
        self.connected.set()
        log.info(
            "MQTT connected, subscribed to %s as %s",
            self.config.subscription,
            self.config.client_id,
        )

    def _on_disconnect(self, _c: mqtt.Client, _ud: Any, _f: Any, rc: Any, _p: Any) -> None:
        self.connected.clear()
        if not self._stop.is_set():
            log.warning("MQTT disconnected (%s); reconnecting with back-off", rc)

    def _on_message(self, _c: mqtt.Client, _ud: Any, msg: mqtt.MQTTMessage) -> None:
        payload = bytes(msg.payload)
        try:
            items = items_from_message(msg.topic, payload)
        except Exception as exc:  # never let a payload stop paho's network thread
            log.exception("MQTT message on %s not parsed", msg.topic)
            items = [validate.clean_text(f"unparsed ({type(exc).__name__}): {payload[:1000]!r}")]
        self.received += 1
        self._last_message = time.monotonic()
        self._queue.put(Message(msg.mid, self.connects, msg.topic, payload, items))

    def _run(self) -> None:
        while not self._stop.is_set():
            batch = self._take()
            while batch and not self._stop.is_set():
                try:
                    self._commit(batch)
                    break
                except Exception:  # a bug must not end ingest: keep the batch, retry
                    log.exception("MQTT batch failed unexpectedly; retrying")
                    self._stop.wait(self.config.store_retry_s)

    def _commit(self, batch: list[Message]) -> None:
        """Store ``batch`` (retrying while the database is away), then acknowledge it."""
        while True:
            try:
                out = commit_batch(self.store, batch, max_tries=self.config.poison_tries)
                break
            except StoreUnavailable:  # no ack: the broker keeps the messages
                log.exception("MQTT batch not stored, database unavailable; retrying")
                if self._stop.wait(self.config.store_retry_s):
                    return
        for m in (*out.stored, *out.dead):
            self._ack(m)
        self.stored += len(out.stored)
        self.dead_lettered += len(out.dead)
        self.duplicates += out.duplicates

    def _ack(self, m: Message) -> None:
        """PUBACK ``m``, unless it came over an earlier connection: its packet id may name
        another message now, and the broker redelivers it on this one (stored idempotently)."""
        if m.session == self.connects:
            self.client.ack(m.mid, 1)

    def _take(self) -> list[Message]:
        try:
            first = self._queue.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.config.batch_wait_s
        n = len(first.items)
        while n < self.config.batch_max:
            left = deadline - time.monotonic()
            try:
                nxt = (
                    self._queue.get(timeout=max(left, 0)) if left > 0 else self._queue.get_nowait()
                )
            except queue.Empty:
                break
            batch.append(nxt)
            n += len(nxt.items)
        return batch


def main(argv: list[str] | None = None) -> int:
    """``python -m twin.live.mqtt --store URL``: the consumer as its own process, without the
    API (an ingest-only node, and what the delivery tests and bench kill with SIGKILL)."""
    d = MqttConfig()
    p = argparse.ArgumentParser(prog="python -m twin.live.mqtt", description=main.__doc__)
    p.add_argument("--store", required=True, help="live store URL (sqlite:///..., postgresql+...)")
    p.add_argument("--url", default=d.url, help=f"broker (default {d.url})")
    p.add_argument("--topic", default=d.topic)
    p.add_argument(
        "--client-id",
        default=d.client_id,
        help="client id; with --slot-dir the base of <id>-<n> (one per running process)",
    )
    p.add_argument("--share-group", default="", help="subscribe $share/<group>/<topic>")
    p.add_argument(
        "--slot-dir", type=Path, default=None, help="claim the client id <id>-<n> by file lock"
    )
    p.add_argument(
        "--drain",
        action="store_true",
        help="empty the session of --client-id (a slot removed when scaling down): store what "
        "it holds, end the session, exit",
    )
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    slot = claim_slot(args.slot_dir, args.client_id) if args.slot_dir else None
    client_id = slot.client_id if slot else args.client_id
    store = open_store(args.store)
    consumer = MqttConsumer(
        store,
        MqttConfig(args.url, args.topic, client_id, share_group=args.share_group, drain=args.drain),
    )
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    consumer.start()
    if args.drain:
        while not done.wait(0.2) and not consumer.drained(idle_s=2.0):
            pass
    else:
        done.wait()
    consumer.stop(end_session=args.drain)
    log.info(
        "MQTT consumer %s stopped: %d messages stored, %d duplicate readings, %d dead-lettered",
        client_id,
        consumer.stored,
        consumer.duplicates,
        consumer.dead_lettered,
    )
    store.close()
    if slot:
        slot.release()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
