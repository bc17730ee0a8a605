"""Command-centre figures: each a number with its key, a link to its records and details."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FigureOut", "KpisOut"]


class FigureOut(BaseModel):
    # Read from :class:`twin.service.kpis.Figure`.
    model_config = ConfigDict(from_attributes=True)

    key: str = Field(examples=["sla.respond.24h", "open_tickets.urgent.new"])
    value: float | None = Field(description="None when nothing to measure (no ended clock, ...).")
    href: str = Field(description="The API query listing the records behind the figure.")
    detail: dict[str, Any]


class KpisOut(BaseModel):
    at: datetime
    figures: list[FigureOut]
