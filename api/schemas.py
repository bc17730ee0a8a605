"""Public response schemas of the building resources, with examples for the OpenAPI document.

Conversion from the library's frozen types happens here (``from_*`` constructors), so routers
stay one line and the library stays free of web concerns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from twin.model import Building, Element, Space, Storey, Twin

__all__ = [
    "BuildingOut",
    "ElementOut",
    "LocateOut",
    "ModelOut",
    "Page",
    "SearchHitOut",
    "SpaceOut",
    "StoreyOut",
]

GUID_EXAMPLE = "2O2Fr$t4X7Zf8NOew3FLOH"


def _bbox(b: tuple[float, ...] | None) -> list[float] | None:
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
            bbox=_bbox(s.bbox),
            geometry_source=s.geometry_source,
            psets={k: dict(v) for k, v in s.psets.items()} if with_psets else {},
        )


class ElementOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "guid": "3vB2YO$MX4xv5uCqZZG05x",
                    "ifc_class": "IfcValve",
                    "kind": "valve",
                    "name": "O2 zone valve L3",
                    "type_name": "",
                    "predefined_type": "ISOLATING",
                    "object_type": "",
                    "storey": "1xS3BCk291UvhgP2a6eflN",
                    "space": None,
                    "space_inferred": False,
                    "systems": ["0uV6i1o$X0Ww6x8sK2tB2d"],
                    "bbox": [10.0, 4.0, 11.5, 10.2, 4.2, 11.7],
                    "host": None,
                    "geometry_source": "solid",
                    "model_id": "8e074161218962b9",
                    "psets": {},
                }
            ]
        }
    )
    guid: str
    ifc_class: str
    kind: str
    name: str
    type_name: str
    predefined_type: str
    object_type: str
    storey: str | None
    space: str | None
    space_inferred: bool
    systems: list[str]
    bbox: list[float] | None
    host: str | None
    geometry_source: str
    model_id: str | None = Field(
        None, description="the model (discipline) the element comes from, to filter by"
    )
    psets: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def of(cls, e: Element, *, with_psets: bool = True, model_id: str | None = None) -> ElementOut:
        return cls(
            guid=e.guid,
            ifc_class=e.ifc_class,
            kind=e.kind,
            name=e.name,
            type_name=e.type_name,
            predefined_type=e.predefined_type,
            object_type=e.object_type,
            storey=e.storey,
            space=e.space,
            space_inferred=e.space_inferred,
            systems=list(e.systems),
            bbox=_bbox(e.bbox),
            host=e.host,
            geometry_source=e.geometry_source,
            model_id=model_id,
            psets={k: dict(v) for k, v in e.psets.items()} if with_psets else {},
        )


class Page(BaseModel):
    """A page of results: ``total`` counts all matches; ``items`` holds ``limit`` of them."""

    total: int
    offset: int
    limit: int
    items: list[Any]


class LocateOut(BaseModel):
    model_config = ConfigDict(
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
        }
    )
    point: list[float]
    building: str | None
    storey: str | None
    space: str | None
    space_number: str | None
    wgs84: list[float] | None


class ModelOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "model_id": "8e074161218962b9",
                    "path": "models_ifc/out/hospital_small.ifc",
                    "schema": "IFC4",
                    "sha256": "8e0741...",
                    "buildings": [GUID_EXAMPLE],
                    "building_models": ["8e074161218962b9", "5451d81cd76a5743"],
                    "georeferencing": "map_conversion",
                    "counts": {"storeys": 5, "spaces": 110},
                    "ingest_seconds": 3.2,
                }
            ]
        }
    )
    model_id: str
    path: str
    schema_: str = Field(alias="schema")
    sha256: str
    buildings: list[str]
    building_models: list[str] = Field(
        default_factory=list,
        description="the models served with this one as one building (its disciplines), "
        "the primary first; just this model when it is served alone",
    )
    georeferencing: str
    counts: dict[str, int]
    ingest_seconds: float

    @classmethod
    def of(cls, model_id: str, twin: Twin, building_models: Sequence[str] = ()) -> ModelOut:
        return cls(
            model_id=model_id,
            building_models=list(building_models) or [model_id],
            path=twin.source.path,
            schema=twin.source.schema,
            sha256=twin.source.sha256,
            buildings=list(twin.buildings),
            georeferencing=twin.georef.mode,
            counts=dict(twin.quality.counts),
            ingest_seconds=twin.ingest_seconds,
        )


class SearchHitOut(BaseModel):
    """One search hit: a room (``kind`` "space") or an element."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "guid": "0BTBFw6f90Nfh9rP1dlXr2",
                    "kind": "space",
                    "label": "2.A.07 Operating theatre 1",
                    "storey": "2hgJX1lbT2DvhzB1bTqIgo",
                    "building": "1xS3BCk291UvhgP2a6eflL",
                    "score": 1.0,
                }
            ]
        }
    )

    guid: str
    kind: str
    label: str
    storey: str | None
    building: str | None
    score: float
