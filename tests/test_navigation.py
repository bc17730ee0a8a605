"""Navigation graph build on a code-built two-storey twin (tests.samples.networks)."""

from __future__ import annotations

from tests.samples.networks import sample_twin
from twin.navigation.build import build_navigation


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


def test_greedy_spanner_keeps_its_stretch() -> None:
    """Every pair is joined within (1 + stretch) of its direct length, with far fewer edges
    than the clique; doors along one wall (collinear) need only a chain."""
    import math
    import random

    import networkx as nx

    from twin.navigation.spanner import greedy_spanner

    rnd = random.Random(3)
    pts = [(rnd.uniform(0, 60), rnd.uniform(0, 2.4)) for _ in range(40)]  # a corridor
    cands = [
        (math.dist(pts[i], pts[j]), i, j, [pts[i], pts[j]])
        for i in range(len(pts))
        for j in range(i + 1, len(pts))
    ]
    kept = greedy_spanner(len(pts), cands, 0.01)
    assert len(kept) < len(cands) // 4
    g = nx.Graph()
    g.add_weighted_edges_from((i, j, w) for w, i, j, _ in kept)
    dist = dict(nx.all_pairs_dijkstra_path_length(g))
    for w, i, j, _ in cands:
        assert w <= dist[i][j] <= w * 1.01 + 1e-9
    line = [(float(x), 0.0) for x in range(10)]
    chain = [(abs(a[0] - b[0]), i, j, [a, b]) for i, a in enumerate(line) for j, b in
             enumerate(line) if i < j]  # fmt: skip
    assert sorted((i, j) for _, i, j, _ in greedy_spanner(10, chain, 0.0)) == [
        (i, i + 1) for i in range(9)
    ]


def test_corridor_waypoints_match_the_clique_within_stretch() -> None:
    """The L corridor C0 (5+ portals) walks through waypoints; room-to-room times differ from
    the all-pairs graph by at most the stretch, and never undercut it."""
    from twin.navigation.navgraph import STRETCH
    from twin.navigation.routes import route

    tw = sample_twin()
    nav, ref = build_navigation(tw), build_navigation(tw, stretch=None)
    assert {n.guid.split(":")[1] for n in nav.nodes if n.kind == "waypoint"} == {"C0"}
    assert not any(n.kind == "waypoint" for n in ref.nodes)
    spaces = sorted(tw.spaces)
    for a in spaces:
        for b in spaces:
            got, exact = route(nav, a, b).eta_s, route(ref, a, b).eta_s
            assert exact - 1e-9 <= got <= exact * (1 + STRETCH) + 1e-9, (a, b)
