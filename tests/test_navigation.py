"""Navigation graph build on a code-built two-storey twin (twin.networks.sample)."""

from __future__ import annotations

from twin.networks.navigation import build_navigation
from twin.networks.sample import sample_twin


def test_nodes_and_links() -> None:
    nav = build_navigation(sample_twin())
    kinds = [n.kind for n in nav.nodes]
    assert kinds.count("space") == 8
    assert kinds.count("door") == 7
    assert kinds.count("stair") == 2 and kinds.count("lift") == 2
    entrances = [n.guid for n in nav.nodes if n.entrance]
    assert entrances == ["E"]
    # DA is declared by space boundaries; the other doors are inferred from geometry
    inferred = {nav.nodes[e.b].guid for e in nav.edges if e.kind == "walk" and e.inferred}
    da = nav.node_of("DA", "S0")
    declared = [e for e in nav.edges if da in (e.a, e.b) and e.space == "A"]
    assert declared and not any(e.inferred for e in declared)
    assert "DB" in inferred


def test_vertical_edges_and_costs() -> None:
    nav = build_navigation(sample_twin())
    stair = [i for i, e in enumerate(nav.edges) if e.kind == "stair"]
    lift = [i for i, e in enumerate(nav.edges) if e.kind == "lift"]
    assert len(stair) == 1 and len(lift) == 1
    assert nav.costs["cart"][stair[0]] is None
    assert nav.costs["walking"][stair[0]] is not None
    w = nav.costs["walking"]
    em = nav.costs["emergency"]
    walks = [i for i, e in enumerate(nav.edges) if e.kind == "walk"]
    assert all((em[i] or 0) < (w[i] or 0) for i in walks)


def test_networkx_export_matches() -> None:
    nav = build_navigation(sample_twin())
    g = nav.to_networkx("cart")
    assert g.number_of_nodes() == len(nav.nodes)
    assert not any(
        d["eid"] is not None and nav.edges[d["eid"]].kind == "stair"
        for _, _, d in g.edges(data=True)
    )
