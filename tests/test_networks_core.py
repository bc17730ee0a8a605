"""Contract tests of the distribution analyses on twins built in code from the domain types.

These exercise the graph algorithms (direction inference, loops, isolation cuts, ring mains)
without the ingest; the IFC-based tests in the other test_networks_* modules check real files.
"""

from __future__ import annotations

import itertools

import networkx as nx
import pytest

from twin.distribution import build_networks, common_cause, impact, isolate, trace
from twin.errors import NetworkUnknown
from twin.model import (
    Element,
    Georef,
    Port,
    PortConnection,
    QualityReport,
    SourceInfo,
    Space,
    System,
    Twin,
)

KINDS = {
    "IfcBoiler": "equipment",
    "IfcPipeSegment": "segment",
    "IfcValve": "valve",
    "IfcPipeFitting": "fitting",
    "IfcSpaceHeater": "terminal",
    "IfcPump": "pump",
}


def _el(guid: str, cls: str, space: str | None = None, x: float = 0.0) -> Element:
    return Element(
        guid, cls, KINDS[cls], guid, "", "", "", "S0", space, False, False, ("SYS",),
        (x, 0.0, 0.0, x + 1.0, 1.0, 1.0), None, "solid",
    )  # fmt: skip


def make_twin(
    edges: list[tuple[str, str, str, str]],
    classes: dict[str, str],
    spaces: dict[str, str] | None = None,
) -> Twin:
    """Edges (a, b, dir_a, dir_b): a port on a with dir_a connected to a port on b with dir_b."""
    spaces = spaces or {}
    elements = {g: _el(g, c, spaces.get(g)) for g, c in classes.items()}
    ports: dict[str, Port] = {}
    conns = []
    for i, (a, b, da, db) in enumerate(edges):
        pa, pb = f"p{i}a", f"p{i}b"
        ports[pa] = Port(pa, a, da, "", None)  # type: ignore[arg-type]
        ports[pb] = Port(pb, b, db, "", None)  # type: ignore[arg-type]
        conns.append(PortConnection(f"c{i}", pa, pb))
    rooms = {
        s: Space(
            s,
            s,
            s,
            s,
            "",
            "icu" if s == "ICU" else "normal",
            "S0",
            None,
            None,
            None,
            None,
            None,
            None,
            "none",
        )
        for s in set(spaces.values())
    }
    system = System(
        "SYS", "heating", "IfcDistributionSystem", "HEATING", "", "heating", tuple(elements)
    )
    return Twin(
        SourceInfo("mem", "0", "IFC4", 1.0, 0),
        Georef("none"),
        {}, {}, {}, rooms, elements, ports, tuple(conns),
        {"SYS": system},
        (), {},
        QualityReport({}, (), (), (), (), (), {}, "none"),
    )  # fmt: skip


_S, _K, _N = "SOURCE", "SINK", "NOTDEFINED"
RING_CLASSES = {
    "B": "IfcBoiler", "P1": "IfcPipeSegment", "VM": "IfcValve", "T": "IfcPipeFitting",
    "P2": "IfcPipeSegment", "V1": "IfcValve", "H1": "IfcSpaceHeater",
    "P3": "IfcPipeSegment", "V2": "IfcValve", "H2": "IfcSpaceHeater",
    "R": "IfcPipeSegment",
}  # fmt: skip
RING_SUPPLY = [
    ("B", "P1", _S, _K), ("P1", "VM", _S, _K), ("VM", "T", _N, _N),
    ("T", "P2", _S, _K), ("P2", "V1", _S, _K), ("V1", "H1", _N, _N),
    ("T", "P3", _S, _K), ("P3", "V2", _S, _K), ("V2", "H2", _S, _K),
    ("H1", "R", _N, _N), ("H2", "R", _N, _N),
]  # fmt: skip
ROOMS = {"H1": "ICU", "H2": "OFFICE"}


@pytest.fixture
def ring() -> Twin:
    """Boiler -> main valve -> tee -> two branches (valve + heater) -> returns back: a loop."""
    return make_twin([*RING_SUPPLY, ("R", "B", _N, _K)], RING_CLASSES, ROOMS)


@pytest.fixture
def closed_ring() -> Twin:
    """The ring with a return valve VR between the shared return pipe and the boiler."""
    edges = [*RING_SUPPLY, ("R", "VR", _S, _K), ("VR", "B", _S, _K)]
    return make_twin(edges, {**RING_CLASSES, "VR": "IfcValve"}, ROOMS)


def test_graph_holds_every_declared_connection(ring: Twin) -> None:
    nets = build_networks(ring)
    declared = {c for *_, d in nets.graph.edges(data=True) for c in d["connections"]}
    assert declared == {c.guid for c in ring.connections}
    assert nets.known and "B" in nets.sources
    assert any("assumed" in a for a in nets.assumptions)


def test_heaters_trace_to_boiler_and_loops_terminate(ring: Twin) -> None:
    nets = build_networks(ring)
    for h in ("H1", "H2"):
        up = trace(nets, h, direction="upstream")
        assert "B" in up.guids
        assert len(up.guids) == len(set(up.guids))
    down = trace(nets, "B", direction="downstream")
    assert set(down.guids) == set(nets.graph)
    stopped = trace(nets, "B", direction="downstream", stop_kinds=("valve",))
    assert "H1" not in stopped.guids and "VM" in stopped.guids
    assert trace(nets, "B", direction="downstream", max_depth=1).guids == ["B", "P1"]


def _undirected(nets, removed=()) -> nx.Graph:  # type: ignore[no-untyped-def]
    """The truth's graph: every declared connection both ways, ``removed`` taken out."""
    g = nx.Graph(nets.graph.to_undirected())
    g.remove_nodes_from(removed)
    return g


def _fewest_valves(nets, src: str, dst: str) -> int:  # type: ignore[no-untyped-def]
    """Brute force: the size of the smallest set of valves whose removal disconnects dst."""
    valves = sorted(n for n in nets.graph if nets.kinds[n] == "valve")
    for k in range(len(valves) + 1):
        for combo in itertools.combinations(valves, k):
            if not nx.has_path(_undirected(nets, combo), src, dst):
                return k
    return -1


def test_isolate_closes_supply_and_return(closed_ring: Twin) -> None:
    """Fewest valves cutting H2 off both ways: the main and the return valve (2), not V2."""
    nets = build_networks(closed_ring)
    iso = isolate(nets, "H2", twin=closed_ring)
    assert iso.possible and all(p.kind == "valve" for p in iso.points)
    assert not nx.has_path(_undirected(nets, iso.guids), "B", "H2")
    assert len(iso.guids) == _fewest_valves(nets, "B", "H2") == 2
    assert set(iso.guids) == {"VM", "VR"}


def test_ring_without_return_valve_cannot_be_isolated(ring: Twin) -> None:
    nets = build_networks(ring)
    iso = isolate(nets, "H2", twin=ring)
    assert nx.has_path(_undirected(nets, ["VM", "V1", "V2"]), "B", "H2")  # the truth
    assert not iso.possible and "R" in iso.reason
    assert iso.open_paths and all("R" in p and p[-1] == "B" for p in iso.open_paths)
    assert [p.guid for p in iso.closure_points] == ["R"]
    assert {s.kind for s in iso.suggestions} == {"shut_down_source", "drain_down"}
    assert all(s.text.startswith("suggestion:") for s in iso.suggestions)


def test_isolate_impossible_without_valves() -> None:
    twin = make_twin(
        [("B", "P", "SOURCE", "SINK"), ("P", "H", "SOURCE", "SINK")],
        {"B": "IfcBoiler", "P": "IfcPipeSegment", "H": "IfcSpaceHeater"},
    )
    iso = isolate(build_networks(twin), "H")
    assert not iso.possible and iso.reason


def _cut_off(nets, closed: list[str]) -> set[str]:  # type: ignore[no-untyped-def]
    g = _undirected(nets, closed)
    return set(g) - nx.node_connected_component(g, "B")


@pytest.mark.parametrize("closed", [["VM"], ["V2"], ["VM", "VR"], ["V2", "VR"], ["VR"]])
def test_impact_is_what_no_source_reaches(closed_ring: Twin, closed: list[str]) -> None:
    nets = build_networks(closed_ring)
    imp = impact(nets, closed_ring, closed)
    assert set(imp.elements) == _cut_off(nets, closed)


def test_impact_critical_first_and_common_cause(closed_ring: Twin, ring: Twin) -> None:
    nets = build_networks(closed_ring)
    imp = impact(nets, closed_ring, ["VM", "VR"])
    assert {"H1", "H2"} <= set(imp.terminals)
    assert [s.guid for s in imp.spaces] == ["ICU", "OFFICE"]
    assert not impact(nets, closed_ring, ["VM"]).terminals  # still fed through the return
    nets = build_networks(ring)
    sus = common_cause(nets, ["H1", "H2"])
    assert sus and sus[0].guid in {"T", "R"} and len(sus[0].feeds) == 2


def test_no_ports_is_unknown() -> None:
    twin = make_twin([], {"H": "IfcSpaceHeater"})
    nets = build_networks(twin)
    assert not nets.known
    with pytest.raises(NetworkUnknown, match="network is unknown"):
        trace(nets, "H", direction="upstream")


def test_isolate_on_a_single_feeding_path() -> None:
    """A chain (every element fed by one): the first valve walking up, before any source."""
    s, k = "SOURCE", "SINK"
    classes = {
        "B2": "IfcBoiler", "V2": "IfcValve", "B1": "IfcBoiler", "V1": "IfcValve",
        "P": "IfcPipeSegment", "H": "IfcSpaceHeater",
    }  # fmt: skip
    chain = [("B2", "V2", s, k), ("V2", "B1", s, k), ("B1", "V1", s, k), ("V1", "P", s, k)]
    twin = make_twin([*chain, ("P", "H", s, k)], classes)
    nets = build_networks(twin)
    iso = isolate(nets, "H", twin=twin)
    assert iso.guids == ["V1"] and set(iso.sources) == {"B1", "B2"}
    # a source between the element and the only valve: nothing can cut it off
    twin2 = make_twin([("B2", "V2", s, k), ("V2", "B1", s, k), ("B1", "H", s, k)], classes)
    iso2 = isolate(build_networks(twin2), "H")
    assert not iso2.possible and "no valve" in iso2.reason
    assert iso2.open_paths == (("H", "B1"),)
