"""Sensors: list, register, inspect.

The live store they live in is opened by the app's lifespan (:mod:`api.lifespan`), which also
registers every IfcSensor of the served models."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import PrincipalDep
from api.deps import CampusDep
from api.errors import PROBLEM_RESPONSES
from api.live_deps import StoreDep
from api.schemas.sensors import SensorIn, SensorOut
from twin.errors import InvalidInput, NotFound
from twin.live.discovery import DEFAULT_UNITS
from twin.live.records import SensorSpec

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(tags=["sensors"])


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
