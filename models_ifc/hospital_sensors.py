"""IfcSensor elements: room climate in critical rooms, pressures and power on equipment.

Room sensors are contained in their room. Equipment sensors are contained in the host's space
and hosted through IfcRelFlowControlElements (what ``system.assign_flow_control`` writes).
Every sensor carries ``Pset_HospitalSensor`` (Quantity, Unit, LowerLimit, UpperLimit); the
energy meters (quantity ``energy``, kWh registers on the main electrical supply and on each
storey's distribution board) have no limits.
"""

from __future__ import annotations

from typing import Any

from models_ifc.hospital_ifc import IfcWriter
from models_ifc.hospital_layout import Room

__all__ = ["write_sensors"]

Entity = Any

#: criticality -> [(quantity, lower, upper)] for room sensors
_ROOM_SENSORS: dict[str, tuple[tuple[str, float, float], ...]] = {
    "operating_theatre": (
        ("temperature", 18.0, 24.0),
        ("humidity", 30.0, 60.0),
        ("pressure", 0.005, 0.025),
    ),
    "icu": (("temperature", 20.0, 26.0), ("humidity", 30.0, 60.0)),
    "isolation": (
        ("temperature", 20.0, 26.0),
        ("humidity", 30.0, 60.0),
        ("pressure", -0.025, -0.005),
    ),
    "cold_chain": (("temperature", 2.0, 8.0),),
    "plant": (("temperature", 5.0, 35.0),),
    "medical_gas": (("temperature", 5.0, 35.0),),
}
_KIND = {
    "temperature": ("TEMPERATURESENSOR", None, "degC"),
    "humidity": ("HUMIDITYSENSOR", None, "%"),
    "pressure": ("PRESSURESENSOR", None, "kPa"),
    "oxygen_pressure": ("USERDEFINED", "OxygenPressureSensor", "kPa"),
    "power": ("USERDEFINED", "PowerSensor", "kW"),
    "energy": ("USERDEFINED", "EnergyMeter", "kWh"),
}


def _sensor(
    w: IfcWriter,
    key: str,
    quantity: str,
    limits: tuple[float, float] | None,
    splace: Entity,
    at: tuple[float, float, float],
    space: Entity,
    host: Entity | None,
) -> dict[str, Any]:
    ptype, otype, unit = _KIND[quantity]
    sensor = w.product(
        "IfcSensor",
        f"sensor/{key}",
        f"{quantity.replace('_', ' ').capitalize()} sensor {space.Name}",
        w.placement(splace, at),
        w.mapped(("box", 0.08, 0.08, 0.08)),
        space,
        PredefinedType=ptype,
        ObjectType=otype,
    )
    props: dict[str, Any] = {"Quantity": ("IfcLabel", quantity), "Unit": ("IfcLabel", unit)}
    if limits is not None:  # a cumulative register (energy) has no band
        props |= {"LowerLimit": limits[0], "UpperLimit": limits[1]}
    w.pset(f"sensor/{key}", [sensor], "Pset_HospitalSensor", props)
    existing = list(getattr(host, "HasControlElements", None) or ()) if host else []
    if existing:  # IFC4: one IfcRelFlowControlElements per flow element ([0:1] inverse)
        existing[0].RelatedControlElements = [*existing[0].RelatedControlElements, sensor]
    elif host is not None:
        w.rel(
            "IfcRelFlowControlElements",
            f"sensor/{key}/host",
            RelatedControlElements=[sensor],
            RelatingFlowElement=host,
        )
    return {
        "guid": sensor.GlobalId,
        "quantity": quantity,
        "unit": unit,
        "space": space.GlobalId,
        "host": host.GlobalId if host is not None else None,
        "lower": limits[0] if limits else None,
        "upper": limits[1] if limits else None,
    }


def write_sensors(
    w: IfcWriter,
    storeys: list[tuple[Entity, Entity]],
    rooms_by_level: list[list[Room]],
    handles: dict[str, dict[str, Entity]],
) -> list[dict[str, Any]]:
    """Room sensors in critical rooms, then equipment sensors per storey and in the plant room."""
    out: list[dict[str, Any]] = []
    for level, rooms in enumerate(rooms_by_level):
        splace = storeys[level][1]
        for room in rooms:
            for i, (quantity, lo, hi) in enumerate(_ROOM_SENSORS.get(room.criticality, ())):
                at = (room.x0 + 0.3, room.y0 + 0.3 + 0.2 * i, 2.5)
                key = f"{room.key}/{quantity}"
                out.append(_sensor(w, key, quantity, (lo, hi), splace, at, room.entity, None))
        corridor = next(r for r in rooms if r.side == "C" and r.wing == 0)
        for sys_key, quantity, limits in (
            ("o2", "oxygen_pressure", (400.0, 500.0)),
            ("el", "power", (0.0, 40.0)),
            ("el", "energy", None),
        ):
            host = handles[sys_key][f"valve{level}"]
            loc = host.ObjectPlacement.RelativePlacement.Location.Coordinates
            at = (loc[0] + (0.15 if quantity == "energy" else 0.0), loc[1] - 0.2, loc[2])
            key = f"L{level}/{sys_key}/{quantity}"
            out.append(_sensor(w, key, quantity, limits, splace, at, corridor.entity, host))
    ground = storeys[0][1]
    for sys_key, handle, quantity, limits in (
        ("cw", "source1", "pressure", (300.0, 600.0)),
        ("el", "source0", "power", (0.0, 400.0)),
        ("el", "source0", "energy", None),
        ("o2", "source0", "oxygen_pressure", (800.0, 1000.0)),
    ):
        host = handles[sys_key][handle]
        loc = host.ObjectPlacement.RelativePlacement.Location.Coordinates
        at = (loc[0] + (0.15 if quantity == "energy" else 0.0), loc[1] + 0.35, 0.6)
        space = handles[sys_key][f"{handle}_space"]
        key = f"{sys_key}/{handle}/{quantity}"
        out.append(_sensor(w, key, quantity, limits, ground, at, space, host))
    return out
