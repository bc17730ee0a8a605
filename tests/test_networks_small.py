"""Hand-made IFC networks (models_ifc/networks_small.py): ring, missing directions, no ports."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from models_ifc.networks_small import write_network
from twin.distribution import build_networks, impact, isolate, trace
from twin.model import Twin
from twin.service.cache import load_twin


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, twin_cache_dir: Path):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("networks")

    def get(kind: str, schema: str = "IFC4") -> Twin:
        return load_twin(
            write_network(kind, out / f"{kind}-{schema}.ifc", schema=schema),
            cache_dir=twin_cache_dir,
        )

    return get


def _named(twin: Twin, name: str) -> str:
    return next(g for g, e in twin.elements.items() if e.name == name)


def test_ring_main_terminates_and_isolates_on_the_branch(made) -> None:  # type: ignore[no-untyped-def]
    twin = made("ring")
    nets = build_networks(twin)
    assert not nx.is_directed_acyclic_graph(nets.graph.to_undirected())  # there is a ring
    rad, boiler = _named(twin, "Radiator"), _named(twin, "Boiler")
    up = trace(nets, rad, direction="upstream")
    assert boiler in up.guids and len(up.guids) == len(set(up.guids))
    assert isolate(nets, rad, twin=twin).guids == [_named(twin, "Branch valve")]
    # Pipe 2 is fed both ways round the ring: closing the ring pipe cuts nothing
    assert impact(nets, twin, [_named(twin, "Ring pipe")]).elements == ()
    cut = impact(nets, twin, [_named(twin, "Main valve")])
    assert rad in cut.terminals


def test_missing_directions_are_assumed_and_said(made) -> None:  # type: ignore[no-untyped-def]
    twin = made("undirected")
    nets = build_networks(twin)
    assert all(d["assumed"] for *_, d in nets.graph.edges(data=True))
    rad = _named(twin, "Radiator")
    up = trace(nets, rad, direction="upstream")
    assert _named(twin, "Boiler") in up.guids
    assert up.assumptions and "assumed" in up.assumptions[0]


def test_missing_ports_are_inferred_from_geometry(made) -> None:  # type: ignore[no-untyped-def]
    twin = made("portless")
    nets = build_networks(twin)
    inferred = [(u, v) for u, v, d in nets.graph.edges(data=True) if d["inferred"]]
    assert len(inferred) == 5
    rad = _named(twin, "Radiator")
    up = trace(nets, rad, direction="upstream")
    assert _named(twin, "Boiler") in up.guids
    assert any("inferred" in a for a in up.assumptions)
    assert isolate(nets, rad).guids == [_named(twin, "Branch valve")]


def test_ifc2x3_ports_by_connects_port_to_element(made) -> None:  # type: ignore[no-untyped-def]
    twin = made("ring", "IFC2X3")
    assert twin.source.schema == "IFC2X3"
    nets = build_networks(twin)
    declared = {c for *_, d in nets.graph.edges(data=True) for c in d["connections"]}
    assert declared == {c.guid for c in twin.connections} and len(declared) == 9
    rad = _named(twin, "Radiator")
    assert isolate(nets, rad).guids == [_named(twin, "Branch valve")]


def test_served_networks_leave_the_collected_generations(made) -> None:  # type: ignore[no-untyped-def]
    """``networks_of`` freezes the heap after building: the twin and its graphs are no longer
    rescanned by the garbage collector (whose full passes were trace downstream's p99)."""
    import gc

    from twin.service.campus import Campus
    from twin.service.derived import networks_of

    twin = made("ring")
    campus = Campus()
    campus.add(twin)
    nets = networks_of(campus, twin)
    frozen = gc.get_freeze_count()
    assert gc.is_tracked(nets.graph._succ) and frozen > 0
    assert not any(o is nets.graph._succ for o in gc.get_objects())  # not in any generation
    # memoised, and still out of every collected generation (the freeze count itself can drop
    # when other threads free frozen objects, e.g. a background mesh-store write finishing)
    assert networks_of(campus, twin) is nets
    assert not any(o is nets.graph._succ for o in gc.get_objects())
