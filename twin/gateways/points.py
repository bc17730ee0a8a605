"""Gateway points and devices as the live store sees them: sensors, readings, status sensors.

A protocol point becomes a sensor whose id is ``<device>.<point>``; each device also gets one
*status sensor* ``gw.<device>`` (1 = answering, 0 = not) with a lower limit of 0.5, so a device
that stops answering raises exactly one alarm through the store's own limit check and clears it
when it answers again. Point sensors carry no stale rule of their own: their staleness is the
device's, reported once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from twin.live.records import SensorSpec, iso

__all__ = [
    "STATUS_QUANTITY",
    "Device",
    "GatewayPoint",
    "Placement",
    "point_sensor",
    "reading",
    "status_sensor",
    "status_sensor_id",
]

STATUS_QUANTITY = "device_online"


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a point sits in the twin (a binding confirmed by a person), all optional."""

    element: str | None = None
    space: str | None = None
    storey: str | None = None
    building: str | None = None


@dataclass(frozen=True, slots=True)
class GatewayPoint:
    """One value a device reports. ``ref`` is the protocol address (``holding:3059``,
    ``analog-input,1``); ``name``/``description`` are what the device or map calls it, the
    text the binding matcher reads."""

    id: str
    device: str
    protocol: str
    ref: str
    name: str
    description: str = ""
    quantity: str = ""
    unit: str = ""
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True, slots=True)
class Device:
    """A device a gateway polls: its id, protocol, address and points."""

    id: str
    protocol: str
    address: str
    points: tuple[GatewayPoint, ...]
    name: str = ""


def status_sensor_id(device: str) -> str:
    return f"gw.{device}"


def point_sensor(point: GatewayPoint, where: Placement | None = None) -> SensorSpec:
    w = where or Placement()
    return SensorSpec(
        id=point.id,
        quantity=point.quantity or "value",
        unit=point.unit,
        element=w.element,
        space=w.space,
        storey=w.storey,
        building=w.building,
        name=point.description or point.name,
        lower=point.lower,
        upper=point.upper,
        source=point.protocol,
    )


def status_sensor(device: Device, where: Placement | None = None) -> SensorSpec:
    w = where or Placement()
    return SensorSpec(
        id=status_sensor_id(device.id),
        quantity=STATUS_QUANTITY,
        unit="1",
        element=w.element,
        space=w.space,
        storey=w.storey,
        building=w.building,
        name=f"{device.protocol} device {device.name or device.id} answers",
        lower=0.5,
        source=device.protocol,
    )


def reading(sensor: str, t: datetime, value: float, unit: str) -> Mapping[str, Any]:
    """One item for ``LiveStore.ingest`` (the same shape HTTP and MQTT readings have)."""
    item: dict[str, Any] = {"sensor": sensor, "t": iso(t), "value": value}
    if unit:
        item["unit"] = unit
    return item
