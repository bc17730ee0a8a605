"""The Brick export (issue 18): the small demo hospital as a Brick graph, queried with standard
Brick SPARQL through rdflib; truths come from the IFC file read with ifcopenshell (containment,
port connections walked with networkx) and the generator's truth file, not from the twin."""

from __future__ import annotations

import json
import time
from collections import Counter
from importlib.resources import files
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.util.element
import networkx as nx
import pytest
from rdflib import RDF, Graph, URIRef

from twin.distribution import build_networks
from twin.export.brick import BRICK, TWIN, brick_graph, element_iri, point_iri
from twin.live.discovery import discover_sensors
from twin.live.records import SensorSpec

PLANT = ("IfcUnitaryEquipment", "IfcBoiler", "IfcTank", "IfcElectricDistributionBoard")


@pytest.fixture(scope="module")
def ifc(small_hospital: Path) -> ifcopenshell.file:
    return ifcopenshell.open(str(small_hospital))


@pytest.fixture(scope="module")
def icu_rooms(small_hospital_truth: dict[str, Any]) -> list[str]:
    rooms = small_hospital_truth["icu"]["rooms"]
    assert rooms
    return list(rooms)


@pytest.fixture(scope="module")
def graph(small_twin, ifc: ifcopenshell.file) -> Graph:  # type: ignore[no-untyped-def]
    (building,) = [b.GlobalId for b in ifc.by_type("IfcBuilding")]
    return brick_graph(
        small_twin, building, build_networks(small_twin), discover_sensors(small_twin)
    )


def _container(e: ifcopenshell.entity_instance) -> str | None:
    c = ifcopenshell.util.element.get_container(e)
    return c.GlobalId if c is not None else None


def test_temperature_sensors_in_icu_rooms(
    graph: Graph, ifc: ifcopenshell.file, small_hospital_truth: dict[str, Any]
) -> None:
    icu = small_hospital_truth["icu"]  # the unit: its rooms and its own corridor
    icu_rooms = {*icu["rooms"], icu["corridor"]}
    truth = {
        point_iri(s.GlobalId)
        for s in ifc.by_type("IfcSensor")
        if ifcopenshell.util.element.get_pset(s, "Pset_HospitalSensor", "Quantity") == "temperature"
        and _container(s) in icu_rooms
    }
    assert truth
    rows = graph.query(
        """SELECT ?sensor WHERE {
             ?sensor a brick:Temperature_Sensor ; brick:isPointOf/brick:hasLocation? ?room .
             ?room twin:criticality "icu" .
           }""",
        initNs={"brick": BRICK, "twin": TWIN},
    )
    assert {r[0] for r in rows} == truth  # type: ignore[index]


def _port_graph(ifc: ifcopenshell.file) -> nx.Graph:
    """Elements joined by IfcRelConnectsPorts (undirected), ports mapped to their owners."""
    owner: dict[int, str] = {}
    for rel in ifc.by_type("IfcRelNests"):
        for p in rel.RelatedObjects:
            if p.is_a("IfcDistributionPort"):
                owner[p.id()] = rel.RelatingObject.GlobalId
    for rel in ifc.by_type("IfcRelConnectsPortToElement"):
        owner[rel.RelatingPort.id()] = rel.RelatedElement.GlobalId
    g = nx.Graph()
    for rel in ifc.by_type("IfcRelConnectsPorts"):
        a, b = owner.get(rel.RelatingPort.id()), owner.get(rel.RelatedPort.id())
        if a and b:
            g.add_edge(a, b)
    return g


def test_what_feeds_an_icu_room(graph: Graph, ifc: ifcopenshell.file, icu_rooms: list[str]) -> None:
    ports = _port_graph(ifc)
    plant = {e.GlobalId for cls in PLANT for e in ifc.by_type(cls)}
    room = icu_rooms[0]
    terminals = {
        e.GlobalId
        for e in ifc.by_type("IfcFlowTerminal")
        if _container(e) == room and e.GlobalId in ports
    }
    assert terminals
    # plant sits at the root of each tree: connected to a room's terminal means upstream of it
    truth = {
        element_iri(p) for t in terminals for p in nx.node_connected_component(ports, t) & plant
    }
    assert truth
    rows = graph.query(
        "SELECT DISTINCT ?eq WHERE { ?eq brick:feeds+ ?room }",
        initNs={"brick": BRICK},
        initBindings={"room": element_iri(room)},
    )
    found = {r[0] for r in rows}  # type: ignore[index]
    assert {element_iri(t) for t in terminals} <= found
    assert found & {element_iri(p) for p in plant} == truth


def test_every_point_has_one_parent_and_every_equipment_a_location(
    graph: Graph, ifc: ifcopenshell.file
) -> None:
    points = set(graph.subjects(TWIN.sensorId, None))
    sensors = {s.GlobalId for s in ifc.by_type("IfcSensor")}
    assert {point_iri(g) for g in sensors} <= points
    parents = Counter(p for _, _, p in graph.triples((None, BRICK.hasPoint, None)))
    assert all(parents[p] == 1 for p in points), [p for p in points if parents[p] != 1]
    equipment = {
        element_iri(e.GlobalId) for cls in (*PLANT, "IfcPump", "IfcValve") for e in ifc.by_type(cls)
    }
    for e in equipment:
        assert len(list(graph.objects(e, BRICK.hasLocation))) == 1, e
    rooms = {element_iri(s.GlobalId) for s in ifc.by_type("IfcSpace")}
    assert rooms <= set(graph.subjects(TWIN.criticality, None))
    assert (
        element_iri(ifc.by_type("IfcUnitaryEquipment")[0].GlobalId),
        RDF.type,
        BRICK.AHU,
    ) in graph


def test_rooms_carry_brick_and_realestatecore_classes(graph: Graph, icu_rooms: list[str]) -> None:
    rec = "https://w3id.org/rec#"
    for room in icu_rooms:
        node = element_iri(room)
        assert (node, RDF.type, BRICK.Medical_Room) in graph
        assert (node, RDF.type, URIRef(rec + "HealthcareRoom")) in graph


def test_a_gateway_point_bound_to_a_room(small_twin, icu_rooms: list[str]) -> None:  # type: ignore[no-untyped-def]
    room = icu_rooms[0]
    point = SensorSpec(
        id="ctl-3.analog-input,1", quantity="temperature", unit="degC", space=room,
        name="Room temperature", source="bacnet",
    )  # fmt: skip
    building = next(iter(small_twin.buildings))
    g = brick_graph(small_twin, building, build_networks(small_twin), [point])
    node = point_iri(point.id)
    assert (element_iri(room), BRICK.hasPoint, node) in g
    assert (node, RDF.type, BRICK.Temperature_Sensor) in g
    assert (node, BRICK.hasUnit, URIRef("http://qudt.org/vocab/unit/DEG_C")) in g
    elsewhere = SensorSpec(id="x", quantity="power", unit="kW", building="another")
    assert not set(
        brick_graph(small_twin, building, build_networks(small_twin), [elsewhere]).subjects(
            TWIN.sensorId, None
        )
    )


def test_served_as_turtle_and_json_ld(hospital_api, small_hospital: Path) -> None:  # type: ignore[no-untyped-def]
    (building,) = [
        b.GlobalId for b in ifcopenshell.open(str(small_hospital)).by_type("IfcBuilding")
    ]
    with hospital_api() as client:
        ttl = client.get(f"/buildings/{building}/brick.ttl")
        assert ttl.status_code == 200, ttl.text
        assert ttl.headers["content-type"].startswith("text/turtle")
        jsonld = client.get(f"/buildings/{building}/brick.jsonld")
        assert jsonld.status_code == 200
        assert jsonld.headers["content-type"].startswith("application/ld+json")
        missing = client.get("/buildings/nope/brick.ttl")
        assert missing.status_code == 404
    a = Graph().parse(data=ttl.text, format="turtle")
    b = Graph().parse(data=json.dumps(jsonld.json()), format="json-ld")
    assert len(a) == len(b) > 0
    assert (element_iri(building), RDF.type, BRICK.Building) in a


@pytest.mark.slow
def test_conforms_to_the_brick_shapes(graph: Graph) -> None:
    """Brick 1.4's own SHACL shapes (shipped in the brickschema package), checked with pyshacl
    directly: no OWL/RDFS inference and no SHACL-AF rules, which is what makes it fit a test
    (about 20 s here against 206 s for ``brickschema``'s ``validate``)."""
    pyshacl = pytest.importorskip("pyshacl")
    pytest.importorskip("brickschema")
    brick = Graph().parse(str(files("brickschema") / "ontologies" / "1.4" / "Brick.ttl"))
    t0 = time.perf_counter()
    conforms, _, text = pyshacl.validate(
        graph, shacl_graph=brick, ont_graph=brick, inference="none", allow_warnings=True
    )
    print(f"pyshacl: {len(graph)} triples validated in {time.perf_counter() - t0:.1f} s")
    assert conforms, text[:4000]
