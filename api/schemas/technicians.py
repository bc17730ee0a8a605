"""Technicians: registration, position and shift bodies, and the technician as shown."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.tickets import Skill
from api.strict import Coord, StrictIn

__all__ = ["PositionIn", "Shift", "ShiftIn", "TechnicianIn", "TechnicianOut"]

Shift = Literal["on_shift", "off_shift", "on_break"]


class TechnicianIn(StrictIn):
    id: str = Field(min_length=1, max_length=64, examples=["tech-ann"])
    name: str = Field(min_length=1, max_length=200, examples=["Ann Example"])
    skills: list[Skill] = Field(min_length=1, examples=[["electrical", "general"]])
    shift: Shift = "on_shift"


class PositionIn(StrictIn):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"space": "0BTBFw6f90Nfh9rP1dl_3A"},
                {"point": [12.5, 4.0, 3.2], "storey": "1xS3BCk291UvhgP2a6eflN"},
            ]
        },
    )
    space: str | None = None
    point: tuple[Coord, Coord, Coord] | None = None
    storey: str | None = None


class ShiftIn(StrictIn):
    shift: Shift = Field(examples=["on_break"])


class TechnicianOut(BaseModel):
    # Read from :class:`twin.live.records.Technician` (``TechnicianOut.model_validate(t)``).
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    skills: list[str]
    shift: str
    space: str | None
    storey: str | None
    building: str | None
    position: tuple[float, float, float] | None
    updated: datetime | None
    busy_with: int | None
