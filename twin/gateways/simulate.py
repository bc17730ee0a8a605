"""Simulated building systems for the demo hospital: a Modbus power meter and one BACnet
controller per storey, on the loopback, with values that drift.

``python -m twin.gateways.simulate --model models_ifc/out/hospital_small.ifc --out var/gateways``
starts them, writes ``gateways.yaml`` and the meter's register map into ``--out``, and runs
until interrupted; then ``TWIN_GATEWAYS=var/gateways/gateways.yaml twin demo`` polls them.
The BACnet objects are named ``Room <number> temperature`` after the model's rooms, so the
binding suggestions (:mod:`twin.gateways.binding`) find their rooms. The same classes serve
the tests (``tests/gateway_support.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import socket
import struct
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bacpypes3.ipv4.app import NormalApplication
from bacpypes3.local.analog import AnalogInputObject, AnalogValueObject
from bacpypes3.local.binary import BinaryInputObject
from bacpypes3.local.device import DeviceObject
from bacpypes3.pdu import IPv4Address
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from twin.ifc.build import build_twin
from twin.model import Twin

__all__ = [
    "BacnetSimulator",
    "ModbusSimulator",
    "NoCovAnalogValue",
    "float_words",
    "free_port",
    "main",
    "run_demo",
    "start_demo_thread",
]

log = logging.getLogger(__name__)

METER_MAP = """model: demo-power-meter
points:
  - {name: active_power, address: 20, type: float32, unit: kW, quantity: power,
     description: Main switchboard active power}
  - {name: panel_temperature, address: 10, type: int16, scale: 0.1, unit: degC,
     quantity: temperature, upper: 45, description: Main switchboard panel temperature}
"""


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port the loopback has free now (bound and released)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def float_words(value: float) -> list[int]:
    """A float32 as two registers, high word first (the Modbus convention)."""
    hi, lo = struct.unpack(">HH", struct.pack(">f", value))
    return [hi, lo]


class ModbusSimulator:
    """pymodbus's TCP server with 200 holding and 200 input registers for one unit.

    ``set_holding`` / ``set_input`` queue values that the device's access hook (pymodbus 4's
    ``SimDevice(action=...)``) writes into its registers on the next request; thread-safe."""

    def __init__(self, port: int, unit: int = 1) -> None:
        self.port = port
        self.unit = unit
        self.pending: dict[int, dict[int, int]] = {3: {}, 4: {}}
        self.lock = threading.Lock()
        bits = [SimData(0, count=16, values=False, datatype=DataType.BITS)]
        regs = [SimData(0, count=200, values=0, datatype=DataType.REGISTERS)]
        self.device = SimDevice(unit, simdata=(bits, bits, regs, list(regs)), action=self._action)
        self.server: ModbusTcpServer | None = None

    async def _action(
        self, function_code: int, start_address: int, address: int, count: int,
        current_registers: list[int], set_values: Any,
    ) -> None:  # fmt: skip
        with self.lock:
            todo = self.pending.get(function_code, {})
            for addr, v in todo.items():
                current_registers[addr - start_address] = v
            todo.clear()

    async def start(self) -> None:
        self.server = ModbusTcpServer(self.device, address=("127.0.0.1", self.port))
        asyncio.get_running_loop().create_task(self.server.serve_forever())
        await asyncio.sleep(0.2)

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.shutdown()
            self.server = None

    def set_holding(self, address: int, values: Sequence[int]) -> None:
        with self.lock:
            self.pending[3].update({address + i: v for i, v in enumerate(values)})

    def set_input(self, address: int, values: Sequence[int]) -> None:
        with self.lock:
            self.pending[4].update({address + i: v for i, v in enumerate(values)})


class NoCovAnalogValue(AnalogValueObject):
    """An analog value whose device refuses COV subscriptions (older controllers do)."""

    _cov_criteria = None


_KINDS: dict[str, type] = {
    "analog-input": AnalogInputObject,
    "analog-value": AnalogValueObject,
    "binary-input": BinaryInputObject,
}


class BacnetSimulator:
    """A bacpypes3 BACnet/IP device on 127.0.0.1 with its own UDP port. ``objects`` are dicts
    of bacpypes3 property names plus ``type``, ``instance`` and ``cov`` (False: a device that
    refuses COV for that object)."""

    def __init__(self, instance: int, port: int, objects: list[dict[str, Any]], name: str) -> None:
        self.instance = instance
        self.address = f"127.0.0.1:{port}"
        self.spec = objects
        self.name = name
        self.app: NormalApplication | None = None
        self.objects: dict[str, Any] = {}

    async def start(self) -> None:
        dev = DeviceObject(objectIdentifier=("device", self.instance), objectName=self.name,
                           vendorIdentifier=999)  # fmt: skip
        self.app = NormalApplication(dev, IPv4Address(self.address))
        for o in self.spec:
            kw = {k: v for k, v in o.items() if k not in ("type", "instance", "cov")}
            cls = _KINDS[o["type"]] if o.get("cov", True) else NoCovAnalogValue
            obj = cls(objectIdentifier=(o["type"], o["instance"]), **kw)
            self.app.add_object(obj)
            self.objects[f"{o['type']},{o['instance']}"] = obj

    async def stop(self) -> None:
        if self.app is not None:
            self.app.close()
            self.app = None
            await asyncio.sleep(0.05)

    def remove(self, ref: str) -> None:
        """Delete an object, as a reconfigured controller does."""
        if self.app is not None:
            self.app.delete_object(self.objects.pop(ref))


def _room_objects(twin: Twin, storey: str, limit: int) -> list[dict[str, Any]]:
    rooms = sorted(
        (s for s in twin.spaces.values() if s.storey == storey and s.number), key=lambda s: s.number
    )[:limit]
    return [
        {"type": "analog-input", "instance": i + 1, "objectName": f"Room {s.number} temperature",
         "description": s.long_name, "presentValue": 21.0, "units": "degreesCelsius",
         "covIncrement": 0.2, "statusFlags": [0, 0, 0, 0]}
        for i, s in enumerate(rooms)
    ]  # fmt: skip


async def run_demo(
    twin: Twin, out: Path, *, rooms_per_storey: int = 8, period_s: float = 5.0,
    stop: asyncio.Event | None = None,
) -> Path:  # fmt: skip
    """Start the simulators for ``twin``, write ``out/gateways.yaml``, drift the values every
    ``period_s`` until ``stop`` is set (forever without one). Returns the configuration path."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "demo-meter.yaml").write_text(METER_MAP, encoding="utf-8")
    meter = ModbusSimulator(free_port())
    await meter.start()
    controllers = []
    for n, st in enumerate(
        sorted(twin.storeys.values(), key=lambda s: (s.building or "", s.index))
    ):
        objs = _room_objects(twin, st.guid, rooms_per_storey)
        if objs:
            c = BacnetSimulator(
                3000 + n, free_port(socket.SOCK_DGRAM), objs, f"{st.name} controller"
            )
            await c.start()
            controllers.append(c)
    devices = ", ".join(f"'{c.address}'" for c in controllers)
    cfg = out / "gateways.yaml"
    tmp = out / "gateways.yaml.tmp"  # renamed when complete: a reader never sees half a file
    tmp.write_text(
        "interval_s: 5\ntimeout_s: 2\nmax_backoff_s: 60\nbindings: bindings.csv\n"
        f"modbus:\n  - {{id: msb-meter, host: 127.0.0.1, port: {meter.port}, unit: 1, "
        "map: demo-meter.yaml, name: Main switchboard meter}\n"
        f"bacnet:\n  local: 127.0.0.1:{free_port(socket.SOCK_DGRAM)}\n  devices: [{devices}]\n",
        encoding="utf-8",
    )
    tmp.replace(cfg)
    log.info(
        "simulators up: 1 Modbus meter, %d BACnet controllers; config %s", len(controllers), cfg
    )
    k = 0
    try:
        while stop is None or not stop.is_set():
            wave = math.sin(k / 12)
            meter.set_holding(20, float_words(180.0 + 40.0 * wave))
            meter.set_holding(10, [round(10 * (31.0 + 3.0 * wave)) & 0xFFFF])
            for c in controllers:
                for i, obj in enumerate(c.objects.values()):
                    obj.presentValue = round(21.0 + 1.5 * math.sin(k / 10 + i), 1)
            k += 1
            if stop is None:
                await asyncio.sleep(period_s)
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), period_s)
    finally:
        await meter.stop()
        for c in controllers:
            await c.stop()
    return cfg


def start_demo_thread(
    twin: Twin, out: Path, stop: threading.Event, *, timeout_s: float = 30.0
) -> Path:
    """Run :func:`run_demo` in a daemon thread with its own event loop until ``stop`` is set
    (``twin demo --gateways`` does this beside the server). Returns the configuration path
    once the simulators answer, so the gateway service can load it; raises ``TimeoutError``
    when they do not start within ``timeout_s``."""
    cfg = out / "gateways.yaml"
    cfg.unlink(missing_ok=True)  # a stale file from an earlier run names dead ports

    async def runner() -> None:
        done = asyncio.Event()
        waiter = asyncio.create_task(asyncio.to_thread(stop.wait))
        waiter.add_done_callback(lambda _: done.set())
        await run_demo(twin, out, stop=done)

    thread = threading.Thread(target=asyncio.run, args=(runner(),), daemon=True, name="gw-sim")
    thread.start()
    end = time.monotonic() + timeout_s
    while not cfg.exists():
        if time.monotonic() > end or not thread.is_alive():
            raise TimeoutError(f"the gateway simulators did not start within {timeout_s:.0f} s")
        time.sleep(0.05)
    return cfg


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m twin.gateways.simulate", description=__doc__)
    p.add_argument("--model", type=Path, required=True, help="the IFC file the demo serves")
    p.add_argument("--out", type=Path, default=Path("var/gateways"))
    p.add_argument("--rooms-per-storey", type=int, default=8)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    twin = build_twin(args.model)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_demo(twin, args.out, rooms_per_storey=args.rooms_per_storey))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
