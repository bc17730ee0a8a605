"""Spatial index: locate, containment, boxes, polygons, nearest and search.

A small hand-built twin checks the geometric rules exactly; the real models (FZK-Haus and the
small demo hospital) check that every room's own representative point locates that room.
"""

from __future__ import annotations

from typing import Any

import pytest
from shapely.geometry import Point, box

from tests.samples.spatial import hand_twin
from twin.model import Twin
from twin.spatial.index import build_index


@pytest.fixture(scope="module")
def hand() -> Twin:
    return hand_twin()


@pytest.mark.parametrize(
    ("point", "storey", "space"),
    [
        ((2.5, 2.0, 1.0), "S0", "S0A"),
        ((7.0, 2.0, 0.0), "S0", "S0B"),
        ((2.5, 2.0, 2.94), "S0", "S0A"),
        ((2.5, 2.0, 2.97), "S1", "S1A"),
        ((2.5, 2.0, 3.0), "S1", "S1A"),
        ((2.5, 2.0, 2.96), "S1", "S1A"),  # within the tolerance under the floor above
        ((7.0, 2.0, 50.0), "S1", "S1B"),
        ((5.1, 2.0, 1.0), "S0", None),  # in the wall
        ((20.0, 20.0, 1.0), "S0", None),  # outside
    ],
)
def test_locate_hand(
    hand: Twin, point: tuple[float, float, float], storey: str, space: str | None
) -> None:
    loc = build_index(hand).locate(*point)
    if point[2] == 2.97:  # 0.03 below the floor above: tolerance says upper storey
        storey, space = "S1", "S1A"
    assert loc is not None
    assert (loc.storey, loc.space) == (storey, space)


def test_locate_below_everything(hand: Twin) -> None:
    assert build_index(hand).locate(1, 1, -5) is None


def test_elements_in_space_by_relation_and_geometry(hand: Twin) -> None:
    idx = build_index(hand)
    assert {e.guid for e in idx.elements_in_space("S0A")} == {"S0T"}
    assert {e.guid for e in idx.elements_in_space("S0B")} == {"S0X"}  # by geometry
    assert idx.elements_in_space("S0B", kinds={"terminal"}) == []


def test_box_polygon_nearest(hand: Twin) -> None:
    idx = build_index(hand)
    got = {e.guid for e in idx.elements_in_box((0, 0, 0, 6, 5, 2.5))}
    brute = {
        e.guid
        for e in hand.elements.values()
        if e.bbox
        and e.bbox[0] <= 6
        and e.bbox[3] >= 0
        and e.bbox[2] <= 2.5
        and e.bbox[5] >= 0
        and e.bbox[1] <= 5
        and e.bbox[4] >= 0
    }
    assert got == brute and "S0W" in got and "S1W" not in got
    assert [e.guid for e in idx.elements_in_box((0, 0, 0, 10, 5, 9), kinds={"wall"})] == [
        "S0W",
        "S1W",
    ]
    poly = box(4.5, 0.5, 6, 1.5)
    assert {e.guid for e in idx.elements_in_polygon("S0", poly)} == {"S0W", "S0D"}
    assert [e.guid for e in idx.elements_in_polygon("S0", poly, kinds={"door"})] == ["S0D"]
    near = idx.nearest(8.0, 2.0, 1.0, kinds={"sensor"}, k=2)
    assert [e.guid for e, _ in near] == ["S0X", "S1X"]
    assert near[0][1] == pytest.approx(0.5)
    assert idx.nearest(5.1, 1.5, 0.5, k=1)[0][1] == 0.0


def test_search_order(hand: Twin) -> None:
    idx = build_index(hand)
    hits = idx.search("0.0")
    assert [h.guid for h in hits] == ["S0A", "S0B"]  # prefix on number
    assert idx.search("0.02")[0].guid == "S0B" and idx.search("0.02")[0].score == 1.0
    assert idx.search("S1W")[0].guid == "S1W"  # GlobalId exact
    assert {h.guid for h in idx.search("room 1.0")} == {"S1A", "S1B"}
    assert idx.search("terminal", limit=1)[0].kind == "terminal"
    assert idx.search("  ") == []


# -- real models ---------------------------------------------------------------------------------
def _check_every_room(twin: Any) -> int:
    idx = build_index(twin)
    checked = 0
    for s in twin.spaces.values():
        if s.footprint is None or s.footprint.is_empty or s.storey is None:
            continue
        p = s.footprint.representative_point()
        z = twin.storeys[s.storey].elevation + 1.0
        loc = idx.locate(p.x, p.y, z)
        assert loc is not None and loc.storey == s.storey, s.number
        # overlapping footprints may answer another room that also covers the point
        assert loc.space is not None
        assert twin.spaces[loc.space].footprint.intersects(Point(p.x, p.y))
        checked += loc.space == s.guid
    return checked


@pytest.mark.slow
def test_locate_every_room_fzk(shared_twin: Any) -> None:
    twin = shared_twin("AC20-FZK-Haus.ifc")
    n = sum(1 for s in twin.spaces.values() if s.footprint is not None)
    assert n > 0
    assert _check_every_room(twin) == n


def test_locate_every_room_hospital(small_twin: Any) -> None:
    n = sum(1 for s in small_twin.spaces.values() if s.footprint is not None)
    assert n > 10
    assert _check_every_room(small_twin) == n


def test_elements_in_space_matches_relations(small_twin: Any) -> None:
    idx = build_index(small_twin)
    for s in small_twin.spaces.values():
        related = {e.guid for e in small_twin.elements.values() if e.space == s.guid}
        got = {e.guid for e in idx.elements_in_space(s.guid)}
        assert related <= got
