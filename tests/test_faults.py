"""Fault localization: where a target is, what feeds it, what isolates it, who is affected."""

from __future__ import annotations

import pytest

from twin.analysis.faults import localize
from twin.distribution import build_networks


@pytest.mark.slow
def test_localize_icu_oxygen_outlet(small_twin, small_hospital_truth) -> None:  # type: ignore[no-untyped-def]
    nets = build_networks(small_twin)
    entry, outlet = next(
        (i, t)
        for i in small_hospital_truth["isolation"]
        if "oxygen" in i["system_name"].lower()
        for t in i["downstream_terminals"]
        if small_twin.spaces[small_twin.elements[t].space].criticality == "icu"
    )
    loc = localize(small_twin, nets, outlet)
    element = small_twin.elements[outlet]
    assert loc.storey == entry["storey"] == element.storey
    assert loc.space == element.space and loc.building in small_twin.buildings
    assert loc.bbox == element.bbox and loc.xyz is not None
    assert [p.guid for p in loc.isolation] == [entry["valve"]]
    assert loc.affected_spaces and loc.affected_spaces[0].guid == element.space
    assert loc.affected_spaces[0].criticality == "icu"
    source = small_hospital_truth["systems"][entry["system"]]["source"]
    assert entry["valve"] in [s.guid for s in loc.suspects] or source in [
        s.guid for s in loc.suspects
    ]
    if small_twin.georef.mode != "none":
        assert loc.wgs84 is not None


@pytest.mark.slow
def test_localize_a_space_and_a_model_without_ports(small_twin, shared_twin) -> None:  # type: ignore[no-untyped-def]
    nets = build_networks(small_twin)
    icu = next(s for s in small_twin.spaces.values() if s.criticality == "icu")
    loc = localize(small_twin, nets, icu.guid)
    assert loc.space == icu.guid and loc.kind == "space" and loc.element is not None
    assert loc.isolation
    fzk = shared_twin("AC20-FZK-Haus.ifc")
    door = next(e.guid for e in fzk.elements.values() if e.kind == "door")
    unknown = localize(fzk, build_networks(fzk), door)
    assert unknown.element is None and not unknown.suspects
    assert any("network is unknown" in a for a in unknown.assumptions)
