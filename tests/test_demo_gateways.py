"""``twin demo --gateways`` (issue 18): the demo starts simulated BMS devices (a Modbus meter and
one BACnet controller per storey) and the gateways that poll them; values read from a device's
register or object reach the live store and are served on ``/sensors``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.mqtt_support import free_port

REPO = Path(__file__).resolve().parents[1]


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def _gateway_sensors(base: str) -> dict[str, Any]:
    try:
        return {s["id"]: s for s in _get(f"{base}/sensors") if s["id"].startswith("msb-meter.")}
    except OSError:
        return {}


@pytest.mark.slow
def test_demo_gateways_feed_the_store(
    small_hospital: Path, twin_cache_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    env = dict(os.environ)
    env.pop("TWIN_MQTT_URL", None)
    env.pop("TWIN_GATEWAYS", None)
    env.update(TWIN_AUTH="false", TWIN_WARM_UP="false")
    cmd = [
        sys.executable, "-m", "twin.cli", "demo", "--model", str(small_hospital),
        "--port", str(port), "--store", f"sqlite:///{tmp_path}/live.db",
        "--cache-dir", str(twin_cache_dir), "--no-simulate", "--no-seed", "--gateways",
    ]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with open(tmp_path / "demo.log", "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            end = time.monotonic() + 90
            meter: dict[str, Any] = {}
            while time.monotonic() < end:
                meter = _gateway_sensors(base).get("msb-meter.active_power", {})
                if meter.get("last_value") is not None:
                    break
                time.sleep(0.5)
            assert meter.get("last_value") is not None, (tmp_path / "demo.log").read_text()
            # the simulator drives 180 + 40 sin(k/12) kW into holding registers 20-21 (float32)
            assert 140.0 <= meter["last_value"] <= 220.0
            gw = _get(f"{base}/gateways")
            assert gw["configured"] is True
            bac = [p for p in _get(f"{base}/gateways/points") if p["protocol"] == "bacnet"]
            assert bac, "no BACnet point discovered"
        finally:
            proc.terminate()
            proc.wait(timeout=20)
