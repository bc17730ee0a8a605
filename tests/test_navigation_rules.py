"""What blocks a person and what does not, on hand-made IFC plans (tests/ifc_fixtures/plans_made.py)
and on the shared real models: the walking band, virtual boundaries, door linking, entrances and
outdoor legs (docs/routing.md)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ifcopenshell
import pytest

from tests.ifc_fixtures.plans_made import (
    write_courtyard,
    write_header_join,
    write_outdoor,
    write_restroom,
    write_virtual_join,
)
from twin.analysis.dispatch import rank
from twin.errors import NoRoute
from twin.ifc.build import build_twin
from twin.live.records import Technician
from twin.model import Twin
from twin.navigation.build import build_navigation
from twin.navigation.navgraph import NavGraph, Restrictions
from twin.navigation.patrol import plan_patrol
from twin.navigation.routes import Route, route


def _nav(path: Path) -> NavGraph:
    return build_navigation(build_twin(path))


def _outdoor_legs(r: Route) -> list[str]:
    return [s.text for s in r.steps if s.kind == "outdoor"]


# -- the walking band -------------------------------------------------------------------------
def test_header_wall_over_a_corridor_join_does_not_block(tmp_path: Path) -> None:
    path, ids = write_header_join(tmp_path / "header.ifc")
    r = route(_nav(path), ids["C1"], ids["C2"])
    assert [s.guid for s in r.steps][-1] == ids["C2"]
    assert r.length_m < 20.0 and not _outdoor_legs(r)


def test_full_height_wall_on_the_same_join_blocks(tmp_path: Path) -> None:
    path, ids = write_header_join(tmp_path / "full.ifc", full=True)
    with pytest.raises(NoRoute):
        route(_nav(path), ids["C1"], ids["C2"])


# -- virtual boundaries -----------------------------------------------------------------------
@pytest.mark.parametrize("virtual_element", [True, False], ids=["IfcVirtualElement", "VIRTUAL"])
def test_virtual_boundary_is_an_opening(tmp_path: Path, virtual_element: bool) -> None:
    path, ids = write_virtual_join(tmp_path / "virtual.ifc", virtual_element=virtual_element)
    nav = _nav(path)
    r = route(nav, ids["A"], ids["B"])
    opening = [s for s in r.steps if s.guid.startswith("opening:")]
    assert len(opening) == 1
    # the opening sits in the doorway of the partition (y 1.4-2.6 at x 5.0-5.2)
    node = nav.nodes[nav.index[(opening[0].guid, opening[0].storey)]]
    assert 4.9 <= node.xyz[0] <= 5.3 and 0.0 <= node.xyz[1] <= 4.0


# -- door linking and entrances ---------------------------------------------------------------
def test_restroom_cubicles_do_not_leak_into_the_office(tmp_path: Path) -> None:
    path, ids = write_restroom(tmp_path / "restroom.ifc")
    nav = _nav(path)
    cubicle_doors = {ids[f"Cubicle door {i}"] for i in (1, 2, 3)}
    office_portals = {nav.nodes[n].guid for n, _ in nav.space_portals[ids["O"]]}
    assert office_portals == {ids["Door O"]}
    assert [n.guid for n in nav.nodes if n.entrance] == [ids["Entrance"]]
    r = route(nav, ids["O"], ids["R"])
    passed = [s.guid for s in r.steps]
    assert ids["Door O"] in passed and ids["Door R"] in passed
    assert not cubicle_doors & set(passed) and not _outdoor_legs(r)
    # the quality report names the cubicle doors (they open within the restroom)
    notes = "\n".join(nav.twin.quality.warnings)
    assert all(g in notes for g in cubicle_doors)
    assert ids["Door O"] not in notes and ids["Entrance"] not in notes


def test_room_open_only_to_the_outside_is_reached_by_an_outdoor_leg(tmp_path: Path) -> None:
    path, ids = write_outdoor(tmp_path / "outdoor.ifc")
    nav = _nav(path)
    r = route(nav, ids["K"], ids["S"])
    assert len(_outdoor_legs(r)) == 1
    assert any("no indoor path" in a for a in r.assumptions), r.assumptions
    # an indoor path exists from K to T: no outdoor leg, no outdoor assumption
    r = route(nav, ids["K"], ids["T"])
    assert not _outdoor_legs(r) and not any("outdoor" in a for a in r.assumptions)


def test_outdoor_leg_is_the_short_one_where_an_indoor_path_exists(tmp_path: Path) -> None:
    """From the store (only an outside door) to T: out of the store and in by the main
    entrance, then along the corridor, rather than 24 m along the facade to T's garden door."""
    path, ids = write_outdoor(tmp_path / "outdoor.ifc")
    nav = _nav(path)
    r = route(nav, ids["S"], ids["T"])
    passed = [s.guid for s in r.steps]
    assert ids["Entrance"] in passed and ids["Door T"] in passed
    assert ids["T garden door"] not in passed
    assert 0 < _outdoor_metres(nav, r) < 10.0
    assert any("no indoor path" in a for a in r.assumptions), r.assumptions
    # the ETA is the true walking time: the outdoor weighting only steers the search
    assert r.eta_s == pytest.approx(r.length_m / 1.3, rel=1e-6)


def test_outdoor_leg_where_the_indoor_path_is_much_longer(tmp_path: Path) -> None:
    """P and Q: 6 m apart by their garden doors, about 30 m the long way round indoors. The
    route goes outside and says how long the indoor path would take."""
    path, ids = write_courtyard(tmp_path / "courtyard.ifc")
    nav = _nav(path)
    r = route(nav, ids["P"], ids["Q"])
    passed = [s.guid for s in r.steps]
    assert ids["P garden door"] in passed and ids["Q garden door"] in passed
    assert ids["Door V1/K"] not in passed
    why = [a for a in r.assumptions if "indoor path takes" in a]
    assert len(why) == 1, r.assumptions
    indoor_s = float(why[0].split("indoor path takes ")[1].split(" s")[0])
    outdoor_s = _outdoor_metres(nav, r) / 1.3
    # chosen because the indoor walk is slower than this route with outdoors counted 3x
    assert indoor_s > r.eta_s + 2.0 * outdoor_s - 1.0
    # closing a garden door keeps the walker indoors (the long way, but no outdoor leg needed)
    inside = route(
        nav, ids["P"], ids["Q"], restrictions=Restrictions.of(locked_doors=[ids["P garden door"]])
    )
    assert not _outdoor_legs(inside) and ids["Door V1/K"] in [s.guid for s in inside.steps]
    assert inside.eta_s == pytest.approx(indoor_s, abs=1.0)


def _outdoor_metres(nav: NavGraph, r: Route) -> float:
    """Metres of the route's outdoor edges (consecutive nodes joined only outdoors)."""
    total = 0.0
    for a, b in itertools.pairwise(r.nodes):
        joins = [nav.edges[e] for n, e in nav.adj[a] if n == b]
        if joins and all(e.kind == "outdoor" for e in joins):
            total += min(e.length_m for e in joins)
    return total


def _spaces_walked(nav: NavGraph, r: Route) -> set[str]:
    out: set[str] = set()
    for a, b in itertools.pairwise(r.nodes):
        out.update(nav.edges[e].space or "" for n, e in nav.adj[a] if n == b)
    return out


# -- shared real models -----------------------------------------------------------------------
def _door_rooms(path: Path) -> set[str]:
    """Spaces a door bounds, read with ifcopenshell directly (the test's own truth)."""
    f = ifcopenshell.open(str(path))
    return {
        b.RelatingSpace.GlobalId
        for b in f.by_type("IfcRelSpaceBoundary")
        if b.RelatedBuildingElement is not None and b.RelatedBuildingElement.is_a("IfcDoor")
    }


def _assert_indoors_within(nav: NavGraph, groups: dict[str, list[str]]) -> None:
    for members in groups.values():
        for a, b in itertools.permutations(members, 2):
            r = route(nav, a, b)  # raises NoRoute if unreachable
            assert not _outdoor_legs(r), (nav.twin.spaces[a].label, nav.twin.spaces[b].label)


def test_fzk_haus_every_room_reachable_indoors(shared_twin: Any, shared_ifc: Path) -> None:
    """One dwelling: every room with a door, and the kitchen that opens to the living room
    only through a virtual boundary, is reached without leaving the house."""
    tw: Twin = shared_twin("AC20-FZK-Haus.ifc")
    nav = build_navigation(tw)
    with_door = _door_rooms(shared_ifc / "AC20-FZK-Haus.ifc")
    assert len(with_door) >= 5
    rooms = sorted(tw.spaces)  # every room: the kitchen has no door, only an open join
    _assert_indoors_within(nav, {"house": rooms})


def test_duplex_dwellings_reachable_indoors_and_mirrored(
    shared_twin: Any, shared_ifc: Path
) -> None:
    """Duplex_A holds dwellings A and B (room numbers A1xx/A2xx, B1xx/B2xx) that mirror each
    other. Every room of a dwelling that has a door reaches every other indoors; the utility
    room's door opens into bathroom 2 in both (B's boundaries say so; A's door also names the
    hallway, which its opening does not pass into)."""
    tw: Twin = shared_twin("Duplex_A_20110907.ifc")
    nav = build_navigation(tw)
    with_door = _door_rooms(shared_ifc / "Duplex_A_20110907.ifc")
    groups: dict[str, list[str]] = {}
    for g, s in tw.spaces.items():
        if g in with_door and s.number[:1] in "AB":
            groups.setdefault(s.number[:1], []).append(g)
    assert sorted(len(v) for v in groups.values()) == [8, 8]
    _assert_indoors_within(nav, groups)
    by_number = {s.number: g for g, s in tw.spaces.items()}
    for side in "AB":
        r = route(nav, by_number[f"{side}205"], by_number[f"{side}201"])
        assert by_number[f"{side}204"] in _spaces_walked(nav, r), side


def test_dispatch_and_patrol_times_are_true_walking_times(tmp_path: Path) -> None:
    """The search counts outdoor legs 3x to prefer indoor paths, but a technician in the store
    (only an outside door) reaches T in the true walking time of the route's legs: that is the
    dispatch ETA, and a patrol from the store to T and back takes twice it."""
    path, ids = write_outdoor(tmp_path / "outdoor.ifc")
    nav = _nav(path)
    r = route(nav, ids["S"], ids["T"])
    assert _outdoor_metres(nav, r) > 0
    # true time of the legs, summed here from the edges' metres (walking: 1.3 m/s, no stairs)
    true_s = r.length_m / 1.3
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    tech = Technician("t1", "T1", ("electrical",), "on_shift", space=ids["S"])
    (cand,) = rank(
        nav, ids["T"], [tech], skill=None, priority_deadline=now + timedelta(hours=1), now=now
    )
    assert cand.eta_s == pytest.approx(true_s, rel=1e-6)
    tour = plan_patrol(nav, [ids["T"]], start=ids["S"], legs=False)
    assert tour.total_s == pytest.approx(2 * true_s, rel=1e-6)
