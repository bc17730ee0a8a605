"""Connectivity inferred from geometry: segment ends, not touching boxes (geometry_joins).

Hand-made IFC4 pipes (tests/ifc_fixtures/networks_made.py) pin the rule: a pipe running parallel
to another, and past a tee, is joined to nothing. The real b03 plant checks the geometry against
what its CAD export declares: segment axes end where their ports sit, and with its ports ignored
the inference recovers every declared connection.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.ifc_fixtures.networks_made import PARALLEL_JOINS, write_parallel
from twin.distribution import build_networks, isolate, trace
from twin.distribution.build import GEOMETRY_TOLERANCE_M
from twin.distribution.joins import infer_joins, segment_axis
from twin.model import Twin
from twin.service.cache import load_twin

B03 = "bim2sim_b03_heating_with_building_blenderBIM.ifc"


@pytest.fixture(scope="module")
def parallel(tmp_path_factory: pytest.TempPathFactory, twin_cache_dir: Path) -> Twin:
    path = write_parallel(tmp_path_factory.mktemp("made") / "parallel.ifc")
    return load_twin(path, cache_dir=twin_cache_dir)


def _names(twin: Twin, nets) -> set[tuple[frozenset[str], float]]:  # type: ignore[no-untyped-def]
    return {
        (frozenset((twin.elements[u].name, twin.elements[v].name)), round(d["gap"], 3))
        for u, v, d in nets.graph.edges(data=True)
    }


def _named(twin: Twin, name: str) -> str:
    return next(g for g, e in twin.elements.items() if e.name == name)


def test_pipe_axes_are_the_extrusions(parallel: Twin) -> None:
    p1 = segment_axis(parallel.meshes[_named(parallel, "P1")])
    assert p1 is not None and p1.from_extrusion
    ends = sorted([tuple(np.round(p1.start, 3)), tuple(np.round(p1.end, 3))])
    assert ends == [(0.0, 0.0, 1.0), (2.0, 0.0, 1.0)]
    assert p1.width == pytest.approx(0.03, abs=1e-3)


def test_only_end_joints_are_inferred_not_parallel_pipes(parallel: Twin) -> None:
    nets = build_networks(parallel, tolerance=0.05)
    expected = {(frozenset((a, b)), gap) for a, b, gap in PARALLEL_JOINS}
    assert _names(parallel, nets) == expected
    assert _named(parallel, "Q") not in nets.graph  # parallel, 2.5 cm over the tee: no joint
    assert all(d["inferred"] and d["assumed"] for *_, d in nets.graph.edges(data=True))
    assert any("inferred from geometry" in a for a in nets.assumptions)


def test_tolerance_decides_the_near_misses(parallel: Twin) -> None:
    strict = _names(parallel, build_networks(parallel))  # default tolerance (1 cm)
    assert GEOMETRY_TOLERANCE_M < 0.03
    assert not any("Radiator" in pair for pair, _ in strict)  # its pipe stops 3 cm short
    loose = _names(parallel, build_networks(parallel, tolerance=0.1))
    assert (frozenset(("P4", "Terminal")), 0.08) in loose
    assert not any("Q" in pair for pair, _ in loose)


def test_inferred_network_traces_and_isolates(parallel: Twin) -> None:
    nets = build_networks(parallel, tolerance=0.05)
    rad = _named(parallel, "Radiator")
    up = trace(nets, rad, direction="upstream")
    assert _named(parallel, "Boiler") in up.guids
    assert any("inferred" in a for a in up.assumptions)
    p4 = _named(parallel, "P4")
    assert isolate(nets, p4, twin=parallel).guids == [_named(parallel, "Valve")]
    assert isolate(nets, rad).possible is False  # no valve on the run to the radiator


@pytest.mark.slow
def test_b03_axes_end_at_the_declared_ports(shared_twin) -> None:  # type: ignore[no-untyped-def]
    twin = shared_twin(B03)
    placed: dict[str, list[np.ndarray]] = {}
    for p in twin.ports.values():
        if p.element and p.position is not None:
            placed.setdefault(p.element, []).append(np.array(p.position))
    compared = 0
    for e in twin.elements.values():
        ax = segment_axis(twin.meshes[e.guid]) if e.kind == "segment" else None
        if ax is None or len(placed.get(e.guid, ())) != 2:
            continue
        a, b = placed[e.guid]
        err = min(
            max(np.linalg.norm(a - ax.start), np.linalg.norm(b - ax.end)),
            max(np.linalg.norm(b - ax.start), np.linalg.norm(a - ax.end)),
        )
        assert err < 1e-3, e.name
        compared += 1
    assert compared >= len([e for e in twin.elements.values() if e.kind == "segment"]) // 2


@pytest.mark.slow
def test_b03_geometry_recovers_the_declared_connections(shared_twin) -> None:  # type: ignore[no-untyped-def]
    twin = shared_twin(B03)
    declared = set()
    for c in twin.connections:
        a, b = twin.ports[c.relating_port].element, twin.ports[c.related_port].element
        if a and b and a != b:
            declared.add(frozenset((a, b)))
    joins = infer_joins(twin, tol=GEOMETRY_TOLERANCE_M, portless=frozenset(twin.elements))
    assert declared <= set(joins)  # every declared connection found from geometry alone
    assert len(set(joins) - declared) <= 0.02 * len(declared)  # few near misses joined
    assert max(joins[k].gap for k in declared) < GEOMETRY_TOLERANCE_M


def test_pcert_duct_joins_only_what_touches_its_ends(shared_twin) -> None:  # type: ignore[no-untyped-def]
    """PCERT-Hvac has no ports: its flue duct sits on the fireplace cap; the chimney cover
    stands on legs 14 cm above the duct's top end, so it joins only with a wider tolerance."""
    twin = shared_twin("PCERT_Building-Hvac.ifc")
    names = {frozenset(p) for p, _gap in _names(twin, build_networks(twin))}
    assert names == {frozenset(("building element", "house fireplace cap"))}
    wide = {frozenset(p) for p, _gap in _names(twin, build_networks(twin, tolerance=0.15))}
    assert frozenset(("building element", "chimney cover")) in wide


@pytest.mark.slow
def test_terminals_side_by_side_are_not_a_network(shared_twin) -> None:  # type: ignore[no-untyped-def]
    """Duplex_Electrical has 99 distribution elements, no ports and no segments: appliances
    standing side by side (a microwave over a range) must not be joined into a network."""
    twin = shared_twin("Duplex_Electrical_20121207.ifc")
    assert not build_networks(twin).known
