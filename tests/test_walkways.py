"""Walkways: paths inside one footprint bend at reflex corners and never leave the room."""

from __future__ import annotations

import math

from shapely.geometry import LineString, Polygon, box

from twin.navigation.walkways import Walkway, inside_point, snap_inside

ELL = Polygon([(0, 0), (20, 0), (20, 10), (18, 10), (18, 2), (0, 2)])


def test_straight_when_visible() -> None:
    ww = Walkway(box(0, 0, 10, 4))
    length, pts = ww.path((1, 1), (9, 3))
    assert pts == [(1, 1), (9, 3)]
    assert math.isclose(length, math.dist((1, 1), (9, 3)))


def test_l_corridor_bends_at_the_reflex_corner_and_stays_inside() -> None:
    ww = Walkway(ELL)
    a, b = (1.0, 1.0), (19.0, 9.0)
    assert not ww.visible(a, b)
    length, pts = ww.path(a, b)
    assert (18.0, 2.0) in pts
    assert length > math.dist(a, b)
    assert math.isclose(length, math.dist(a, (18, 2)) + math.dist((18, 2), b))
    assert ELL.buffer(0.03).covers(LineString(pts))


def test_u_shape_uses_two_corners() -> None:
    u = Polygon([(0, 0), (10, 0), (10, 10), (8, 10), (8, 2), (2, 2), (2, 10), (0, 10)])
    length, pts = Walkway(u).path((1, 9), (9, 9))
    assert len(pts) == 4
    assert u.buffer(0.03).covers(LineString(pts))
    assert length > 16


def test_snap_and_inside_point() -> None:
    p = snap_inside(box(0, 0, 4, 4), (2, -0.1))
    assert 0 < p[1] <= 0.11
    c = inside_point(ELL)
    assert ELL.contains(LineString([c, c]).centroid)


def test_paths_in_a_comb_match_networkx_on_the_visibility_graph() -> None:
    """A comb (five teeth: many reflex corners): every walk between points in different teeth
    is as long as networkx's Dijkstra finds on the visibility graph of the points and the
    corners (built here from ``visible``), and its polyline is that long and stays inside."""
    import itertools

    import networkx as nx
    from shapely.ops import unary_union

    slots = unary_union([box(x + 2.0, 0.0, x + 4.0, 8.0) for x in (0.0, 4.0, 8.0, 12.0)])
    comb = box(0.0, 0.0, 20.0, 10.0).difference(slots)
    assert comb.is_valid
    ww = Walkway(comb)
    assert len(ww.corners) >= 8
    points = [(1.0, 1.0), (5.0, 7.0), (9.0, 1.0), (13.0, 4.0), (17.0, 7.0), (19.0, 9.0)]
    for a, b in itertools.combinations(points, 2):
        g = nx.Graph()
        nodes = [a, b, *ww.corners]
        for u, v in itertools.combinations(nodes, 2):
            if ww.visible(u, v):
                g.add_edge(u, v, weight=math.dist(u, v))
        ref = nx.dijkstra_path_length(g, a, b)
        length, pts = ww.path(a, b)
        assert math.isclose(length, ref, rel_tol=1e-9), (a, b)
        walked = sum(math.dist(p, q) for p, q in itertools.pairwise(pts))
        assert math.isclose(walked, length, rel_tol=1e-9)
        assert comb.buffer(0.03).covers(LineString(pts))
