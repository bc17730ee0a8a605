"""Spare parts: the part definition, a stock movement, a part and a movement as shown."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.strict import DbIdItem, StrictIn

__all__ = ["ConsumeIn", "MovementIn", "MovementOut", "PartIn", "PartOut"]


class PartIn(StrictIn):
    name: str = Field(min_length=1, max_length=200, examples=["V-belt SPA 1250"])
    unit: str = Field("pcs", min_length=1, max_length=20, examples=["pcs"])
    min_quantity: float = Field(ge=0, le=1e9, examples=[2])
    location: str = Field("", max_length=200, examples=["Store B1-12, shelf 3"])


class MovementIn(StrictIn):
    delta: float = Field(ge=-1e9, le=1e9, examples=[10], description="> 0 adds, < 0 takes")
    reason: Literal["receive", "consume", "count"] = Field(examples=["receive"])
    ticket: DbIdItem | None = Field(None, description="work order the parts were used on")
    note: str = Field("", max_length=500)


class ConsumeIn(StrictIn):
    sku: str = Field(min_length=1, max_length=64, examples=["VB-SPA-1250"])
    quantity: float = Field(gt=0, le=1e9, examples=[2])
    note: str = Field("", max_length=500)


class PartOut(BaseModel):
    # Read from :class:`twin.live.spare_parts.SparePart`.
    model_config = ConfigDict(from_attributes=True)

    sku: str
    name: str
    unit: str
    quantity: float
    min_quantity: float
    location: str
    updated: datetime | None
    low: bool = Field(description="at or below the minimum (a low-stock alarm is active)")


class MovementOut(BaseModel):
    # Read from :class:`twin.live.spare_parts.PartMovement`.
    model_config = ConfigDict(from_attributes=True)

    id: int
    sku: str
    delta: float
    reason: str
    ticket: int | None
    actor: str
    t: datetime | None
    note: str
