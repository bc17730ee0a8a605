"""Routes on the code-built twin: stairs vs lift, closures, explanations, walls."""

from __future__ import annotations

import networkx as nx
import pytest
from shapely.geometry import LineString
from shapely.ops import unary_union

from tests.samples.networks import sample_twin
from twin.errors import NoRoute
from twin.navigation.build import build_navigation
from twin.navigation.navgraph import NavGraph, Restrictions
from twin.navigation.routes import Route, route


@pytest.fixture(scope="module")
def nav() -> NavGraph:
    return build_navigation(sample_twin())


def _walkable(nav: NavGraph, storey: str):  # type: ignore[no-untyped-def]
    tw = nav.twin
    parts = [s.footprint for s in tw.spaces.values() if s.storey == storey]
    parts += [
        e.footprint.buffer(0.05)
        for e in tw.elements.values()
        if e.storey == storey and e.kind == "door"
    ]
    return unary_union(parts).buffer(0.03)


def _assert_inside(nav: NavGraph, r: Route) -> None:
    for storey, lines in r.polylines.items():
        area = _walkable(nav, storey)
        for line in lines:
            if len(line) > 1:
                assert area.covers(LineString(line)), (storey, line)


def test_upstairs_uses_the_stair(nav: NavGraph) -> None:
    r = route(nav, "A", "U")
    kinds = [s.kind for s in r.steps]
    assert "stair" in kinds
    assert set(r.polylines) == {"S0", "S1"}
    _assert_inside(nav, r)
    assert r.eta_s > r.length_m / 1.3


def test_cart_takes_the_lift_never_stairs(nav: NavGraph) -> None:
    r = route(nav, "A", "U", profile="cart")
    assert "lift" in [s.kind for s in r.steps]
    assert "stair" not in [s.kind for s in r.steps]
    with pytest.raises(NoRoute, match=r"lift LIFT \(LIFT\)"):
        route(nav, "A", "U", profile="cart", restrictions=Restrictions.of(out_of_service=["LIFT"]))


def test_l_corridor_goes_round_the_corner(nav: NavGraph) -> None:
    r = route(nav, "A", "D")
    _assert_inside(nav, r)
    assert (18.0, 2.0) in r.polylines["S0"][0]


def test_locked_door_explained(nav: NavGraph) -> None:
    with pytest.raises(NoRoute, match=r"door DD \(DD\)"):
        route(nav, "A", "D", restrictions=Restrictions.of(locked_doors=["DD"]))
    with pytest.raises(NoRoute, match=r"space C0 C0 \(C0\)"):
        route(nav, "A", "B", restrictions=Restrictions.of(no_go_zones=["C0"]))


def test_closing_stairwell_reroutes_by_lift(nav: NavGraph) -> None:
    base = route(nav, "A", "U")
    r = route(nav, "A", "U", restrictions=Restrictions.of(closed_spaces=["ST0"]))
    assert "lift" in [s.kind for s in r.steps]
    assert r.eta_s > base.eta_s


def test_point_and_element_endpoints(nav: NavGraph) -> None:
    r = route(nav, (1.0, 5.0, 0.5), (16.0, 5.0, 4.0))
    assert r.steps[-1].storey == "S1"
    _assert_inside(nav, r)
    r2 = route(nav, "E", "DB")
    assert r2.steps[-1].guid == "DB"


def test_matches_networkx_dijkstra(nav: NavGraph) -> None:
    for prof in ("walking", "cart", "emergency"):
        g = nav.to_networkx(prof)
        for a, b in [("A", "U"), ("D", "ST1"), ("B", "A")]:
            na, nb = (
                nav.node_of(a, nav.twin.spaces[a].storey),
                nav.node_of(b, nav.twin.spaces[b].storey),
            )
            ref = nx.dijkstra_path_length(g, na, nb)
            assert route(nav, a, b, profile=prof).eta_s == pytest.approx(ref)


def test_one_to_all_matches_networkx_with_and_without_closures(nav: NavGraph) -> None:
    """times_from (the dispatch and patrol search) labels every node as networkx does; a
    locked door is a node removed from the graph."""
    from twin.navigation.routes import times_from

    for locked in ([], ["DB"]):
        g = nav.to_networkx("walking")
        g.remove_nodes_from([n.id for n in nav.nodes if n.guid in locked])
        start = nav.node_of("A", "S0")
        ref = nx.single_source_dijkstra_path_length(g, start)
        _, got = times_from(nav, "A", restrictions=Restrictions.of(locked_doors=locked))
        assert set(got) == set(ref)
        for n, t in ref.items():
            assert got[n] == pytest.approx(t), nav.nodes[n]
