"""Modbus TCP devices read with pymodbus: register map points, read in as few requests as the
map allows (contiguous registers of one table in blocks of at most 120)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pymodbus.client import AsyncModbusTcpClient

from twin.errors import TwinError
from twin.gateways.points import Device, GatewayPoint
from twin.gateways.registers import RegisterMap, RegisterPoint, decode

__all__ = [
    "MAX_BLOCK",
    "MAX_GAP",
    "ModbusDevice",
    "ModbusError",
    "ModbusReader",
    "blocks",
    "modbus_device",
]

log = logging.getLogger(__name__)

MAX_BLOCK = 120  # registers per read request (the protocol allows 125)
MAX_GAP = 16  # unused registers read rather than sending another request


class ModbusError(TwinError):
    status = 502
    title = "Modbus device error"


@dataclass(frozen=True, slots=True)
class ModbusDevice:
    id: str
    host: str
    port: int
    unit: int
    map: RegisterMap
    name: str = ""


def modbus_device(d: ModbusDevice) -> Device:
    """The protocol-neutral view: one point per register-map entry, ids ``<device>.<name>``."""
    pts = tuple(
        GatewayPoint(
            id=f"{d.id}.{p.name}",
            device=d.id,
            protocol="modbus",
            ref=f"{p.table}:{p.address}",
            name=p.name,
            description=p.description,
            quantity=p.quantity,
            unit=p.unit,
            lower=p.lower,
            upper=p.upper,
        )
        for p in d.map.points
    )
    return Device(d.id, "modbus", f"{d.host}:{d.port}/{d.unit}", pts, d.name)


def blocks(points: Sequence[RegisterPoint]) -> list[tuple[str, int, int]]:
    """``(table, start, count)`` reads covering every point; neighbours merge into one read when
    the merged span stays within :data:`MAX_BLOCK` (a gap of a few unused registers is read too:
    one request costs more than a few extra registers)."""
    out: list[tuple[str, int, int]] = []
    for p in sorted(points, key=lambda p: (p.table, p.address)):
        end = p.address + p.count
        if out and out[-1][0] == p.table and end - out[-1][1] <= MAX_BLOCK:
            t, s, c = out[-1]
            if p.address <= s + c + MAX_GAP:
                out[-1] = (t, s, max(c, end - s))
                continue
        out.append((p.table, p.address, p.count))
    return out


class ModbusReader:
    """One pymodbus TCP client per device, reconnected on the next poll after a failure."""

    def __init__(self, devices: Sequence[ModbusDevice], timeout_s: float = 2.0) -> None:
        self.devices = {d.id: d for d in devices}
        self.timeout_s = timeout_s
        self._clients: dict[str, AsyncModbusTcpClient] = {}

    async def _client(self, d: ModbusDevice) -> AsyncModbusTcpClient:
        c = self._clients.get(d.id)
        if c is not None and c.connected:
            return c
        if c is not None:
            c.close()
        c = AsyncModbusTcpClient(
            d.host, port=d.port, timeout=self.timeout_s, retries=0, reconnect_delay=0
        )
        self._clients[d.id] = c
        if not await c.connect():
            raise ModbusError(f"{d.id}: cannot connect to {d.host}:{d.port}")
        return c

    async def read(self, device: Device) -> Mapping[str, float]:
        d = self.devices[device.id]
        try:
            return await self._read(d)
        except Exception:
            c = self._clients.pop(d.id, None)
            if c is not None:
                c.close()
            raise

    async def _read(self, d: ModbusDevice) -> Mapping[str, float]:
        """Every block of the map; a block the device refuses (an exception response, e.g. an
        address this firmware lacks) leaves its points out and is logged: the device answered,
        so it is up. Only when it refuses every block does the read fail."""
        c = await self._client(d)
        raw: dict[tuple[str, int], int] = {}
        refused = []
        for table, start, count in blocks(d.map.points):
            fn = c.read_holding_registers if table == "holding" else c.read_input_registers
            rr = await fn(start, count=count, device_id=d.unit)
            if rr.isError():
                refused.append(f"{table} {start}+{count}: {rr}")
                continue
            raw.update({(table, start + i): v for i, v in enumerate(rr.registers)})
        if refused and not raw:
            raise ModbusError(f"{d.id}: every read refused: {'; '.join(refused)}")
        for why in refused:
            log.warning("Modbus %s: read refused, its points skipped: %s", d.id, why)
        return {
            f"{d.id}.{p.name}": decode([raw[(p.table, p.address + i)] for i in range(p.count)], p)
            for p in d.map.points
            if all((p.table, p.address + i) in raw for i in range(p.count))
        }

    async def close(self) -> None:
        for c in self._clients.values():
            c.close()
        self._clients.clear()
