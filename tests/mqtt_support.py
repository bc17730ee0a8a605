"""Real MQTT pieces for the delivery tests and ``bench/mqtt_delivery.py``: a private Mosquitto
started by ``scripts/broker.sh`` with the shipped ``config/mosquitto/twin.conf`` (on a free
port, state in a temporary directory), a QoS 1 gateway that records the broker's PUBACKs, and
the twin's consumer as its own process (``python -m twin.live.mqtt``) so it can be killed -9.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

REPO = Path(__file__).resolve().parent.parent
BROKER_SH = REPO / "scripts" / "broker.sh"
BASE = datetime.now(UTC) - timedelta(hours=2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait(cond: Callable[[], bool], timeout: float = 20.0, step: float = 0.05) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Broker:
    """A private Mosquitto with the shipped settings that can be stopped (SIGTERM: it saves its
    state), killed (SIGKILL: it saves nothing) and started again on the same port and state."""

    def __init__(self, workdir: Path, conf: Path | None = None) -> None:
        self.port = free_port()
        self.data = workdir / "broker"
        self.conf = conf  # None: the shipped config/mosquitto/twin.conf
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        args = ["bash", str(BROKER_SH), "--port", str(self.port), "--data", str(self.data)]
        if self.conf is not None:
            args += ["--conf", str(self.conf)]
        with open(self.data / "stderr.log", "ab") as err:
            self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err)
        if not wait(lambda: listening(self.port), 10):
            raise RuntimeError(f"private mosquitto did not start; see {self.data}/stderr.log")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None:
            self.proc.send_signal(sig)
            self.proc.wait(10)
            self.proc = None

    def saved_after(self, t: float) -> bool:
        """Whether the broker has written its state (``mosquitto.db``) since time ``t``."""
        db = self.data / "mosquitto.db"
        return db.exists() and db.stat().st_mtime > t

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"


def reading(sensor: str, i: int) -> bytes:
    """Reading number ``i`` (value ``i`` at BASE + i seconds): its value identifies it."""
    t = (BASE + timedelta(seconds=i)).isoformat()
    return f'{{"t": "{t}", "value": {i}, "unit": "degC"}}'.encode()


class Publisher:
    """A gateway: persistent session, QoS 1, re-sends what the broker has not acknowledged
    after a reconnect; remembers which readings the broker acknowledged (PUBACK)."""

    def __init__(self, port: int, prefix: str, sensors: int) -> None:
        self.prefix = prefix
        self.sensors = sensors
        self.sent: dict[int, tuple[str, int]] = {}  # mid -> (sensor, i)
        self.acked: set[tuple[str, int]] = set()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"gw-{uuid.uuid4().hex[:6]}", clean_session=False
        )
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(1, 1)
        self.client.on_publish = self._on_publish
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_publish(self, _c: Any, _ud: Any, mid: int, _rc: Any, _p: Any) -> None:
        self.acked.add(self.sent[mid])

    def publish(self, start: int, n: int) -> None:
        for i in range(start, start + n):
            sensor = f"S{i % self.sensors}"
            info = self.client.publish(f"{self.prefix}/{sensor}", reading(sensor, i), qos=1)
            self.sent[info.mid] = (sensor, i)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class ConsumerProcess:
    """The twin's MQTT consumer as a separate process (``python -m twin.live.mqtt``)."""

    def __init__(
        self, store_url: str, broker_url: str, topic: str, client_id: str, log: Path
    ) -> None:
        self.log = log
        self.args = [
            sys.executable,
            "-m",
            "twin.live.mqtt",
            "--store",
            store_url,
            "--url",
            broker_url,
            "--topic",
            topic,
            "--client-id",
            client_id,
        ]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = os.environ | {"PYTHONPATH": str(REPO)}
        with open(self.log, "ab") as err:
            self.proc = subprocess.Popen(
                self.args, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err
            )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None:
            self.proc.send_signal(sig)
            self.proc.wait(15)
            self.proc = None

    def subscribed(self) -> int:
        """How many times it has connected and subscribed (from its log)."""
        return self.log.read_text(errors="replace").count("MQTT connected, subscribed")


def stored(store: Any, sensors: int) -> list[tuple[str, int]]:
    """(sensor, i) of every stored reading, repeats kept (value i was published at BASE + i s)."""
    return [(f"S{k}", int(v)) for k in range(sensors) for _, v in store.raw(f"S{k}")]
