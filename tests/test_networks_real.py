"""Distribution networks on the real shared models: declared connections, traces, isolation."""

from __future__ import annotations

import pytest

from twin.distribution import build_networks, isolate, trace
from twin.errors import NetworkUnknown

B03 = "bim2sim_b03_heating_with_building_blenderBIM.ifc"
HEATERS = ("IfcSpaceHeater", "IfcRadiator")


def _declared(nets) -> set[str]:  # type: ignore[no-untyped-def]
    return {c for *_, d in nets.graph.edges(data=True) for c in d["connections"]}


@pytest.mark.slow
def test_b03_graph_is_exactly_the_declared_connections(shared_twin, manifest) -> None:  # type: ignore[no-untyped-def]
    twin = shared_twin(B03)
    nets = build_networks(twin)
    assert _declared(nets) == {c.guid for c in twin.connections}
    assert len(_declared(nets)) == manifest[B03]["port_connections"]
    assert len(nets.by_system) == len([s for s in twin.systems.values() if s.members])
    assert not [e for *_, e in nets.graph.edges(data=True) if e["inferred"]]


@pytest.mark.slow
def test_b03_heaters_trace_to_boiler(shared_twin) -> None:  # type: ignore[no-untyped-def]
    twin = shared_twin(B03)
    nets = build_networks(twin)
    boilers = [e.guid for e in twin.elements.values() if e.ifc_class == "IfcBoiler"]
    heaters = [
        e.guid
        for e in twin.elements.values()
        if e.ifc_class in HEATERS or e.predefined_type in ("RADIATOR", "CONVECTOR")
    ]
    heaters = [h for h in heaters if h in nets.graph]
    assert boilers and heaters
    for h in heaters:
        up = trace(nets, h, direction="upstream")
        assert set(boilers) & set(up.guids), h
        assert len(up.guids) == len(set(up.guids))  # each element once: no loop
    # isolation (supply and return): tests/test_networks_isolation.py


@pytest.mark.slow
def test_b03_downstream_of_boiler_terminates(shared_twin) -> None:  # type: ignore[no-untyped-def]
    twin = shared_twin(B03)
    nets = build_networks(twin)
    boiler = next(e.guid for e in twin.elements.values() if e.ifc_class == "IfcBoiler")
    down = trace(nets, boiler, direction="downstream")
    assert len(down.guids) == len(set(down.guids))
    heaters = {e.guid for e in twin.elements.values() if e.ifc_class in HEATERS}
    assert heaters & set(nets.graph) <= set(down.guids)


@pytest.mark.parametrize(
    "name", ["bim2sim_B01_2_HeatExchanger_Pipes.ifc", "1269--Project_IfcDuctFitting.ifc"]
)
def test_connection_counts_match_manifest(shared_twin, manifest, name: str) -> None:  # type: ignore[no-untyped-def]
    twin = shared_twin(name)
    nets = build_networks(twin)
    assert len(_declared(nets)) == manifest[name]["port_connections"]
    assert nets.known
    # no declared directions: every edge is assumed and the answer says so
    assert any("assumed" in a for a in nets.assumptions)


def test_pcert_hvac_connection_count(shared_twin, manifest) -> None:  # type: ignore[no-untyped-def]
    name = "PCERT_Building-Hvac.ifc"
    twin = shared_twin(name)
    nets = build_networks(twin)
    assert len(_declared(nets)) == manifest[name]["port_connections"]


@pytest.mark.slow  # parsing the two architectural models: 8-17 s on a loaded machine
@pytest.mark.parametrize("name", ["Duplex_A_20110907.ifc", "AC20-FZK-Haus.ifc"])
def test_models_without_ports_are_unknown(shared_twin, name: str) -> None:  # type: ignore[no-untyped-def]
    twin = shared_twin(name)
    nets = build_networks(twin)
    assert not nets.known
    any_element = next(iter(twin.elements))
    with pytest.raises(NetworkUnknown, match="network is unknown"):
        trace(nets, any_element, direction="upstream")
    with pytest.raises(NetworkUnknown):
        isolate(nets, any_element)
