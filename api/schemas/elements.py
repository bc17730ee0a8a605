"""Response schemas of elements (with their property sets), pages of them and search hits."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.buildings import rounded_bbox
from twin.model import Element

__all__ = ["ElementOut", "Page", "SearchHitOut"]


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
            bbox=rounded_bbox(e.bbox),
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


class SearchHitOut(BaseModel):
    """One search hit: a room (``kind`` "space") or an element."""

    model_config = ConfigDict(
        from_attributes=True,
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
        },
    )

    guid: str
    kind: str
    label: str
    storey: str | None
    building: str | None
    score: float
