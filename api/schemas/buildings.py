"""Response schemas of buildings, storeys, rooms and point location, with OpenAPI examples.

Conversion from the library's frozen types happens here (``of`` constructors where a field is
computed, ``model_validate`` where the record carries the fields), so routers stay one line and
the library stays free of web concerns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from twin.model import Building, Space, Storey, Twin

__all__ = ["BuildingOut", "LocateOut", "SpaceOut", "StoreyOut", "rounded_bbox"]

GUID_EXAMPLE = "2O2Fr$t4X7Zf8NOew3FLOH"


def rounded_bbox(b: tuple[float, ...] | None) -> list[float] | None:
    """A bounding box on the wire: 0.1 mm is finer than any model is drawn."""
    return [round(v, 4) for v in b] if b is not None else None


class BuildingOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "guid": GUID_EXAMPLE,
                    "name": "Main hospital",
                    "model_id": "8e074161218962b9",
                    "models": ["8e074161218962b9", "5451d81cd76a5743"],
                    "site": "0KMpiAlnb52RgQuM1CwVfd",
                    "storeys": ["1xS3BCk291UvhgP2a6eflN"],
                    "georeferenced": True,
                    "wgs84": [8.4037, 49.0069],
                }
            ]
        }
    )
    guid: str
    name: str
    model_id: str = Field(description="the model whose spatial tree and rooms the building uses")
    models: list[str] = Field(
        default_factory=list,
        description="every model (discipline) served as this building, the primary first",
    )
    site: str | None
    storeys: list[str]
    georeferenced: bool
    wgs84: list[float] | None = Field(None, description="lon, lat of the model origin")

    @classmethod
    def of(cls, twin: Twin, b: Building, model_id: str, models: Sequence[str] = ()) -> BuildingOut:
        from twin.geo import to_wgs84  # pyproj loads on first use, not at import

        ll = to_wgs84(twin.georef, 0.0, 0.0)
        return cls(
            guid=b.guid,
            name=b.name,
            model_id=model_id,
            models=list(models) or [model_id],
            site=b.site,
            storeys=list(b.storeys),
            georeferenced=twin.georef.mode != "none",
            wgs84=list(ll) if ll else None,
        )


class StoreyOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "guid": "1xS3BCk291UvhgP2a6eflN",
                    "name": "Level 2",
                    "elevation": 8.0,
                    "building": GUID_EXAMPLE,
                    "index": 2,
                    "height": 4.0,
                    "spaces": 48,
                }
            ]
        }
    )
    guid: str
    name: str
    elevation: float
    building: str | None
    index: int
    height: float | None
    spaces: int

    @classmethod
    def of(cls, twin: Twin, s: Storey) -> StoreyOut:
        n = sum(1 for sp in twin.spaces.values() if sp.storey == s.guid)
        return cls(
            guid=s.guid,
            name=s.name,
            elevation=s.elevation,
            building=s.building,
            index=s.index,
            height=s.height,
            spaces=n,
        )


class SpaceOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "guid": "0BTBFw6f90Nfh9rP1dlXr2",
                    "number": "2.A.07",
                    "name": "2.A.07",
                    "long_name": "Operating theatre 1",
                    "category": "OperatingTheatre",
                    "criticality": "operating_theatre",
                    "storey": "1xS3BCk291UvhgP2a6eflN",
                    "building": GUID_EXAMPLE,
                    "area": 42.0,
                    "declared_area": 42.0,
                    "bbox": [0, 0, 8, 7, 6, 11],
                    "geometry_source": "solid",
                    "psets": {},
                }
            ]
        }
    )
    guid: str
    number: str
    name: str
    long_name: str
    category: str
    criticality: str
    storey: str | None
    building: str | None
    area: float | None = Field(None, description="computed footprint area, m2")
    declared_area: float | None
    bbox: list[float] | None
    geometry_source: str
    psets: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def of(cls, s: Space, *, with_psets: bool = True) -> SpaceOut:
        return cls(
            guid=s.guid,
            number=s.number,
            name=s.name,
            long_name=s.long_name,
            category=s.category,
            criticality=s.criticality,
            storey=s.storey,
            building=s.building,
            area=round(s.footprint.area, 3) if s.footprint is not None else None,
            declared_area=s.declared_area,
            bbox=rounded_bbox(s.bbox),
            geometry_source=s.geometry_source,
            psets={k: dict(v) for k, v in s.psets.items()} if with_psets else {},
        )


class LocateOut(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "point": [12.5, 6.0, 9.0],
                    "building": GUID_EXAMPLE,
                    "storey": "1xS3BCk291UvhgP2a6eflN",
                    "space": "0BTBFw6f90Nfh9rP1dlXr2",
                    "space_number": "2.A.07",
                    "wgs84": [8.40371, 49.00695],
                }
            ]
        },
    )
    point: list[float]
    building: str | None
    storey: str | None
    space: str | None
    space_number: str | None
    wgs84: list[float] | None
