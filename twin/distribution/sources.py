"""Which elements feed which flow, and which flow each edge carries.

Why per flow: an air handler with a heating coil is a *consumer* on the heating circuit and the
*source* of its ductwork; a pump sits on a water circuit and is fed by a distribution board. If
any source oriented any edge, the board would push the heating water away from itself. So every
source says which flows it feeds (a boiler or pump: water and heating; an air handler or fan:
air; a board, transformer or generator: electricity; a manifold, tank or gas source: medical
gas), narrowed by the systems it is assigned to, and an edge is only oriented by sources of a
flow it carries (the flows of the systems its two ends share, else what their classes carry).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from twin.media import MEDIA, media_of_class
from twin.model import Element, Twin

__all__ = [
    "FLOWS",
    "edge_flows",
    "element_flows",
    "mover_flows",
    "primary_source_flows",
    "source_flows",
]

#: Every flow type a system can carry (see ``twin.ifc.ports.flow_of_system``); "other" is unknown.
FLOWS: frozenset[str] = frozenset(MEDIA)
_HYDRONIC = frozenset({"water", "heating"})
_FLUID = frozenset({"water", "heating", "gas"})

_SOURCE_CLASSES: Mapping[str, frozenset[str]] = {
    "IfcBoiler": _HYDRONIC,
    "IfcChiller": frozenset({"cooling"}),
    "IfcHeatExchanger": _HYDRONIC,
    "IfcDistrictHeating": _HYDRONIC,
    "IfcTank": _FLUID,
    "IfcFlowStorageDevice": _FLUID,
    "IfcElectricDistributionBoard": frozenset({"electricity"}),
    "IfcTransformer": frozenset({"electricity"}),
    "IfcElectricGenerator": frozenset({"electricity"}),
    "IfcElectricFlowStorageDevice": frozenset({"electricity"}),
    "IfcUnitaryEquipment": frozenset({"air"}),
    "IfcAirToAirHeatRecovery": frozenset({"air"}),
}
_SOURCE_TYPES: Mapping[str, frozenset[str]] = {
    "AIRHANDLER": frozenset({"air"}),
    "ROOFTOPUNIT": frozenset({"air"}),
    "DISTRIBUTIONBOARD": frozenset({"electricity"}),
    "SWITCHBOARD": frozenset({"electricity"}),
    "BOILER": _HYDRONIC,
}
#: Name words and the flows they announce (IFC2X3 models only have generic classes).
_SOURCE_WORDS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (re.compile(r"boiler|heat ?exchanger|plant|kessel", re.I), _HYDRONIC),
    (re.compile(r"chiller|cooling tower", re.I), frozenset({"cooling"})),
    (re.compile(r"air ?handl|\bAHU\b|supply unit|\bRLT\b", re.I), frozenset({"air"})),
    (
        re.compile(r"board|panel|transformer|generator|\bUPS\b|switchgear", re.I),
        frozenset({"electricity"}),
    ),
    (re.compile(r"manifold|gas source|cylinder|oxygen|vacuum plant", re.I), frozenset({"gas"})),
    (re.compile(r"tank", re.I), _FLUID),
    (re.compile(r"source|riser", re.I), FLOWS),
)
_MOVER_CLASSES: Mapping[str, frozenset[str]] = {
    "IfcPump": _HYDRONIC | {"cooling"},
    "IfcFan": frozenset({"air"}),
    "IfcCompressor": frozenset({"gas", "air"}),
}


def _text(e: Element) -> str:
    return " ".join((e.name, e.type_name, e.object_type))


def primary_source_flows(element: Element) -> frozenset[str]:
    """Flows ``element`` can feed by what it is (class, predefined type, name); empty if none."""
    if element.kind == "pump" and element.ifc_class not in _SOURCE_CLASSES:
        return frozenset()
    if element.ifc_class in _SOURCE_CLASSES:
        return _SOURCE_CLASSES[element.ifc_class]
    if element.predefined_type.upper() in _SOURCE_TYPES:
        return _SOURCE_TYPES[element.predefined_type.upper()]
    if element.kind != "equipment":
        return frozenset()
    text = _text(element)
    found: set[str] = set()
    for pattern, flows in _SOURCE_WORDS:
        if pattern.search(text):
            found |= flows
    return frozenset(found)


def mover_flows(element: Element) -> frozenset[str]:
    """Flows a pump, fan or compressor drives: sources only where a part has no primary one."""
    if element.kind != "pump":
        return frozenset()
    if element.ifc_class in _MOVER_CLASSES:
        return _MOVER_CLASSES[element.ifc_class]
    text = _text(element)
    if re.search(r"\bfan\b|ventilat", text, re.I):
        return frozenset({"air"})
    if re.search(r"compressor|vacuum", text, re.I):
        return frozenset({"gas", "air"})
    return _HYDRONIC | {"cooling"}


def element_flows(twin: Twin, guid: str) -> frozenset[str]:
    """Flows of the systems ``guid`` belongs to (empty when it is in none)."""
    e = twin.elements.get(guid)
    if e is None:
        return frozenset()
    return frozenset(twin.systems[s].flow for s in e.systems if s in twin.systems)


def source_flows(twin: Twin, element: Element, *, movers: bool = False) -> frozenset[str]:
    """Flows ``element`` feeds in this model: what it can feed, narrowed by its systems.

    An air handler assigned only to a heating system is a consumer there, not a source; an
    element in no system keeps every flow its class allows. ``movers`` asks for pumps and fans.
    """
    can = mover_flows(element) if movers else primary_source_flows(element)
    if not can:
        return can
    mine = element_flows(twin, element.guid)
    if not mine or "other" in mine:
        return can
    return can & mine


def _medium(e: Element | None) -> frozenset[str]:
    if e is None:
        return frozenset()
    return media_of_class(e.ifc_class, e.name, e.type_name, e.object_type)


def _meet(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    if a and b:
        return (a & b) or (a | b)
    return a or b


def edge_flows(twin: Twin, a: str, b: str) -> frozenset[str]:
    """Flows an edge between ``a`` and ``b`` carries; every flow where nothing tells.

    The systems both ends share decide; else the systems of either end; else what their classes
    carry (a duct carries air, a cable electricity, a pipe water, heating or gas).
    """
    ea, eb = twin.elements.get(a), twin.elements.get(b)
    sa = set(ea.systems) if ea else set()
    sb = set(eb.systems) if eb else set()
    shared = frozenset(twin.systems[s].flow for s in sa & sb if s in twin.systems)
    flows = shared or _meet(element_flows(twin, a), element_flows(twin, b))
    flows = flows or _meet(_medium(ea), _medium(eb))
    return _widen(flows)


def _widen(flows: Iterable[str]) -> frozenset[str]:
    """ "other" (a system whose medium is unknown) and nothing known both mean: any flow."""
    out = frozenset(flows)
    return FLOWS if not out or "other" in out else out
