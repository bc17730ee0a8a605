"""The simulators of :mod:`twin.gateways.simulate` (pymodbus's TCP server, bacpypes3 BACnet/IP
devices) each on its own event-loop thread and free loopback port, driven from a test's thread.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine
from typing import Any

from twin.gateways.simulate import BacnetSimulator, ModbusSimulator, float_words, free_port

__all__ = ["BacnetSim", "LoopThread", "ModbusSim", "float_words", "free_port"]


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


class ModbusSim:
    """A Modbus TCP device (200 holding and 200 input registers, unit 1) on a free port."""

    def __init__(self, unit: int = 1) -> None:
        self.sim = ModbusSimulator(free_port(), unit)
        self.port = self.sim.port
        self.lt = LoopThread()
        self.start()

    def start(self) -> None:
        self.lt.call(self.sim.start())

    def set_holding(self, address: int, values: list[int]) -> None:
        self.sim.set_holding(address, values)

    def set_input(self, address: int, values: list[int]) -> None:
        self.sim.set_input(address, values)

    def stop_server(self) -> None:
        self.lt.call(self.sim.stop())

    def close(self) -> None:
        self.stop_server()
        self.lt.stop()


class BacnetSim:
    """A BACnet/IP device on 127.0.0.1 with its own UDP port (objects as in
    :class:`~twin.gateways.simulate.BacnetSimulator`)."""

    def __init__(self, instance: int, objects: list[dict[str, Any]], name: str = "") -> None:
        self.sim = BacnetSimulator(
            instance, free_port(socket.SOCK_DGRAM), objects, name or f"device {instance}"
        )
        self.address = self.sim.address
        self.lt = LoopThread()
        self.lt.call(self.sim.start())

    def _on_loop(self, fn: Any) -> Any:
        async def go() -> Any:
            return fn()

        return self.lt.call(go())

    def set(self, ref: str, value: Any) -> None:
        self._on_loop(lambda: setattr(self.sim.objects[ref], "presentValue", value))

    def get(self, ref: str) -> Any:
        return self._on_loop(lambda: self.sim.objects[ref].presentValue)

    def remove(self, ref: str) -> None:
        self._on_loop(lambda: self.sim.remove(ref))

    def stop_device(self) -> None:
        self.lt.call(self.sim.stop())

    def close(self) -> None:
        self.stop_device()
        self.lt.stop()
