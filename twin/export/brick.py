"""The twin as a Brick (brickschema.org) RDF graph: the vocabulary BMS, analytics and FDD
software share, so a hospital's twin can be read by tools that know nothing of IFC.

What is exported for one building (docs/integration.md):

- ``brick:Building`` with ``brick:hasPart`` its storeys (``brick:Floor``), each with
  ``brick:hasPart`` its rooms. A room's class comes from its criticality (``icu``,
  ``operating_theatre``, ``isolation`` -> ``brick:Medical_Room``; ``plant`` ->
  ``brick:Mechanical_Room``; ``cold_chain`` -> ``brick:Storage_Room``; else ``brick:Room``);
  the category and criticality themselves are literals in the ``twin:`` vocabulary, since Brick
  has no ICU class.
- Equipment (kinds equipment, pump, valve, meter, terminal, controller) with a Brick class from
  its IFC class and PredefinedType, ``brick:hasLocation`` its room (else its storey, else the
  building: every equipment has exactly one location).
- ``brick:feeds`` / ``brick:isFedBy`` between equipment from the distribution network: an
  equipment feeds the first equipment reached downstream through segments, fittings and
  sensors; a terminal feeds the room it is in.
- Points (IFC sensors, meter registers, gateway points, sensors registered through the API) with
  a Brick class from their quantity and ``brick:hasPoint`` / ``brick:isPointOf`` with exactly
  one parent: the equipment the point is bound to or hosted on, else its room, else its storey,
  else the building (Brick's shapes refuse ``brick:hasLocation`` on a point: a point's place is
  its parent's).

Identifiers: ``urn:ifc:<GlobalId>`` for IFC entities, ``urn:twin:point:<sensor id>`` for points
(a meter is equipment and its register a point: two nodes). The library builds the graph only;
the service layer gathers the networks and the store's sensors and serialises.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote

import networkx as nx
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef

from twin.distribution import Networks
from twin.errors import NotFound
from twin.live.records import SensorSpec
from twin.model import Element, Space, Twin

__all__ = [
    "BRICK",
    "EQUIPMENT_KINDS",
    "TWIN",
    "brick_graph",
    "element_iri",
    "equipment_class",
    "point_class",
    "point_iri",
]

BRICK = Namespace("https://brickschema.org/schema/Brick#")
UNIT = Namespace("http://qudt.org/vocab/unit/")
QUDT = Namespace("http://qudt.org/schema/qudt/")
TWIN = Namespace("urn:twin:vocab#")
REC = Namespace("https://w3id.org/rec#")

#: Twin element kinds exported as Brick equipment.
EQUIPMENT_KINDS: frozenset[str] = frozenset(
    {"equipment", "pump", "valve", "meter", "terminal", "controller"}
)

#: (IFC class, PredefinedType or "") -> Brick class; "" matches any PredefinedType.
_EQUIPMENT: Mapping[tuple[str, str], str] = {
    ("IfcUnitaryEquipment", "AIRHANDLER"): "AHU",
    ("IfcUnitaryEquipment", ""): "HVAC_Equipment",
    ("IfcBoiler", ""): "Boiler",
    ("IfcChiller", ""): "Chiller",
    ("IfcHeatExchanger", ""): "Heat_Exchanger",
    ("IfcTank", ""): "Equipment",
    ("IfcPump", ""): "Pump",
    ("IfcFan", ""): "Fan",
    ("IfcCompressor", ""): "Compressor",
    ("IfcValve", ""): "Valve",
    ("IfcDamper", ""): "Damper",
    ("IfcElectricDistributionBoard", "SWITCHBOARD"): "Switchgear",
    ("IfcElectricDistributionBoard", ""): "Electrical_Equipment",
    ("IfcSwitchingDevice", "SWITCHDISCONNECTOR"): "Disconnect_Switch",
    ("IfcSwitchingDevice", ""): "Electrical_Equipment",
    ("IfcProtectiveDevice", ""): "Electrical_Equipment",
    ("IfcFlowMeter", "ENERGYMETER"): "Electrical_Meter",
    ("IfcFlowMeter", "WATERMETER"): "Water_Meter",
    ("IfcFlowMeter", "GASMETER"): "Gas_Meter",
    ("IfcFlowMeter", ""): "Meter",
    ("IfcAirTerminal", ""): "Air_Diffuser",
    ("IfcSpaceHeater", ""): "Radiator",
    ("IfcLightFixture", ""): "Luminaire",
    ("IfcController", ""): "Controller",
}
_KIND_FALLBACK: Mapping[str, str] = {
    "pump": "Pump",
    "valve": "Valve",
    "meter": "Meter",
    "controller": "Controller",
}

#: Twin quantity -> Brick point class (others: brick:Sensor).
_POINTS: Mapping[str, str] = {
    "temperature": "Temperature_Sensor",
    "humidity": "Humidity_Sensor",
    "co2": "CO2_Sensor",
    "pressure": "Pressure_Sensor",
    "oxygen_pressure": "Pressure_Sensor",
    "flow": "Flow_Sensor",
    "power": "Power_Sensor",
    "active_power": "Power_Sensor",
    "energy": "Energy_Sensor",
    "occupancy": "Occupancy_Sensor",
    "smoke": "Smoke_Detection_Alarm",
    "status": "Status",
    "device_status": "Status",
    "door_state": "Status",
}
_UNITS: Mapping[str, str] = {
    "degC": "DEG_C",
    "%": "PERCENT",
    "ppm": "PPM",
    "kW": "KiloW",
    "kWh": "KiloW-HR",
    "Pa": "PA",
    "kPa": "KiloPA",
    "bar": "BAR",
    "m3/h": "M3-PER-HR",
    "l/s": "L-PER-SEC",
}
#: Brick 1.4 location class -> the RealEstateCore class its ``brick:isReplacedBy`` names.
_REC: Mapping[str, str] = {
    "Building": "Building",
    "Floor": "Level",
    "Room": "Room",
    "Medical_Room": "HealthcareRoom",
    "Mechanical_Room": "UtilitiesRoom",
    "Storage_Room": "Storage",
}
_ROOMS: Mapping[str, str] = {
    "icu": "Medical_Room",
    "operating_theatre": "Medical_Room",
    "isolation": "Medical_Room",
    "plant": "Mechanical_Room",
    "cold_chain": "Storage_Room",
}


def element_iri(guid: str) -> URIRef:
    """The IRI of an IFC entity (building, storey, room, equipment) by its GlobalId."""
    return URIRef(f"urn:ifc:{quote(guid, safe='')}")


def point_iri(sensor_id: str) -> URIRef:
    """The IRI of a point by its sensor id (a GlobalId, ``<device>.<point>``, ...)."""
    return URIRef(f"urn:twin:point:{quote(sensor_id, safe='')}")


def equipment_class(e: Element) -> URIRef:
    """The Brick class of an equipment element, from its IFC class and PredefinedType."""
    name = (
        _EQUIPMENT.get((e.ifc_class, e.predefined_type.upper()))
        or _EQUIPMENT.get((e.ifc_class, ""))
        or _KIND_FALLBACK.get(e.kind, "Equipment")
    )
    return BRICK[name]


def point_class(quantity: str) -> URIRef:
    """The Brick point class of a twin quantity (``temperature`` -> Temperature_Sensor)."""
    return BRICK[_POINTS.get(quantity, "Sensor")]


def _location(g: Graph, node: URIRef, brick_class: str) -> None:
    """Type a location with its Brick class and the RealEstateCore class Brick 1.4 replaces
    it by: today's Brick tools query the first, REC ones the second."""
    g.add((node, RDF.type, BRICK[brick_class]))
    g.add((node, RDF.type, REC[_REC[brick_class]]))


def _label(g: Graph, node: URIRef, text: str) -> None:
    if text:
        g.add((node, RDFS.label, Literal(text)))


def _feeds(graph: nx.DiGraph, equipment: Iterable[str]) -> list[tuple[str, str]]:
    """(upstream, downstream) equipment pairs: from each equipment, the first equipment met on
    every downstream path through non-equipment nodes (segments, fittings, sensors)."""
    eq = set(equipment)
    pairs: list[tuple[str, str]] = []
    for start in sorted(eq):
        if start not in graph:
            continue
        seen = {start}
        stack = list(graph.successors(start))
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            if n in eq:
                pairs.append((start, n))
            else:
                stack.extend(graph.successors(n))
    return pairs


def brick_graph(
    twin: Twin, building: str, networks: Networks, points: Iterable[SensorSpec]
) -> Graph:
    """One building of ``twin`` as a Brick graph (see the module docstring for the rules).

    ``points`` are the sensors to export (the service passes the model's sensors and the
    store's); those that name no element, room or storey of this building are left out.
    Raises :class:`NotFound` for an unknown building."""
    b = twin.buildings.get(building)
    if b is None:
        raise NotFound(f"no building {building!r} in this model", building=building)
    g = Graph()
    g.bind("brick", BRICK)
    g.bind("unit", UNIT)
    g.bind("twin", TWIN)
    g.bind("rec", REC)
    bnode = element_iri(b.guid)
    _location(g, bnode, "Building")
    _label(g, bnode, b.name)
    storeys = set(b.storeys)
    for sg in b.storeys:
        st = twin.storeys[sg]
        node = element_iri(sg)
        _location(g, node, "Floor")
        g.add((bnode, BRICK.hasPart, node))
        _label(g, node, st.name)
    rooms = {s.guid: s for s in twin.spaces.values() if s.storey in storeys}
    for s in rooms.values():
        node = element_iri(s.guid)
        _location(g, node, _ROOMS.get(s.criticality, "Room"))
        g.add((element_iri(s.storey or ""), BRICK.hasPart, node))
        _label(g, node, " ".join(p for p in (s.number, s.long_name) if p))
        if s.category:
            g.add((node, TWIN.category, Literal(s.category)))
        g.add((node, TWIN.criticality, Literal(s.criticality)))
    equipment = {
        e.guid: e
        for e in twin.elements.values()
        if e.kind in EQUIPMENT_KINDS and e.storey in storeys
    }
    for e in equipment.values():
        node = element_iri(e.guid)
        g.add((node, RDF.type, equipment_class(e)))
        _label(g, node, e.name)
        g.add((node, TWIN.ifcClass, Literal(e.ifc_class)))
        where = e.space if e.space in rooms else e.storey
        g.add((node, BRICK.hasLocation, element_iri(where or b.guid)))
        if e.kind == "terminal" and e.space in rooms:  # a terminal serves its room
            g.add((node, BRICK.feeds, element_iri(e.space)))
            g.add((element_iri(e.space), BRICK.isFedBy, node))
    for up, down in _feeds(networks.graph, equipment):
        g.add((element_iri(up), BRICK.feeds, element_iri(down)))
        g.add((element_iri(down), BRICK.isFedBy, element_iri(up)))
    _add_points(g, twin, b.guid, storeys, rooms, equipment, points)
    return g


def _add_points(
    g: Graph,
    twin: Twin,
    building: str,
    storeys: set[str],
    rooms: Mapping[str, Space],
    equipment: Mapping[str, Element],
    points: Iterable[SensorSpec],
) -> None:
    seen: set[str] = set()
    for p in points:
        if p.id in seen:
            continue
        el = twin.elements.get(p.element or "")
        space = p.space if p.space in rooms else (el.space if el and el.space in rooms else None)
        storey = p.storey or (el.storey if el else None) or (rooms[space].storey if space else None)
        parent_guid = next(
            (x for x in (p.element, p.host, el.host if el else None) if x in equipment),
            space or (storey if storey in storeys else None),
        )
        if parent_guid is None:
            if p.building != building:
                continue  # another building's point, or one placed nowhere
            parent_guid = building
        seen.add(p.id)
        node = point_iri(p.id)
        g.add((node, RDF.type, point_class(p.quantity)))
        g.add((element_iri(parent_guid), BRICK.hasPoint, node))
        g.add((node, BRICK.isPointOf, element_iri(parent_guid)))
        _label(g, node, p.name or p.id)
        g.add((node, TWIN.sensorId, Literal(p.id)))
        g.add((node, TWIN.quantity, Literal(p.quantity)))
        g.add((node, TWIN.source, Literal(p.source)))
        if p.unit in _UNITS:
            g.add((node, BRICK.hasUnit, UNIT[_UNITS[p.unit]]))
            g.add((UNIT[_UNITS[p.unit]], RDF.type, QUDT.Unit))  # QUDT says so; Brick's shapes ask
