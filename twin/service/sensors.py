"""Sensors registered through the API: placed in the served models, stored, audited.

A sensor names an element and/or a room by GlobalId; which served model holds them, the storey
and building they are on, the room's criticality and the default unit of the quantity are
found here, in the serving layer, so the sensors router only parses and shapes.
"""

from __future__ import annotations

from twin.errors import InvalidInput, NotFound
from twin.live.discovery import DEFAULT_UNITS
from twin.live.records import SensorSpec
from twin.live.store import LiveStore
from twin.service.campus import Campus

__all__ = ["bind_sensor", "register_sensor"]


def bind_sensor(
    campus: Campus,
    *,
    sensor_id: str,
    quantity: str,
    unit: str | None = None,
    element: str | None = None,
    space: str | None = None,
    name: str = "",
    lower: float | None = None,
    upper: float | None = None,
) -> SensorSpec:
    """Resolve the sensor's element/space in the loaded models to place it."""
    if not element and not space:
        raise InvalidInput("bind the sensor to an element and/or a space GlobalId")
    twin = campus.twin_of(element or space or "")
    el = twin.elements.get(element) if element else None
    if element and el is None:
        raise NotFound(f"{element!r} is not an element")
    space_id = space or (el.space if el else None)
    sp = twin.spaces.get(space_id) if space_id else None
    if space and sp is None:
        raise NotFound(f"{space!r} is not a space of the element's model")
    storey = (sp.storey if sp else None) or (el.storey if el else None)
    unit = unit or DEFAULT_UNITS.get(quantity)
    if not unit:
        raise InvalidInput(f"give a unit: no default for quantity {quantity!r}")
    return SensorSpec(
        id=sensor_id, quantity=quantity, unit=unit, element=element, space=space_id,
        storey=storey, building=twin.storeys[storey].building if storey else None,
        host=el.host if el else None, name=name, lower=lower, upper=upper,
        criticality=sp.criticality if sp else "normal", source="api",
    )  # fmt: skip


def register_sensor(
    campus: Campus,
    store: LiveStore,
    *,
    actor: str,
    sensor_id: str,
    quantity: str,
    unit: str | None = None,
    element: str | None = None,
    space: str | None = None,
    name: str = "",
    lower: float | None = None,
    upper: float | None = None,
) -> SensorSpec:
    """Place (:func:`bind_sensor`), register or update by id, and audit who did it."""
    placed = bind_sensor(
        campus, sensor_id=sensor_id, quantity=quantity, unit=unit, element=element,
        space=space, name=name, lower=lower, upper=upper,
    )  # fmt: skip
    spec = store.register_sensor(placed)
    store.audit.record(actor, "sensor.register", f"sensor:{spec.id}")
    return spec
