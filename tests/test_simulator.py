"""The live demo (issue 16): ``twin demo`` starts a simulator beside the server that is a client
of the public API or MQTT; within seconds there are readings, an alarm and a ticket. Signals are
pure functions, checked against the sensor's own band."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.mqtt_support import Broker, free_port
from twin.simulator.signals import FAULT_KINDS, Fault, SimSensor, choose_fault, value_at

REPO = Path(__file__).resolve().parents[1]

T0 = 1_780_000_000.0  # a fixed instant: values are reproducible with a seeded generator


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


@pytest.mark.parametrize(
    ("quantity", "lo", "hi"),
    [("temperature", 18.0, 24.0), ("oxygen_pressure", 400.0, 500.0), ("power", 0.0, 40.0)],
)
def test_normal_values_stay_in_band(quantity: str, lo: float, hi: float) -> None:
    s = SimSensor("s", quantity, lower=lo, upper=hi)
    rng = random.Random(1)
    raw = [value_at(s, T0 + 600 * i, rng) for i in range(24 * 6 * 7)]  # a week, 10 min
    values = [v for v in raw if v is not None]
    assert len(values) == len(raw) and all(lo < v < hi for v in values)
    assert max(values) - min(values) > 0.05 * (hi - lo)  # not a flat line


def test_temperature_is_diurnal() -> None:
    s = SimSensor("s", "temperature", lower=18.0, upper=24.0)
    rng = random.Random(2)
    day = [value_at(s, T0 + 3600 * h, rng) or 0.0 for h in range(24 * 14)]
    by_hour = [sum(day[h::24]) / 14 for h in range(24)]
    assert max(by_hour) - min(by_hour) > 1.0  # a 6 K band: the sine swings +-0.9 K


def test_a_fault_takes_the_sensor_out_of_its_band() -> None:
    o2 = SimSensor("o2", "oxygen_pressure", lower=400.0, upper=500.0)
    cold = SimSensor("cold", "temperature", lower=2.0, upper=8.0, criticality="cold_chain")
    pump = SimSensor("cw", "pressure", lower=300.0, upper=600.0, host="pump")
    rng = random.Random(3)
    faults = tuple(
        Fault(k, s.id, T0, 100.0) for k, s in zip(FAULT_KINDS, (o2, cold, pump), strict=True)
    )
    after_ramp = T0 + 30.0
    assert (value_at(o2, after_ramp, rng, faults) or 1e9) < 400.0
    assert (value_at(cold, after_ramp, rng, faults) or -1e9) > 8.0
    assert (value_at(pump, after_ramp, rng, faults) or 1e9) < 300.0
    assert 400.0 < (value_at(o2, T0 + 150.0, rng, faults) or 0.0) < 500.0  # fault over


def test_faults_take_kinds_in_turn_and_skip_kinds_without_a_sensor() -> None:
    sensors = [
        SimSensor("o2", "oxygen_pressure", lower=400.0, upper=500.0),
        SimSensor("cw", "pressure", lower=300.0, upper=600.0, host="pump"),
        SimSensor("room", "pressure", lower=0.0, upper=1.0),  # no host: no pump to trip
    ]
    rng = random.Random(4)
    kinds = [choose_fault(sensors, T0, 60.0, rng, n) for n in range(4)]
    assert [(f.kind, f.sensor) for f in kinds if f] == [
        ("oxygen_drop", "o2"), ("pump_trip", "cw"), ("pump_trip", "cw"), ("oxygen_drop", "o2")
    ]  # fmt: skip
    assert choose_fault([SimSensor("x", "co2")], T0, 60.0, rng, 0) is None


@contextmanager
def twin_demo(
    model: Path, cache_dir: Path, tmp_path: Path, mqtt_url: str | None = None, topic: str = ""
) -> Iterator[str]:
    """``twin demo`` itself (a subprocess) with faults every few seconds; the server consumes
    MQTT from ``mqtt_url`` under ``topic`` when given, else the simulator posts over HTTP."""
    port = free_port()
    env = dict(os.environ)
    env.pop("TWIN_MQTT_URL", None)
    env.update(TWIN_AUTH="false", TWIN_WARM_UP="false")
    if mqtt_url:
        env.update(TWIN_MQTT_URL=mqtt_url, TWIN_MQTT_TOPIC=f"{topic}/#", TWIN_MQTT_CLIENT_ID=topic)
    cmd = [
        sys.executable, "-m", "twin.cli", "demo", "--model", str(model),
        "--port", str(port), "--store", f"sqlite:///{tmp_path}/live.db",
        "--cache-dir", str(cache_dir), "--rate", "2", "--fault-every", "4",
        "--fault-duration", "30",
    ]  # fmt: skip
    with open(tmp_path / "demo.log", "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=20)


#: Names the demo's auto-ticketing rules start with (twin.live.demo_seed.demo_rules).
FAULT_RULES = ("oxygen low", "cold room warm", "pump trip")


def _snapshot(base: str) -> dict[str, Any]:
    sensors = _get(f"{base}/sensors")
    return {
        "sensors": sensors,
        "read": [s for s in sensors if s["last_value"] is not None],
        "alarms": _get(f"{base}/alarms"),
        "tickets": _get(f"{base}/tickets"),
        "rules": {f"rule:{r['id']}": r["name"] for r in _get(f"{base}/alarm-rules")},
    }


def _problems(seen: dict[str, Any]) -> list[str]:
    """What the live demo does not show yet (empty: readings, a fault alarm and its ticket).
    Other areas' demo seeds add alarms and tickets of their own: only the alarms of the
    simulator's fault rules count."""
    if not seen:
        return ["the demo server never answered"]
    out = []
    drivable = {
        s["id"] for s in seen["sensors"] if s["lower"] is not None or s["quantity"] == "energy"
    }
    unread = drivable - {s["id"] for s in seen["read"]}
    if unread:
        out.append(f"{len(unread)} sensors without a reading")
    tickets = {t["id"] for t in seen["tickets"]}
    fault_alarms = [
        a for a in seen["alarms"]
        if seen["rules"].get(a["rule"], "").startswith(FAULT_RULES) and a["ticket"] in tickets
    ]  # fmt: skip
    if not fault_alarms:
        out.append("no alarm of a fault rule with its ticket")
    return out


def _wait_for(base: str, timeout: float = 90.0) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            seen = _snapshot(base)
            if not _problems(seen):
                return seen
        except OSError:
            pass
        time.sleep(0.5)
    return seen


def _check_alive(seen: dict[str, Any]) -> None:
    assert _problems(seen) == []


@pytest.mark.slow
def test_demo_is_alive_over_http(
    small_hospital: Path, twin_cache_dir: Path, tmp_path: Path
) -> None:
    with twin_demo(small_hospital, twin_cache_dir, tmp_path) as base:
        _check_alive(_wait_for(base))


@pytest.mark.slow
def test_demo_is_alive_over_mqtt(
    small_hospital: Path, twin_cache_dir: Path, tmp_path: Path
) -> None:
    broker = Broker(tmp_path)
    broker.start()
    topic = f"t16-{uuid.uuid4().hex[:8]}"
    heard: list[str] = []  # what went through the broker on the demo's topic
    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{topic}-listen")
    sub.on_message = lambda _c, _u, m: heard.append(m.topic)
    sub.connect("127.0.0.1", broker.port)
    sub.subscribe(f"{topic}/#")
    sub.loop_start()
    try:
        with twin_demo(small_hospital, twin_cache_dir, tmp_path, broker.url, topic) as base:
            _check_alive(_wait_for(base))
        assert heard and set(heard) == {topic}
    finally:
        sub.loop_stop()
        sub.disconnect()
        broker.stop()
