"""Sensors: the registration body and the sensor as the API shows it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.strict import StrictIn

__all__ = ["GUID_EX", "SensorIn", "SensorOut"]

GUID_EX = "2O2Fr$t4X7Zf8NOew3FLOH"


class SensorIn(StrictIn):
    """A sensor bound to an element GlobalId and/or a space GlobalId of a loaded model."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"id": "OT1-temp", "quantity": "temperature", "unit": "degC", "space": GUID_EX,
                 "lower": 18.0, "upper": 24.0, "name": "OT 1 room temperature"}
            ]
        },
    )  # fmt: skip

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:$-]+$")
    quantity: str = Field(min_length=1, max_length=64, examples=["temperature", "oxygen_pressure"])
    unit: str | None = Field(None, max_length=32, description="Default from the quantity.")
    element: str | None = Field(None, description="GlobalId of the element it sits on/measures.")
    space: str | None = Field(None, description="GlobalId of the space (taken from the element).")
    name: str = ""
    lower: float | None = None
    upper: float | None = None


class SensorOut(BaseModel):
    # Read from :class:`twin.live.records.SensorSpec` (``SensorOut.model_validate(spec)``).
    model_config = ConfigDict(from_attributes=True)

    id: str
    quantity: str
    unit: str
    element: str | None
    space: str | None
    storey: str | None
    building: str | None
    host: str | None
    name: str
    lower: float | None
    upper: float | None
    criticality: str
    position: tuple[float, float, float] | None
    source: str
    last_t: datetime | None
    last_value: float | None
