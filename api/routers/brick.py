"""A building as a Brick RDF graph (Turtle, JSON-LD): rooms, equipment, feeds and points in the
vocabulary BMS and analytics software share (docs/integration.md)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Response

from api.deps import CampusDep, StoreDep
from api.errors import PROBLEM_RESPONSES
from twin.service.brick import BRICK_MEDIA_TYPES, brick_document

__all__ = ["router"]

router = APIRouter(tags=["exports"])

TTL_EXAMPLE = """@prefix brick: <https://brickschema.org/schema/Brick#> .

<urn:ifc:2O2Fr$t4X7Zf8NOew3FLOH> a brick:AHU ;
    brick:feeds <urn:ifc:0K9jx1Zk15gxT2l6RkXKzn> ;
    brick:hasLocation <urn:ifc:1hOSvn6df7F8_7GcBWlS8R> .
"""
JSONLD_EXAMPLE = [
    {
        "@id": "urn:ifc:2O2Fr$t4X7Zf8NOew3FLOH",
        "@type": ["https://brickschema.org/schema/Brick#AHU"],
        "https://brickschema.org/schema/Brick#feeds": [{"@id": "urn:ifc:0K9jx1Zk15gxT2l6RkXKzn"}],
    }
]


def _responses(media: str, example: Any) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media: {"example": example}}}, **PROBLEM_RESPONSES}


@router.get(
    "/buildings/{guid}/brick.ttl",
    summary="The building as a Brick graph (Turtle)",
    response_class=Response,
    responses=_responses("text/turtle", TTL_EXAMPLE),
)
async def brick_turtle(guid: str, campus: CampusDep, store: StoreDep) -> Response:
    """The building as a Brick Schema graph in Turtle: rooms, storeys, equipment, points and what
    feeds what, for building-analytics tools."""
    body = await asyncio.to_thread(brick_document, campus, store, guid, "turtle")
    return Response(body, media_type=BRICK_MEDIA_TYPES["turtle"])


@router.get(
    "/buildings/{guid}/brick.jsonld",
    summary="The building as a Brick graph (JSON-LD)",
    response_class=Response,
    responses=_responses("application/ld+json", JSONLD_EXAMPLE),
)
async def brick_jsonld(guid: str, campus: CampusDep, store: StoreDep) -> Response:
    """The same Brick Schema graph as JSON-LD."""
    body = await asyncio.to_thread(brick_document, campus, store, guid, "json-ld")
    return Response(body, media_type=BRICK_MEDIA_TYPES["json-ld"])
