"""What flows where: the one table from records and IFC data to the medium of a network.

Why one table: the medium of a fault decides which valves a technician closes. It comes from
whatever the record says — a ticket's trade (``skill``), an alarm's sensor ``quantity``, the
IfcSystem its element belongs to (``PredefinedType``, else ``ObjectType`` and name words, since
IFC2X3 ``IfcSystem`` has no predefined type and IFC4 medical gases are ``USERDEFINED``), else the
element's own class (a cable carries power, a duct air). Ingest (``twin.ifc.ports``), the network
builder (``twin.distribution.sources``) and fault localization (``twin.analysis.faults``) all read
the rows below, so they cannot disagree. docs/fault-localization.md prints the table.

Media are the flow names of ``twin.model.System.flow``: ``gas`` (medical and fuel gases),
``electricity``, ``air``, ``water``, ``heating``, ``cooling``, and ``other`` (unknown: any).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

__all__ = [
    "CLASS_MEDIA",
    "ELEMENT_WORDS",
    "MEDIA",
    "MEDICAL_GAS_WORDS",
    "QUANTITY_MEDIA",
    "SKILL_MEDIA",
    "SYSTEM_TYPE_MEDIA",
    "SYSTEM_WORDS",
    "media_of_class",
    "media_of_quantity",
    "media_of_skill",
    "medium_of_system",
    "network_rank",
]

#: Every medium; the order is the ranking of candidate networks where nothing else decides.
MEDIA: tuple[str, ...] = ("gas", "electricity", "air", "water", "heating", "cooling", "other")

#: A ticket's skill (trade) -> the media it works on. "general" and unknown skills: no hint.
SKILL_MEDIA: Mapping[str, frozenset[str]] = {
    "medical_gas": frozenset({"gas"}),
    "plumbing": frozenset({"water"}),
    "electrical": frozenset({"electricity"}),
    "hvac": frozenset({"air", "heating", "cooling"}),
}

#: Sensor quantity words -> media (first match wins; matched on the lower-cased quantity with
#: spaces as underscores). Room quantities (temperature, humidity, room pressure) say nothing
#: about a pipe or cable: they give the HVAC media, like the trade they call for.
QUANTITY_MEDIA: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (re.compile(r"oxygen|(^|_)o2|medical_gas|vacuum|nitrous|n2o|medical_air"), frozenset({"gas"})),
    (re.compile(r"power|voltage|current|energy|frequency"), frozenset({"electricity"})),
    (re.compile(r"water|leak|flow"), frozenset({"water"})),
    (re.compile(r"supply_temp|return_temp|heating"), frozenset({"heating"})),
    (re.compile(r"chilled|cooling"), frozenset({"cooling"})),
    (
        re.compile(r"temperature|humidity|co2|pm\d|air|pressure|run"),
        frozenset({"air", "heating", "cooling"}),
    ),
)

#: IfcDistributionSystemEnum / IfcDistributionSystemTypeEnum (IFC4, IFC4X3) -> medium.
SYSTEM_TYPE_MEDIA: Mapping[str, str] = {
    **dict.fromkeys(
        (
            "DOMESTICCOLDWATER",
            "DOMESTICHOTWATER",
            "WATERSUPPLY",
            "DRAINAGE",
            "RAINWATER",
            "SEWAGE",
            "STORMWATER",
            "WASTEWATER",
            "FIREPROTECTION",
            "COLDWATER",
            "HOTWATER",
        ),
        "water",
    ),
    **dict.fromkeys(("HEATING",), "heating"),
    **dict.fromkeys(("CHILLEDWATER", "CONDENSERWATER", "REFRIGERATION"), "cooling"),
    **dict.fromkeys(
        ("AIRCONDITIONING", "VENTILATION", "EXHAUST", "VENT", "COMPRESSEDAIR"),
        "air",
    ),
    **dict.fromkeys(("GAS", "FUEL", "VACUUM", "CHEMICAL", "OIL"), "gas"),
    **dict.fromkeys(
        (
            "ELECTRICAL",
            "LIGHTING",
            "POWERGENERATION",
            "EARTHING",
            "LIGHTNINGPROTECTION",
            "COMMUNICATION",
            "DATA",
            "SECURITY",
            "CONTROL",
        ),
        "electricity",
    ),
}

#: Words of a system's ObjectType or Name (USERDEFINED, IFC2X3 IfcSystem) -> medium; first wins.
SYSTEM_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("gas", re.compile(r"oxygen|medical ?gas|nitrous|\bgas\b|vacuum|\bO2\b|sauerstoff", re.I)),
    ("cooling", re.compile(r"chilled|cooling|k[äa]lte|condenser", re.I)),
    ("heating", re.compile(r"heating|heizung|radiator", re.I)),
    ("water", re.compile(r"water|plumbing|sanitary|drain|wasser", re.I)),
    ("air", re.compile(r"\bair\b|duct|ventilat|exhaust|hvac|l[üu]ftung", re.I)),
    ("electricity", re.compile(r"electr|power|lighting|circuit|strom", re.I)),
)

#: Words that make a gas network a *medical* gas network (ranked first among candidates).
MEDICAL_GAS_WORDS = re.compile(
    r"oxygen|medical|nitrous|vacuum|\bO2\b|\bN2O\b|entonox|sauerstoff", re.I
)

_FLUID = frozenset({"water", "heating", "cooling", "gas"})
_AIR = frozenset({"air"})
_HYDRONIC = frozenset({"water", "heating", "cooling"})

#: IFC class prefixes -> media the element carries, for elements in no system (IFC4 classes
#: and the IFC2X3 names they share a prefix with). Generic IFC2X3 classes (IfcFlowSegment)
#: carry any medium: their type object or system must say.
CLASS_MEDIA: tuple[tuple[str, frozenset[str]], ...] = (
    ("IfcDuct", frozenset({"air"})),
    ("IfcAirTerminal", frozenset({"air"})),
    ("IfcDamper", frozenset({"air"})),
    ("IfcFan", frozenset({"air"})),
    ("IfcUnitaryEquipment", frozenset({"air"})),
    ("IfcCable", frozenset({"electricity"})),
    ("IfcElectric", frozenset({"electricity"})),
    ("IfcLamp", frozenset({"electricity"})),
    ("IfcLightFixture", frozenset({"electricity"})),
    ("IfcSwitchingDevice", frozenset({"electricity"})),
    ("IfcProtectiveDevice", frozenset({"electricity"})),
    ("IfcJunctionBox", frozenset({"electricity"})),
    ("IfcTransformer", frozenset({"electricity"})),
    ("IfcOutlet", frozenset({"electricity", "gas"})),
    ("IfcPipe", _FLUID),
    ("IfcValve", _FLUID),
    ("IfcPump", _HYDRONIC),
    ("IfcBoiler", frozenset({"water", "heating"})),
    ("IfcChiller", frozenset({"cooling"})),
    ("IfcCoolingTower", frozenset({"cooling"})),
    ("IfcSpaceHeater", frozenset({"heating"})),
    ("IfcSanitaryTerminal", frozenset({"water"})),
    ("IfcFireSuppressionTerminal", frozenset({"water"})),
    ("IfcTank", _FLUID),
)

#: Name / type-name words of generic occurrences (IFC2X3 has only IfcFlowSegment, ...) -> media;
#: first match wins.
ELEMENT_WORDS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (
        re.compile(r"\bduct|air ?terminal|diffuser|grille|damper|l[üu]ftung", re.I),
        frozenset({"air"}),
    ),
    (
        re.compile(r"\bcable|kabel|cable ?tray|conduit|busbar|socket|luminaire|\blamp", re.I),
        frozenset({"electricity"}),
    ),
    (re.compile(r"radiator|heizk[öo]rper|heater|convector", re.I), frozenset({"heating"})),
    (re.compile(r"\bpipe|rohr|valve|ventil|armatur", re.I), _FLUID),
)

#: How candidate networks of a room are ranked (lower first): medical gas, then power (the
#: room's criticality decides first, see ``network_rank``), then air, water, heating, cooling,
#: fuel gas, unknown.
_RANK = {
    "medical_gas": 0,
    "electricity": 1,
    "air": 2,
    "water": 3,
    "heating": 4,
    "cooling": 5,
    "gas": 6,
    "other": 7,
}


def medium_of_system(ifc_class: str, predefined: str, object_type: str, name: str) -> str:
    """The medium of an IfcSystem: predefined type, else ObjectType/Name words, else ``other``.

    An ``IfcDistributionCircuit`` (IFC4 electrical circuits) is power where nothing else says.
    """
    pre = predefined.upper()
    if pre in SYSTEM_TYPE_MEDIA:
        return SYSTEM_TYPE_MEDIA[pre]
    for medium, pattern in SYSTEM_WORDS:
        if pattern.search(object_type) or pattern.search(name):
            return medium
    if ifc_class == "IfcDistributionCircuit":
        return "electricity"
    return "other"


def media_of_skill(skill: str | None) -> frozenset[str]:
    """Media a trade works on; empty (no hint) for ``general`` or an unknown skill."""
    return SKILL_MEDIA.get((skill or "").strip().lower(), frozenset())


def media_of_quantity(quantity: str | None) -> frozenset[str]:
    """Media a sensor quantity measures (oxygen pressure -> gas); empty when nothing matches."""
    q = (quantity or "").strip().lower().replace(" ", "_").replace("-", "_")
    if not q:
        return frozenset()
    return next((media for pattern, media in QUANTITY_MEDIA if pattern.search(q)), frozenset())


def media_of_class(ifc_class: str, *texts: str) -> frozenset[str]:
    """Media an element of ``ifc_class`` can carry; empty where nothing says.

    A generic occurrence (IFC2X3 ``IfcFlowSegment`` typed by an ``IfcDuctSegmentType``) has no
    telling class: the words of its name and type name decide (``ELEMENT_WORDS``).
    """
    found = next((m for prefix, m in CLASS_MEDIA if ifc_class.startswith(prefix)), frozenset())
    if found:
        return found
    joined = " ".join(texts)
    return next((m for pattern, m in ELEMENT_WORDS if pattern.search(joined)), frozenset())


def network_rank(medium: str, texts: Iterable[str] = ()) -> int:
    """Rank of a candidate network (lower first): medical gas (a gas network whose system
    names or types say oxygen, vacuum, ...) first, then power, air, water, heating, cooling,
    fuel gas, unknown."""
    if medium == "gas" and any(MEDICAL_GAS_WORDS.search(t) for t in texts):
        return _RANK["medical_gas"]
    return _RANK.get(medium, len(_RANK))
