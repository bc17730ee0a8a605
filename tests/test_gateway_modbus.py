"""Modbus TCP gateway end to end against pymodbus's own server on the loopback: register map ->
decoded value -> reading in the live store (SQLite and PostgreSQL) -> limit alarm; a device that
disappears makes its points stale and raises one device alarm; back-off; decoding truths computed
with ``struct``, independently of the decoder."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from pathlib import Path

import pytest

from tests.gateway_support import ModbusSim, float_words
from twin.gateways.health import backoff_s
from twin.gateways.modbus import ModbusDevice, ModbusReader, blocks, modbus_device
from twin.gateways.poll import Gateway
from twin.gateways.registers import (
    RegisterMapError,
    RegisterPoint,
    decode,
    load_register_map,
    parse_register_map,
)
from twin.live.store import LiveStore

REPO = Path(__file__).resolve().parent.parent
METER_MAP = REPO / "config" / "gateways" / "power-meter.yaml"
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _words(fmt: str, value: float) -> list[int]:
    raw = struct.pack(fmt, value)
    return [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]


@pytest.mark.parametrize(
    ("type_", "value", "byte_order", "word_order", "fmt"),
    [
        ("int16", -1234, "big", "big", ">h"),
        ("uint16", 65000, "big", "big", ">H"),
        ("int32", -70000, "big", "big", ">i"),
        ("uint32", 4_000_000_000, "big", "little", ">I"),
        ("float32", 21.5, "big", "little", ">f"),
        ("float32", -3.25, "little", "big", ">f"),
        ("float32", 1013.25, "little", "little", ">f"),
    ],
)
def test_decode_every_order(type_, value, byte_order, word_order, fmt) -> None:  # type: ignore[no-untyped-def]
    words = _words(fmt, value)  # the device's order is big/big; reorder as a device would send
    if word_order == "little":
        words.reverse()
    if byte_order == "little":
        words = [int.from_bytes(w.to_bytes(2, "big"), "little") for w in words]
    p = RegisterPoint("x", 0, type=type_, byte_order=byte_order, word_order=word_order)
    assert decode(words, p) == pytest.approx(value, rel=1e-6)


def test_scale_offset_and_wrong_count() -> None:
    p = RegisterPoint("t", 0, type="int16", scale=0.1, offset=-5.0)
    assert decode([215], p) == pytest.approx(16.5)
    with pytest.raises(RegisterMapError):
        decode([1, 2], p)


def test_blocks_merge_neighbours_but_not_tables() -> None:
    pts = [
        RegisterPoint("a", 10, "int16"),
        RegisterPoint("b", 20, "float32"),
        RegisterPoint("c", 30, "uint32"),
        RegisterPoint("d", 500, "int16"),
        RegisterPoint("e", 10, "int16", table="input"),
    ]
    assert blocks(pts) == [("holding", 10, 22), ("holding", 500, 1), ("input", 10, 1)]


def test_register_maps_load_from_yaml_and_json(tmp_path: Path) -> None:
    m = load_register_map(METER_MAP)
    assert [p.name for p in m.points] == ["active_power", "energy", "panel_temperature"]
    assert m.points[1].word_order == "little" and m.points[1].scale == 0.1
    j = tmp_path / "m.json"
    j.write_text(json.dumps({"model": "x", "points": [{"name": "p", "address": 1}]}))
    assert load_register_map(j).points[0].type == "uint16"
    for bad in (
        {"points": []},
        {"points": [{"name": "p", "address": 1, "type": "int64"}]},
        {"points": [{"name": "p", "address": 70000}]},
        {"points": [{"name": "p", "address": 1, "colour": "red"}]},
        {"points": [{"name": "p", "address": 1}, {"name": "p", "address": 2}]},
    ):
        with pytest.raises(RegisterMapError):
            parse_register_map(bad)


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [backoff_s(n, 2.0, 30.0) for n in range(6)] == [2.0, 2.0, 4.0, 8.0, 16.0, 30.0]


# -- end to end against the real pymodbus server -----------------------------------------------
@pytest.fixture
def run():  # type: ignore[no-untyped-def]
    """One event loop per test, as a gateway process has (its clients live on that loop)."""
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


@pytest.fixture
def sims():  # type: ignore[no-untyped-def]
    a, b = ModbusSim(), ModbusSim()
    yield a, b
    a.close()
    b.close()


def _gateway(store: LiveStore, sims: tuple[ModbusSim, ModbusSim], clock: list[float]) -> Gateway:
    rmap = load_register_map(METER_MAP)
    devs = [
        ModbusDevice("meter-a", "127.0.0.1", sims[0].port, 1, rmap),
        ModbusDevice("meter-b", "127.0.0.1", sims[1].port, 1, rmap),
    ]
    reader = ModbusReader(devs, timeout_s=1.0)
    gw = Gateway(
        store,
        "modbus",
        [modbus_device(d) for d in devs],
        reader,
        interval_s=5.0,
        timeout_s=1.0,
        max_backoff_s=20.0,
        clock=lambda: clock[0],
    )
    gw.register()
    return gw


def _set(sim: ModbusSim, power: float, energy_tenths: int, temp_tenths: int) -> None:
    sim.set_holding(20, float_words(power))
    hi, lo = divmod(energy_tenths, 0x10000)
    sim.set_holding(30, [lo, hi])  # low word first, as the map says
    sim.set_holding(10, [temp_tenths & 0xFFFF])


def _active(store: LiveStore) -> list[tuple[str, str]]:
    return sorted((a.sensor, a.rule) for a in store.alarms(state="active"))


def test_modbus_end_to_end_values_alarms_and_a_lost_device(store: LiveStore, sims, run) -> None:  # type: ignore[no-untyped-def]
    a, b = sims
    clock = [1000.0]
    gw = _gateway(store, sims, clock)
    _set(a, 12.5, 123_456, 215)
    _set(b, 3.75, 70_000, -52)
    rep = run(gw.poll_once())
    assert rep.failed == () and rep.values == 6 and rep.result is not None
    assert rep.result.accepted == 8  # 6 values + 2 device status readings
    assert store.sensor("meter-a.active_power").last_value == pytest.approx(12.5)
    assert store.sensor("meter-a.energy").last_value == pytest.approx(12345.6)
    assert store.sensor("meter-b.panel_temperature").last_value == pytest.approx(-5.2)
    assert _active(store) == []

    # values change on the device; the panel overheats -> the map's upper limit raises an alarm
    _set(a, 14.0, 123_466, 481)
    clock[0] += 5.0
    rep = run(gw.poll_once())
    assert rep.polled == ("meter-a", "meter-b")
    assert store.sensor("meter-a.active_power").last_value == pytest.approx(14.0)
    assert [v for _, v in store.raw("meter-a.energy")] == pytest.approx([12345.6, 12346.6])
    assert _active(store) == [("meter-a.panel_temperature", "limit:upper")]

    # meter-b disappears: its points go stale, one device alarm, meter-a still polled
    b.stop_server()
    for _ in range(3):
        _set(a, 15.0 + clock[0] / 1000, 123_470, 300)
        clock[0] += 25.0  # past any back-off
        rep = run(gw.poll_once())
        assert rep.failed == ("meter-b",)
        sent = 15.0 + (clock[0] - 25) / 1000
        assert store.sensor("meter-a.active_power").last_value == pytest.approx(sent)
    assert _active(store) == [("gw.meter-b", "limit:lower")]  # meter-a's temperature cleared
    names = ("active_power", "energy", "panel_temperature")
    assert gw.stale_points() == [f"meter-b.{n}" for n in names]
    health = {d["device"]: d for d in gw.status()["detail"]}
    assert health["meter-b"]["up"] is False and health["meter-b"]["failures"] == 3
    assert health["meter-a"]["up"] is True and health["meter-a"]["errors"] == 0
    assert len(store.raw("meter-b.active_power")) == 2  # the two polls before it went away

    # it comes back: the device alarm clears, its points are current again
    b.start()
    clock[0] += 25.0
    rep = run(gw.poll_once())
    assert rep.failed == ()
    assert _active(store) == []
    assert gw.stale_points() == []
    run(gw.reader.close())


def test_a_device_that_never_answers_times_out_and_backs_off(tmp_path: Path, sims, run) -> None:  # type: ignore[no-untyped-def]
    """A TCP peer that accepts and stays silent (a hung gateway box) costs one timeout per
    attempt, and the next attempt waits for the back-off while the good device is polled."""
    from twin.live.store import open_store

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    store = open_store(f"sqlite:///{tmp_path / 'live.db'}")
    rmap = load_register_map(METER_MAP)
    devs = [
        ModbusDevice("good", "127.0.0.1", sims[0].port, 1, rmap),
        ModbusDevice("hung", "127.0.0.1", silent.getsockname()[1], 1, rmap),
    ]
    clock = [0.0]
    gw = Gateway(
        store, "modbus", [modbus_device(d) for d in devs], ModbusReader(devs, 0.5),
        interval_s=5.0, timeout_s=0.5, max_backoff_s=60.0, clock=lambda: clock[0],
    )  # fmt: skip
    gw.register()
    rep = run(gw.poll_once())
    assert rep.failed == ("hung",) and "good" in rep.polled
    assert "Timeout" in gw.health.devices["hung"].last_error
    waits = []
    for _ in range(3):
        waits.append(gw.health.devices["hung"].next_due - clock[0])
        clock[0] = gw.health.devices["hung"].next_due
        run(gw.poll_once())
    waits.append(gw.health.devices["hung"].next_due - clock[0])
    assert waits == [5.0, 10.0, 20.0, 40.0]  # interval 5 s, doubled per failure in a row
    clock[0] += 5.0
    assert gw.health.due(clock[0]) == ["good"]  # the good one keeps its 5 s interval
    assert gw.health.devices["hung"].failures == 4
    assert [a.sensor for a in store.alarms(state="active")] == ["gw.hung"]
    silent.close()
    store.close()


def test_a_refused_block_skips_its_points_device_up(tmp_path: Path, sims, run) -> None:  # type: ignore[no-untyped-def]
    """The simulator holds 200 registers: address 500 draws an exception response (the device
    answered), so only that point is missing; a device refusing every read is down."""
    from twin.live.store import open_store

    a, _ = sims
    a.set_holding(20, float_words(3.5))
    a.set_input(10, [77])
    rmap = parse_register_map({"model": "m", "points": [
        {"name": "p", "address": 20, "type": "float32", "unit": "kW"},
        {"name": "missing", "address": 500, "type": "uint16"},
        {"name": "level", "address": 10, "table": "input", "unit": "%"},
    ]})  # fmt: skip
    only_bad = parse_register_map({"points": [{"name": "missing", "address": 500}]})
    devs = [
        ModbusDevice("meter", "127.0.0.1", a.port, 1, rmap),
        ModbusDevice("wrong-map", "127.0.0.1", a.port, 1, only_bad),
    ]
    store = open_store(f"sqlite:///{tmp_path / 'live.db'}")
    gw = Gateway(store, "modbus", [modbus_device(d) for d in devs], ModbusReader(devs, 1.0))
    gw.register()
    rep = run(gw.poll_once())
    assert rep.failed == ("wrong-map",) and rep.values == 2
    assert store.sensor("meter.p").last_value == pytest.approx(3.5)
    assert store.sensor("meter.level").last_value == 77.0
    assert store.sensor("meter.missing").last_value is None
    assert [x.sensor for x in store.alarms(state="active")] == ["gw.wrong-map"]
    run(gw.reader.close())
    store.close()
