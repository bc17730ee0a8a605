"""BACnet/IP gateway end to end against bacpypes3 devices on the loopback (each its own UDP
port): Who-Is and object-list discovery (names, units, descriptions as the devices hold them),
present values -> readings in the live store (SQLite and PostgreSQL) -> a rule's alarm, a device
that goes silent -> its points stale and one device alarm; writes refused unless allowed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from tests.gateway_support import BacnetSim, free_port
from twin.gateways.bacnet import BacnetReader, WritesDisabled
from twin.gateways.poll import Gateway
from twin.live.records import AlarmRule
from twin.live.store import LiveStore

AHU = [
    {
        "type": "analog-input",
        "instance": 1,
        "objectName": "AHU-01 supply air temperature",
        "description": "Supply air temperature, AHU-01",
        "presentValue": 18.5,
        "units": "degreesCelsius",
        "statusFlags": [0, 0, 0, 0],
    },
    {
        "type": "binary-input",
        "instance": 1,
        "objectName": "AHU-01 supply fan status",
        "description": "",
        "presentValue": "active",
        "statusFlags": [0, 0, 0, 0],
    },
    {
        "type": "analog-value",
        "instance": 3,
        "objectName": "Room 0.12 temperature setpoint",
        "description": "Setpoint of room 0.12",
        "presentValue": 21.0,
        "units": "degreesCelsius",
        "statusFlags": [0, 0, 0, 0],
    },
]
ROOM = [
    {
        "type": "analog-input",
        "instance": 7,
        "objectName": "Room 1.04 humidity",
        "description": "Relative humidity in room 1.04",
        "presentValue": 41.0,
        "units": "percentRelativeHumidity",
        "statusFlags": [0, 0, 0, 0],
    }
]


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    lp = asyncio.new_event_loop()
    yield lp
    lp.close()


@pytest.fixture
def devices() -> Iterator[tuple[BacnetSim, BacnetSim]]:
    a, b = BacnetSim(1001, AHU, "AHU-01 controller"), BacnetSim(1002, ROOM, "Room controller")
    yield a, b
    a.close()
    b.close()


def _reader(loop: asyncio.AbstractEventLoop, **kw: Any) -> BacnetReader:
    r = BacnetReader(f"127.0.0.1:{free_port(2)}", timeout_s=0.5, **kw)  # 2 = SOCK_DGRAM
    loop.run_until_complete(r.start())
    return r


def test_discovery_reads_what_the_devices_hold(loop, devices) -> None:  # type: ignore[no-untyped-def]
    a, b = devices
    r = _reader(loop)
    found = loop.run_until_complete(r.who_is(a.address, timeout_s=1.0))
    assert [(d.instance, d.address) for d in found] == [(1001, a.address)]
    dev = loop.run_until_complete(r.discover(found[0]))
    assert dev.name == "AHU-01 controller"
    got = {p.ref: (p.name, p.description, p.unit, p.quantity) for p in dev.points}
    assert got == {
        "analog-input,1": (AHU[0]["objectName"], AHU[0]["description"], "degC", "temperature"),
        "binary-input,1": (AHU[1]["objectName"], "", "", "state"),
        "analog-value,3": (AHU[2]["objectName"], AHU[2]["description"], "degC", "temperature"),
    }
    assert all(p.id.startswith("bacnet-1001.") for p in dev.points)
    other = loop.run_until_complete(r.who_is(b.address, timeout_s=1.0))
    assert [d.instance for d in other] == [1002]
    loop.run_until_complete(r.close())


def test_bacnet_end_to_end_poll_alarm_and_a_silent_device(store: LiveStore, loop, devices) -> None:  # type: ignore[no-untyped-def]
    a, b = devices
    r = _reader(loop)
    found = [loop.run_until_complete(r.who_is(s.address, 1.0))[0] for s in devices]
    devs = [loop.run_until_complete(r.discover(d)) for d in found]
    clock = [0.0]
    gw = Gateway(store, "bacnet", devs, r, interval_s=5.0, timeout_s=1.5, clock=lambda: clock[0])
    gw.register()
    temp = "bacnet-1001.analog-input-1"
    store.add_rule(AlarmRule(id=0, kind="above", sensor=temp, threshold=30.0, severity="major"))

    rep = loop.run_until_complete(gw.poll_once())
    assert rep.failed == () and rep.values == 4
    assert store.sensor(temp).last_value == pytest.approx(18.5)
    assert store.sensor("bacnet-1001.binary-input-1").last_value == 1.0  # active
    assert store.sensor("bacnet-1002.analog-input-7").last_value == pytest.approx(41.0)
    assert store.sensor("bacnet-1002.analog-input-7").unit == "%"

    a.set("analog-input,1", 34.5)  # the supply air overheats
    a.set("binary-input,1", "inactive")
    clock[0] += 5
    loop.run_until_complete(gw.poll_once())
    assert store.sensor(temp).last_value == pytest.approx(34.5)
    assert store.sensor("bacnet-1001.binary-input-1").last_value == 0.0
    assert [(x.sensor, x.kind) for x in store.alarms(state="active")] == [(temp, "above")]

    # a point deleted from the controller: the device still answers, the rest still read
    a.remove("binary-input,1")
    a.set("analog-input,1", 33.0)
    clock[0] += 5
    rep = loop.run_until_complete(gw.poll_once())
    assert rep.failed == () and rep.values == 3
    assert store.sensor(temp).last_value == pytest.approx(33.0)
    assert len(store.raw("bacnet-1001.binary-input-1")) == 2

    b.stop_device()  # the room controller goes silent
    for _ in range(2):
        clock[0] += 400
        rep = loop.run_until_complete(gw.poll_once())
        assert rep.failed == ("bacnet-1002",)
    active = sorted(x.sensor for x in store.alarms(state="active"))
    assert active == ["bacnet-1001.analog-input-1", "gw.bacnet-1002"]
    assert gw.stale_points() == ["bacnet-1002.analog-input-7"]
    assert len(store.raw("bacnet-1002.analog-input-7")) == 3
    assert len(store.raw(temp)) == 5  # the AHU kept being polled
    loop.run_until_complete(r.close())


def test_writes_are_off_by_default_and_work_when_allowed(loop, devices) -> None:  # type: ignore[no-untyped-def]
    a, _ = devices
    for allow in (False, True):
        r = _reader(loop, allow_writes=allow)
        dev = loop.run_until_complete(r.discover(loop.run_until_complete(r.who_is(a.address))[0]))
        setpoint = next(p.id for p in dev.points if p.ref == "analog-value,3")
        if not allow:
            with pytest.raises(WritesDisabled):
                loop.run_until_complete(r.write(setpoint, 23.5))
            assert a.get("analog-value,3") == pytest.approx(21.0)
        else:
            loop.run_until_complete(r.write(setpoint, 23.5))
            assert a.get("analog-value,3") == pytest.approx(23.5)
        loop.run_until_complete(r.close())


def test_cov_pushes_values_between_polls_where_the_device_supports_it(tmp_path, loop) -> None:  # type: ignore[no-untyped-def]
    from twin.live.store import open_store

    dev = BacnetSim(1003, [
        {"type": "analog-input", "instance": 1, "objectName": "Room 2.10 CO2",
         "presentValue": 450.0, "units": "partsPerMillion", "covIncrement": 1.0,
         "statusFlags": [0, 0, 0, 0]},
        {"type": "analog-value", "instance": 2, "objectName": "Old setpoint", "cov": False,
         "presentValue": 5.0, "units": "degreesCelsius", "statusFlags": [0, 0, 0, 0]},
    ])  # fmt: skip
    store = open_store(f"sqlite:///{tmp_path / 'live.db'}")
    r = _reader(loop)
    try:
        d = loop.run_until_complete(r.discover(loop.run_until_complete(r.who_is(dev.address))[0]))
        gw = Gateway(store, "bacnet", [d], r, interval_s=3600.0)
        gw.register()
        subscribed = loop.run_until_complete(r.subscribe(d, gw.push))
        assert subscribed == ["bacnet-1003.analog-input-1"]  # the other point is polled only

        async def until(sensor: str, value: float) -> bool:
            for _ in range(60):
                if store.sensor(sensor).last_value == value:
                    return True
                await asyncio.sleep(0.05)
            return False

        co2, old = "bacnet-1003.analog-input-1", "bacnet-1003.analog-value-2"
        assert loop.run_until_complete(until(co2, 450.0))  # the subscription's first value
        dev.set("analog-input,1", 1250.0)
        dev.set("analog-value,2", 7.0)
        assert loop.run_until_complete(until(co2, 1250.0))  # no poll in between
        assert store.sensor(old).last_value is None  # not pushed: waits for a poll
        loop.run_until_complete(gw.poll_once())
        assert store.sensor(old).last_value == 7.0
    finally:
        loop.run_until_complete(r.close())
        dev.close()
        store.close()
