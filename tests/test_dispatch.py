"""Dispatch: ranking by ETA with reasons, assignment with the route, re-dispatch on decline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.ops_support import open_test_store
from tests.samples.networks import sample_twin
from twin.analysis.dispatch import decliners, rank
from twin.errors import NoRoute
from twin.live.records import Technician
from twin.live.store import LiveStore
from twin.navigation.build import build_navigation
from twin.navigation.navgraph import NavGraph, Restrictions
from twin.navigation.routes import route
from twin.service.dispatch import DispatchResult, decline, dispatch

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def nav() -> NavGraph:
    return build_navigation(sample_twin())


def _t(tid: str, space: str | None, **kw: object) -> Technician:
    base: dict[str, object] = {"name": tid, "skills": ("electrical",), "shift": "on_shift"}
    base.update(kw)
    return Technician(tid, space=space, **base)  # type: ignore[arg-type]


def test_rank_orders_by_eta_and_explains(nav: NavGraph) -> None:
    team = [
        _t("far", "U"),
        _t("near", "B"),
        _t("off", "A", shift="off_shift"),
        _t("busy", "A", busy_with=7),
        _t("plumber", "A", skills=("plumbing",)),
        _t("nowhere", None),
    ]
    got = rank(nav, "A", team, skill="electrical", priority_deadline=NOW + timedelta(hours=1),
               now=NOW)  # fmt: skip
    assert [c.technician for c in got if c.eligible] == ["near", "far"]
    assert got[0].eta_s == pytest.approx(route(nav, "B", "A").eta_s)
    why = {c.technician: c.reason for c in got}
    assert why["off"] == "off shift" and why["busy"] == "busy with ticket 7"
    assert why["plumber"] == "missing skill electrical" and why["nowhere"] == "position unknown"
    tight = rank(nav, "A", team, skill="electrical",
                 priority_deadline=NOW + timedelta(seconds=30), now=NOW)  # fmt: skip
    assert tight[0].technician == "near" and tight[0].eligible
    assert next(c for c in tight if c.technician == "far").reason.startswith("too far")
    cut = rank(nav, "D", team, skill="electrical", priority_deadline=NOW + timedelta(hours=1),
               now=NOW, restrictions=Restrictions.of(locked_doors=["DD"]))  # fmt: skip
    assert all(not c.eligible for c in cut)
    assert {c.reason for c in cut if c.technician in ("near", "far")} == {"unreachable"}


@pytest.fixture
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStore]:
    for st, _url in open_test_store("sqlite", tmp_path_factory.mktemp("dispatch")):
        yield st


def test_dispatch_assigns_with_route_and_redispatches(store: LiveStore, nav: NavGraph) -> None:
    for tid, space in [("t-near", "B"), ("t-far", "U"), ("t-other", "D")]:
        store.technicians.register(tid, name=tid, skills=["electrical"], actor="admin")
        store.technicians.set_position(
            tid, "admin", space=space, storey=nav.twin.spaces[space].storey
        )
    store.technicians.register("t-off", name="off", skills=["electrical"], actor="admin")
    store.technicians.set_shift("t-off", "off_shift", "admin")
    t = store.tickets.create(title="Socket dead", priority="normal", actor="desk",
                              space="A", skill="electrical")  # fmt: skip
    res = dispatch(store, nav, t.id, actor="op", now=NOW)
    assert res.chosen.technician == "t-near"
    assert res.ticket.status == "assigned" and res.ticket.technician == "t-near"
    assert res.ticket.route and res.ticket.route["steps"][-1]["guid"] == "A"
    again = decline(store, nav, t.id, "t-near", actor="t-near", reason="at lunch", now=NOW)
    assert isinstance(again, DispatchResult) and again.chosen.technician != "t-near"
    latest = store.tickets.get(t.id)
    assert "t-near" in decliners(latest)
    assert latest.technician == again.chosen.technician
    with pytest.raises(NoRoute):
        dispatch(store, nav, t.id, actor="op", now=NOW, technician_id="t-off")


def test_one_search_gives_every_route_eta(small_twin) -> None:  # type: ignore[no-untyped-def]
    """rank()'s single search from the job equals a separate route() from each technician,
    on the demo hospital (corridor waypoints, lifts, stairs) and with a point position."""
    nav = build_navigation(small_twin)
    rooms = sorted(g for g in small_twin.spaces if nav.node_of(g, small_twin.spaces[g].storey))
    team = [_t(f"t{i}", g) for i, g in enumerate(rooms[::7])]
    cx, cy = small_twin.spaces[rooms[3]].footprint.centroid.coords[0]
    z = nav.nodes[nav.node_of(rooms[3], small_twin.spaces[rooms[3]].storey) or 0].xyz[2]
    team.append(Technician("pt", "pt", ("electrical",), "on_shift", position=(cx, cy, z + 1.0)))
    target = rooms[-1]
    got = rank(nav, target, team, skill="electrical", now=NOW,
               priority_deadline=NOW + timedelta(hours=2))  # fmt: skip
    assert all(c.eligible for c in got)
    for c in got:
        t = next(t for t in team if t.id == c.technician)
        start = t.position if t.position is not None else t.space
        assert start is not None
        assert c.eta_s == pytest.approx(route(nav, start, target).eta_s), c.technician
