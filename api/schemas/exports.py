"""OpenAPI documentation of the export endpoints (plans and 3D scene), with examples.

The bodies themselves are SVG, GeoJSON, GeoPackage and GLB produced by ``twin.export``; these
schemas and response declarations only describe them for the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.errors import PROBLEM_RESPONSES

__all__ = [
    "GEOJSON_RESPONSES",
    "GLB_RESPONSES",
    "GPKG_RESPONSES",
    "SVG_RESPONSES",
    "FeatureCollectionOut",
    "SceneColorsOut",
]

STOREY_EXAMPLE = "3ilTldiXbMYexld_e2Jz5i"
SPACE_EXAMPLE = "0APV_ejo1H78xQTJxhA_ZN"


class FeatureCollectionOut(BaseModel):
    """A storey's plan as a GeoJSON FeatureCollection (spaces first, then elements)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "FeatureCollection",
                    "properties": {"storey": STOREY_EXAMPLE, "storey_name": "Ground floor",
                                   "crs": "local", "units": "m"},
                    "features": [
                        {
                            "type": "Feature",
                            "id": SPACE_EXAMPLE,
                            "properties": {
                                "guid": SPACE_EXAMPLE,
                                "kind": "space",
                                "name": "Corridor A",
                                "number": "0.A.C",
                                "criticality": "normal",
                                "storey": STOREY_EXAMPLE,
                                "storey_name": "Ground floor",
                            },
                            "geometry": {
                                "type": "Polygon",
                                "coordinates": [[[0, 0], [24, 0], [24, 2.4], [0, 2.4], [0, 0]]],
                            },
                        }
                    ],
                }
            ]
        }
    )  # fmt: skip
    type: str = Field("FeatureCollection")
    properties: dict[str, Any]
    features: list[dict[str, Any]]


_SVG_EXAMPLE = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="-2 -26 40 30" data-units="m">'
    '<path class="space crit-icu critical" data-guid="2gYJkC_25NmQXZu_5BizhP" data-kind="space" '
    'data-number="2.B.03" data-criticality="icu" d="M0,0 L6,0 L6,-5 L0,-5 Z">'
    "<title>2.B.03 ICU bed 3 (icu)</title></path></svg>"
)

SVG_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The floor plan (viewBox in metres, north up).",
        "content": {"image/svg+xml": {"schema": {"type": "string"}, "example": _SVG_EXAMPLE}},
    },
    **PROBLEM_RESPONSES,
}
GEOJSON_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/geo+json": {"schema": {"type": "object"}}}},
    **PROBLEM_RESPONSES,
}
GPKG_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "GeoPackage with layers `spaces` and `elements` (a `storey` column each).",
        "content": {"application/geopackage+sqlite3": {"schema": {"type": "string",
                                                                  "format": "binary"}}},
    },
    **PROBLEM_RESPONSES,
}  # fmt: skip
GLB_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": (
            "Binary glTF, Y up: a root node per building, a node `storey:<guid>` per storey, "
            "one node per product named by its GlobalId with extras {guid, kind, storey, name} "
            "(`layout=nodes`), or per kind a few quantised primitives (KHR_mesh_quantization) "
            "whose extras {guids, tri} give each GlobalId's first triangle (`layout=merged`)."
        ),
        "content": {"model/gltf-binary": {"schema": {"type": "string", "format": "binary"}}},
        "headers": {
            "ETag": {"schema": {"type": "string"}, "description": "model id and arguments"},
            "Cache-Control": {"schema": {"type": "string"}},
            "Content-Encoding": {
                "schema": {"type": "string"},
                "description": "gzip when the request's Accept-Encoding allows it",
            },
        },
    },
    304: {"description": "Not modified (If-None-Match matched the ETag)."},
    **PROBLEM_RESPONSES,
}


class SceneColorsOut(BaseModel):
    """Colours a scene layer gives products, for tinting a scene the viewer already has."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "layer": "scenario",
                    "value": "3",
                    "colors": {SPACE_EXAMPLE: [0.56, 0.14, 0.67, 0.8]},
                }
            ]
        }
    )
    layer: str
    value: str
    colors: dict[str, list[float]]
