"""Networks across the buildings of the demo campus (issue 17).

The truth is a networkx graph built here by hand from the three IFC files with ifcopenshell:
every IfcRelConnectsPorts between the ports' owners (IfcRelNests) in flow order, plus the joints
found independently (open ports of two models at the same map point under each file's own
IfcMapConversion). Impact, isolation and trace of the campus service must agree with it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.util.placement
import networkx as nx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from twin.model import Georef
from twin.service.campus import Campus
from twin.service.campus_networks import (
    CampusNetworks,
    build_campus_networks,
    campus_impact,
    campus_isolation,
    campus_networks,
    campus_trace,
)
from twin.service.campus_routes import Site, load_site


@pytest.fixture(scope="module")
def site(demo_campus: Path, twin_cache_dir: Path) -> Site:
    return load_site(Campus(), demo_campus / "campus.json", cache_dir=twin_cache_dir)


@pytest.fixture(scope="module")
def cn(site: Site) -> CampusNetworks:
    return campus_networks(site)


@pytest.fixture(scope="module")
def files(demo_campus: Path) -> dict[str, ifcopenshell.file]:
    doc = json.loads((demo_campus / "campus.json").read_text())
    return {m["key"]: ifcopenshell.open(str(demo_campus / m["file"])) for m in doc["models"]}


def _map(f: ifcopenshell.file, xyz: np.ndarray) -> np.ndarray:
    (mc,) = f.by_type("IfcMapConversion")
    a, b = mc.XAxisAbscissa, mc.XAxisOrdinate
    n = math.hypot(a, b)
    a, b = a / n, b / n
    x, y, z = xyz
    return np.array(
        [mc.Eastings + a * x - b * y, mc.Northings + b * x + a * y, mc.OrthogonalHeight + z]
    )


class Truth:
    """The campus network by hand: element graph in flow order, classes, rooms, model keys."""

    def __init__(self, files: dict[str, ifcopenshell.file]) -> None:
        self.g = nx.DiGraph()
        self.cls: dict[str, str] = {}
        self.model: dict[str, str] = {}
        self.room: dict[str, Any] = {}
        self.joints: set[frozenset[str]] = set()
        owner: dict[str, str] = {}
        open_ports: list[tuple[str, Any, np.ndarray]] = []
        for key, f in files.items():
            for rel in f.by_type("IfcRelNests"):
                for p in rel.RelatedObjects:
                    if p.is_a("IfcDistributionPort"):
                        owner[p.GlobalId] = rel.RelatingObject.GlobalId
            used = set()
            for rel in f.by_type("IfcRelConnectsPorts"):
                src, dst = rel.RelatingPort, rel.RelatedPort
                used |= {src.GlobalId, dst.GlobalId}
                if src.FlowDirection == "SINK":
                    src, dst = dst, src
                self.g.add_edge(owner[src.GlobalId], owner[dst.GlobalId])
            for p in f.by_type("IfcDistributionPort"):
                if p.GlobalId not in used and p.ObjectPlacement is not None:
                    m = ifcopenshell.util.placement.get_local_placement(p.ObjectPlacement)
                    open_ports.append((key, p, _map(f, m[:3, 3])))
            for e in f.by_type("IfcDistributionElement"):
                self.cls[e.GlobalId] = e.is_a()
                self.model[e.GlobalId] = key
                for rel in e.ContainedInStructure:
                    if rel.RelatingStructure.is_a("IfcSpace"):
                        self.room[e.GlobalId] = rel.RelatingStructure
        for i, (ka, pa, xa) in enumerate(open_ports):
            for kb, pb, xb in open_ports[i + 1 :]:
                if ka != kb and np.linalg.norm(xa - xb) < 0.05:
                    src, dst = (pa, pb) if pa.FlowDirection == "SOURCE" else (pb, pa)
                    self.g.add_edge(owner[src.GlobalId], owner[dst.GlobalId])
                    self.joints.add(frozenset({owner[pa.GlobalId], owner[pb.GlobalId]}))

    def rooms_downstream(self, valve: str) -> set[str]:
        return {
            self.room[n].GlobalId
            for n in nx.descendants(self.g, valve)
            if n in self.room and ifc_is_terminal(self.cls[n])
        }


def ifc_is_terminal(cls: str) -> bool:
    schema = ifcopenshell.ifcopenshell_wrapper.schema_by_name("IFC4")
    decl = schema.declaration_by_name(cls)
    while decl is not None:
        if decl.name() == "IfcFlowTerminal":
            return True
        decl = decl.supertype()
    return False


@pytest.fixture(scope="module")
def truth(files: dict[str, ifcopenshell.file]) -> Truth:
    return Truth(files)


def _named(f: ifcopenshell.file, name: str) -> str:
    (e,) = [e for e in f.by_type("IfcDistributionElement") if e.Name == name]
    return str(e.GlobalId)


def test_joints_found_by_geometry_and_table(cn: CampusNetworks, truth: Truth) -> None:
    assert len(truth.joints) == 8  # 4 central systems x 2 buildings, found here by hand
    got = {frozenset({j.a.element, j.b.element}) for j in cn.joints}
    assert got == truth.joints
    assert {j.found for j in cn.joints} == {"geometry+table"}
    assert all(j.gap_m is not None and j.gap_m < 0.01 for j in cn.joints)
    assert all(j.a.model == "energy" and j.b.model in {"tower", "outpatient"} for j in cn.joints)
    # every joint is an edge of the campus graph, and it is marked as one
    for j in cn.joints:
        data = cn.nets.graph.get_edge_data(j.a.element, j.b.element)
        assert data is not None and data["connections"] == (f"joint:{j.id}",)


def test_geometry_alone_and_table_alone(site: Site, truth: Truth) -> None:
    twins = {k: site.twin(k) for k in site.keys}
    by_geometry = build_campus_networks(twins, ())
    assert {j.found for j in by_geometry.joints} == {"geometry"}
    assert {frozenset({j.a.element, j.b.element}) for j in by_geometry.joints} == truth.joints
    # a model that is not georeferenced joins only through the table
    blind = dict(twins)
    blind["outpatient"] = replace(twins["outpatient"], georef=Georef(mode="none"))
    table = site.file.network_joints
    mixed = build_campus_networks(blind, table)
    found = {j.b.model: set() for j in mixed.joints}
    for j in mixed.joints:
        found[j.b.model].add(j.found)
    assert found == {"tower": {"geometry+table"}, "outpatient": {"table"}}
    assert any("'outpatient' has no map conversion" in n for n in mixed.notes)
    # neither: the buildings stand alone and the notes say so
    alone = build_campus_networks({"energy": twins["energy"], "outpatient": blind["outpatient"]})
    assert not alone.joints
    assert any("stands alone" in n for n in alone.notes)
    # a table row naming an element no model has is skipped with a note, not guessed
    bad = [{"a": {"model": "energy", "element": "nope"}, "b": {"model": "tower", "element": "x"}}]
    skipped = build_campus_networks(twins, bad)
    assert len(skipped.joints) == 8 and any("skipped" in n for n in skipped.notes)


def test_closing_the_energy_centre_oxygen_valve_reaches_every_building_icu_first(
    cn: CampusNetworks, truth: Truth, files: dict[str, ifcopenshell.file]
) -> None:
    valve = _named(files["energy"], "Campus main isolation Medical oxygen")
    want = truth.rooms_downstream(valve)
    got = campus_impact(cn, [valve])
    assert {s.guid for s in got.impact.spaces} == want
    buildings = {truth.model[t] for t in got.impact.terminals}
    assert buildings == {"tower", "outpatient"}
    assert got.per_building["tower"] > 0 and got.per_building["outpatient"] > 0
    # ICU rooms of the tower first: every ICU bed, before any other room
    icu = {s.GlobalId for s in files["tower"].by_type("IfcSpace") if s.ObjectType == "icu"}
    assert len(icu) == 12
    first = [s.guid for s in got.impact.spaces[: len(icu)]]
    assert set(first) == icu
    assert all(got.buildings[g] == "tower" for g in first)
    assert set(got.joints_crossed) == {
        j.id for j in cn.joints if j.medium == "gas"
    }  # both oxygen joints


def test_branch_valve_cuts_one_building_only(
    cn: CampusNetworks, truth: Truth, files: dict[str, ifcopenshell.file]
) -> None:
    valve = _named(files["energy"], "Isolation Heating to Outpatient Block")
    got = campus_impact(cn, [valve])
    assert {s.guid for s in got.impact.spaces} == truth.rooms_downstream(valve)
    assert set(got.per_building) == {"outpatient"}


def test_isolation_and_trace_cross_the_boundary(
    cn: CampusNetworks, truth: Truth, files: dict[str, ifcopenshell.file]
) -> None:
    (joint,) = [j for j in cn.joints if j.medium == "gas" and j.b.model == "tower"]
    incoming = joint.b.element  # the tower's incoming oxygen main
    # by hand: the nearest valve upstream of it, walking against the flow
    rev = truth.g.reverse(copy=False)
    nearest = next(
        n for n in nx.bfs_tree(rev, incoming) if truth.cls[n] == "IfcValve" and n != incoming
    )
    assert truth.model[nearest] == "energy"
    iso = campus_isolation(cn, incoming)
    assert iso.possible and iso.guids == [nearest]
    # trace upstream from an ICU oxygen outlet reaches the energy centre's oxygen tank
    tank = _named(files["energy"], "Liquid oxygen tank")
    outlet = next(
        e.GlobalId
        for e in files["tower"].by_type("IfcOutlet")
        if e.ObjectType == "OxygenOutlet"
        and e.ContainedInStructure[0].RelatingStructure.ObjectType == "icu"
    )
    up = campus_trace(cn, outlet, "upstream")
    steps = {s.guid for s in up.steps}
    assert tank in steps
    assert steps == nx.ancestors(truth.g, outlet) | {outlet}


@pytest.fixture(scope="module")
def client(
    demo_campus: Path, twin_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    from api.app import create_app
    from api.settings import Settings

    tmp = tmp_path_factory.mktemp("campus-api")
    settings = Settings(
        campus=demo_campus / "campus.json",
        cache_dir=twin_cache_dir,
        store_url=f"sqlite:///{tmp}/live.db",
        upload_dir=tmp / "uploads",
    )
    with TestClient(create_app(settings)) as c:
        yield c


def test_api(client: TestClient, truth: Truth, files: dict[str, ifcopenshell.file]) -> None:
    r = client.get("/campus/networks/joints")
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["joints"]) == 8 and body["models"] == ["tower", "outpatient", "energy"]
    valve = _named(files["energy"], "Campus main isolation Medical oxygen")
    r = client.post("/campus/networks/impact", json={"closed": [valve]})
    assert r.status_code == 200, r.text
    out = r.json()
    assert {s["guid"] for s in out["spaces"]} == truth.rooms_downstream(valve)
    assert out["spaces"][0]["criticality"] == "icu" and out["spaces"][0]["building"] == "tower"
    r = client.post("/campus/networks/impact", json={"closed": ["no-such-guid"]})
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem")
    (joint,) = [j for j in body["joints"] if j["medium"] == "gas" and j["b"]["model"] == "tower"]
    r = client.get(f"/campus/networks/elements/{joint['b']['element']}/isolation")
    assert r.status_code == 200 and r.json()["possible"] is True
    r = client.get(f"/campus/networks/elements/{joint['b']['element']}/upstream")
    assert r.status_code == 200
    assert set(r.json()["buildings"].values()) == {"tower", "energy"}


def test_segment_ends_without_ports_join_by_geometry(
    site: Site, cn: CampusNetworks, truth: Truth, files: dict[str, ifcopenshell.file]
) -> None:
    """Models whose boundary pipes carry no ports: the segments' free ends meet on the map."""
    (joint,) = [j for j in cn.joints if j.medium == "gas" and j.b.model == "tower"]
    bare = {joint.a.element, joint.b.element}
    twins = {}
    for key in site.keys:
        t = site.twin(key)
        gone = {g for g, p in t.ports.items() if p.element in bare}
        twins[key] = replace(
            t,
            ports={g: p for g, p in t.ports.items() if g not in gone},
            connections=tuple(
                c for c in t.connections if not {c.relating_port, c.related_port} & gone
            ),
        )
    got = build_campus_networks(twins, ())
    (seg,) = [j for j in got.joints if {j.a.element, j.b.element} == bare]
    assert seg.found == "geometry" and seg.a.port is None and seg.b.port is None
    assert seg.gap_m is not None and seg.gap_m < 0.01
    assert seg.medium == "gas"
    # the joint is an edge of the joined network, through ports of the joint's own
    g = got.nets.graph
    edge = g.get_edge_data(seg.a.element, seg.b.element) or g.get_edge_data(
        seg.b.element, seg.a.element
    )
    assert edge is not None and edge["connections"] == (f"joint:{seg.id}",)
    # the other seven stay port-to-port joints
    assert sum(1 for j in got.joints if j.a.port is not None) == 7
    # the bare pipes still join their own buildings' networks by geometry (the joint's ports
    # are not declared ones), so the oxygen main valve reaches the same rooms as with ports
    valve = _named(files["energy"], "Campus main isolation Medical oxygen")
    spaces = campus_impact(got, [valve]).impact.spaces
    assert {s.guid for s in spaces} == truth.rooms_downstream(valve)
