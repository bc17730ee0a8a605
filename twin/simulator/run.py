"""The simulator's loop: read the served sensors over HTTP, publish a tick of readings over MQTT
(when a broker answers) or ``POST /readings``, and inject a fault every ``fault_every`` seconds.

It is a client of the public interfaces only and never opens the store, so what it shows is what
a real gateway would cause: readings stored, alarms raised by the server's rules, tickets opened
by auto-ticketing rules. Energy registers (quantity ``energy``) count up from their last stored
value by a day/night load profile scaled to the peak (upper limit) of the power sensor on the same
host (:data:`DEFAULT_METER_PEAK_KW` without one), so a restart continues the register.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from twin.simulator.signals import Fault, SimSensor, choose_fault, power_fraction, value_at

__all__ = ["SimConfig", "Simulator", "sensor_from_json"]

log = logging.getLogger(__name__)

#: kW peak a register is advanced by when no power sensor shares its host.
DEFAULT_METER_PEAK_KW = 50.0


@dataclass(frozen=True, slots=True)
class SimConfig:
    """``rate``: ticks per second (one reading per sensor per tick); ``fault_every``: seconds
    between injected faults (0: none); ``mqtt_url``: ``mqtt://host:port`` or None for HTTP."""

    base_url: str = "http://127.0.0.1:8000"
    rate: float = 0.2
    fault_every: float = 180.0
    fault_duration: float = 120.0
    first_fault_after: float = 30.0
    mqtt_url: str | None = None
    topic: str = "twin/readings"
    api_key: str | None = None
    seed: int = 16
    headers: dict[str, str] = field(default_factory=dict)


def sensor_from_json(d: dict[str, Any]) -> SimSensor:
    return SimSensor(
        id=str(d["id"]),
        quantity=str(d.get("quantity") or ""),
        unit=str(d.get("unit") or ""),
        lower=d.get("lower"),
        upper=d.get("upper"),
        criticality=str(d.get("criticality") or "normal"),
        host=d.get("host"),
    )


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


class Simulator:
    """One simulated building; :meth:`run` until ``stop`` is set, or :meth:`tick` by hand."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        headers = dict(config.headers)
        if config.api_key:
            headers["X-API-Key"] = config.api_key
        self.http = httpx.Client(base_url=config.base_url, headers=headers, timeout=30.0)
        self.rng = random.Random(config.seed)
        self.sensors: list[SimSensor] = []
        self.registers: dict[str, float] = {}
        self.peaks: dict[str, float] = {}
        self.faults: list[Fault] = []
        self.published = 0
        self._mqtt: mqtt.Client | None = None
        self._last_t: float | None = None

    # -- set-up ---------------------------------------------------------------------------
    def wait_ready(self, stop: threading.Event, timeout: float = 300.0) -> bool:
        """Poll ``GET /health`` until the server answers (the demo starts us before it)."""
        end = time.monotonic() + timeout
        while not stop.is_set() and time.monotonic() < end:
            try:
                if self.http.get("/health").status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            stop.wait(0.5)
        return False

    def load_sensors(self) -> list[SimSensor]:
        r = self.http.get("/sensors")
        r.raise_for_status()
        docs = r.json()
        self.sensors = [sensor_from_json(d) for d in docs]
        for d in docs:
            if d.get("quantity") == "energy":
                self.registers[str(d["id"])] = float(d.get("last_value") or 0.0)
        peaks = {s.host: s.upper for s in self.sensors if s.quantity == "power" and s.upper}
        self.peaks = {s.id: peaks.get(s.host, DEFAULT_METER_PEAK_KW) for s in self.sensors}
        log.info("simulator: %d sensors (%d energy registers)", len(docs), len(self.registers))
        return self.sensors

    def connect_mqtt(self) -> bool:
        """Connect to the broker when one is configured and answers; else readings go by HTTP."""
        if not self.config.mqtt_url:
            return False
        u = urlparse(self.config.mqtt_url)
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"twin-sim-{self.config.seed}")
        try:
            client.connect(u.hostname or "127.0.0.1", u.port or 1883, keepalive=30)
        except OSError as exc:
            log.warning("simulator: broker %s unreachable (%s); posting over HTTP", u.netloc, exc)
            return False
        client.loop_start()
        self._mqtt = client
        return True

    # -- one tick -------------------------------------------------------------------------
    def readings(self, t: float) -> list[dict[str, Any]]:
        """One reading per sensor the simulator can drive, at epoch second ``t``."""
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t
        active = tuple(f for f in self.faults if f.active(t))
        out: list[dict[str, Any]] = []
        for s in self.sensors:
            if s.quantity == "energy":
                peak = self.peaks.get(s.id, DEFAULT_METER_PEAK_KW)
                self.registers[s.id] += peak * power_fraction(t) * dt / 3600.0
                v: float | None = round(self.registers[s.id], 3)
            else:
                v = value_at(s, t, self.rng, active)
            if v is not None:
                out.append({"sensor": s.id, "t": _iso(t), "value": round(v, 4)})
        return out

    def publish(self, items: list[dict[str, Any]]) -> None:
        if not items:
            return
        if self._mqtt is not None:
            info = self._mqtt.publish(self.config.topic, json.dumps(items), qos=1)
            if info.rc == mqtt.MQTT_ERR_SUCCESS:
                self.published += len(items)
                return
            log.warning("simulator: MQTT publish failed (rc %s); posting over HTTP", info.rc)
        r = self.http.post("/readings", json=items)
        r.raise_for_status()
        self.published += len(items)

    def maybe_fault(self, t: float, started: float) -> Fault | None:
        c = self.config
        if c.fault_every <= 0 or t - started < c.first_fault_after:
            return None
        n = len(self.faults)
        if n and t - self.faults[-1].start < c.fault_every:
            return None
        f = choose_fault(self.sensors, t, c.fault_duration, self.rng, n)
        if f is not None:
            self.faults.append(f)
            log.info("simulator: injected %s on sensor %s for %.0f s", f.kind, f.sensor, f.duration)
        return f

    def tick(self, t: float, started: float) -> int:
        self.maybe_fault(t, started)
        items = self.readings(t)
        self.publish(items)
        return len(items)

    # -- the loop -------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        """Wait for the server, then publish ``rate`` ticks per second until ``stop``."""
        if not self.wait_ready(stop):
            log.warning("simulator: server at %s not ready; not started", self.config.base_url)
            return
        self.load_sensors()
        self.connect_mqtt()
        started = time.time()
        period = 1.0 / self.config.rate if self.config.rate > 0 else 5.0
        try:
            while not stop.is_set():
                t0 = time.monotonic()
                try:
                    self.tick(time.time(), started)
                except httpx.HTTPError as exc:
                    log.warning("simulator: tick not delivered: %s", exc)
                stop.wait(max(0.0, period - (time.monotonic() - t0)))
        finally:
            self.close()

    def close(self) -> None:
        if self._mqtt is not None:
            self._mqtt.loop_stop()
            self._mqtt.disconnect()
            self._mqtt = None
        self.http.close()

    def start_thread(self, stop: threading.Event) -> threading.Thread:
        th = threading.Thread(target=self.run, args=(stop,), name="twin-simulator", daemon=True)
        th.start()
        return th
