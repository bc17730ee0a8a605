"""Sensors: list, register, inspect; and the live store's life cycle for the whole app.

``setup`` is the one place the store is created (``app.state.store``): a start-up hook opens it
(running migrations), registers every IfcSensor of the loaded models (idempotent, source
``ifc``), starts the MQTT consumer when ``TWIN_MQTT_URL`` is set, and runs the stale-sensor
sweep (the only timer). It also registers the plan overlay ``overlay=alarms|tickets|sensor:<q>``.

Settings read from the environment (to move into api/settings.py):
``TWIN_MQTT_URL`` (e.g. ``mqtt://127.0.0.1:1883``; empty = no MQTT), ``TWIN_MQTT_TOPIC``
(default ``twin/readings/#``), ``TWIN_MQTT_CLIENT_ID`` (default ``twin-live-ingest``; run MQTT in
one API process per client id), ``TWIN_STALE_SWEEP_S`` (default 30; 0 = off).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request

from api.auth import PrincipalDep
from api.deps import CampusDep
from api.errors import PROBLEM_RESPONSES
from api.live_deps import StoreDep
from api.schemas.sensors import SensorIn, SensorOut
from twin.errors import InvalidInput, NotFound
from twin.live import audit
from twin.live.discovery import DEFAULT_UNITS, register_model_sensors
from twin.live.records import SensorSpec

__all__ = ["router", "setup"]

log = logging.getLogger(__name__)

router = APIRouter(tags=["sensors"])


def live_env() -> dict[str, Any]:
    """The live settings not (yet) in :class:`api.settings.Settings`."""
    return {
        "mqtt_url": os.environ.get("TWIN_MQTT_URL", ""),
        "mqtt_topic": os.environ.get("TWIN_MQTT_TOPIC", "twin/readings/#"),
        "mqtt_client_id": os.environ.get("TWIN_MQTT_CLIENT_ID", "twin-live-ingest"),
        "stale_sweep_s": float(os.environ.get("TWIN_STALE_SWEEP_S", "30")),
    }


def setup(app: FastAPI, settings: Any) -> None:
    if not hasattr(app.state, "plan_layers"):
        app.state.plan_layers = {}
    app.state.plan_layers["overlay"] = _overlay_factory
    app.state.startup_hooks.append(_start)
    app.state.shutdown_hooks.append(_stop)


async def _start(app: FastAPI) -> None:
    from twin.live.store import open_store

    env = live_env()
    store = await asyncio.to_thread(open_store, app.state.settings.store_url)
    app.state.store = store
    n = 0
    for twin in app.state.campus:
        n += await asyncio.to_thread(register_model_sensors, store, twin)
    log.info("live store %s open; %d sensors from the models", store.backend, n)
    app.state.mqtt = None
    if env["mqtt_url"]:
        from twin.live.mqtt import MqttConfig, MqttConsumer

        cfg = MqttConfig(env["mqtt_url"], env["mqtt_topic"], env["mqtt_client_id"])
        app.state.mqtt = MqttConsumer(store, cfg)
        app.state.mqtt.start()
    app.state.stale_sweeper = None
    if env["stale_sweep_s"] > 0:
        app.state.stale_sweeper = asyncio.create_task(_sweep(store, env["stale_sweep_s"]))


async def _sweep(store: Any, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(store.sweep_stale)
        except Exception:
            log.exception("stale sweep failed")


async def _stop(app: FastAPI) -> None:
    task = getattr(app.state, "stale_sweeper", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if getattr(app.state, "mqtt", None) is not None:
        await asyncio.to_thread(app.state.mqtt.stop)
    store = getattr(app.state, "store", None)
    if store is not None:
        store.close()


def _overlay_factory(request: Request, twin: Any, storey_guid: str, value: str) -> Any:
    from twin.live.overlays import overlay_layer

    return overlay_layer(request.app.state.store, twin, storey_guid, value)


def bind(campus: Campus, body: SensorIn) -> SensorSpec:
    """Resolve the sensor's element/space in the loaded models to place it."""
    if not body.element and not body.space:
        raise InvalidInput("bind the sensor to an element and/or a space GlobalId")
    twin = campus.twin_of(body.element or body.space or "")
    element = twin.elements.get(body.element) if body.element else None
    if body.element and element is None:
        raise NotFound(f"{body.element!r} is not an element")
    space_id = body.space or (element.space if element else None)
    space = twin.spaces.get(space_id) if space_id else None
    if body.space and space is None:
        raise NotFound(f"{body.space!r} is not a space of the element's model")
    storey = (space.storey if space else None) or (element.storey if element else None)
    unit = body.unit or DEFAULT_UNITS.get(body.quantity)
    if not unit:
        raise InvalidInput(f"give a unit: no default for quantity {body.quantity!r}")
    return SensorSpec(
        id=body.id, quantity=body.quantity, unit=unit, element=body.element, space=space_id,
        storey=storey, building=twin.storeys[storey].building if storey else None,
        host=element.host if element else None, name=body.name, lower=body.lower,
        upper=body.upper, criticality=space.criticality if space else "normal", source="api",
    )  # fmt: skip


@router.get("/sensors", response_model=list[SensorOut], summary="Sensors with latest values")
def list_sensors(
    store: StoreDep,
    space: str | None = None,
    storey: str | None = None,
    building: str | None = None,
    quantity: Annotated[str | None, Query(examples=["temperature"])] = None,
) -> list[SensorOut]:
    found = store.sensors(space=space, storey=storey, building=building, quantity=quantity)
    return [SensorOut.model_validate(s) for s in found]


@router.post(
    "/sensors",
    response_model=SensorOut,
    status_code=201,
    summary="Register or update a sensor (role operator)",
    responses=PROBLEM_RESPONSES,
)
def register_sensor(
    body: SensorIn,
    store: StoreDep,
    campus: CampusDep,
    who: PrincipalDep,
) -> SensorOut:
    spec = store.register_sensor(bind(campus, body))
    audit.record_write(store, who.name, "sensor.register", f"sensor:{spec.id}")
    return SensorOut.model_validate(spec)


@router.get(
    "/sensors/{sensor_id}", response_model=SensorOut, responses=PROBLEM_RESPONSES, summary="One"
)
def get_sensor(sensor_id: str, store: StoreDep) -> SensorOut:
    return SensorOut.model_validate(store.sensor(sensor_id))
