"""Bodies of the renovation-scenario API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DesignRef", "ScenarioIn", "ScenarioOut"]

_EXAMPLE: dict[str, Any] = {
    "name": "Close ICU corridor for flooring",
    "building": "1xS3BCk291UvhgP2a6eflL",
    "closed_spaces": ["1wHsIa689LPeVWhg5YvE$4"],
    "zones": [{"storey": "17fhUnuSvQ0PrqxR32ukrd", "polygon": [[0, 0], [10, 0], [10, 6], [0, 6]]}],
    "closed_doors": [],
    "out_of_service": ["0aAzdrlR1GOemG_ut9zs7t"],
    "shut_off": [],
    "proposed": [{"id": "duct-1", "kind": "segment", "box": [0, -3, 3.0, 20, -2.6, 3.3]}],
    "starts": "2027-01-10T07:00:00Z",
    "ends": "2027-01-24T18:00:00Z",
    "clearance": 0.05,
}


class DesignRef(BaseModel):
    """An uploaded design IFC (``POST /scenarios/{id}/design`` sets it; keep it when replacing
    the document)."""

    model_config = ConfigDict(extra="forbid")

    sha256: str = Field(pattern="^[0-9a-f]{64}$")
    filename: str = ""
    job: str | None = None


class ScenarioIn(BaseModel):
    """A scenario document. Rooms, doors, lifts, stairs and systems by GlobalId; zones are
    polygons in model metres (a list of ``[x, y]`` or a GeoJSON polygon) on a storey; proposed
    elements are boxes ``[xmin, ymin, zmin, xmax, ymax, zmax]`` or polygons with ``z`` and
    ``height``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    name: str = Field(min_length=1, max_length=200)
    building: str | None = None
    closed_spaces: list[str] = []
    zones: list[dict[str, Any]] = []
    closed_doors: list[str] = []
    out_of_service: list[str] = []
    shut_off: list[str] = []
    proposed: list[dict[str, Any]] = []
    starts: str | None = None
    ends: str | None = None
    description: str = ""
    clearance: float = Field(0.05, ge=0, le=2)
    design: DesignRef | None = None


class ScenarioOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    "name": _EXAMPLE["name"],
                    "building": _EXAMPLE["building"],
                    "document": _EXAMPLE,
                    "created_by": "planner-1",
                }
            ]
        }
    )

    id: int
    name: str
    building: str | None
    document: dict[str, Any]
    created_by: str
