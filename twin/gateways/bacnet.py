"""BACnet/IP devices read with bacpypes3: discovery (Who-Is, object list, names, units,
descriptions) and present-value polling. Writes exist only behind an explicit switch.

Discovery turns every analog, binary and multi-state object of a device into a
:class:`~twin.gateways.points.GatewayPoint` with id ``<device>.<object-type>-<instance>``; its
name and description are what the binding matcher reads. BACnet engineering units map to the
store's unit spellings and a quantity (:data:`UNITS`); an unknown unit keeps its BACnet name.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bacpypes3.apdu import ErrorRejectAbortNack
from bacpypes3.ipv4.app import NormalApplication
from bacpypes3.local.device import DeviceObject
from bacpypes3.pdu import Address, IPv4Address
from bacpypes3.primitivedata import ObjectIdentifier

from twin.errors import TwinError
from twin.gateways.points import Device, GatewayPoint

__all__ = [
    "POINT_TYPES",
    "UNITS",
    "BacnetDevice",
    "BacnetError",
    "BacnetReader",
    "WritesDisabled",
    "point_id",
]

log = logging.getLogger(__name__)

#: object types whose present value is a reading
POINT_TYPES = (
    "analog-input",
    "analog-output",
    "analog-value",
    "binary-input",
    "binary-output",
    "binary-value",
    "multi-state-input",
    "multi-state-output",
    "multi-state-value",
)
#: BACnet engineering unit -> (unit as the store spells it, quantity)
UNITS: Mapping[str, tuple[str, str]] = {
    "degrees-celsius": ("degC", "temperature"),
    "degrees-fahrenheit": ("degF", "temperature"),
    "percent-relative-humidity": ("%", "humidity"),
    "percent": ("%", "percent"),
    "parts-per-million": ("ppm", "co2"),
    "pascals": ("Pa", "pressure"),
    "kilopascals": ("kPa", "pressure"),
    "bars": ("bar", "pressure"),
    "kilowatts": ("kW", "power"),
    "watts": ("W", "power"),
    "kilowatt-hours": ("kWh", "energy"),
    "cubic-meters-per-hour": ("m3/h", "flow"),
    "liters-per-second": ("l/s", "flow"),
    "amperes": ("A", "current"),
    "volts": ("V", "voltage"),
    "hertz": ("Hz", "frequency"),
    "no-units": ("", "value"),
}


#: called with (point id, value) on each COV notification
OnValue = Callable[[str, float], Awaitable[None]]


class BacnetError(TwinError):
    status = 502
    title = "BACnet device error"


class WritesDisabled(TwinError):
    status = 403
    title = "BACnet writes are disabled"


@dataclass(frozen=True, slots=True)
class BacnetDevice:
    """A device as configured or discovered: ``address`` like ``192.0.2.10`` or
    ``127.0.0.1:47809``; ``instance`` its device object instance."""

    id: str
    address: str
    instance: int
    name: str = ""


def point_id(device: str, obj: str, instance: int) -> str:
    return f"{device}.{obj}-{instance}"


def _unit(units: Any) -> tuple[str, str]:
    name = str(units) if units is not None else "no-units"
    return UNITS.get(name, (name, "value"))


class BacnetReader:
    """One local BACnet/IP application (its own UDP port) reading many devices.

    Created on the loop that runs it (:meth:`start`); ``allow_writes`` is False unless the
    operator configured it, and :meth:`write` refuses otherwise."""

    def __init__(
        self,
        local: str,
        *,
        instance: int = 4_194_000,
        timeout_s: float = 2.0,
        allow_writes: bool = False,
    ) -> None:
        self.local = local
        self.instance = instance
        self.timeout_s = timeout_s
        self.allow_writes = allow_writes
        self.app: NormalApplication | None = None
        self.devices: dict[str, BacnetDevice] = {}
        self._objects: dict[str, tuple[str, str]] = {}  # point id -> (address, "type,instance")
        self._cov_tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        if self.app is None:
            dev = DeviceObject(
                objectIdentifier=("device", self.instance),
                objectName="hospital-twin gateway",
                vendorIdentifier=999,
            )
            self.app = NormalApplication(dev, IPv4Address(self.local))

    def _need(self) -> NormalApplication:
        if self.app is None:
            raise BacnetError("the BACnet application is not started")
        return self.app

    async def who_is(
        self, address: str | None = None, timeout_s: float = 2.0
    ) -> list[BacnetDevice]:
        """Devices answering Who-Is: sent to ``address`` (unicast, also through routers that
        drop broadcasts) or as a global broadcast when ``address`` is None."""
        app = self._need()
        target = Address(address) if address else None
        i_ams = await app.who_is(address=target, timeout=timeout_s)
        out = []
        for i_am in i_ams:
            inst = int(i_am.iAmDeviceIdentifier[1])
            out.append(BacnetDevice(f"bacnet-{inst}", str(i_am.pduSource), inst))
        return sorted(out, key=lambda d: d.instance)

    async def _prop(self, address: str, obj: str, prop: str) -> Any:
        try:
            return await asyncio.wait_for(
                self._need().read_property(Address(address), ObjectIdentifier(obj), prop),
                self.timeout_s,
            )
        except ErrorRejectAbortNack as exc:  # a BaseException in bacpypes3
            raise BacnetError(f"{address} {obj} {prop}: {exc}") from None

    async def _optional(self, address: str, obj: str, prop: str) -> Any:
        """A property many devices omit (description, units): None when refused."""
        try:
            return await self._prop(address, obj, prop)
        except BacnetError:
            return None

    async def discover(self, device: BacnetDevice) -> Device:
        """The device's points from its object list, with names, units and descriptions."""
        dev_obj = f"device,{device.instance}"
        objects = await self._prop(device.address, dev_obj, "object-list")
        name = str(await self._optional(device.address, dev_obj, "object-name") or device.name)
        points = []
        for oid in objects:
            otype, inst = str(oid[0]), int(oid[1])
            if otype not in POINT_TYPES:
                continue
            ref = f"{otype},{inst}"
            oname = await self._optional(device.address, ref, "object-name")
            desc = await self._optional(device.address, ref, "description")
            units = await self._optional(device.address, ref, "units")
            unit, quantity = _unit(units) if otype.startswith("analog") else ("", "state")
            pid = point_id(device.id, otype, inst)
            self._objects[pid] = (device.address, ref)
            points.append(
                GatewayPoint(
                    pid,
                    device.id,
                    "bacnet",
                    ref,
                    str(oname or ref),
                    str(desc or ""),
                    quantity,
                    unit,
                )
            )
        self.devices[device.id] = device
        return Device(device.id, "bacnet", device.address, tuple(points), name)

    async def read(self, device: Device) -> Mapping[str, float]:
        """Present values of the device's points, read concurrently. A point the device refuses
        (an object deleted since discovery) is left out and logged; the device counts as down
        only when no point answers."""
        pids = [p.id for p in device.points]
        got = await asyncio.gather(
            *(self._prop(*self._objects[pid], "present-value") for pid in pids),
            return_exceptions=True,
        )
        values = {
            pid: v for pid, v in zip(pids, got, strict=True) if not isinstance(v, BaseException)
        }
        if pids and not values:
            first = next(v for v in got if isinstance(v, BaseException))
            raise first
        for pid, v in zip(pids, got, strict=True):
            if isinstance(v, BaseException):
                log.warning("BACnet point %s not read: %s", pid, v)
        return {pid: float(v) for pid, v in values.items()}

    async def subscribe(
        self, device: Device, on_value: OnValue, lifetime_s: int = 300
    ) -> list[str]:
        """Subscribe to COV on every point of ``device`` that supports it; ``on_value(point,
        value)`` is awaited on each present-value notification. Returns the subscribed points;
        a point the device refuses a subscription for stays polled only (polling goes on for
        every point anyway: it is what tells a silent device)."""
        started = []
        for p in device.points:
            address, ref = self._objects[p.id]
            ready: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            task = asyncio.create_task(self._cov(p.id, address, ref, on_value, lifetime_s, ready))
            try:
                ok = await asyncio.wait_for(asyncio.shield(ready), self.timeout_s * 3)
            except TimeoutError:
                ok = False
                task.cancel()
            if ok:
                self._cov_tasks.append(task)
                started.append(p.id)
        return started

    async def _cov(
        self, pid: str, address: str, ref: str, on_value: OnValue, lifetime_s: int,
        ready: asyncio.Future[bool],
    ) -> None:  # fmt: skip
        app = self._need()
        try:
            scm = app.change_of_value(Address(address), ObjectIdentifier(ref), lifetime=lifetime_s)
            async with scm:
                ready.set_result(True)
                while True:
                    prop, value = await scm.get_value()
                    if str(prop) == "present-value":
                        await on_value(pid, float(value))
        except (ErrorRejectAbortNack, Exception) as exc:
            if not ready.done():
                log.info("BACnet %s: no COV (%s); polled only", pid, exc)
                ready.set_result(False)
            else:
                log.warning("BACnet COV of %s ended: %s", pid, exc)

    async def write(self, point: str, value: float, priority: int = 8) -> None:
        """Write a present value (a setpoint) at ``priority``; refused unless writes are
        allowed. Auditing and the role check belong to the caller (the API)."""
        if not self.allow_writes:
            raise WritesDisabled("BACnet writes are off; enable them in the gateway settings")
        address, ref = self._objects[point]
        try:
            await asyncio.wait_for(
                self._need().write_property(
                    Address(address), ObjectIdentifier(ref), "present-value", value,
                    priority=priority,
                ),
                self.timeout_s,
            )  # fmt: skip
        except ErrorRejectAbortNack as exc:
            raise BacnetError(f"write {point}: {exc}") from None

    async def close(self) -> None:
        for t in self._cov_tasks:
            t.cancel()
        await asyncio.gather(*self._cov_tasks, return_exceptions=True)
        self._cov_tasks.clear()
        if self.app is not None:
            self.app.close()
            self.app = None
