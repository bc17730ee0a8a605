"""The demo campus (issue 17): three IFC files that line up on the map.

Every check reads the files with ifcopenshell directly (placements, polylines, IfcMapConversion)
and transforms to the map CRS with its own arithmetic and pyproj, independently of the
generator's bookkeeping; campus.json is then checked against what the files say.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.util.placement
import numpy as np
import pytest
from pyproj import Transformer

from twin.geo import to_map
from twin.ifc.build import build_twin

TOL = 0.05  # the "line up within 5 cm"


@pytest.fixture(scope="module")
def campus(demo_campus: Path) -> dict[str, Any]:
    return json.loads((demo_campus / "campus.json").read_text())


@pytest.fixture(scope="module")
def models(demo_campus: Path, campus: dict[str, Any]) -> dict[str, ifcopenshell.file]:
    return {m["key"]: ifcopenshell.open(str(demo_campus / m["file"])) for m in campus["models"]}


def _conversion(f: ifcopenshell.file) -> Any:
    (mc,) = f.by_type("IfcMapConversion")
    return mc


def _to_map(f: ifcopenshell.file, local: np.ndarray) -> np.ndarray:
    """Local (world) metres of one model to [E, N, H] under its own IfcMapConversion."""
    mc = _conversion(f)
    a, b = mc.XAxisAbscissa, mc.XAxisOrdinate
    norm = math.hypot(a, b)
    a, b, s = a / norm, b / norm, mc.Scale or 1.0
    x, y, z = local
    return np.array(
        [
            mc.Eastings + s * (a * x - b * y),
            mc.Northings + s * (b * x + a * y),
            mc.OrthogonalHeight + z,
        ]
    )


def _world(product: Any) -> np.ndarray:
    return np.asarray(ifcopenshell.util.placement.get_local_placement(product.ObjectPlacement))


def _origin(product: Any) -> np.ndarray:
    return _world(product)[:3, 3]


def _outline(space: Any) -> list[np.ndarray]:
    """The space's extruded polyline in world coordinates (z = the space's floor)."""
    m = _world(space)
    (rep,) = space.Representation.Representations
    (solid,) = rep.Items
    pts = solid.SweptArea.OuterCurve.Points
    return [(m @ np.array([*p.Coordinates, 0.0, 1.0]))[:3] for p in pts[:-1]]


def _door_space_pairs(f: ifcopenshell.file) -> dict[str, list[str]]:
    pairs: dict[str, list[str]] = {}
    for rel in f.by_type("IfcRelSpaceBoundary"):
        el = rel.RelatedBuildingElement
        if el is not None and el.is_a("IfcDoor"):
            pairs.setdefault(el.GlobalId, []).append(rel.RelatingSpace.GlobalId)
    return pairs


def test_three_models_each_with_its_own_map_conversion(
    models: dict[str, ifcopenshell.file], campus: dict[str, Any]
) -> None:
    assert set(models) == {"tower", "outpatient", "energy"}
    convs = {k: _conversion(f) for k, f in models.items()}
    for mc in convs.values():
        assert mc.TargetCRS.Name == campus["crs"] == "EPSG:25833"
    origins = {(round(mc.Eastings, 1), round(mc.Northings, 1)) for mc in convs.values()}
    assert len(origins) == 3  # every building placed on its own
    angles = {
        k: math.degrees(math.atan2(mc.XAxisOrdinate, mc.XAxisAbscissa)) for k, mc in convs.items()
    }
    assert abs(angles["energy"] - angles["tower"]) > 5.0  # the energy centre is turned
    # every model is a valid IFC4 file with one building on one site
    for f in models.values():
        assert f.schema == "IFC4"
        assert len(f.by_type("IfcBuilding")) == 1 and len(f.by_type("IfcSite")) == 1


def test_counts_per_model(models: dict[str, ifcopenshell.file]) -> None:
    tower, outpatient, energy = models["tower"], models["outpatient"], models["energy"]
    assert len(tower.by_type("IfcBuildingStorey")) == 5
    assert len(outpatient.by_type("IfcBuildingStorey")) == 2
    assert len(energy.by_type("IfcBuildingStorey")) == 1
    # tower: 2 wings x (corridor + 2 x 6 rooms) per storey, plus the bridge on level 1
    assert len(tower.by_type("IfcSpace")) == 5 * 26 + 1
    assert len(outpatient.by_type("IfcSpace")) == 2 * 26
    assert len(energy.by_type("IfcSpace")) == 9 + 2  # plant wing + two tunnels
    icu = [s for s in tower.by_type("IfcSpace") if s.ObjectType == "icu"]
    assert len(icu) == 12 and all(s.LongName.startswith("ICU bed") for s in icu)
    consulting = [s for s in outpatient.by_type("IfcSpace") if s.ObjectType == "consulting"]
    assert len(consulting) >= 20
    assert all("ICU" not in (s.LongName or "") for s in outpatient.by_type("IfcSpace"))
    plant = Counter(e.is_a() for e in energy.by_type("IfcDistributionFlowElement"))
    assert plant["IfcBoiler"] == 1 and plant["IfcChiller"] == 1
    assert plant["IfcTank"] == 2  # liquid oxygen tank + manifold
    assert plant["IfcTransformer"] == 1 and plant["IfcElectricDistributionBoard"] == 1
    names = {s.Name for s in energy.by_type("IfcDistributionSystem")}
    assert names == {"Heating", "Chilled water", "Medical oxygen", "Electrical power"}
    # the clinical buildings have no boiler, chiller, oxygen tank or switchboard of their own
    for f in (tower, outpatient):
        classes = Counter(e.is_a() for e in f.by_type("IfcDistributionFlowElement"))
        assert not classes["IfcBoiler"] and not classes["IfcChiller"]
        assert not classes["IfcElectricDistributionBoard"] and not classes["IfcTransformer"]
        assert [t.Name for t in f.by_type("IfcTank")] == ["Cold water tank"]


def test_bridge_lines_up_within_5cm(
    models: dict[str, ifcopenshell.file], campus: dict[str, Any]
) -> None:
    (bridge,) = [c for c in campus["connections"] if c["kind"] == "bridge"]
    tower, outpatient = models[bridge["a"]["model"]], models[bridge["b"]["model"]]
    space = tower.by_guid(bridge["a"]["space"])
    assert space.is_a("IfcSpace")
    # the bridge space's far edge (its points farthest from the tower door) ...
    pairs = _door_space_pairs(tower)
    (tower_door,) = [tower.by_guid(d) for d, sp in pairs.items() if space.GlobalId in sp]
    door_at = _origin(tower_door)
    pts = _outline(space)
    far = sorted(pts, key=lambda p: -float(np.linalg.norm(p[:2] - door_at[:2])))[:2]
    far_mid = (far[0] + far[1]) / 2
    # ... meets the outpatient block's level-1 door that opens onto nothing in its own model
    storey = next(s for s in outpatient.by_type("IfcBuildingStorey") if s.Name == "Level 1")
    outside = [
        outpatient.by_guid(d)
        for d, sp in _door_space_pairs(outpatient).items()
        if len(sp) == 1
        and outpatient.by_guid(d).ContainedInStructure[0].RelatingStructure == storey
    ]
    assert len(outside) == 1
    a_map = _to_map(tower, far_mid)
    b_map = _to_map(outpatient, _origin(outside[0]))
    assert np.linalg.norm(a_map - b_map) < TOL
    # the declared end points are the two doors, on the map, within 5 cm
    assert np.linalg.norm(_to_map(tower, door_at) - bridge["a"]["point"]) < TOL
    assert np.linalg.norm(b_map - bridge["b"]["point"]) < TOL
    assert abs(bridge["length_m"] - float(np.linalg.norm(a_map - _to_map(tower, door_at)))) < TOL
    assert bridge["a"]["storey"] == bridge["b"]["storey"] == "Level 1"
    # the same through WGS84 and back (pyproj), and through twin.geo on the ingested twin
    fwd = Transformer.from_crs("EPSG:25833", "EPSG:4326", always_xy=True)
    inv = Transformer.from_crs("EPSG:4326", "EPSG:25833", always_xy=True)
    lon, lat = fwd.transform(a_map[0], a_map[1])
    back = np.array(inv.transform(lon, lat))
    assert np.linalg.norm(back - b_map[:2]) < TOL


def test_tunnels_line_up_within_5cm(
    demo_campus: Path, models: dict[str, ifcopenshell.file], campus: dict[str, Any]
) -> None:
    tunnels = [c for c in campus["connections"] if c["kind"] == "tunnel"]
    assert {t["b"]["model"] for t in tunnels} == {"tower", "outpatient"}
    energy = models["energy"]
    energy_twin = build_twin(demo_campus / "energy.ifc")
    for t in tunnels:
        assert t["a"]["model"] == "energy"
        space = energy.by_guid(t["a"]["space"])
        pts = _outline(space)
        target = models[t["b"]["model"]]
        plant = target.by_guid(t["b"]["space"])
        # the target's door to the outside in the plant room's facade
        (door,) = [
            target.by_guid(d)
            for d, sp in _door_space_pairs(target).items()
            if sp == [plant.GlobalId]
        ]
        door_map = _to_map(target, _origin(door))
        # the tunnel's far end (the two corners nearest that door) is centred on it
        near = sorted(
            pts, key=lambda p: float(np.linalg.norm(_to_map(energy, p)[:2] - door_map[:2]))
        )
        end_mid = _to_map(energy, (near[0] + near[1]) / 2)
        assert np.linalg.norm(end_mid[:2] - door_map[:2]) < TOL
        assert np.linalg.norm(door_map - t["b"]["point"]) < TOL
        # twin.geo on the ingested energy model agrees with the file's arithmetic
        mid = (near[0] + near[1]) / 2
        via_twin = to_map(energy_twin.georef, float(mid[0]), float(mid[1]))
        assert via_twin is not None
        assert math.dist(via_twin, end_mid[:2]) < 0.001


def test_central_plant_ports_meet_at_the_building_boundary(
    models: dict[str, ifcopenshell.file], campus: dict[str, Any]
) -> None:
    joints = campus["network_joints"]
    assert len(joints) == 8  # 4 central systems x 2 buildings
    assert {j["medium"] for j in joints} == {"heating", "cooling", "gas", "electricity"}
    for j in joints:
        fa, fb = models[j["a"]["model"]], models[j["b"]["model"]]
        pa, pb = fa.by_guid(j["a"]["port"]), fb.by_guid(j["b"]["port"])
        # the ports are nested by the named elements, and left unconnected in their own file
        assert pa.Nests[0].RelatingObject.GlobalId == j["a"]["element"]
        assert pb.Nests[0].RelatingObject.GlobalId == j["b"]["element"]
        assert not pa.ConnectedTo and not pa.ConnectedFrom
        assert not pb.ConnectedTo and not pb.ConnectedFrom
        assert pa.FlowDirection == "SOURCE" and pb.FlowDirection == "SINK"
        gap = np.linalg.norm(_to_map(fa, _origin(pa)) - _to_map(fb, _origin(pb)))
        assert gap < 0.01
        # the crossing is at the target's plant room facade, inside the tunnel in the energy
        # model: the energy-side segment is contained in a tunnel space
        seg = fa.by_guid(j["a"]["element"])
        container = seg.ContainedInStructure[0].RelatingStructure
        assert container.is_a("IfcSpace") and "tunnel" in container.LongName.lower()


def test_footpaths_are_osm_tagged_wgs84_linestrings(
    demo_campus: Path, campus: dict[str, Any]
) -> None:
    gj = json.loads((demo_campus / campus["footpaths"]).read_text())
    assert gj["type"] == "FeatureCollection"
    highways = Counter()
    for feat in gj["features"]:
        assert feat["geometry"]["type"] == "LineString"
        for lon, lat in feat["geometry"]["coordinates"]:
            assert 13.37 < lon < 13.39 and 52.52 < lat < 52.53  # Berlin Mitte
        props = feat["properties"]
        assert props["highway"] in {"footway", "service", "steps"}
        assert props["covered"] in {"yes", "no"} and props["wheelchair"] in {"yes", "no"}
        assert props["name"]
        highways[props["highway"]] += 1
        if props["highway"] == "steps":
            assert props["wheelchair"] == "no"
    assert highways["steps"] >= 1 and highways["service"] >= 1 and highways["footway"] >= 3


def test_generation_is_deterministic(demo_campus: Path, tmp_path: Path) -> None:
    """A second write gives the same files but for the IFC header's timestamp."""
    from models_ifc.campus import write_campus

    write_campus(tmp_path)
    for name in sorted(p.name for p in demo_campus.iterdir()):
        a, b = (demo_campus / name).read_text(), (tmp_path / name).read_text()
        if name.endswith(".ifc"):
            a, b = (
                "\n".join(ln for ln in t.splitlines() if not ln.startswith("FILE_NAME"))
                for t in (a, b)
            )
        assert a == b, name
