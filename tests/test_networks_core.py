"""Contract tests of the distribution analyses on twins built in code from the domain types.

These exercise the graph algorithms (direction inference, loops, isolation cuts, ring mains)
without the ingest; the IFC-based tests in the other test_networks_* modules check real files.
"""

from __future__ import annotations

import networkx as nx
import pytest

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
from twin.networks.distribution import build_networks, common_cause, impact, isolate, trace

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


@pytest.fixture
def ring() -> Twin:
    """Boiler -> main valve -> tee -> two branches (valve + heater) -> returns back: a loop."""
    classes = {
        "B": "IfcBoiler", "P1": "IfcPipeSegment", "VM": "IfcValve", "T": "IfcPipeFitting",
        "P2": "IfcPipeSegment", "V1": "IfcValve", "H1": "IfcSpaceHeater",
        "P3": "IfcPipeSegment", "V2": "IfcValve", "H2": "IfcSpaceHeater",
        "R": "IfcPipeSegment",
    }  # fmt: skip
    s, k, n = "SOURCE", "SINK", "NOTDEFINED"
    edges = [
        ("B", "P1", s, k), ("P1", "VM", s, k), ("VM", "T", n, n),
        ("T", "P2", s, k), ("P2", "V1", s, k), ("V1", "H1", n, n),
        ("T", "P3", s, k), ("P3", "V2", s, k), ("V2", "H2", s, k),
        ("H1", "R", n, n), ("H2", "R", n, n), ("R", "B", n, k),
    ]  # fmt: skip
    return make_twin(edges, classes, {"H1": "ICU", "H2": "OFFICE"})


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


def _valves_on_every_path(nets, src: str, dst: str, valves: list[str]) -> bool:  # type: ignore[no-untyped-def]
    g = nets.graph.copy()
    g.remove_nodes_from(valves)
    return not nx.has_path(g, src, dst)


def test_isolate_branch_valve(ring: Twin) -> None:
    nets = build_networks(ring)
    iso = isolate(nets, "H2", twin=ring)
    assert iso.possible and len(iso.points) >= 1
    assert all(p.kind == "valve" for p in iso.points)
    assert _valves_on_every_path(nets, "B", "H2", iso.guids)


def test_isolate_impossible_without_valves() -> None:
    twin = make_twin(
        [("B", "P", "SOURCE", "SINK"), ("P", "H", "SOURCE", "SINK")],
        {"B": "IfcBoiler", "P": "IfcPipeSegment", "H": "IfcSpaceHeater"},
    )
    iso = isolate(build_networks(twin), "H")
    assert not iso.possible and iso.reason


def test_impact_critical_first_and_common_cause(ring: Twin) -> None:
    nets = build_networks(ring)
    imp = impact(nets, ring, ["VM"])
    assert {"H1", "H2"} <= set(imp.terminals)
    assert [s.guid for s in imp.spaces] == ["ICU", "OFFICE"]
    only = impact(nets, ring, ["V2"])
    assert "H2" in only.terminals and "H1" not in only.terminals
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
