"""Directions inferred from sources of the right flow (twin/distribution/sources.py).

The hand-made plant (tests/ifc_fixtures/networks_made.py ``write_mixed``) joins a heating
circuit, a ventilation system, a power circuit and a medical oxygen system where real plant
joins them, with every port NOTDEFINED. A board, an air handler or a manifold must not orient
the heating water; the air handler's coil is a heating consumer; the board powers the pump.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ifc_fixtures.networks_made import MIXED_EDGES, write_mixed
from twin.distribution import Networks, build_networks, isolate, trace
from twin.distribution.sources import edge_flows, source_flows
from twin.model import Twin
from twin.service.cache import load_twin


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory, twin_cache_dir: Path) -> Twin:
    path = write_mixed(tmp_path_factory.mktemp("made") / "mixed.ifc")
    return load_twin(path, cache_dir=twin_cache_dir)


@pytest.fixture(scope="module")
def nets(mixed: Twin) -> Networks:
    return build_networks(mixed)


def _g(twin: Twin, name: str) -> str:
    return next(g for g, e in twin.elements.items() if e.name == name)


def _system(twin: Twin, name: str) -> str:
    return next(g for g, s in twin.systems.items() if s.name == name)


def test_every_edge_flows_away_from_its_own_source(mixed: Twin, nets: Networks) -> None:
    assert {s.name: s.flow for s in mixed.systems.values()} == {
        "Heating": "heating", "Ventilation": "air", "Power": "electricity", "Oxygen": "gas",
    }  # fmt: skip
    edges = {(mixed.elements[u].name, mixed.elements[v].name) for u, v in nets.graph.edges}
    assert edges == {(a, b) for a, b, _system in MIXED_EDGES}  # one way each, in flow order
    assert all(d["assumed"] for *_, d in nets.graph.edges(data=True))


def test_sources_feed_only_their_flow(mixed: Twin, nets: Networks) -> None:
    names = {mixed.elements[s].name for s in nets.sources}
    assert names == {"Boiler", "AHU", "Main board", "Oxygen manifold"}
    flows = {n: source_flows(mixed, mixed.elements[_g(mixed, n)]) for n in names}
    assert flows == {
        "Boiler": {"heating"}, "AHU": {"air"}, "Main board": {"electricity"},
        "Oxygen manifold": {"gas"},
    }  # fmt: skip
    assert edge_flows(mixed, _g(mixed, "Coil valve"), _g(mixed, "AHU")) == {"heating"}
    assert edge_flows(mixed, _g(mixed, "C1"), _g(mixed, "Pump")) == {"electricity"}


def test_air_handler_coil_is_fed_by_the_boiler(mixed: Twin, nets: Networks) -> None:
    heating = _system(mixed, "Heating")
    ahu = _g(mixed, "AHU")
    up = trace(nets, ahu, direction="upstream", system=heating)
    assert _g(mixed, "Boiler") in up.guids and _g(mixed, "Pump") in up.guids
    assert isolate(nets, ahu, system=heating, twin=mixed).guids == [_g(mixed, "Coil valve")]
    air = trace(nets, _g(mixed, "Air terminal"), direction="upstream", system="air")
    assert [mixed.elements[g].name for g in air.guids] == [
        "Air terminal",
        "D2",
        "Damper",
        "D1",
        "AHU",
    ]


def test_board_powers_but_does_not_push_water(mixed: Twin, nets: Networks) -> None:
    pump = _g(mixed, "Pump")
    power = trace(nets, pump, direction="upstream", system=_system(mixed, "Power"))
    assert [mixed.elements[g].name for g in power.guids] == ["Pump", "C1", "Main board"]
    water = trace(nets, pump, direction="downstream", system=_system(mixed, "Heating"))
    assert _g(mixed, "Radiator") in water.guids and _g(mixed, "HP1") not in water.guids
    outlet = trace(nets, _g(mixed, "Oxygen outlet"), direction="upstream", system="gas")
    assert outlet.guids[-1] == _g(mixed, "Oxygen manifold")
    assert isolate(nets, _g(mixed, "Oxygen outlet"), system="gas").guids == [_g(mixed, "Gas valve")]
