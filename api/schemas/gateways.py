"""Gateways: health, points, bindings and setpoint writes as the API shows and takes them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.strict import StrictIn

__all__ = [
    "BindingIn",
    "BindingOut",
    "DeviceHealthOut",
    "GatewayHealthOut",
    "GatewayPointOut",
    "GatewaysOut",
    "WriteIn",
]

GUID_EX = "2O2Fr$t4X7Zf8NOew3FLOH"


class DeviceHealthOut(BaseModel):
    device: str = Field(examples=["msb-meter-1"])
    protocol: str = Field(examples=["modbus"])
    points: int
    up: bool | None = Field(description="None until the first poll")
    last_poll: datetime | None
    last_ok: datetime | None
    failures: int = Field(description="failures in a row (drives the back-off)")
    errors: int = Field(description="failures since start")
    last_error: str


class GatewayHealthOut(BaseModel):
    protocol: str
    devices: int
    up: int
    down: int
    stale_points: list[str]
    detail: list[DeviceHealthOut]


class GatewaysOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"configured": True, "devices": 2, "up": 1, "down": 1, "gateways": []}]
        }
    )

    configured: bool = Field(description="False when no gateway configuration is set")
    devices: int = 0
    up: int = 0
    down: int = 0
    gateways: list[GatewayHealthOut] = []


class GatewayPointOut(BaseModel):
    id: str = Field(examples=["bacnet-1001.analog-input-1"])
    device: str
    protocol: str
    ref: str = Field(examples=["analog-input,1", "holding:20"])
    name: str
    description: str
    quantity: str
    unit: str
    stale: bool = Field(description="its device is not answering")


class BindingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    point: str
    device: str
    protocol: str
    ref: str
    name: str
    description: str
    element: str | None
    space: str | None
    storey: str | None
    building: str | None
    status: str = Field(examples=["suggested", "confirmed", "unmatched"])
    evidence: str


class BindingIn(StrictIn):
    """Where a point is: an element and/or a space of a served model (GlobalIds)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"element": GUID_EX, "status": "confirmed"}]},
    )

    element: str | None = Field(None, max_length=64)
    space: str | None = Field(None, max_length=64)
    status: str = Field("confirmed", pattern="^(confirmed|suggested|unmatched)$")


class WriteIn(StrictIn):
    """A setpoint write to a BACnet point's present value."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"value": 21.5, "priority": 8}]}
    )

    value: float
    priority: int = Field(8, ge=1, le=16, description="BACnet priority array slot")
