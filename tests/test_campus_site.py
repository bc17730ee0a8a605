"""Site elements as outdoor ground (issue 17): walkable elements contained in the IfcSite
(paving, footpaths, yards) are read as ground, and a door that opens onto them (or into an
IfcSpace EXTERNAL) is an entrance of the building's own graph.

The plans are written with ifcopenshell.api here; truth comes from the plan's own numbers and
from ifcopenshell, never from the code under test.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import LineString, box

from tests.ifc_fixtures.plans_made import _Plan

# the plan (metres): rooms A (x 0-6) and B (x 14-20), y 0-4, walls 0.2 m, no way between them
# indoors; each has one door in its north wall (A at x 2.5-3.5, B at x 16.5-17.5) onto a paved
# yard slab of the site (x -5..25, y 4.2..12, top at 0). The doors and walls say nothing about
# being external: only the paving says the outside is there.
DOOR_A_X, DOOR_B_X, DOOR_Y = 3.0, 17.0, 4.1
WALL_FACE = 4.2
YARD = (-5.0, WALL_FACE, 25.0, 12.0)


def _site(p: _Plan) -> Any:
    return p.f.by_type("IfcSite")[0]


def _on_site(p: _Plan, cls: str, name: str, lo: tuple[float, ...], hi: tuple[float, ...]) -> Any:
    import ifcopenshell.api.spatial

    el = p._box(p._entity(cls, name, contained=False), lo, hi)
    ifcopenshell.api.spatial.assign_container(p.f, products=[el], relating_structure=_site(p))
    p.ids[name] = el.GlobalId
    return el


def _write(path: Path, *, yard_on_site: bool = True) -> tuple[Path, dict[str, str]]:
    import ifcopenshell.api.spatial

    p = _Plan("Paved yard")
    p.space("A", 0.0, 0.0, 6.0, 4.0)
    p.space("B", 14.0, 0.0, 20.0, 4.0)
    doors = {}
    for key, x0, dx in (("A", 0.0, DOOR_A_X), ("B", 14.0, DOOR_B_X)):
        p.wall(f"{key} south", x0 - 0.2, -0.2, x0 + 6.2, 0.0)
        p.wall(f"{key} west", x0 - 0.2, 0.0, x0, 4.0)
        p.wall(f"{key} east", x0 + 6.0, 0.0, x0 + 6.2, 4.0)
        north = p.wall(f"{key} north", x0 - 0.2, 4.0, x0 + 6.2, WALL_FACE)
        doors[key] = p.door(f"Door {key}", north, (dx - 0.5, 4.0), (dx + 0.5, WALL_FACE))
    x0, y0, x1, y1 = YARD
    if yard_on_site:
        yard = _on_site(p, "IfcSlab", "Yard paving", (x0, y0, -0.15), (x1, y1, 0.0))
    else:  # the same slab as a floor of the building's storey: not site ground
        yard = p._box(p._entity("IfcSlab", "Yard paving"), (x0, y0, -0.15), (x1, y1, 0.0))
        ifcopenshell.api.spatial.assign_container(p.f, products=[yard], relating_structure=p.storey)
    yard.PredefinedType = "USERDEFINED"
    yard.ObjectType = "Paving"
    # not walkable ground: the terrain under everything, and a canopy roof slab on the site
    terrain = _on_site(p, "IfcGeographicElement", "Terrain", (-40, -40, -1.0), (60, 50, -0.2))
    terrain.PredefinedType = "TERRAIN"
    roof = _on_site(p, "IfcSlab", "Canopy", (0.0, 4.2, 3.0), (6.0, 6.0, 3.2))
    roof.PredefinedType = "ROOF"
    return p.save(path)


def _twin(path: Path, cache: Path) -> Any:
    from twin.service.cache import load_twin

    return load_twin(path, cache_dir=cache)


def test_door_onto_site_paving_is_an_entrance_and_routes_cross_the_yard(
    tmp_path: Path, twin_cache_dir: Path
) -> None:
    """B is reachable from A only across the paved yard: the route leaves by door A, walks the
    yard and enters by door B. The outdoor leg by hand: door centre to the walk 0.3 m off the
    facade (CLEAR) plus the 0.1 m step every door takes into the ground it opens onto, 14 m
    along the facade, and back to door B's centre."""
    import ifcopenshell

    from twin.navigation.build import build_navigation
    from twin.navigation.outdoor import site_ground
    from twin.navigation.routes import route

    path, ids = _write(tmp_path / "yard.ifc")
    f = ifcopenshell.open(str(path))
    site = f.by_type("IfcSite")[0]
    contained = {e.Name: e for r in site.ContainsElements for e in r.RelatedElements}
    assert set(contained) == {"Yard paving", "Terrain", "Canopy"}
    tw = _twin(path, twin_cache_dir)
    (s,) = tw.sites.values()
    assert s.ground == (ids["Yard paving"],)  # not the terrain, not the roof slab
    fp, top = site_ground(tw)[ids["Yard paving"]]
    assert fp.symmetric_difference(box(*YARD)).area < 1e-3 and top == pytest.approx(0.0, abs=1e-3)

    nav = build_navigation(tw)
    entrances = {tw.elements[n.guid].name for n in nav.nodes if n.entrance}
    assert entrances == {"Door A", "Door B"}
    r = route(nav, ids["A"], ids["B"])
    outdoor = [st for st in r.steps if st.kind == "outdoor"]
    assert len(outdoor) == 1
    (edge,) = [e for e in nav.edges if e.kind == "outdoor"]
    # door centre to the walk: to the facade, 0.3 m clear of it, 0.1 m step onto the ground
    off = WALL_FACE + 0.3 + 0.1 - DOOR_Y
    hand = off + (DOOR_B_X - DOOR_A_X) + off
    assert edge.length_m == pytest.approx(hand, abs=0.02)
    inner = LineString(edge.path[1:-1])  # the walk between the two door centres
    assert box(*YARD).buffer(1e-6).contains(inner)  # through the yard
    # whole route: start point -> door A (straight in the convex room) + leg + door B -> end
    start, end = r.polyline3d[0], r.polyline3d[-1]
    walk_a = math.dist(start[:2], (DOOR_A_X, 4.0)) + (DOOR_Y - 4.0)
    walk_b = math.dist(end[:2], (DOOR_B_X, 4.0)) + (DOOR_Y - 4.0)
    assert r.length_m == pytest.approx(walk_a + hand + walk_b, abs=0.05)


def test_without_site_paving_nothing_changes(tmp_path: Path, twin_cache_dir: Path) -> None:
    """The same slab in the building's storey is a floor, not site ground: the doors say
    nothing about being external, so neither is an entrance and B stays unreachable (today's
    rule, docs/routing.md), and the campus says no model gave outdoor ground."""
    from twin.errors import NoRoute
    from twin.model import Georef
    from twin.navigation.build import build_navigation
    from twin.navigation.campus_graph import BuildingPart, build_campus_graph
    from twin.navigation.routes import route

    path, ids = _write(tmp_path / "floor.ifc", yard_on_site=False)
    tw = _twin(path, twin_cache_dir)
    assert all(s.ground == () for s in tw.sites.values())
    nav = build_navigation(tw)
    assert not any(n.entrance for n in nav.nodes)
    with pytest.raises(NoRoute):
        route(nav, ids["A"], ids["B"])
    geo = Georef("map_conversion", "EPSG:25833", 390000.0, 5820000.0, 34.0)
    tw = dataclasses.replace(tw, georef=geo)
    g = build_campus_graph([BuildingPart("b", "B", build_navigation(tw), geo)], crs="EPSG:25833")
    assert any(a.startswith("no outdoor spaces (IfcSpace EXTERNAL)") for a in g.assumptions)


def test_site_paving_entrances_join_the_footpaths(tmp_path: Path, twin_cache_dir: Path) -> None:
    """On a campus the doors onto the paving are gateways snapped to the nearest path, and the
    assumptions name the paving read. A map point on the path 20 m north of door B: the
    route from A leaves by door A or B; its outdoor leg ends on the path, by hand."""
    from shapely.geometry import Point

    from twin.model import Georef
    from twin.navigation.build import build_navigation
    from twin.navigation.campus_graph import (
        BuildingPart,
        CampusPlace,
        build_campus_graph,
        campus_route,
    )
    from twin.navigation.footpaths import Footpath

    path, ids = _write(tmp_path / "yard.ifc")
    geo = Georef("map_conversion", "EPSG:25833", 390000.0, 5820000.0, 34.0)
    tw = dataclasses.replace(_twin(path, twin_cache_dir), georef=geo)
    nav = build_navigation(tw)
    e0, n0 = geo.eastings, geo.northings
    line = ((e0 - 20.0, n0 + 20.0), (e0 + 40.0, n0 + 20.0))
    fp = Footpath("p", "North walk", "footway", line, False, False, True)
    g = build_campus_graph([BuildingPart("b", "B", nav, geo)], crs="EPSG:25833", footpaths=[fp])
    gates = {gw.label for gw in g.gateways if gw.kind == "entrance"}
    assert gates == {"Door A", "Door B"}
    assert any("1 paved site elements" in a for a in g.assumptions)
    goal = CampusPlace(map=(e0 + DOOR_B_X, n0 + 20.0, 34.0))
    r = campus_route(g, CampusPlace("b", ids["A"]), goal)
    out = [leg for leg in r.legs if leg.kind == "outdoor"]
    assert out and Point(out[-1].line[-1][:2]).distance(Point(goal.map[:2])) < 1e-6
    # A -> door A (inside) -> straight to the path (20 - 4.1) -> along it 14 m to the goal
    door_a = (e0 + DOOR_A_X, n0 + DOOR_Y)
    hand_out = (n0 + 20.0 - door_a[1]) + (DOOR_B_X - DOOR_A_X)
    assert sum(leg.length_m for leg in out) == pytest.approx(hand_out, abs=0.02)


def test_shared_model_site_elements_read_as_ifcopenshell_says(
    shared_ifc: Path,
) -> None:
    """PCERT's site contains two IfcBuildingElementProxy markers ("origin", "geo-reference"):
    no paving, so nothing is walkable ground; FZK-Haus's site contains nothing. Checked
    against the files read with ifcopenshell."""
    import ifcopenshell

    from twin.ifc.spatial import walkable_site_elements

    for name, expect in (
        ("PCERT_Building-Architecture.ifc", {"IfcBuildingElementProxy"}),
        ("AC20-FZK-Haus.ifc", set()),
    ):
        f = ifcopenshell.open(str(shared_ifc / name))
        for site in f.by_type("IfcSite"):
            classes = {e.is_a() for r in site.ContainsElements for e in r.RelatedElements}
            assert classes == expect, name
            assert walkable_site_elements(site) == (), name


@pytest.mark.parametrize("schema", ["IFC4", "IFC4X3_ADD2"])
def test_walkable_site_rule_by_class_and_type(schema: str) -> None:
    """The documented rule on every class it names, in IFC4 and IFC4X3 (classes the schema
    lacks are skipped): which site elements are walkable ground, listed here by hand."""
    import ifcopenshell
    import ifcopenshell.api.aggregate
    import ifcopenshell.api.root
    import ifcopenshell.api.spatial

    from twin.ifc.spatial import walkable_site_elements

    model = ifcopenshell.file(schema=schema)
    project = ifcopenshell.api.root.create_entity(model, ifc_class="IfcProject")
    site = ifcopenshell.api.root.create_entity(model, ifc_class="IfcSite", name="Site")
    ifcopenshell.api.aggregate.assign_object(model, products=[site], relating_object=project)
    cases = [  # (class, PredefinedType, ObjectType, walkable)
        ("IfcSlab", "FLOOR", None, True),
        ("IfcSlab", "NOTDEFINED", None, True),
        ("IfcSlab", "ROOF", None, False),
        ("IfcSlab", "BASESLAB", None, False),
        ("IfcSlab", "USERDEFINED", "Courtyard paving", True),
        ("IfcSlab", "USERDEFINED", "Plinth", False),
        ("IfcSlab", "PAVING", None, True),
        ("IfcSlab", "SIDEWALK", None, True),
        ("IfcSlab", "TRACKSLAB", None, False),
        ("IfcCovering", "FLOORING", None, True),
        ("IfcCovering", "CLADDING", None, False),
        ("IfcGeographicElement", "TERRAIN", None, False),
        ("IfcGeographicElement", "VEGETATION", None, False),
        ("IfcGeographicElement", "USERDEFINED", "Footpath", True),
        ("IfcCivilElement", None, "Footway", True),
        ("IfcCivilElement", None, "Retaining structure", False),
        ("IfcBuildingElementProxy", "NOTDEFINED", None, False),
        ("IfcPavement", "RIGID", None, True),
        ("IfcCourse", "PAVEMENT", None, True),
        ("IfcCourse", "BALLASTBED", None, False),
        ("IfcKerb", "USERDEFINED", None, False),
    ]
    expect = []
    for i, (cls, kind, otype, walkable) in enumerate(cases):
        try:
            el = ifcopenshell.api.root.create_entity(model, ifc_class=cls, name=f"e{i}")
        except Exception:  # the class is not in this schema
            continue
        try:
            if kind is not None:
                el.PredefinedType = kind
        except Exception:  # the type is not in this schema's enumeration: left off the site
            continue
        if otype is not None:
            el.ObjectType = otype
        ifcopenshell.api.spatial.assign_container(model, products=[el], relating_structure=site)
        if walkable:
            expect.append(el.GlobalId)
    # something in a storey is the building's, whatever it is
    bld = ifcopenshell.api.root.create_entity(model, ifc_class="IfcBuilding")
    st = ifcopenshell.api.root.create_entity(model, ifc_class="IfcBuildingStorey")
    ifcopenshell.api.aggregate.assign_object(model, products=[bld], relating_object=site)
    ifcopenshell.api.aggregate.assign_object(model, products=[st], relating_object=bld)
    inner = ifcopenshell.api.root.create_entity(model, ifc_class="IfcSlab", name="floor")
    ifcopenshell.api.spatial.assign_container(model, products=[inner], relating_structure=st)
    assert sorted(walkable_site_elements(site)) == sorted(expect)
    assert len(expect) >= (6 if schema == "IFC4" else 10)
