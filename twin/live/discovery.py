"""Sensors found in a twin: IfcSensor elements with their space, host and limits.

``Pset_HospitalSensor`` (Quantity, Unit, LowerLimit, UpperLimit) is what the demo hospital
writes; without it the quantity comes from the IFC PredefinedType (TEMPERATURESENSOR, ...) and
the unit from :data:`DEFAULT_UNITS`. The sensor id is the element's GlobalId.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from twin.live.records import SensorSpec
from twin.live.store import LiveStore
from twin.model import Element, Twin

__all__ = [
    "DEFAULT_UNITS",
    "METER_TYPES",
    "discover_sensors",
    "register_model_sensors",
    "spec_for_element",
    "spec_for_meter",
]

#: Known quantities and their default units (others are accepted with an explicit unit).
DEFAULT_UNITS: dict[str, str] = {
    "temperature": "degC",
    "humidity": "%",
    "pressure": "Pa",
    "oxygen_pressure": "kPa",
    "flow": "m3/h",
    "power": "kW",
    "co2": "ppm",
    "pm25": "ug/m3",
    "door_state": "state",
    "run_state": "state",
    "level": "%",
    "smoke": "state",
}

_PREDEFINED = {
    "TEMPERATURESENSOR": "temperature",
    "HUMIDITYSENSOR": "humidity",
    "PRESSURESENSOR": "pressure",
    "FLOWSENSOR": "flow",
    "CO2SENSOR": "co2",
    "GASSENSOR": "oxygen_pressure",
    "CONTACTSENSOR": "door_state",
    "SMOKESENSOR": "smoke",
    "LEVELSENSOR": "level",
    "FILTERSENSOR": "pm25",
}


def _num(v: Any) -> float | None:
    try:
        return None if v is None or v == "" else float(v)
    except (TypeError, ValueError):
        return None


def _pset(e: Element) -> Mapping[str, Any]:
    for name, props in e.psets.items():
        if name.lower() == "pset_hospitalsensor":
            return props
    return {}


def spec_for_element(twin: Twin, e: Element) -> SensorSpec:
    """The sensor spec of one IfcSensor element, placed in its space/storey/building."""
    ps = _pset(e)
    quantity = str(ps.get("Quantity") or _PREDEFINED.get(e.predefined_type.upper(), "") or "")
    quantity = quantity.strip().lower().replace(" ", "_").replace(".", "") or "unknown"
    unit = str(ps.get("Unit") or DEFAULT_UNITS.get(quantity, ""))
    space = twin.spaces.get(e.space) if e.space else None
    storey = e.storey or (space.storey if space else None)
    building = twin.storeys[storey].building if storey and storey in twin.storeys else None
    pos = None
    if e.bbox is not None:
        x0, y0, z0, x1, y1, z1 = e.bbox
        pos = ((x0 + x1) / 2, (y0 + y1) / 2, (z0 + z1) / 2)
    return SensorSpec(
        id=e.guid,
        quantity=quantity,
        unit=unit,
        element=e.guid,
        space=e.space,
        storey=storey,
        building=building,
        host=e.host,
        name=e.name,
        lower=_num(ps.get("LowerLimit")),
        upper=_num(ps.get("UpperLimit")),
        criticality=space.criticality if space else "normal",
        position=pos,
        source="ifc",
    )


#: IfcFlowMeter PredefinedType -> (quantity, unit) of its register (docs/energy.md).
METER_TYPES: dict[str, tuple[str, str]] = {
    "ENERGYMETER": ("energy", "kWh"),
    "GASMETER": ("gas_volume", "m3"),
    "WATERMETER": ("water_volume", "m3"),
    "OILMETER": ("oil_volume", "m3"),
}


def spec_for_meter(twin: Twin, e: Element) -> SensorSpec | None:
    """An IfcFlowMeter (kind ``meter``) as a sensor of its register: the quantity from its
    PredefinedType (or ``Pset_HospitalSensor``), kWh / m3 unless the pset says otherwise. The
    meter sits in the flow itself, so it is its own host (the sub-metering tree is traced from
    it). None for a meter of unknown type without a pset quantity."""
    spec = spec_for_element(twin, e)
    ps = _pset(e)
    known = METER_TYPES.get(e.predefined_type.upper())
    if ps.get("Quantity"):
        quantity, unit = spec.quantity, spec.unit
    elif known is not None:
        quantity, unit = known[0], str(ps.get("Unit") or known[1])
    else:
        return None
    return replace(spec, quantity=quantity, unit=unit, host=e.host or e.guid)


def discover_sensors(twin: Twin) -> list[SensorSpec]:
    """Every IfcSensor (kind ``sensor``) and IfcFlowMeter (kind ``meter``) of the twin as a
    spec, by GlobalId."""
    out: list[SensorSpec] = []
    for e in sorted(twin.elements.values(), key=lambda e: e.guid):
        if e.kind == "sensor":
            out.append(spec_for_element(twin, e))
        elif e.kind == "meter" and (meter := spec_for_meter(twin, e)) is not None:
            out.append(meter)
    return out


def register_model_sensors(store: LiveStore, twin: Twin) -> int:
    """Register every IfcSensor of ``twin`` in ``store`` (idempotent, source ``ifc``); returns
    how many. Called at start-up for the configured models and when an upload job finishes, so
    readings for a newly uploaded model's sensors are accepted without a restart."""
    return store.register_sensors(discover_sensors(twin))
