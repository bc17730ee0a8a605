"""The Brick export as served: one building's graph from the served twin, its distribution
networks (memoised per twin) and the sensors the model and the live store know, serialised as
Turtle or JSON-LD (:mod:`twin.export.brick` builds the graph)."""

from __future__ import annotations

from typing import Literal

from twin.export.brick import brick_graph
from twin.live.discovery import discover_sensors
from twin.live.store import LiveStore
from twin.service.campus import Campus
from twin.service.derived import networks_of

__all__ = ["BRICK_MEDIA_TYPES", "brick_document"]

BrickFormat = Literal["turtle", "json-ld"]
#: rdflib format -> media type of the served document.
BRICK_MEDIA_TYPES: dict[str, str] = {"turtle": "text/turtle", "json-ld": "application/ld+json"}


def brick_document(campus: Campus, store: LiveStore, building: str, fmt: BrickFormat) -> bytes:
    """Building ``building`` as a Brick document. The store's sensors come first (gateway
    points and API-registered sensors with their bindings), then the model's own sensors that
    the store does not know yet; :class:`twin.service.campus.BuildingNotFound` for an unknown
    building."""
    twin, _ = campus.building(building)
    points = [*store.sensors(), *discover_sensors(twin)]
    graph = brick_graph(twin, building, networks_of(campus, twin), points)
    return graph.serialize(format=fmt, encoding="utf-8")
