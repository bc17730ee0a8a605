"""Renovation scenarios on the generated hospital (known answers) and the shared Duplex_A."""

from __future__ import annotations

from typing import Any

import pytest

from twin.analysis.clash import find_clashes
from twin.analysis.renovation import closed_spaces_of, compare, impact_report
from twin.distribution import build_networks
from twin.errors import InvalidInput
from twin.model import Twin
from twin.navigation.build import build_navigation
from twin.scenario import box_element, scenario_from_dict


@pytest.fixture(scope="module")
def hospital(small_twin: Twin) -> dict[str, Any]:
    return {
        "twin": small_twin,
        "nav": build_navigation(small_twin),
        "nets": build_networks(small_twin),
    }


def _report(h: dict[str, Any], doc: dict[str, Any]):  # type: ignore[no-untyped-def]
    return impact_report(h["twin"], scenario_from_dict(doc), nav=h["nav"], nets=h["nets"])


def test_closing_the_icu_corridor_cuts_off_exactly_the_icu_rooms(
    hospital: dict[str, Any], small_hospital_truth: dict[str, Any]
) -> None:
    icu = small_hospital_truth["icu"]
    report = _report(hospital, {"name": "icu corridor", "closed_spaces": [icu["corridor"]]})
    for profile in ("walking", "emergency"):
        cut = {r["guid"] for r in report.unreachable[profile]}
        assert cut == set(icu["rooms"]), profile
    # the ICU rooms are critical, so they lead every list
    assert report.unreachable["walking"][0]["criticality"] == "icu"


def test_closing_the_icu_corridor_loses_the_services_fed_through_it(
    hospital: dict[str, Any], small_hospital_truth: dict[str, Any]
) -> None:
    twin: Twin = hospital["twin"]
    icu = small_hospital_truth["icu"]
    report = _report(hospital, {"name": "icu corridor", "closed_spaces": [icu["corridor"]]})
    lost = {s["guid"] for s in report.services_lost["spaces"]}
    rooms_with_terminals = {
        e.space for e in twin.elements.values() if e.kind == "terminal" and e.space in icu["rooms"]
    }
    assert rooms_with_terminals, "the generator puts terminals in ICU rooms"
    assert rooms_with_terminals <= lost
    assert lost <= set(icu["rooms"]) | {icu["corridor"]}
    # every element reported in the zone really lies in the closed corridor or runs through it
    corridor = twin.spaces[icu["corridor"]].footprint
    for g in report.inside_zone["elements"]:
        e = twin.elements[g]
        assert e.space == icu["corridor"] or (
            e.footprint is not None and e.footprint.intersects(corridor)
        )


def test_an_ordinary_room_closure_changes_nothing_elsewhere(
    hospital: dict[str, Any], small_hospital_truth: dict[str, Any]
) -> None:
    room = next(
        g for g, s in small_hospital_truth["spaces"].items()
        if s["criticality"] == "normal" and "ward" in s["long_name"].lower()
    )  # fmt: skip
    report = _report(hospital, {"name": "one ward", "closed_spaces": [room]})
    assert report.unreachable["walking"] == []
    assert [r["guid"] for r in report.closed_spaces] == [room]


def test_a_zone_polygon_closes_the_rooms_it_covers(hospital: dict[str, Any]) -> None:
    twin: Twin = hospital["twin"]
    space = next(
        s for s in twin.spaces.values() if s.footprint is not None and s.footprint.area > 8
    )
    poly = space.footprint.buffer(-0.2)  # inside the room only
    doc = {
        "name": "zone",
        "zones": [{"storey": space.storey, "polygon": list(poly.exterior.coords)}],
    }
    assert closed_spaces_of(twin, scenario_from_dict(doc)) == [space.guid]


def test_a_proposed_duct_through_an_existing_pipe_is_a_hard_clash(hospital: dict[str, Any]) -> None:
    twin: Twin = hospital["twin"]
    pipe = next(e for e in twin.elements.values() if e.ifc_class == "IfcPipeSegment" and e.bbox)
    x, y, z = pipe.centroid  # type: ignore[misc]
    duct = box_element(
        "duct-1", "segment", (x - 0.15, y - 0.15, z - 0.15, x + 0.15, y + 0.15, z + 0.15)
    )
    hard = [c for c in find_clashes(twin, [duct]) if c.type == "hard"]
    assert pipe.guid in {c.existing for c in hard}
    assert all(c.volume > 0 for c in hard)


def test_a_box_just_beside_a_pipe_violates_clearance_only(hospital: dict[str, Any]) -> None:
    twin: Twin = hospital["twin"]
    pipe = next(e for e in twin.elements.values() if e.ifc_class == "IfcPipeSegment" and e.bbox)
    b = pipe.bbox
    assert b is not None
    box = (b[3] + 0.02, b[1], b[2], b[3] + 0.3, b[4], b[5])  # 2 cm east of the pipe's box
    clashes = {
        c.existing: c
        for c in find_clashes(twin, [box_element("p", "segment", box)], clearance=0.05)
    }
    assert clashes[pipe.guid].type == "clearance"
    assert 0.0 < clashes[pipe.guid].distance < 0.05
    none = find_clashes(twin, [box_element("p", "segment", box)], clearance=0.0)
    assert pipe.guid not in {c.existing for c in none}


def test_compare_lists_one_row_per_scenario(
    hospital: dict[str, Any], small_hospital_truth: dict[str, Any]
) -> None:
    icu = small_hospital_truth["icu"]
    a = _report(hospital, {"name": "a", "closed_spaces": [icu["corridor"]]})
    b = _report(hospital, {"name": "b", "closed_doors": [icu["door_to_main"]]})
    rows = compare([a, b])
    assert [r["scenario"] for r in rows] == ["a", "b"]
    assert rows[0]["unreachable"]["walking"] == len(icu["rooms"])
    # locking the door also cuts the ICU corridor itself off
    assert rows[1]["unreachable"]["walking"] == len(icu["rooms"]) + 1
    with pytest.raises(InvalidInput):
        compare([a])


@pytest.mark.parametrize(
    "doc",
    [
        {},
        {"name": "x", "zones": [{"storey": "s", "polygon": [[0, 0], [1, 0]]}]},
        {"name": "x", "proposed": [{"id": "p", "kind": "segment"}]},
        {"name": "x", "proposed": [{"box": [0, 0, 0, 0, 1, 1]}]},
        # a mapping that is not GeoJSON (shapely's shape() raised AttributeError: a 500)
        {"name": "x", "zones": [{"storey": "s", "polygon": {}}]},
        {"name": "x", "zones": [{"storey": "s", "polygon": {"type": 3}}]},
        {"name": "x", "proposed": [{"polygon": {"coordinates": []}, "z": 0, "height": 1}]},
        {
            "name": "x",
            "zones": [{"storey": "s", "polygon": {"type": "Point", "coordinates": [0, 0]}}],
        },
    ],
)
def test_bad_scenario_documents_are_refused_clearly(doc: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        scenario_from_dict(doc)


def test_duplex_closing_the_stairs_cuts_the_upper_storeys_off(shared_twin: Any) -> None:
    twin: Twin = shared_twin("Duplex_A_20110907.ifc")
    nav = build_navigation(twin)
    stairs = [e.guid for e in twin.elements.values() if e.kind == "stair"]
    assert stairs
    report = impact_report(
        twin,
        scenario_from_dict({"name": "stairs", "out_of_service": stairs}),
        nav=nav,
        nets=build_networks(twin),
    )
    assert report.services_lost["known"] is True  # nothing shut off: no network question asked
    ground = min(twin.storeys.values(), key=lambda s: s.elevation)
    cut = report.unreachable["walking"]
    assert cut, "upper rooms must be cut off"
    reachable_before = {
        g
        for g, s in twin.spaces.items()
        if s.storey != ground.guid and nav.node_of(g, s.storey) is not None
    }
    assert {r["guid"] for r in cut} <= reachable_before
    assert all(r["storey"] != ground.guid for r in cut)
