"""Typed registries of what other resources draw on floor plans and 3D scenes.

``plan.svg?overlay=|route=|scenario=|trace=`` and ``scene.glb?scenario=`` name a layer; the
app factory puts one registry of each kind on ``app.state`` (``plan_layers``, ``scene_layers``,
built by :func:`default_layers`), and the export router looks names up there with
:func:`plan_layer` / :func:`scene_layer`. A name that is not registered, or a layer whose factory
fails with anything but a :class:`~twin.errors.TwinError`, is a 422 problem naming the layer: a
layer's own failure never takes the plan down with a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from fastapi import Request

from api.deps import get_store
from api.routers.routing import route_layer
from api.routers.scenarios import plan_layer as scenario_plan_layer
from api.routers.scenarios import scene_layer as scenario_scene_layer
from twin.distribution import trace
from twin.errors import InvalidInput, TwinError
from twin.export.hazards import hazard_layer
from twin.export.live_overlays import overlay_layer
from twin.export.plan_svg import HighlightLayer, PlanLayer
from twin.model import Twin
from twin.service.derived import networks_of

__all__ = [
    "PlanLayerFactory",
    "PlanLayers",
    "SceneColors",
    "SceneLayerFactory",
    "SceneLayers",
    "default_layers",
    "plan_layer",
    "scene_layer",
]

log = logging.getLogger(__name__)

#: ``{GlobalId or kind: (r, g, b, a)}``: what a scene layer colours.
SceneColors = Mapping[str, tuple[float, ...]]


class PlanLayerFactory(Protocol):
    """``factory(request, twin, storey_guid, value)``: the layer drawn on that storey's plan."""

    def __call__(
        self, request: Request, twin: Twin, storey_guid: str, value: str, /
    ) -> PlanLayer: ...


class SceneLayerFactory(Protocol):
    """``factory(request, twin, value)``: the colours of a building's scene."""

    def __call__(self, request: Request, twin: Twin, value: str, /) -> SceneColors: ...


PlanLayers = dict[str, PlanLayerFactory]
SceneLayers = dict[str, SceneLayerFactory]

_T = TypeVar("_T")


def _missing(name: str) -> InvalidInput:
    return InvalidInput(f"layer {name!r} is not available on this service", layer=name)


def _guarded(name: str, make: Callable[[], _T]) -> _T:
    try:
        return make()
    except TwinError:
        raise
    except Exception as exc:  # a layer's own failure must not take the plan down with a 500
        log.warning("layer %s failed: %s", name, exc, exc_info=True)
        raise InvalidInput(f"layer {name!r} is unavailable: {exc}", layer=name) from None


def plan_layer(request: Request, name: str, twin: Twin, storey_guid: str, value: str) -> PlanLayer:
    """The plan layer registered as ``name``, drawn for ``value`` (422 naming it otherwise)."""
    layers: PlanLayers = request.app.state.plan_layers
    factory = layers.get(name)
    if factory is None:
        raise _missing(name)
    return _guarded(name, lambda: factory(request, twin, storey_guid, value))


def scene_layer(request: Request, name: str, twin: Twin, value: str) -> SceneColors:
    """The scene colours registered as ``name`` for ``value`` (422 naming it otherwise)."""
    layers: SceneLayers = request.app.state.scene_layers
    factory = layers.get(name)
    if factory is None:
        raise _missing(name)
    return _guarded(name, lambda: factory(request, twin, value))


def live_overlay(request: Request, twin: Twin, storey_guid: str, value: str) -> PlanLayer:
    """``overlay=alarms|tickets|sensor:<quantity>|hazards|hazards:all|patrols``: live state
    from the store (hazards from the ledger, :func:`hazards_overlay`; patrol checkpoints,
    :func:`patrol_checkpoints`)."""
    if value in ("hazards", "hazards:all"):
        return hazards_overlay(
            request, twin, storey_guid, "all" if value.endswith("all") else "open"
        )
    if value == "patrols":
        return patrol_checkpoints(request, twin, storey_guid)
    return overlay_layer(get_store(request), twin, storey_guid, value)


def patrol_checkpoints(request: Request, twin: Twin, storey_guid: str) -> PlanLayer:
    """``overlay=patrols``: the rooms and elements that are checkpoints of a patrol template,
    where they are on this storey (docs/patrols.md)."""
    places = {cp["place"] for t in get_store(request).patrols.templates() for cp in t.checkpoints}
    return HighlightLayer(guids=sorted(places), name="patrols", css_class="patrol")


def upstream_trace(request: Request, twin: Twin, storey_guid: str, value: str) -> PlanLayer:
    """``trace=<guid>``: the upstream trace of ``value``, highlighted where it is on this
    storey."""
    nets = networks_of(request.app.state.campus, twin)
    guids = trace(nets, value, direction="upstream").guids
    here = [g for g in guids if g in twin.elements and twin.elements[g].storey == storey_guid]
    return HighlightLayer(guids=here, name="trace", css_class="trace")


def hazards_overlay(request: Request, twin: Twin, storey_guid: str, value: str) -> PlanLayer:
    """Hazards of the ledger on this storey (``open`` or ``all``): rooms filled by their worst
    hazard's risk (docs/hazards.md)."""
    if value not in ("open", "all"):
        raise InvalidInput("hazards layer: value must be 'open' or 'all'", layer="hazards")
    status = None if value == "all" else "new,rectifying,awaiting_verification"
    found = get_store(request).hazards.list(storey=storey_guid, status=status, limit=100_000)
    return hazard_layer(found, storey_guid, datetime.now(UTC))


def default_layers() -> tuple[PlanLayers, SceneLayers]:
    """The registries a new app starts with (fresh dicts: each app may change its own)."""
    plan: PlanLayers = {
        "overlay": live_overlay,
        "route": route_layer,
        "scenario": scenario_plan_layer,
        "trace": upstream_trace,
    }
    scene: SceneLayers = {"scenario": scenario_scene_layer}
    return plan, scene
