"""Bodies of the renovation-scenario API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.strict import Coord, StrictIn
from twin.live.records import iso

__all__ = ["DesignRef", "ProposedIn", "ScenarioIn", "ScenarioOut", "ZoneIn"]

#: A polygon in model metres: a list of ``[x, y]`` points or a GeoJSON polygon object.
PolygonIn = list[tuple[Coord, Coord]] | dict[str, Any]

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


class DesignRef(StrictIn):
    """An uploaded design IFC (``POST /scenarios/{id}/design`` sets it; keep it when replacing
    the document)."""

    sha256: str = Field(pattern="^[0-9a-f]{64}$")
    filename: str = ""
    job: str | None = None


class ZoneIn(StrictIn):
    """An area closed for the works: a polygon on one storey."""

    storey: str = Field(min_length=1, max_length=64, description="GlobalId of the storey.")
    polygon: PolygonIn = Field(examples=[[[0, 0], [10, 0], [10, 6], [0, 6]]])


class ProposedIn(StrictIn):
    """A proposed solid: a ``box`` ``[xmin, ymin, zmin, xmax, ymax, zmax]``, or a ``polygon``
    extruded from ``z`` by ``height``."""

    id: str | None = Field(None, max_length=200)
    kind: str = Field("proposed", max_length=64)
    name: str = Field("", max_length=200)
    box: tuple[Coord, Coord, Coord, Coord, Coord, Coord] | None = None
    polygon: PolygonIn | None = None
    z: Coord | None = None
    height: float | None = Field(None, gt=0, le=1000)

    @model_validator(mode="after")
    def _one_shape(self) -> ProposedIn:
        extruded = self.polygon is not None and self.z is not None and self.height is not None
        if (self.box is not None) == extruded:
            raise ValueError("give a 'box', or a 'polygon' with 'z' and 'height' (not both)")
        return self


class ScenarioIn(StrictIn):
    """A scenario document. Rooms, doors, lifts, stairs and systems by GlobalId; zones are
    polygons in model metres (a list of ``[x, y]`` or a GeoJSON polygon) on a storey; proposed
    elements are boxes ``[xmin, ymin, zmin, xmax, ymax, zmax]`` or polygons with ``z`` and
    ``height``."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    name: str = Field(min_length=1, max_length=200)
    building: str | None = None
    closed_spaces: list[str] = []
    zones: list[ZoneIn] = []
    closed_doors: list[str] = []
    out_of_service: list[str] = []
    shut_off: list[str] = []
    proposed: list[ProposedIn] = []
    starts: str | None = Field(None, description="ISO 8601; stored as UTC with Z.")
    ends: str | None = Field(None, description="ISO 8601; stored as UTC with Z.")
    description: str = ""
    clearance: float = Field(0.05, ge=0, le=2)
    design: DesignRef | None = None

    @field_validator("starts", "ends", mode="after")
    @classmethod
    def _utc(cls, value: str | None) -> str | None:
        """The works' window in the API's one time format (a time without offset is UTC)."""
        if value is None:
            return None
        try:
            t = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 time") from None
        return iso(t)

    def document(self) -> dict[str, Any]:
        """The document to store and to analyse: the validated body, with a proposed
        element's unused shape fields left out."""
        doc = self.model_dump()
        doc["proposed"] = [p.model_dump(exclude_none=True) for p in self.proposed]
        return doc


class ScenarioOut(BaseModel):
    # Read from :class:`twin.live.scenarios.StoredScenario` (``ScenarioOut.model_validate(s)``).
    model_config = ConfigDict(
        from_attributes=True,
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
        },
    )

    id: int
    name: str
    building: str | None
    document: dict[str, Any]
    created_by: str
