"""Routes and dispatch across the buildings of a campus (issue 17), on the demo campus.

Truth is computed independently: networkx over a graph the test composes itself from each
building's ``NavGraph.to_networkx`` edges, the campus's outdoor edges and connections (lengths
checked against the GeoJSON and campus.json) and the gateways' seeds; straight-line lower
bounds; and hand-written GeoJSON for the path loader.
"""

from __future__ import annotations

import itertools
import json
import math
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx
import pytest
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon

from tests.ops_support import open_test_store
from twin.errors import InvalidInput, NoRoute
from twin.live.store import LiveStore
from twin.navigation.campus_graph import (
    CampusGraph,
    CampusPlace,
    CampusRoute,
    build_campus_graph,
    campus_route,
)
from twin.navigation.footpaths import parse_footpaths
from twin.navigation.navgraph import PROFILES, Restrictions
from twin.service.campus import Campus
from twin.service.campus_routes import Site, load_site
from twin.service.dispatch import DispatchResult, decline_ticket, dispatch_on_site


@pytest.fixture(scope="module")
def site(demo_campus: Path, twin_cache_dir: Path) -> Site:
    return load_site(Campus(), demo_campus / "campus.json", cache_dir=twin_cache_dir)


def _level(site: Site, key: str, guid: str) -> int:
    tw = site.twin(key)
    return tw.storeys[tw.spaces[guid].storey or ""].index


def _rooms(site: Site, key: str, word: str, level: int) -> list[str]:
    tw = site.twin(key)
    return sorted(
        g
        for g, s in tw.spaces.items()
        if word in f"{s.category} {s.long_name}".lower() and _level(site, key, g) == level
    )


def truth_graph(g: CampusGraph, prof: str, closed: set[str] = frozenset()) -> nx.Graph:  # type: ignore[assignment]
    """Every building's navigation edges, the campus's outdoor edges and connections, and the
    gateways' seeds, as one networkx graph (seconds)."""
    speed = PROFILES[prof].speed
    big = nx.Graph()
    for key, part in g.parts.items():
        sub = part.nav.to_networkx(prof)
        for u, v, d in sub.edges(data=True):
            big.add_edge((key, u), (key, v), weight=d["weight"])
    for e in g.edges:
        if not e.allows(prof) or e.ref in closed:
            continue
        w = e.length_m / speed
        old = big.get_edge_data(("c", e.a), ("c", e.b))
        if old is None or old["weight"] > w:
            big.add_edge(("c", e.a), ("c", e.b), weight=w, ref=e.ref, kind=e.kind)
    for gw in g.gateways:
        for n, (m, _) in gw.endpoint.seeds.items():
            big.add_edge(("c", gw.node), (gw.building, n), weight=m / speed)
    return big


def _node(site: Site, key: str, guid: str) -> tuple[str, int]:
    part = site.graph().parts[key]
    nid = part.nav.node_of(guid, site.twin(key).spaces[guid].storey)
    assert nid is not None
    return (key, nid)


def _kinds(r: CampusRoute) -> list[str]:
    return [leg.kind for leg in r.legs]


def test_bridge_when_open_outdoors_when_closed(site: Site) -> None:
    """Ward on the tower's level 1 -> consulting room on the outpatient block's level 1: over the
    bridge; with the bridge closed, down, outdoors and up again. ETAs equal networkx on the
    composed graph (within 1 %: networkx may walk through room centres, which never helps)."""
    g = site.graph()
    ward = _rooms(site, "tower", "ward", 1)[0]
    consult = _rooms(site, "outpatient", "consult", 1)[0]
    a, b = site.place(ward), site.place(consult)
    assert (a.building, b.building) == ("tower", "outpatient")
    open_ = site.route(a, b)
    assert "bridge" in _kinds(open_) and "outdoor" not in _kinds(open_)
    assert [leg.building for leg in open_.legs if leg.kind == "building"] == ["tower", "outpatient"]
    closed = site.route(a, b, closed=["bridge-1"])
    assert "bridge" not in _kinds(closed) and "outdoor" in _kinds(closed)
    assert closed.eta_s > open_.eta_s
    assert any("closed: bridge-1" in x for x in closed.assumptions)
    big = truth_graph(g, "walking")
    src, dst = _node(site, "tower", ward), _node(site, "outpatient", consult)
    truth = nx.dijkstra_path_length(big, src, dst)
    assert open_.eta_s == pytest.approx(truth, rel=0.01)
    path = nx.dijkstra_path(big, src, dst)
    refs = {big.edges[u, v].get("ref") for u, v in itertools.pairwise(path)}
    assert "bridge-1" in refs
    no_bridge = truth_graph(g, "walking", {"bridge-1"})
    assert closed.eta_s == pytest.approx(nx.dijkstra_path_length(no_bridge, src, dst), rel=0.01)
    # the outdoor leg is at least the straight line between the two doors it joins
    leg = next(leg for leg in closed.legs if leg.kind == "outdoor")
    assert leg.length_m >= math.dist(leg.line[0][:2], leg.line[-1][:2]) - 1e-6
    # the same closure through the bridge's room (a scenario closing that space)
    room = g.connections["bridge-1"].a.space
    assert room
    by_room = site.route(a, b, restrictions=Restrictions.of(closed_spaces=[room]))
    assert "bridge" not in _kinds(by_room)


def test_bridge_length_and_georeferencing_line_up(site: Site, demo_campus: Path) -> None:
    """Each connection joins its two buildings where both models place its ends (the bridge
    ends within 5 cm of the point campus.json declares, through each model's own map
    conversion)."""
    g = site.graph()
    doc = json.loads((demo_campus / "campus.json").read_text())
    for c in doc["connections"]:
        for side in ("a", "b"):
            end = c[side]
            part = g.parts[end["model"]]
            local = part.from_map(*end["point"])
            back = part.to_map(*local)
            assert math.dist(back, end["point"]) < 0.05
        edge = next(e for e in g.edges if e.ref == c["id"])
        assert edge.length_m == pytest.approx(c["length_m"])


def test_cart_avoids_steps(site: Site) -> None:
    """From one end of the garden steps to the other: walking takes the steps, a cart and a
    wheelchair go round on step-free paths (networkx over the outdoor edges without steps)."""
    g = site.graph()
    steps = next(fp for fp in g.footpaths if fp.steps)
    p, q = steps.line[0], steps.line[-1]
    a, b = CampusPlace(map=(p[0], p[1], 34.0)), CampusPlace(map=(q[0], q[1], 34.0))
    walk = site.route(a, b)
    assert any(g.edges[e].steps for leg in walk.legs for e in leg.edges)
    cart = site.route(a, b, profile="cart")
    used = [g.edges[e] for leg in cart.legs for e in leg.edges]
    assert used and not any(e.steps for e in used)
    assert cart.eta_s > walk.eta_s
    big = truth_graph(g, "cart")  # buildings and tunnels included: a cart may go through
    near = [("c", n) for n in range(len(g.nodes)) if math.dist(g.nodes[n][:2], p) < 1e-6]
    far = [("c", n) for n in range(len(g.nodes)) if math.dist(g.nodes[n][:2], q) < 1e-6]
    truth = min(
        nx.dijkstra_path_length(big, s, t) for s in near for t in far if s in big and t in big
    )
    assert cart.eta_s == pytest.approx(truth, rel=0.01)
    wheel = site.route(a, b, profile="wheelchair")
    assert not any(
        g.edges[e].steps or g.edges[e].wheelchair is False for leg in wheel.legs for e in leg.edges
    )


def test_cart_refused_when_only_steps(site: Site) -> None:
    g = site.graph()
    steps = next(fp for fp in g.footpaths if fp.steps)
    p, q = steps.line[0], steps.line[-1]
    others = [fp.id for fp in g.footpaths if not fp.steps]
    with pytest.raises(NoRoute, match=r"step-free|cut off"):
        site.route(
            CampusPlace(map=(*p, 34.0)), CampusPlace(map=(*q, 34.0)), profile="cart", closed=others
        )


def test_dispatch_ranks_technicians_in_other_buildings(site: Site, tmp_path: Path) -> None:
    """A job in the outpatient block; technicians in the tower (two storeys), the energy centre
    and outdoors on a path: ranked by ETA, each ETA equal to a separate campus route's."""
    tower = _rooms(site, "tower", "ward", 3)[0]
    ward1 = _rooms(site, "tower", "ward", 1)[-1]
    energy = sorted(site.twin("energy").spaces)[0]
    job = _rooms(site, "outpatient", "consult", 0)[0]
    g = site.graph()
    path = next(fp for fp in g.footpaths if not fp.steps)
    mid = path.line[len(path.line) // 2]
    for st, _url in open_test_store("sqlite", tmp_path):
        _dispatch_case(
            site, st, {"t-tower3": tower, "t-ward1": ward1, "t-energy": energy}, mid, job
        )


def _dispatch_case(
    site: Site, store: LiveStore, where: dict[str, str], outdoor: tuple[float, float], job: str
) -> None:
    for tid, guid in where.items():
        store.technicians.register(tid, name=tid, skills=["hvac"], actor="admin")
        key = site.key_of_guid(guid)
        assert key
        tw = site.twin(key)
        store.technicians.set_position(tid, "admin", space=guid, twin=tw)
    # a technician outdoors: a point of the tower's frame that lies in no room
    part = site.graph().parts["tower"]
    local = part.from_map(outdoor[0], outdoor[1], part.georef.orthogonal_height + 0.5)
    store.technicians.register("t-out", name="t-out", skills=["hvac"], actor="admin")
    store.technicians.set_position(
        "t-out", "admin", point=local, building=next(iter(site.twin("tower").buildings))
    )
    t = store.tickets.create(
        title="Fan coil noisy", priority="normal", actor="desk", space=job, skill="hvac"
    )
    res = dispatch_on_site(store, site, t.id, actor="op", now=datetime.now(UTC))
    etas = {c.technician: c.eta_s for c in res.candidates}
    assert set(etas) == {*where, "t-out"} and all(v is not None for v in etas.values())
    goal = site.place(job)
    for tid in etas:
        tech = next(x for x in store.technicians.list(available=False) if x.id == tid)
        place = site.technician_place(tech)
        assert isinstance(place, CampusPlace)
        if tid == "t-out":
            assert place.map is not None
        r = site.route(place, goal)
        assert etas[tid] == pytest.approx(r.eta_s, rel=0.01, abs=0.5)
    order = [c.technician for c in res.candidates]
    assert order == sorted(order, key=lambda k: etas[k] or 0.0)
    assert res.chosen.technician == order[0]
    assert res.route["legs"] and res.route["buildings"][-1] == "outpatient"
    assert res.ticket.technician == order[0]
    # the chosen one declines: the next by ETA gets it, still across the campus
    again = decline_ticket(
        site.campus,
        store,
        t.id,
        order[0],
        actor=order[0],
        reason="at lunch",
        now=datetime.now(UTC),
        site=site,
    )
    assert isinstance(again, DispatchResult)
    assert again.chosen.technician == order[1]
    assert again.route["buildings"][-1] == "outpatient"


def test_campus_graph_without_paths_walks_flat_ground(site: Site) -> None:
    """No path data: entrances of all buildings joined over the ground round the footprints,
    stated in the assumptions; the outdoor leg crosses no ground-floor footprint (but the
    half-wall from each door's centre to the ground outside)."""
    g0 = site.graph()
    g = build_campus_graph(list(g0.parts.values()), crs=g0.crs, connections=[])
    assert not g.has_paths and any("no outdoor path data" in a for a in g.assumptions)
    ward = _rooms(site, "tower", "ward", 1)[0]
    consult = _rooms(site, "outpatient", "consult", 1)[0]
    r = campus_route(g, CampusPlace("tower", ward), CampusPlace("outpatient", consult))
    assert "outdoor" in _kinds(r)
    assert any("flat ground" in a for a in r.assumptions)

    for leg in r.legs:
        if leg.kind == "outdoor":
            line = LineString([p[:2] for p in leg.line])
            for _key, part in g.parts.items():
                ground = min(part.nav.twin.storeys.values(), key=lambda st: st.elevation)
                polys = [
                    w.polygon
                    for sg, w in part.nav.walkways.items()
                    if part.nav.twin.spaces[sg].storey == ground.guid
                ]
                for poly in polys:
                    ring = [part.to_map(x, y)[:2] for x, y in poly.exterior.coords]
                    assert line.intersection(Polygon(ring).buffer(-0.05)).length < 0.01


def test_footpaths_from_osm_and_gis_exports() -> None:
    crs = "EPSG:25833"
    lon0, lat0 = 13.3775, 52.5256
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    e0, n0 = fwd.transform(lon0, lat0)
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "way/1",
                "properties": {"tags": {"highway": "footway", "covered": "yes", "name": "Canopy"}},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[lon0, lat0], [lon0 + 0.001, lat0]],
                },
            },
            {
                "type": "Feature",
                "properties": {"highway": "steps", "wheelchair": "no"},
                "geometry": {
                    "type": "MultiLineString",
                    "coordinates": [
                        [[lon0, lat0], [lon0, lat0 + 0.0005]],
                        [[lon0, lat0 + 0.001], [lon0, lat0 + 0.0015]],
                    ],
                },
            },
            {
                "type": "Feature",
                "properties": {"highway": "footway", "foot": "no"},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[lon0, lat0], [lon0, lat0 + 1e-4]],
                },
            },
            {
                "type": "Feature",
                "properties": {"highway": "motorway"},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[lon0, lat0], [lon0, lat0 + 1e-4]],
                },
            },
        ],
    }
    got = parse_footpaths(doc, crs)
    assert [f.id for f in got] == ["way/1", "path-1", "path-1#1"]
    canopy = got[0]
    assert canopy.covered and not canopy.steps and canopy.name == "Canopy"
    assert canopy.line[0] == pytest.approx((e0, n0), abs=1e-6)
    e1, n1 = fwd.transform(lon0 + 0.001, lat0)
    assert canopy.length_m == pytest.approx(math.dist((e0, n0), (e1, n1)), rel=1e-9)
    steps = got[1]
    assert steps.steps and steps.wheelchair is False
    assert not steps.allows("cart") and not steps.allows("wheelchair") and steps.allows("walking")
    # a GIS export in the map CRS, named in the legacy crs member
    gis = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"highway": "service"},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[e0, n0], [e0 + 30.0, n0 + 40.0]],
                },
            }
        ],
    }
    (svc,) = parse_footpaths(gis, crs)
    assert svc.length_m == pytest.approx(50.0)
    with pytest.raises(InvalidInput):
        parse_footpaths(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "LineString", "coordinates": [[e0, n0], [e0 + 1, n0]]},
                    }
                ],
            },
            crs,
        )


def test_two_copies_of_one_hospital_are_joined_by_paths(small_twin) -> None:  # type: ignore[no-untyped-def]
    """Two copies of the small hospital 150 m apart, one straight path along their entrances:
    a route from one to the other walks the path; the outdoor leg equals the path between
    the two snap points plus the two access legs (hand computed)."""
    import dataclasses

    from twin.navigation.build import build_navigation
    from twin.navigation.campus_graph import BuildingPart
    from twin.navigation.footpaths import Footpath

    nav = build_navigation(small_twin)
    geo = small_twin.georef
    west = BuildingPart("west", "West", nav, geo)
    east = BuildingPart("east", "East", nav, dataclasses.replace(geo, eastings=geo.eastings + 150))
    doors = [gw for gw in build_campus_graph([west, east], crs=geo.crs or "").gateways]
    ys = [gw.xyz[1] for gw in doors]
    y = min(ys) - 10.0
    x0 = min(gw.xyz[0] for gw in doors) - 20
    x1 = max(gw.xyz[0] for gw in doors) + 20
    line = ((x0, y), (x1, y))
    fp = Footpath("p1", "Front walk", "footway", line, False, False, True)
    g = build_campus_graph([west, east], crs=geo.crs or "", footpaths=[fp])
    room = sorted(g for g, s in small_twin.spaces.items() if nav.node_of(g, s.storey) is not None)[
        0
    ]
    r = campus_route(g, CampusPlace("west", room), CampusPlace("east", room))
    (leg,) = [leg for leg in r.legs if leg.kind == "outdoor"]
    a, b = Point(leg.line[0][:2]), Point(leg.line[-1][:2])  # the two doors
    assert {g.gate_at.get(n) is not None for n in (0, 1)} == {True}
    path = LineString(line)
    hand = abs(path.project(b) - path.project(a)) + path.distance(a) + path.distance(b)
    assert leg.length_m == pytest.approx(hand, rel=1e-6)
    assert r.buildings == ["west", "east"]
    assert r.eta_s >= math.dist(leg.line[0][:2], leg.line[-1][:2]) / PROFILES["walking"].speed


def _write_yard_plan(path: Path) -> tuple[Path, dict[str, str]]:
    """Corridor K (x 0-30) with an entrance at its west end; store S (x 0-4) whose only door opens
    north into the yard Y, an IfcSpace with PredefinedType EXTERNAL (x 0-30, y 5.2-12, no walls
    round it); room T (x 26-30) with a door to K and one to the yard."""
    from tests.ifc_fixtures.plans_made import _Plan

    p = _Plan("Yard")
    p.space("K", 0.0, 0.0, 30.0, 2.0)
    p.space("S", 0.0, 2.2, 4.0, 5.0)
    p.space("T", 26.0, 2.2, 30.0, 5.0)
    yard = p.space("Y", 0.0, 5.2, 30.0, 12.0)
    yard.PredefinedType = "EXTERNAL"
    p.wall("K south", -0.2, -0.2, 30.2, 0.0, external=True)
    west = p.wall("K west", -0.2, 0.0, 0.0, 2.0, external=True)
    p.wall("K east", 30.0, 0.0, 30.2, 5.2, external=True)
    mid = p.wall("K/rooms", 0.0, 2.0, 30.0, 2.2)
    p.wall("S west", -0.2, 2.0, 0.0, 5.2, external=True)
    p.wall("S east", 4.0, 2.2, 4.2, 5.2, external=True)
    p.wall("T west", 25.8, 2.2, 26.0, 5.2, external=True)
    s_north = p.wall("S north", -0.2, 5.0, 4.2, 5.2, external=True)
    t_north = p.wall("T north", 25.8, 5.0, 30.2, 5.2, external=True)
    p.door("Entrance", west, (-0.2, 0.5), (0.0, 1.5), external=True)
    p.door("Store door", s_north, (1.5, 5.0), (2.5, 5.2), external=True)
    p.door("Door T", mid, (27.0, 2.0), (28.0, 2.2), external=False)
    p.door("T yard door", t_north, (27.5, 5.0), (28.5, 5.2), external=True)
    return p.save(path)


def test_external_space_is_outdoor_ground(tmp_path: Path, twin_cache_dir: Path) -> None:
    """An IfcSpace EXTERNAL (a yard) is walked as outdoor ground: ingest flags it
    (Pset_SpaceCommon.IsExternal, checked against the file read with ifcopenshell), it is not
    part of the building's footprint, and it is a way onto the campus paths. Two copies of the
    building 100 m apart, one path 8 m north of the yard's north edge: from the store S (whose
    only door opens into the yard) to the other copy's store, the route leaves through the yard
    and walks the path: outdoor leg = yard centre to path + along it + path to the far store's
    yard door (an entrance), by hand. With the flag
    taken away the route must go round through the corridor's west entrance (longer)."""
    import dataclasses

    import ifcopenshell

    from twin.model import Georef
    from twin.navigation.build import build_navigation
    from twin.navigation.campus_graph import BuildingPart, is_external
    from twin.navigation.footpaths import Footpath
    from twin.service.cache import load_twin

    path, ids = _write_yard_plan(tmp_path / "yard.ifc")
    f = ifcopenshell.open(str(path))
    assert f.by_guid(ids["Y"]).PredefinedType == "EXTERNAL"
    tw = load_twin(path, cache_dir=twin_cache_dir)
    assert is_external(tw.spaces[ids["Y"]]) and not is_external(tw.spaces[ids["S"]])
    geo = Georef("map_conversion", "EPSG:25833", 390000.0, 5820000.0, 34.0)
    tw = dataclasses.replace(tw, georef=geo)
    nav = build_navigation(tw)
    west = BuildingPart("west", "West", nav, geo)
    east = BuildingPart("east", "East", nav, dataclasses.replace(geo, eastings=geo.eastings + 100))
    line = (
        (geo.eastings - 20.0, geo.northings + 20.0),
        (geo.eastings + 150.0, geo.northings + 20.0),
    )
    fp = Footpath("p", "North walk", "footway", line, False, False, True)
    g = build_campus_graph([west, east], crs="EPSG:25833", footpaths=[fp])
    assert not g.footprints["west"].contains(Point(geo.eastings + 15.0, geo.northings + 8.6))
    r = campus_route(g, CampusPlace("west", ids["S"]), CampusPlace("east", ids["S"]))
    (leg,) = [leg for leg in r.legs if leg.kind == "outdoor"]
    yard_c = nav.nodes[nav.node_of(ids["Y"], tw.spaces[ids["Y"]].storey) or 0].xyz
    # the store door into the yard is an entrance too (issue 17): the east copy is entered
    # by it straight from the path (door centre x 2 + 100, y 5.1: the plan above), the west
    # copy is left across the yard from its centre, 13 m further east along the path
    hand = (20.0 - yard_c[1]) + (102.0 - yard_c[0]) + (20.0 - 5.1)
    assert leg.length_m == pytest.approx(hand, abs=1e-6)
    assert "outdoor space" in leg.text
    # without the flag (the code before): the yard is a room, the way out the west entrance
    plain = {
        g_: dataclasses.replace(s, psets={}) if g_ == ids["Y"] else s for g_, s in tw.spaces.items()
    }
    tw0 = dataclasses.replace(tw, spaces=plain)
    nav0 = build_navigation(tw0)
    g0 = build_campus_graph(
        [
            BuildingPart("west", "West", nav0, geo),
            BuildingPart(
                "east", "East", nav0, dataclasses.replace(geo, eastings=geo.eastings + 100)
            ),
        ],
        crs="EPSG:25833",
        footpaths=[fp],
    )
    r0 = campus_route(g0, CampusPlace("west", ids["S"]), CampusPlace("east", ids["S"]))
    assert r0.eta_s > r.eta_s
