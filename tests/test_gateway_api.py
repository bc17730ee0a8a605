"""Gateways through the API: the app starts them from ``TWIN_GATEWAYS`` against a pymodbus
server and a bacpypes3 device on the loopback, reports their health in ``/health``, suggests a
binding from a room number of the served hospital (read back from the IFC file with
ifcopenshell), confirms it (the sensor is placed), round-trips the CSV, refuses setpoint writes
by default, and raises one device alarm when the Modbus device goes away."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.util.element
import pytest

from tests.gateway_support import BacnetSim, ModbusSim, float_words, free_port

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
METER_MAP = Path(__file__).resolve().parent.parent / "config" / "gateways" / "power-meter.yaml"


def _room(path: Path) -> tuple[str, str, str]:
    """A room number, its GlobalId and its storey's, straight from the IFC file (not through
    the twin)."""
    f = ifcopenshell.open(str(path))
    spaces = [s for s in f.by_type("IfcSpace") if s.Name and "." in s.Name]
    names = [s.Name for s in spaces]
    s = min((s for s in spaces if names.count(s.Name) == 1), key=lambda s: s.Name)
    return s.Name, s.GlobalId, ifcopenshell.util.element.get_aggregate(s).GlobalId


def _wait(check: Callable[[], Any], timeout: float = 8.0) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = check()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_gateways_through_the_api(hospital_api, small_hospital: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    number, space, storey = _room(small_hospital)
    meter = ModbusSim()
    meter.set_holding(20, float_words(7.25))
    ahu = BacnetSim(2001, [{
        "type": "analog-input", "instance": 1, "objectName": f"Room {number} temperature",
        "description": "", "presentValue": 22.5, "units": "degreesCelsius",
        "statusFlags": [0, 0, 0, 0],
    }], "Zone controller")  # fmt: skip
    cfg = tmp_path / "gateways.yaml"
    cfg.write_text(
        f"interval_s: 0.3\ntimeout_s: 1\nmax_backoff_s: 1\nbindings: bindings.csv\n"
        f"modbus:\n  - {{id: meter-1, host: 127.0.0.1, port: {meter.port}, unit: 1, "
        f"map: {METER_MAP}}}\n"
        f"bacnet:\n  local: 127.0.0.1:{free_port(2)}\n  devices: ['{ahu.address}']\n"
    )
    bac = "bacnet-2001.analog-input-1"
    try:
        with hospital_api(gateways=str(cfg)) as client:
            h = _wait(lambda: (r := client.get("/health").json())["gateways"]["up"] == 2 and r)
            assert h["gateways"] == {"devices": 2, "up": 2, "down": 0, "down_devices": []}
            pts = {p["id"]: p for p in client.get("/gateways/points").json()}
            assert set(pts) == {bac, "meter-1.active_power", "meter-1.energy",
                                "meter-1.panel_temperature"}  # fmt: skip
            _wait(lambda: client.get(f"/sensors/{bac}").json().get("last_value") == 22.5)
            power = client.get("/sensors/meter-1.active_power").json()
            assert power["last_value"] == pytest.approx(7.25)

            sug = {b["point"]: b for b in client.post("/gateways/bindings/suggest").json()}
            assert sug[bac]["status"] == "suggested" and sug[bac]["space"] == space
            assert sug["meter-1.energy"]["status"] == "unmatched"
            r = client.put(f"/gateways/bindings/{bac}", json={"space": space})
            assert r.status_code == 200, r.text
            assert client.get(f"/sensors/{bac}").json()["space"] == space
            plan = f"/storeys/{storey}/plan.svg"
            svg = client.get(plan, params={"overlay": "sensor:temperature"})
            assert f'data-guid="{space}"' in svg.text and "22.5 degc" in svg.text.lower()

            csv_text = client.get("/gateways/bindings.csv").text
            row = next(ln for ln in csv_text.splitlines() if ln.startswith(bac + ","))
            assert ",confirmed," in row and space in row
            body = f"point,space,status\nmeter-1.active_power,{space},confirmed\n"
            r = client.put("/gateways/bindings.csv", content=body,
                           headers={"content-type": "text/csv"})  # fmt: skip
            assert r.status_code == 200, r.text
            assert client.get("/sensors/meter-1.active_power").json()["space"] == space
            bad = client.put("/gateways/bindings.csv", content="point,space\nnope,x\n",
                             headers={"content-type": "text/csv"})  # fmt: skip
            assert bad.status_code == 422 and "unknown point" in bad.json()["detail"]
            assert (tmp_path / "bindings.csv").read_text().count(",confirmed,") == 2

            w = client.post(f"/gateways/points/{bac}/write", json={"value": 19.0})
            assert w.status_code == 403 and w.json()["title"] == "BACnet writes are disabled"

            meter.stop_server()
            _wait(lambda: client.get("/health").json()["gateways"]["down_devices"] == ["meter-1"])
            time.sleep(1.0)  # several more failed polls
            active = client.get("/alarms", params={"state": "active"}).json()
            assert [a["sensor"] for a in active] == ["gw.meter-1"]
            assert active[0]["space"] == space  # where its bound point is
            svg = client.get(plan, params={"overlay": "alarms"})
            assert f'data-guid="{space}"' in svg.text
            stale = {p["id"] for p in client.get("/gateways/points").json() if p["stale"]}
            assert stale == {"meter-1.active_power", "meter-1.energy", "meter-1.panel_temperature"}
    finally:
        meter.close()
        ahu.close()


def test_without_configuration_the_gateways_are_off(hospital_api) -> None:  # type: ignore[no-untyped-def]
    with hospital_api() as client:
        assert "gateways" not in client.get("/health").json()
        assert client.get("/gateways").json()["configured"] is False
        assert client.get("/gateways/points").json() == []
        r = client.put("/gateways/bindings/x.y", json={"space": None})
        assert r.status_code == 404


def test_an_allowed_setpoint_write_reaches_the_device_and_is_audited(  # type: ignore[no-untyped-def]
    hospital_api, tmp_path: Path
) -> None:
    ahu = BacnetSim(2002, [{
        "type": "analog-value", "instance": 4, "objectName": "AHU-02 supply setpoint",
        "description": "", "presentValue": 18.0, "units": "degreesCelsius",
        "statusFlags": [0, 0, 0, 0],
    }], "AHU-02 controller")  # fmt: skip
    cfg = tmp_path / "gateways.json"
    local = f"127.0.0.1:{free_port(2)}"
    doc = {"interval_s": 0.5, "bacnet": {"local": local, "devices": [ahu.address],
                                         "allow_writes": True}}  # fmt: skip
    cfg.write_text(json.dumps(doc))
    point = "bacnet-2002.analog-value-4"
    try:
        with hospital_api(gateways=str(cfg)) as client:
            r = client.post(f"/gateways/points/{point}/write", json={"value": 16.5, "priority": 9})
            assert r.status_code == 204, r.text
            assert ahu.get("analog-value,4") == pytest.approx(16.5)
            _wait(lambda: client.get(f"/sensors/{point}").json().get("last_value") == 16.5)
            audit = client.get("/audit", params={"action": "gateway."}).json()
            assert [(a["action"], a["target"]) for a in audit] == [
                ("gateway.write", f"point:{point}")
            ]
            assert audit[0]["detail"] == {"value": 16.5, "priority": 9}
            r = client.post(f"/gateways/points/{point}/write", json={"value": 1, "priority": 17})
            assert r.status_code == 422
            r = client.post("/gateways/points/nope.x/write", json={"value": 1})
            assert r.status_code == 404
    finally:
        ahu.close()
