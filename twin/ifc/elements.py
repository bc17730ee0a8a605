"""Which kind of thing a product is, as a table the reader can check against the IFC schema.

A product's kind comes from the first class in its supertype chain that the table names, so the
many IFC4 subclasses of ``IfcFlowTerminal`` become terminals without a row each. Where the
occurrence class is generic (IFC2X3 has only ``IfcFlowController`` and friends; IFC4 exporters
still write them), the type object decides: an ``IfcFlowController`` typed by ``IfcValveType`` is a
valve. Anything unknown keeps its IFC class as its kind.
"""

from __future__ import annotations

import functools
from typing import Any

import ifcopenshell
import ifcopenshell.ifcopenshell_wrapper as wrapper

from twin.ifc.fast import supertypes

__all__ = [
    "CLASS_KINDS",
    "GENERIC_CLASSES",
    "PART_CLASSES",
    "SKIPPED_CLASSES",
    "TYPE_KINDS",
    "classify",
    "element_occurrences",
    "is_part_of_classified",
    "kind_of_class",
]

#: Occurrence classes -> kind, matched along the supertype chain (most specific first).
CLASS_KINDS: dict[str, str] = {
    "IfcDoor": "door",
    "IfcWindow": "window",
    "IfcWall": "wall",
    "IfcSlab": "slab",
    "IfcRoof": "roof",
    "IfcStair": "stair",
    "IfcStairFlight": "stair",
    "IfcRamp": "ramp",
    "IfcRampFlight": "ramp",
    "IfcTransportElement": "lift",
    "IfcColumn": "column",
    "IfcBeam": "beam",
    "IfcCovering": "covering",
    "IfcRailing": "railing",
    "IfcFurnishingElement": "furniture",
    "IfcFurniture": "furniture",
    "IfcSystemFurnitureElement": "furniture",
    # distribution, IFC4 specific classes
    "IfcFlowSegment": "segment",
    "IfcFlowFitting": "fitting",
    "IfcFlowController": "valve",
    "IfcFlowMeter": "meter",
    "IfcElectricDistributionBoard": "equipment",
    "IfcFlowMovingDevice": "pump",
    "IfcFlowTerminal": "terminal",
    "IfcEnergyConversionDevice": "equipment",
    "IfcFlowStorageDevice": "equipment",
    "IfcFlowTreatmentDevice": "equipment",
    "IfcSensor": "sensor",
    "IfcActuator": "actuator",
    "IfcAlarm": "alarm",
    "IfcController": "controller",
    "IfcUnitaryControlElement": "controller",
    "IfcFlowInstrument": "sensor",
    "IfcDistributionControlElement": "controller",
}

#: Type object classes -> kind, used for generic occurrences (IFC2X3 above all).
TYPE_KINDS: dict[str, str] = {
    "IfcValveType": "valve",
    "IfcDamperType": "valve",
    "IfcProtectiveDeviceType": "valve",
    "IfcSwitchingDeviceType": "valve",
    "IfcAirTerminalBoxType": "valve",
    "IfcFlowControllerType": "valve",
    "IfcFlowMeterType": "meter",
    "IfcElectricDistributionBoardType": "equipment",
    "IfcElectricDistributionPointType": "equipment",
    "IfcPumpType": "pump",
    "IfcFanType": "pump",
    "IfcCompressorType": "pump",
    "IfcFlowMovingDeviceType": "pump",
    "IfcFlowSegmentType": "segment",
    "IfcFlowFittingType": "fitting",
    "IfcFlowTerminalType": "terminal",
    "IfcEnergyConversionDeviceType": "equipment",
    "IfcFlowStorageDeviceType": "equipment",
    "IfcFlowTreatmentDeviceType": "equipment",
    "IfcSensorType": "sensor",
    "IfcFlowInstrumentType": "sensor",
    "IfcActuatorType": "actuator",
    "IfcAlarmType": "alarm",
    "IfcControllerType": "controller",
    "IfcUnitaryControlElementType": "controller",
}

#: Occurrence classes whose kind a type object may refine.
GENERIC_CLASSES: frozenset[str] = frozenset(
    {
        "IfcFlowSegment",
        "IfcFlowFitting",
        "IfcFlowController",
        "IfcFlowTerminal",
        "IfcFlowMovingDevice",
        "IfcEnergyConversionDevice",
        "IfcFlowStorageDevice",
        "IfcFlowTreatmentDevice",
        "IfcDistributionControlElement",
        "IfcDistributionFlowElement",
        "IfcDistributionElement",
        "IfcElectricDistributionPoint",
    }
)

#: Never elements of the twin: features, ports, annotations, spatial elements.
SKIPPED_CLASSES: tuple[str, ...] = (
    "IfcFeatureElement",
    "IfcSpatialStructureElement",
    "IfcSpatialElement",
    "IfcPort",
    "IfcAnnotation",
    "IfcGrid",
    "IfcVirtualElement",
)

#: Parts that belong to a classified whole (stair flights in a stair, curtain-wall panels).
PART_CLASSES: dict[str, tuple[str, ...]] = {
    "IfcStairFlight": ("IfcStair",),
    "IfcRampFlight": ("IfcRamp",),
    "IfcPlate": ("IfcCurtainWall",),
    "IfcMember": ("IfcCurtainWall", "IfcStair", "IfcRailing", "IfcRamp"),
    "IfcRailing": ("IfcStair", "IfcRamp"),
    "IfcSlab": ("IfcStair", "IfcRamp", "IfcRoof"),
    "IfcBuildingElementPart": ("IfcWall", "IfcSlab", "IfcStair"),
}


@functools.lru_cache(maxsize=4096)
def _chain(schema: str, cls: str) -> tuple[str, ...]:
    try:
        decl = wrapper.schema_by_name(schema).declaration_by_name(cls)
    except (RuntimeError, AttributeError):
        return (cls,)
    names: list[str] = []
    while decl is not None:
        names.append(decl.name())
        decl = decl.supertype()  # type: ignore[attr-defined]
    return tuple(names)


def kind_of_class(schema: str, cls: str, table: dict[str, str] = CLASS_KINDS) -> str | None:
    """Kind from the first class in ``cls``'s supertype chain found in ``table``."""
    for name in _chain(schema, cls):
        if name in table:
            return table[name]
    return None


def classify(product: Any, type_object: Any | None, schema: str) -> str:
    """The kind of one product (see module doc)."""
    cls = product.is_a()
    if type_object is not None and cls in GENERIC_CLASSES:
        by_type = kind_of_class(schema, type_object.is_a(), TYPE_KINDS)
        if by_type is not None:
            return by_type
    return kind_of_class(schema, cls) or cls


def is_part_of_classified(product: Any, parent: Any | None) -> bool:
    """True when ``product`` is a part of a whole that is itself an element of the twin."""
    if parent is None:
        return False
    mine, theirs = supertypes(product.is_a(True)), supertypes(parent.is_a(True))
    for part_cls, wholes in PART_CLASSES.items():
        if part_cls in mine and any(w in theirs for w in wholes):
            return True
    return False


@functools.lru_cache(maxsize=4096)
def _skipped(qualified: str) -> bool:
    return not supertypes(qualified).isdisjoint(SKIPPED_CLASSES)


def element_occurrences(model: ifcopenshell.file) -> list[Any]:
    """Every IfcElement occurrence the twin may classify (before parts are folded)."""
    return [p for p in model.by_type("IfcElement") if not _skipped(p.is_a(True))]
