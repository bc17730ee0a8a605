"""Sensors: list, register, inspect.

The live store they live in is opened by the app's lifespan (:mod:`api.lifespan`), which also
registers every IfcSensor of the served models."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import PrincipalDep
from api.deps import CampusDep, StoreDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.sensors import SensorIn, SensorOut
from twin.service import sensors

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(tags=["sensors"])


@router.get("/sensors", response_model=list[SensorOut], summary="Sensors with latest values")
def list_sensors(
    store: StoreDep,
    space: str | None = None,
    storey: str | None = None,
    building: str | None = None,
    quantity: Annotated[str | None, Query(examples=["temperature"])] = None,
) -> list[SensorOut]:
    """Sensors with where they are (building, storey, room, element), filterable by place and
    quantity."""
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
    """Register a sensor or update it: quantity, unit, alarm limits and the room or element it sits
    on."""
    spec = sensors.register_sensor(
        campus, store, actor=who.name, sensor_id=body.id, quantity=body.quantity,
        unit=body.unit, element=body.element, space=body.space, name=body.name,
        lower=body.lower, upper=body.upper,
    )  # fmt: skip
    return SensorOut.model_validate(spec)


@router.get(
    "/sensors/{sensor_id}",
    response_model=SensorOut,
    responses=PROBLEM_RESPONSES,
    summary="One sensor",
)
def get_sensor(sensor_id: str, store: StoreDep) -> SensorOut:
    """A sensor with its quantity, unit, alarm limits and place in the twin."""
    return SensorOut.model_validate(store.sensor(sensor_id))
