"""The generated demo hospital: valid IFC4, and its truth file agrees with the file itself.

Every check re-derives the answer from the IFC entities (port relationships, boundaries,
profiles), independently of the generator's bookkeeping, and compares it with the truth.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
from collections import Counter, defaultdict, deque
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.util.element
import pytest
from pyproj import Transformer

from models_ifc.hospital import SMALL, write_hospital
from twin.kinds import CRITICALITIES


@pytest.fixture(scope="module")
def model(small_hospital: Path) -> ifcopenshell.file:
    return ifcopenshell.open(str(small_hospital))


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _validate(f: ifcopenshell.file) -> list[str]:
    import ifcopenshell.validate

    logger = logging.getLogger("hospital-validate")
    logger.propagate = False
    handler = _Collect()
    logger.addHandler(handler)
    try:
        ifcopenshell.validate.validate(f, logger)
    finally:
        logger.removeHandler(handler)
    return [r.getMessage() for r in handler.records if r.levelno >= logging.ERROR]


@pytest.mark.slow
def test_small_hospital_validates(model: ifcopenshell.file) -> None:
    assert model.schema == "IFC4"
    assert _validate(model) == []


def test_validator_reports_errors_it_sees() -> None:
    """The collecting logger really receives the validator's complaints (the check can fail)."""
    f = ifcopenshell.file(schema="IFC4")
    f.create_entity("IfcWall")  # no GlobalId: invalid
    assert _validate(f)


def _container(e: Any) -> Any:
    container = ifcopenshell.util.element.get_container(e)
    assert container is not None, e
    return container


def _kind(e: Any) -> str | None:
    for cls, kind in (
        ("IfcElectricDistributionBoard", "equipment"),
        ("IfcTank", "equipment"),
        ("IfcSensor", "sensor"),
        ("IfcFlowSegment", "segment"),
        ("IfcFlowFitting", "fitting"),
        ("IfcFlowController", "valve"),
        ("IfcFlowMovingDevice", "pump"),
        ("IfcFlowTerminal", "terminal"),
        ("IfcEnergyConversionDevice", "equipment"),
        ("IfcDoor", "door"),
        ("IfcWall", "wall"),
        ("IfcSlab", "slab"),
        ("IfcStair", "stair"),
        ("IfcTransportElement", "lift"),
    ):
        if e.is_a(cls):
            return kind
    return None


def test_counts_match_the_file(model: ifcopenshell.file, small_hospital_truth: dict) -> None:
    counts = small_hospital_truth["counts"]
    by_kind = Counter(_kind(e) for e in model.by_type("IfcElement"))
    for kind, n in by_kind.items():
        if kind is None:
            continue
        key = "equipment" if kind == "equipment" else kind + "s"
        assert counts[key] == n, kind
    assert counts["storeys"] == len(model.by_type("IfcBuildingStorey")) == SMALL.storeys
    assert counts["spaces"] == len(model.by_type("IfcSpace"))
    assert 90 <= counts["spaces"] <= 120
    classes = Counter(e.is_a() for e in model.by_type("IfcElement"))
    assert small_hospital_truth["classes"] == {
        k: classes[k] for k in small_hospital_truth["classes"]
    }
    for kind in ("doors", "walls", "stairs", "lifts", "segments", "fittings", "valves", "pumps"):
        assert counts[kind] > 0, kind
    for kind in ("terminals", "equipment", "sensors"):
        assert counts[kind] > 0, kind


def test_every_element_has_geometry(model: ifcopenshell.file) -> None:
    missing = [e.GlobalId for e in model.by_type("IfcElement") if e.Representation is None]
    assert missing == []
    assert all(s.Representation is not None for s in model.by_type("IfcSpace"))


def _ports(model: ifcopenshell.file) -> dict[int, Any]:
    """port id -> owning element, through IfcRelNests."""
    owner: dict[int, Any] = {}
    for rel in model.by_type("IfcRelNests"):
        for port in rel.RelatedObjects:
            if port.is_a("IfcDistributionPort"):
                assert port.id() not in owner
                owner[port.id()] = rel.RelatingObject
    return owner


def _downstream_graph(model: ifcopenshell.file) -> dict[str, list[str]]:
    owner = _ports(model)
    graph: dict[str, list[str]] = defaultdict(list)
    for rel in model.by_type("IfcRelConnectsPorts"):
        a, b = owner[rel.RelatingPort.id()], owner[rel.RelatedPort.id()]
        graph[a.GlobalId].append(b.GlobalId)
    return graph


def test_port_connections_run_source_to_sink(model: ifcopenshell.file) -> None:
    owner = _ports(model)
    rels = model.by_type("IfcRelConnectsPorts")
    assert rels
    for rel in rels:
        assert rel.RelatingPort.FlowDirection == "SOURCE"
        assert rel.RelatedPort.FlowDirection == "SINK"
    connected: Counter[int] = Counter()
    for rel in rels:
        connected[rel.RelatingPort.id()] += 1
        connected[rel.RelatedPort.id()] += 1
    assert set(connected.values()) == {1}
    assert set(connected) == set(owner), "every port is connected exactly once"
    for system in model.by_type("IfcDistributionSystem"):
        members = [m for r in system.IsGroupedBy for m in r.RelatedObjects]
        assert all(any(r.RelatingObject == m for r in m.IsNestedBy) for m in members)


def test_systems_and_their_sources(model: ifcopenshell.file, small_hospital_truth: dict) -> None:
    systems = small_hospital_truth["systems"]
    types = {s["predefined_type"] for s in systems.values()}
    assert {"DOMESTICCOLDWATER", "DOMESTICHOTWATER", "VENTILATION", "ELECTRICAL"} <= types
    oxygen = [s for s in systems.values() if s["object_type"] == "MEDICALOXYGEN"]
    assert len(oxygen) == 1 and oxygen[0]["predefined_type"] == "USERDEFINED"
    plant = set(small_hospital_truth["plant_rooms"])
    for guid, s in systems.items():
        system = model.by_guid(guid)
        members = [m for r in system.IsGroupedBy for m in r.RelatedObjects]
        assert len(members) == s["members"]
        source = model.by_guid(s["source"])
        assert source in members
        assert not source.is_a("IfcFlowSegment")
        container = _container(source)
        assert container.is_a("IfcSpace")
        crit = small_hospital_truth["spaces"][container.GlobalId]["criticality"]
        assert container.GlobalId in plant or crit == "medical_gas"


def test_isolation_downstream_matches_bfs(model: ifcopenshell.file, small_hospital_truth) -> None:
    graph = _downstream_graph(model)
    isolation = small_hospital_truth["isolation"]
    assert len(isolation) == SMALL.storeys * len(small_hospital_truth["systems"])
    for entry in isolation:
        valve = model.by_guid(entry["valve"])
        assert valve.is_a("IfcFlowController")
        seen: set[str] = set()
        queue = deque([valve.GlobalId])
        while queue:
            for nxt in graph.get(queue.popleft(), []):
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        terminals = {g for g in seen if model.by_guid(g).is_a("IfcFlowTerminal")}
        assert terminals == set(entry["downstream_terminals"])
        assert seen == set(entry["downstream_elements"])
        spaces = {_container(model.by_guid(t)).GlobalId for t in terminals}
        assert spaces == set(entry["downstream_spaces"])
        assert all(model.by_guid(s).is_a("IfcSpace") for s in spaces)
        assert _container(valve).Decomposes[0].RelatingObject == (model.by_guid(entry["storey"]))
        # the valve sits right after a riser tee
        upstream = [a for a, bs in graph.items() if valve.GlobalId in bs]
        assert len(upstream) == 1 and model.by_guid(upstream[0]).is_a("IfcFlowFitting")


def _boundaries(model: ifcopenshell.file) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for rel in model.by_type("IfcRelSpaceBoundary"):
        if rel.RelatedBuildingElement and rel.RelatedBuildingElement.is_a("IfcDoor"):
            out[rel.RelatedBuildingElement.GlobalId].append(rel.RelatingSpace.GlobalId)
    return out


def test_doors_bound_the_spaces_they_connect(
    model: ifcopenshell.file, small_hospital_truth
) -> None:
    boundaries = _boundaries(model)
    doors = model.by_type("IfcDoor")
    entrances = set(small_hospital_truth["entrances"])
    assert len(entrances) >= 2
    assert set(boundaries) == {d.GlobalId for d in doors} == set(small_hospital_truth["doors"])
    for guid, spaces in boundaries.items():
        assert len(spaces) == (1 if guid in entrances else 2)
        truth = [s for s in small_hospital_truth["doors"][guid] if s is not None]
        assert sorted(spaces) == sorted(truth)
    for door in doors:
        fills = door.FillsVoids
        assert len(fills) == 1
        opening = fills[0].RelatingOpeningElement
        assert opening.VoidsElements[0].RelatingBuildingElement.is_a("IfcWall")
    ground = small_hospital_truth["storeys"][0]["guid"]
    for guid in entrances:
        assert _container(model.by_guid(guid)).GlobalId == ground


def test_icu_rooms_only_reach_the_icu_corridor(small_hospital_truth: dict) -> None:
    icu = small_hospital_truth["icu"]
    doors = small_hospital_truth["doors"]
    assert len(icu["rooms"]) >= 4
    for room in icu["rooms"]:
        assert small_hospital_truth["spaces"][room]["criticality"] == "icu"
        mine = [pair for pair in doors.values() if room in pair]
        assert mine and all(set(pair) == {room, icu["corridor"]} for pair in mine)
    corridor_doors = {g: p for g, p in doors.items() if icu["corridor"] in p}
    outside = {
        g for g, p in corridor_doors.items() if not set(p) - {icu["corridor"]} <= set(icu["rooms"])
    }
    assert outside == {icu["door_to_main"]}


def test_walls_between_are_walls_without_doors(
    model: ifcopenshell.file, small_hospital_truth
) -> None:
    door_pairs = {frozenset(p) for p in small_hospital_truth["doors"].values()}
    assert small_hospital_truth["walls_between"]
    for a, b, wall in small_hospital_truth["walls_between"]:
        assert model.by_guid(wall).is_a("IfcWall")
        assert not model.by_guid(wall).HasOpenings
        assert frozenset((a, b)) not in door_pairs


def _profile_area(space: Any) -> tuple[float, float]:
    solid = space.Representation.Representations[0].Items[0]
    assert solid.is_a("IfcExtrudedAreaSolid")
    pts = [p.Coordinates for p in solid.SweptArea.OuterCurve.Points]
    area = 0.5 * abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(pts)))
    return area, solid.Depth


def test_space_quantities_equal_geometry(model: ifcopenshell.file, small_hospital_truth) -> None:
    spaces = small_hospital_truth["spaces"]
    numbers = set()
    for space in model.by_type("IfcSpace"):
        area, depth = _profile_area(space)
        psets = ifcopenshell.util.element.get_psets(space)
        qto = psets["Qto_SpaceBaseQuantities"]
        assert math.isclose(qto["NetFloorArea"], area, rel_tol=1e-9)
        assert math.isclose(qto["Height"], depth, rel_tol=1e-9)
        assert math.isclose(spaces[space.GlobalId]["area"], area, rel_tol=1e-9)
        assert psets["Pset_SpaceCommon"]["Reference"] == space.Name
        assert psets["Pset_HospitalSpace"]["Criticality"] in CRITICALITIES
        assert re.fullmatch(r"\d+\.[A-Z]\.(\d\d|C)", space.Name)
        numbers.add(space.Name)
    assert len(numbers) == len(spaces)
    crit = Counter(s["criticality"] for s in spaces.values())
    for needed in ("operating_theatre", "icu", "isolation", "cold_chain", "plant", "medical_gas"):
        assert crit[needed] >= 1, needed


def test_terminals_are_in_rooms(model: ifcopenshell.file) -> None:
    for term in model.by_type("IfcFlowTerminal"):
        assert _container(term).is_a("IfcSpace")
    oxygen = [t for t in model.by_type("IfcOutlet") if t.ObjectType == "OxygenOutlet"]
    assert oxygen


def test_sensors(model: ifcopenshell.file, small_hospital_truth: dict) -> None:
    sensors = small_hospital_truth["sensors"]
    assert len(sensors) == len(model.by_type("IfcSensor"))
    quantities = {s["quantity"] for s in sensors}
    assert quantities == {
        "temperature", "humidity", "pressure", "oxygen_pressure", "power", "energy"
    }  # fmt: skip
    for s in sensors:
        sensor = model.by_guid(s["guid"])
        pset = ifcopenshell.util.element.get_psets(sensor)["Pset_HospitalSensor"]
        assert (pset["Quantity"], pset["Unit"]) == (s["quantity"], s["unit"])
        if s["quantity"] == "energy":  # a kWh register: no band
            assert s["unit"] == "kWh" and "LowerLimit" not in pset and s["upper"] is None
        else:
            assert pset["LowerLimit"] == s["lower"] < s["upper"] == pset["UpperLimit"]
        assert _container(sensor).GlobalId == s["space"]
        hosts = [r.RelatingFlowElement.GlobalId for r in sensor.AssignedToFlowElement]
        assert hosts == ([s["host"]] if s["host"] else [])
    assert any(s["host"] for s in sensors)


def test_vertical_circulation(model: ifcopenshell.file, small_hospital_truth: dict) -> None:
    storeys = [s["guid"] for s in small_hospital_truth["storeys"]]
    elevations = [s["elevation"] for s in small_hospital_truth["storeys"]]
    assert elevations == sorted(elevations) and len(set(elevations)) == len(elevations)
    covered = {g for st in small_hospital_truth["stairs"] for g in st["storeys"]}
    assert covered == set(storeys)
    for lift in small_hospital_truth["lifts"]:
        element = model.by_guid(lift["guid"])
        assert element.is_a("IfcTransportElement") and element.PredefinedType == "ELEVATOR"
        refs = {r.RelatingStructure.GlobalId for r in element.ReferencedInStructures}
        refs.add(_container(element).GlobalId)
        assert refs == set(lift["storeys"]) == set(storeys)


def test_georeferencing(model: ifcopenshell.file, small_hospital_truth: dict) -> None:
    conv = model.by_type("IfcMapConversion")[0]
    assert conv.TargetCRS.Name == small_hospital_truth["map_conversion"]["crs"] == "EPSG:25833"
    assert conv.XAxisOrdinate != 0
    kp = small_hospital_truth["known_point"]
    x, y, _ = kp["local"]
    s = conv.Scale or 1.0
    e = conv.Eastings + s * (conv.XAxisAbscissa * x - conv.XAxisOrdinate * y)
    n = conv.Northings + s * (conv.XAxisOrdinate * x + conv.XAxisAbscissa * y)
    assert math.dist((e, n), kp["map"]) < 1e-6
    lon, lat = Transformer.from_crs("EPSG:25833", "EPSG:4326", always_xy=True).transform(e, n)
    assert math.dist((lon, lat), kp["wgs84"]) < 1e-9
    site = model.by_type("IfcSite")[0]
    site_lat = (
        sum(v / 60**i for i, v in enumerate(site.RefLatitude[:3])) + site.RefLatitude[3] / 3.6e9
    )
    assert abs(site_lat - 52.5256) < 1e-4


def _body(path: Path) -> list[str]:
    return [ln for ln in path.read_text().splitlines() if not ln.startswith("FILE_NAME")]


@pytest.mark.slow
def test_deterministic(small_hospital: Path, tmp_path: Path) -> None:
    again = write_hospital(SMALL, tmp_path / "again.ifc")
    assert _body(again) == _body(small_hospital)
    assert again.with_suffix(".truth.json").read_text() == (
        small_hospital.with_suffix(".truth.json").read_text()
    )


def test_doors_sit_on_the_shared_boundary(model: ifcopenshell.file, small_hospital_truth) -> None:
    """A door's centre lies on the footprint edge of each space it connects."""
    from shapely.geometry import Point, Polygon

    def footprint(space: Any) -> Polygon:
        solid = space.Representation.Representations[0].Items[0]
        return Polygon([p.Coordinates for p in solid.SweptArea.OuterCurve.Points])

    for guid, pair in small_hospital_truth["doors"].items():
        loc = model.by_guid(guid).ObjectPlacement.RelativePlacement.Location.Coordinates
        centre = Point(loc[0], loc[1])
        for space in pair:
            if space is not None:
                assert footprint(model.by_guid(space)).exterior.distance(centre) < 1e-6
