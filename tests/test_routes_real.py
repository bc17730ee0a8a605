"""Routes on real models: Duplex_A (two mirrored dwellings, stairs), FZK-Haus, demo hospital."""

from __future__ import annotations

import itertools
from typing import Any

import networkx as nx
import pytest
from shapely.geometry import LineString
from shapely.ops import unary_union

from twin.errors import NoRoute
from twin.model import Twin
from twin.navigation.build import build_navigation
from twin.navigation.navgraph import NavGraph, Restrictions
from twin.navigation.routes import Route, route


def _walkable(tw: Twin, storey: str):  # type: ignore[no-untyped-def]
    parts = [s.footprint for s in tw.spaces.values() if s.storey == storey and s.footprint]
    parts += [
        e.footprint.buffer(0.1)
        for e in tw.elements.values()
        if e.footprint is not None
        and (e.kind in ("stair", "lift") or (e.kind == "door" and e.storey == storey))
    ]  # stairs and lifts serve storeys above the one they are contained in
    return unary_union(parts).buffer(0.05)


def assert_inside(nav: NavGraph, r: Route) -> None:
    """Every floor-plan segment stays within rooms, doors and stair/lift areas: no wall."""
    for storey, lines in r.polylines.items():
        area = _walkable(nav.twin, storey)
        for line in lines:
            if len(line) > 1:
                assert area.covers(LineString(line)), (storey, line)


def _by_number(tw: Twin) -> dict[str, str]:
    return {s.number: s.guid for s in tw.spaces.values()}


@pytest.fixture(scope="module")
def duplex(shared_twin: Any) -> NavGraph:
    return build_navigation(shared_twin("Duplex_A_20110907.ifc"))


def test_duplex_upstairs_by_stair_in_both_dwellings(duplex: NavGraph) -> None:
    rooms = _by_number(duplex.twin)
    etas = []
    for side in "AB":
        r = route(duplex, rooms[f"{side}102"], rooms[f"{side}203"])
        assert "stair" in [s.kind for s in r.steps]
        assert len(r.polylines) == 2
        assert_inside(duplex, r)
        etas.append(r.eta_s)
    # the dwellings mirror each other: the same walk takes about the same time
    assert etas[0] == pytest.approx(etas[1], rel=0.1)
    with pytest.raises(NoRoute, match="step-free"):
        route(duplex, rooms["A102"], rooms["A203"], profile="cart")


def test_fzk_haus_attic_by_stair(shared_twin: Any) -> None:
    tw = shared_twin("AC20-FZK-Haus.ifc")
    nav = build_navigation(tw)
    ground = min(tw.storeys.values(), key=lambda s: s.elevation).guid
    upper = [s.guid for s in tw.spaces.values() if s.storey != ground]
    lower = [s.guid for s in tw.spaces.values() if s.storey == ground]
    reached = 0
    for a, b in itertools.product(lower, upper):
        try:
            r = route(nav, a, b)
        except NoRoute:
            continue
        reached += 1
        assert "stair" in [s.kind for s in r.steps]
        assert_inside(nav, r)
    assert reached >= len(lower) * len(upper) // 2


# -- the demo hospital: known doors, ICU behind one door, lifts and stairs --------------------
@pytest.fixture(scope="module")
def hosp(small_twin: Twin) -> NavGraph:
    return build_navigation(small_twin)


@pytest.mark.slow
def test_hospital_doors_link_the_known_rooms(hosp: NavGraph, small_hospital_truth: Any) -> None:
    for door, spaces in small_hospital_truth["doors"].items():
        n = hosp.node_of(door, hosp.twin.elements[door].storey)
        got = {g for g, ports in hosp.space_portals.items() if any(p == n for p, _ in ports)}
        assert got == {s for s in spaces if s}, door
    assert sorted(n.guid for n in hosp.nodes if n.entrance) == sorted(
        small_hospital_truth["entrances"]
    )
    # no portal joins two rooms the generator put a wall between
    for a, b, _wall in small_hospital_truth["walls_between"]:
        pa = {p for p, _ in hosp.space_portals.get(a, [])}
        pb = {p for p, _ in hosp.space_portals.get(b, [])}
        assert not (pa & pb), (a, b)


@pytest.mark.slow
def test_icu_only_through_its_door(hosp: NavGraph, small_hospital_truth: Any) -> None:
    icu = small_hospital_truth["icu"]
    door = icu["door_to_main"]
    entrance = small_hospital_truth["entrances"][0]
    for room in icu["rooms"][:4]:
        r = route(hosp, entrance, room)
        assert door in [s.guid for s in r.steps]
        assert_inside(hosp, r)
    with pytest.raises(NoRoute) as exc:
        route(hosp, entrance, icu["rooms"][0], restrictions=Restrictions.of(locked_doors=[door]))
    assert door in exc.value.detail


@pytest.mark.slow
def test_cart_never_takes_stairs_and_lift_closure_reroutes(
    hosp: NavGraph, small_hospital_truth: Any
) -> None:
    tw = hosp.twin
    lift = small_hospital_truth["lifts"][0]["guid"]
    storeys = sorted(tw.storeys.values(), key=lambda s: s.elevation)
    low = next(g for g, s in tw.spaces.items() if s.storey == storeys[0].guid)
    high = next(g for g, s in tw.spaces.items() if s.storey == storeys[-1].guid)
    cart = route(hosp, low, high, profile="cart")
    assert "stair" not in [s.kind for s in cart.steps] and "lift" in [s.kind for s in cart.steps]
    closed = Restrictions.of(out_of_service=[lift])
    walk = route(hosp, low, high, profile="walking", restrictions=closed)
    assert lift not in [s.guid for s in walk.steps] and "stair" in [s.kind for s in walk.steps]
    if len(small_hospital_truth["lifts"]) == 1:
        with pytest.raises(NoRoute, match=lift):
            route(hosp, low, high, profile="cart", restrictions=closed)


@pytest.mark.slow
def test_hospital_matches_networkx(hosp: NavGraph) -> None:
    g = hosp.to_networkx("walking")
    spaces = sorted(hosp.twin.spaces)[::9]
    for a, b in itertools.combinations(spaces, 2):
        na = hosp.node_of(a, hosp.twin.spaces[a].storey)
        nb = hosp.node_of(b, hosp.twin.spaces[b].storey)
        ref = nx.dijkstra_path_length(g, na, nb)
        assert route(hosp, a, b).eta_s == pytest.approx(ref)


@pytest.mark.slow
def test_hospital_corridors_sparse_and_within_stretch(hosp: NavGraph) -> None:
    """Corridors walk through waypoints joined by a spanner: fewer edges than door cliques,
    times never below the all-pairs graph and at most STRETCH above it."""
    from twin.navigation.navgraph import STRETCH
    from twin.navigation.routes import times_from

    tw = hosp.twin
    ref = build_navigation(tw, stretch=None)
    assert len(hosp.edges) < len(ref.edges)
    spaces = sorted(g for g in tw.spaces if hosp.node_of(g, tw.spaces[g].storey) is not None)
    for a in spaces[::20]:
        _, got = times_from(hosp, a)
        _, exact = times_from(ref, a)
        for b in spaces:
            x = got.get(hosp.node_of(b, tw.spaces[b].storey) or -1)
            y = exact.get(ref.node_of(b, tw.spaces[b].storey) or -1)
            assert (x is None) == (y is None), (a, b)
            if x is not None and y is not None:
                assert y - 1e-6 <= x <= y * (1 + STRETCH) + 1e-6, (a, b)


@pytest.mark.slow
def test_hospital_random_routes_stay_inside(hosp: NavGraph) -> None:
    import random

    rnd = random.Random(11)
    tw = hosp.twin
    spaces = sorted(g for g in tw.spaces if hosp.node_of(g, tw.spaces[g].storey) is not None)
    for _ in range(25):
        r = route(hosp, rnd.choice(spaces), rnd.choice(spaces))
        assert_inside(hosp, r)


def _assert_inside_or_outdoors(nav: NavGraph, r: Route) -> None:
    """Indoor segments stay in rooms, doors and stairs; outdoor ones on the ground around the
    building (kept off the facade): nothing crosses a wall."""
    assert nav.outdoor_ground is not None
    ground = nav.outdoor_ground.buffer(0.35)
    for storey, lines in r.polylines.items():
        area = _walkable(nav.twin, storey).union(ground)
        for line in lines:
            if len(line) > 1:
                assert area.covers(LineString(line)), (storey, line)


def test_duplex_between_dwellings_goes_outdoors(duplex: NavGraph) -> None:
    rooms = _by_number(duplex.twin)
    outdoor = [e for e in duplex.edges if e.kind == "outdoor"]
    assert outdoor and all(duplex.nodes[e.a].entrance and duplex.nodes[e.b].entrance
                           for e in outdoor)  # fmt: skip
    for a, b in (("A203", "B203"), ("B202", "A204")):
        r = route(duplex, rooms[a], rooms[b])
        kinds = [s.kind for s in r.steps]
        assert kinds.count("outdoor") == 1 and kinds.count("stair") == 2, kinds
        down = kinds.index("stair")
        assert down < kinds.index("outdoor") < len(kinds) - 1 - kinds[::-1].index("stair")
        assert any("outdoor" in x for x in r.assumptions)
        _assert_inside_or_outdoors(duplex, r)
        # the outdoor leg is a real walk round the building, not a jump: longer than the
        # straight line between the two entrance doors only where the building is in the way
        step = next(s for s in r.steps if s.kind == "outdoor")
        assert "outside" in step.text
    # within one dwelling nobody goes out and back in
    inside = route(duplex, rooms["A102"], rooms["A203"])
    assert "outdoor" not in [s.kind for s in inside.steps]
    # a cart between the dwellings' ground floors goes round outside (at grade)
    cart = route(duplex, rooms["A102"], rooms["B102"], profile="cart")
    assert [s.kind for s in cart.steps].count("outdoor") == 1


def test_duplex_locked_entrances_cut_the_other_dwelling_off(duplex: NavGraph) -> None:
    rooms = _by_number(duplex.twin)
    entrances_b = sorted(
        {
            n.guid
            for n in duplex.nodes
            if n.entrance
            and any(
                duplex.twin.spaces[g].number.startswith("B")
                for g, ports in duplex.space_portals.items()
                if any(p == n.id for p, _ in ports)
            )
        }
    )
    assert len(entrances_b) == 2
    one = Restrictions.of(locked_doors=entrances_b[:1])  # the other entrance still serves
    steps = route(duplex, rooms["A102"], rooms["B102"], restrictions=one).steps
    assert entrances_b[1] in [s.guid for s in steps]
    r = Restrictions.of(locked_doors=entrances_b)
    with pytest.raises(NoRoute) as exc:
        route(duplex, rooms["A102"], rooms["B102"], restrictions=r)
    assert any(g in exc.value.detail for g in entrances_b)


@pytest.mark.slow
def test_hospital_one_to_all_matches_networkx(hosp: NavGraph) -> None:
    """times_from labels every node as networkx does, from a room centre and from a point
    (seeded at the room's portals: the search must not settle those from above). The search
    weights outdoor legs 3x; the times reported are the true walking times of the paths found,
    so the reference takes the weighting back out along networkx's shortest-path tree."""
    from twin.navigation.routes import resolve, times_from

    tw = hosp.twin
    g = hosp.to_networkx("walking")
    room = sorted(g2 for g2, s in tw.spaces.items() if s.number.endswith("01"))[0]
    footprint = tw.spaces[room].footprint
    assert footprint is not None
    cx, cy = footprint.centroid.coords[0]
    z = hosp.nodes[hosp.node_of(room, tw.spaces[room].storey) or 0].xyz[2]
    for place in (room, (cx, cy, z + 1.0)):
        ep = resolve(hosp, place)
        g.add_node("src")
        for n, (m, _) in ep.seeds.items():
            g.add_edge("src", n, weight=m / 1.3)
        weighted, tree = nx.single_source_dijkstra(g, "src")
        ref: dict[Any, float] = {"src": 0.0}
        for n in sorted(weighted, key=weighted.__getitem__):
            if n == "src":
                continue
            prev = tree[n][-2]
            w = g[prev][n]["weight"]
            eid = g[prev][n].get("eid")
            outdoor = eid is not None and hosp.edges[eid].kind == "outdoor"
            ref[n] = ref[prev] + (w / 3.0 if outdoor else w)
        g.remove_node("src")
        _, got = times_from(hosp, place)
        assert set(got) == set(ref) - {"src"}
        for n, t in got.items():
            assert t == pytest.approx(ref[n], abs=1e-6), hosp.nodes[n]


def test_hospital_search_equals_networkx(hosp: NavGraph) -> None:
    """The search route() runs (scipy's Dijkstra on the CSR matrix) finds the same seconds as
    networkx's Dijkstra on a graph this test builds from the NavGraph's edges, for every
    profile, with and without a locked door and a closed room; its path joins consecutive
    nodes by the edge it names, the profile may use that edge, and no room centre (other than
    the ends) is walked through."""
    import random

    from twin.navigation import paths

    rnd = random.Random(3)
    tw = hosp.twin
    rooms = sorted(g for g in tw.spaces if hosp.node_of(g, tw.spaces[g].storey) is not None)
    doors = sorted({n.guid for n in hosp.nodes if n.kind == "door"})
    # room centres are walked through only in corridors (rooms with waypoints)
    corridors = {n.guid.split(":")[1] for n in hosp.nodes if n.kind == "waypoint"}
    centre = {n.id for n in hosp.nodes if n.kind == "space" and n.guid not in corridors}
    restrictions = [
        None,
        Restrictions.of(locked_doors=rnd.sample(doors, 3), closed_spaces=rnd.sample(rooms, 3)),
    ]
    compared = 0
    for prof in ("walking", "cart"):
        costs = hosp.costs[prof]
        for r in restrictions:
            be, bn = paths.blocked(hosp, r)
            g = nx.Graph()
            for eid, e in enumerate(hosp.edges):
                c = costs[eid]
                if c is None or eid in be or e.a in bn or e.b in bn:
                    continue
                if not g.has_edge(e.a, e.b) or g[e.a][e.b]["weight"] > c:
                    g.add_edge(e.a, e.b, weight=c)
            for _ in range(40):
                a, b = rnd.sample(rooms, 2)
                na = hosp.node_of(a, tw.spaces[a].storey)
                nb = hosp.node_of(b, tw.spaces[b].storey)
                assert na is not None and nb is not None
                view = nx.restricted_view(g, centre - {na, nb}, [])
                try:
                    ref: float | None = nx.dijkstra_path_length(view, na, nb)
                except (nx.NetworkXNoPath, nx.NodeNotFound):
                    ref = None
                found = paths.shortest(hosp, prof, {na: 0.0}, {nb: 0.0}, be, bn)
                assert (ref is None) == (found is None), (a, b, prof, r)
                if ref is None or found is None:
                    continue
                compared += 1
                assert found[0] == pytest.approx(ref, abs=1e-6), (a, b, prof, r)
                chain = found[1]
                assert chain[0] == (na, -1) and chain[-1][0] == nb
                total = 0.0
                for (u, _), (v, eid) in itertools.pairwise(chain):
                    e = hosp.edges[eid]
                    assert {e.a, e.b} == {u, v} and eid not in be and v not in bn
                    cost = costs[eid]
                    assert cost is not None
                    total += cost
                for v, _ in chain[1:-1]:
                    assert v not in centre
                assert total == pytest.approx(found[0], abs=1e-6)
    assert compared > 100
