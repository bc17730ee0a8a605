"""Distribution analyses on the generated hospital, checked against the generator's truth."""

from __future__ import annotations

from typing import Any

import pytest

from twin.distribution import build_networks, impact, isolate, trace

pytestmark = pytest.mark.slow  # generating and parsing the hospital dominates


@pytest.fixture(scope="module")
def nets(small_twin):  # type: ignore[no-untyped-def]
    return build_networks(small_twin)


def _isolation(truth: dict[str, Any], name_part: str) -> list[dict[str, Any]]:
    return [i for i in truth["isolation"] if name_part in i["system_name"].lower()]


def test_every_declared_connection_is_an_edge(small_twin, nets) -> None:  # type: ignore[no-untyped-def]
    declared = {c for *_, d in nets.graph.edges(data=True) for c in d["connections"]}
    assert declared == {c.guid for c in small_twin.connections}
    assert not any(d["inferred"] for *_, d in nets.graph.edges(data=True))


def test_sources_are_the_truth_sources(small_hospital_truth, nets) -> None:  # type: ignore[no-untyped-def]
    for sys_guid, info in small_hospital_truth["systems"].items():
        assert info["source"] in nets.sources, info["name"]
        assert info["source"] in nets.by_system[sys_guid]


def test_closing_each_storey_valve_cuts_exactly_the_truth(
    small_twin, small_hospital_truth, nets
) -> None:  # type: ignore[no-untyped-def]
    entries = small_hospital_truth["isolation"]
    assert _isolation(small_hospital_truth, "oxygen")
    for entry in entries:
        imp = impact(nets, small_twin, [entry["valve"]])
        label = f"{entry['system_name']} valve on {entry['storey']}"
        assert set(imp.terminals) == set(entry["downstream_terminals"]), label
        assert {s.guid for s in imp.spaces} == set(entry["downstream_spaces"]), label
        assert set(entry["downstream_elements"]) <= set(imp.elements), label
        ranks = [s.criticality for s in imp.spaces]
        from twin.kinds import CRITICALITY_RANK

        assert ranks == sorted(ranks, key=lambda c: CRITICALITY_RANK[c])


def test_isolating_an_icu_oxygen_outlet_names_its_storey_valve(
    small_twin, small_hospital_truth, nets
) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for entry in _isolation(small_hospital_truth, "oxygen"):
        for t in entry["downstream_terminals"]:
            space = small_twin.elements[t].space
            if space is None or small_twin.spaces[space].criticality != "icu":
                continue
            iso = isolate(nets, t, twin=small_twin)
            assert iso.possible and iso.guids == [entry["valve"]]
            assert iso.points[0].storey == entry["storey"]
            assert iso.points[0].xyz is not None
            checked += 1
    assert checked, "the small hospital has no ICU oxygen outlet"


def test_terminals_trace_to_their_system_source(small_twin, small_hospital_truth, nets) -> None:  # type: ignore[no-untyped-def]
    for entry in small_hospital_truth["isolation"]:
        source = small_hospital_truth["systems"][entry["system"]]["source"]
        for t in entry["downstream_terminals"][:2]:
            up = trace(nets, t, direction="upstream", system=entry["system"])
            assert source in up.guids and entry["valve"] in up.guids
