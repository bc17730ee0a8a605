"""Served models and their background ingest jobs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.buildings import GUID_EXAMPLE
from twin.model import Twin

__all__ = ["JOB_EXAMPLE", "GeometryEngine", "ModelOut"]

#: The geometry engines an upload may ask for (twin.ifc.webifc_engine.ENGINES; "webifc" is the
#: spelling of the CLI, "web-ifc" the library's).
GeometryEngine = Literal["auto", "webifc", "web-ifc", "ifcopenshell"]

#: A job as ``GET /jobs/{id}`` answers it (:meth:`twin.service.jobs.Job.as_dict`).
JOB_EXAMPLE: dict[str, Any] = {
    "id": "5f2c0a9e1b7d",
    "filename": "wing_b.ifc",
    "state": "parsing",
    "phase": "geometry",
    "progress": 0.46,
    "created": "2026-11-23T10:00:00Z",
    "updated": "2026-11-23T10:00:01.200000Z",
    "seconds": 1.2,
    "model_id": None,
    "error": None,
}


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
