"""Isolation isolates every side of an element: supply and return (twin/distribution/isolate.py).

Truths come from the IFC files read with ifcopenshell directly (an undirected graph of
IfcRelConnectsPorts between the ports' owners) and networkx, never from the project's network
code: an isolation is right when removing its valves disconnects the element from every boiler
in that graph; "cannot" is right when removing *every* closable valve still leaves it connected.
"""

from __future__ import annotations

from pathlib import Path

import ifcopenshell
import networkx as nx
import pytest

from tests.ifc_fixtures.networks_made import write_loop
from tests.ifc_fixtures.port_truth import port_graph
from twin.distribution import build_networks, impact, isolate
from twin.model import Twin
from twin.service.cache import load_twin

B03 = "bim2sim_b03_heating_with_building_blenderBIM.ifc"


def _by_name(f: ifcopenshell.file, name: str) -> str:
    return next(e.GlobalId for e in f.by_type("IfcProduct") if e.Name == name)


def _connected_without(g: nx.Graph, removed: list[str], a: str, b: str) -> bool:
    h = g.copy()
    h.remove_nodes_from(removed)
    return a in h and b in h and nx.has_path(h, a, b)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, twin_cache_dir: Path):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("loops")

    def get(return_valve: str | None) -> tuple[Twin, nx.Graph, ifcopenshell.file]:
        path = write_loop(tmp / f"loop-{return_valve}.ifc", return_valve=return_valve)
        g, f = port_graph(path)
        return load_twin(path, cache_dir=twin_cache_dir), g, f

    return get


def test_closed_loop_names_supply_and_return_valve(made) -> None:  # type: ignore[no-untyped-def]
    twin, g, f = made("ISOLATING")
    radiator, boiler = _by_name(f, "Radiator"), _by_name(f, "Boiler")
    truth = {_by_name(f, "Supply valve"), _by_name(f, "Return valve")}
    assert _connected_without(g, [_by_name(f, "Supply valve")], boiler, radiator)
    assert not _connected_without(g, sorted(truth), boiler, radiator)
    iso = isolate(build_networks(twin), radiator, twin=twin)
    assert iso.possible and set(iso.guids) == truth
    assert not iso.open_paths and not iso.suggestions


def test_loop_without_return_valve_cannot_be_isolated(made) -> None:  # type: ignore[no-untyped-def]
    twin, g, f = made(None)
    radiator, boiler = _by_name(f, "Radiator"), _by_name(f, "Boiler")
    valves = [e.GlobalId for e in f.by_type("IfcValve")]
    assert _connected_without(g, valves, boiler, radiator)  # the truth: no valve set does it
    iso = isolate(build_networks(twin), radiator, twin=twin)
    assert not iso.possible and not iso.guids
    assert "Heating return" in iso.reason and "no valve" in iso.reason
    returns = {_by_name(f, n) for n in ("RP1", "Return valve", "RP2")}  # a pipe here
    assert len(iso.open_paths) == 1 and set(iso.open_paths[0][1:-1]) == returns
    assert iso.open_paths[0][0] == radiator and iso.open_paths[0][-1] == boiler
    assert [p.guid for p in iso.closure_points] == [_by_name(f, "RP1")]
    assert [p.guid for p in iso.partial] == [_by_name(f, "Supply valve")]  # closes the rest
    kinds = {s.kind: s for s in iso.suggestions}
    assert set(kinds) == {"shut_down_source", "drain_down"}
    assert kinds["shut_down_source"].guids == (boiler,)


def test_check_valve_on_the_return_is_honoured(made) -> None:  # type: ignore[no-untyped-def]
    """A check valve passes radiator -> boiler only: closing the supply valve is enough."""
    twin, _g, f = made("CHECK")
    radiator = _by_name(f, "Radiator")
    iso = isolate(build_networks(twin), radiator, twin=twin)
    assert iso.possible and iso.guids == [_by_name(f, "Supply valve")]


@pytest.mark.parametrize(
    ("return_valve", "closed", "loses"),
    [
        ("ISOLATING", ["Supply valve"], False),  # still fed through the open return valve
        (None, ["Supply valve"], False),
        ("ISOLATING", ["Supply valve", "Return valve"], True),
        ("CHECK", ["Supply valve"], True),  # the check valve stops the back flow
    ],
)
def test_impact_is_on_the_undirected_cut(made, return_valve, closed, loses) -> None:  # type: ignore[no-untyped-def]
    twin, g, f = made(return_valve)
    nets = build_networks(twin)
    boiler, shut = _by_name(f, "Boiler"), [_by_name(f, n) for n in closed]
    h = g.copy()
    h.remove_nodes_from(shut)
    truth = set(h) - nx.node_connected_component(h, boiler)
    if return_valve == "CHECK":  # nothing flows back through the check valve: it is lost too
        truth = {_by_name(f, n) for n in ("SP2", "Radiator", "RP1", "Return valve")}
    lost = set(impact(nets, twin, shut).elements)
    assert lost == truth and bool(lost) is loses
    assert (_by_name(f, "Radiator") in impact(nets, twin, shut).terminals) is loses


@pytest.mark.slow
def test_b03_every_heater_is_cut_off_or_honestly_not(shared_twin, shared_ifc: Path) -> None:  # type: ignore[no-untyped-def]
    twin = shared_twin(B03)
    g, f = port_graph(shared_ifc / B03)
    boilers = [e.GlobalId for e in f.by_type("IfcBoiler")]
    heaters = [e.GlobalId for e in f.by_type("IfcSpaceHeater")]
    valves = [e.GlobalId for e in f.by_type("IfcValve")]
    assert boilers and len(heaters) == 7 and len(valves) == 11
    nets = build_networks(twin)
    for h in heaters:
        iso = isolate(nets, h, twin=twin)
        if iso.possible:
            assert iso.guids and set(iso.guids) <= set(valves)
            assert not any(_connected_without(g, iso.guids, b, h) for b in boilers), h
        else:  # cannot: every valve closed still leaves a path, and the answer shows it
            assert any(_connected_without(g, valves, b, h) for b in boilers), h
            assert iso.open_paths and iso.reason and iso.suggestions
            for path in iso.open_paths:
                assert path[0] == h and path[-1] in boilers
                assert nx.is_path(g, list(path)) and not set(path) & set(valves)
            # closed at the nearest points of its open paths, plus `partial`, it is cut off
            plan = [p.guid for p in (*iso.closure_points, *iso.partial)]
            assert set(p.guid for p in iso.partial) <= set(valves)
            assert not any(_connected_without(g, plan, b, h) for b in boilers), h
