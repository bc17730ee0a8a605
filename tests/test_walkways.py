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
