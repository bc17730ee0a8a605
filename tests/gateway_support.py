"""Real protocol simulators on the loopback for the gateway tests: a pymodbus TCP server and a
bacpypes3 BACnet/IP device, each on its own event loop thread and a free port."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from bacpypes3.ipv4.app import NormalApplication
from bacpypes3.local.analog import AnalogInputObject, AnalogValueObject
from bacpypes3.local.binary import BinaryInputObject
from bacpypes3.local.device import DeviceObject
from bacpypes3.pdu import IPv4Address
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LoopThread:
    """An asyncio loop in a daemon thread; ``call`` runs a coroutine there and waits."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, coro: Coroutine[Any, Any, Any], timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def float_words(value: float) -> list[int]:
    """Big-endian float32 as two registers, high word first (written independently of the
    decoder under test, with struct)."""
    hi, lo = struct.unpack(">HH", struct.pack(">f", value))
    return [hi, lo]


class ModbusSim:
    """A pymodbus TCP server (v4-style ``SimDevice``) with 200 holding and 200 input registers.

    ``set_holding`` / ``set_input`` queue values the device's access hook writes into its
    registers on the next request, the documented way to change a running simulator's values."""

    def __init__(self, unit: int = 1) -> None:
        self.unit = unit
        self.port = free_port()
        self.pending: dict[int, dict[int, int]] = {3: {}, 4: {}}
        self.lock = threading.Lock()
        bits = [SimData(0, count=16, values=False, datatype=DataType.BITS)]
        regs = [SimData(0, count=200, values=0, datatype=DataType.REGISTERS)]
        self.device = SimDevice(unit, simdata=(bits, bits, regs, list(regs)), action=self._action)
        self.lt = LoopThread()
        self.server: ModbusTcpServer | None = None
        self.start()

    async def _action(
        self,
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        current_registers: list[int],
        set_values: Any,
    ) -> None:
        with self.lock:
            todo = self.pending.get(function_code, {})
            for addr, v in todo.items():
                current_registers[addr - start_address] = v
            todo.clear()

    def start(self) -> None:
        async def go() -> None:
            self.server = ModbusTcpServer(self.device, address=("127.0.0.1", self.port))
            asyncio.get_running_loop().create_task(self.server.serve_forever())
            await asyncio.sleep(0.2)

        self.lt.call(go())

    def set_holding(self, address: int, values: list[int]) -> None:
        with self.lock:
            self.pending[3].update({address + i: v for i, v in enumerate(values)})

    def set_input(self, address: int, values: list[int]) -> None:
        with self.lock:
            self.pending[4].update({address + i: v for i, v in enumerate(values)})

    def stop_server(self) -> None:
        if self.server is not None:
            self.lt.call(self.server.shutdown())
            self.server = None

    def close(self) -> None:
        self.stop_server()
        self.lt.stop()


def run(coro_fn: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return asyncio.run(coro_fn())


class NoCovAnalogValue(AnalogValueObject):
    """An analog value whose device refuses COV subscriptions (older controllers do)."""

    _cov_criteria = None


class BacnetSim:
    """A bacpypes3 BACnet/IP device on 127.0.0.1 with its own UDP port: an AHU controller with
    a supply temperature (analog input), a fan status (binary input) and a setpoint (analog
    value), names and descriptions carrying the twin's tags and room numbers."""

    def __init__(self, instance: int, objects: list[dict[str, Any]], name: str = "") -> None:
        self.instance = instance
        self.port = free_port(socket.SOCK_DGRAM)
        self.address = f"127.0.0.1:{self.port}"
        self.spec = objects
        self.name = name or f"device {instance}"
        self.lt = LoopThread()
        self.app: Any = None
        self.objects: dict[str, Any] = {}
        self.start()

    def start(self) -> None:
        kinds = {
            "analog-input": AnalogInputObject,
            "analog-value": AnalogValueObject,
            "binary-input": BinaryInputObject,
        }

        async def go() -> None:
            dev = DeviceObject(
                objectIdentifier=("device", self.instance),
                objectName=self.name,
                vendorIdentifier=999,
            )
            self.app = NormalApplication(dev, IPv4Address(self.address))
            for o in self.spec:
                kw = {k: v for k, v in o.items() if k not in ("type", "instance", "cov")}
                cls = kinds[o["type"]] if o.get("cov", True) else NoCovAnalogValue
                obj = cls(objectIdentifier=(o["type"], o["instance"]), **kw)
                self.app.add_object(obj)
                self.objects[f"{o['type']},{o['instance']}"] = obj

        self.lt.call(go())

    def set(self, ref: str, value: Any) -> None:
        async def go() -> None:
            self.objects[ref].presentValue = value

        self.lt.call(go())

    def remove(self, ref: str) -> None:
        """Delete an object, as a reconfigured controller does."""

        async def go() -> None:
            self.app.delete_object(self.objects.pop(ref))

        self.lt.call(go())

    def get(self, ref: str) -> Any:
        async def go() -> Any:
            return self.objects[ref].presentValue

        return self.lt.call(go())

    def stop_device(self) -> None:
        async def go() -> None:
            self.app.close()
            await asyncio.sleep(0.05)

        if self.app is not None:
            self.lt.call(go())
            self.app = None

    def close(self) -> None:
        self.stop_device()
        self.lt.stop()
