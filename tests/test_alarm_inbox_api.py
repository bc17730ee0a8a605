"""The alarm inbox over HTTP on the small demo hospital: alarms raised by real readings, the
consequences of an upstream element grouped under it by the distribution network (truth from
networkx on an independently built network), shelving, roles and problem documents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from twin.distribution import build_networks
from twin.service.campus import Campus


@pytest.fixture(scope="module")
def env(small_twin: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp: Path = tmp_path_factory.mktemp("inbox-api")
    campus = Campus()
    campus.add(small_twin)
    settings = Settings(
        auth=True,
        anonymous_read=False,
        store_url=f"sqlite:///{tmp / 'live.db'}",
        cache_dir=tmp / "cache",
    )
    app = create_app(settings, campus=campus)
    with TestClient(app) as c:
        store = app.state.store
        keys = {role: {"X-API-Key": store.keys.create(role, role)[0]} for role in
                ("viewer", "operator")}  # fmt: skip
        yield {"client": c, "keys": keys, "twin": small_twin}


def _feeder(twin: Any) -> tuple[str, list[str]]:
    """An element whose downstream (networkx descendants) holds a terminal placed in a room
    other than the element's own, and the rooms it feeds: the truth for the grouping."""
    g = build_networks(twin).graph
    best: tuple[int, str, list[str]] | None = None
    for n in sorted(g.nodes):
        e = twin.elements.get(n)
        if e is None:
            continue
        rooms = sorted(
            {
                twin.elements[d].space
                for d in nx.descendants(g, n)
                if d in twin.elements and twin.elements[d].space not in (None, e.space)
            }
        )
        if rooms and (best is None or len(rooms) > best[0]):
            best = (len(rooms), n, rooms)
    assert best is not None, "the demo hospital has a feeding element"
    return best[1], best[2]


def _problem(r: Any, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_inbox_groups_consequences_and_shelves(env: dict[str, Any]) -> None:
    c, op, viewer = env["client"], env["keys"]["operator"], env["keys"]["viewer"]
    twin = env["twin"]
    feeder, fed = _feeder(twin)
    room = fed[0]
    mine = twin.elements[feeder].space
    other = next(s for s in sorted(twin.spaces) if s not in fed and s != mine)
    for sid, where in (("fd-p", {"element": feeder}), ("rm-t", {"space": room}),
                       ("ot-t", {"space": other})):  # fmt: skip
        body = {"id": sid, "quantity": "temperature", "upper": 10.0, **where}
        assert c.post("/sensors", json=body, headers=op).status_code in (200, 201)
    now = datetime.now(UTC).isoformat()
    readings = [{"sensor": s, "t": now, "value": 30.0} for s in ("fd-p", "rm-t", "ot-t")]
    raised = c.post("/readings", json=readings, headers=op).json()["alarms_raised"]
    assert len(raised) == 3
    by_sensor = {c.get(f"/alarms/{a}", headers=viewer).json()["sensor"]: a for a in raised}

    inbox = c.get("/alarm-inbox", headers=viewer).json()
    shown = {i["alarm"]["id"]: i for i in inbox["items"]}
    assert set(shown) == {by_sensor["fd-p"], by_sensor["ot-t"]}
    assert shown[by_sensor["fd-p"]]["consequences"] == [by_sensor["rm-t"]]
    assert inbox["grouped"] == 1 and inbox["total"] == 2
    assert inbox["by_state"] == {"active-unacknowledged": 3}
    full = c.get("/alarm-inbox", params={"consequences": True}, headers=viewer).json()
    causes = {i["alarm"]["id"]: i["cause"] for i in full["items"]}
    assert causes[by_sensor["rm-t"]] == by_sensor["fd-p"]
    storey = twin.spaces[other].storey
    on_storey = c.get("/alarm-inbox", params={"storey": storey}, headers=viewer).json()
    assert by_sensor["ot-t"] in {i["alarm"]["id"] for i in on_storey["items"]}
    assert set(on_storey["by_storey"]) == {storey}

    aid = by_sensor["ot-t"]
    _problem(c.put(f"/alarm-inbox/{aid}/shelf", json={"reason": "x", "minutes": 5},
                   headers=viewer), 403)  # fmt: skip
    _problem(c.put(f"/alarm-inbox/{aid}/shelf", json={"reason": "x", "minutes": 0},
                   headers=op), 422)  # fmt: skip
    _problem(c.put("/alarm-inbox/99999/shelf", json={"reason": "x", "minutes": 5},
                   headers=op), 404)  # fmt: skip
    r = c.put(f"/alarm-inbox/{aid}/shelf", json={"reason": "repair", "minutes": 5}, headers=op)
    assert r.status_code == 200 and r.json()["reason"] == "repair"
    states = c.get("/alarm-inbox", params={"state": "shelved"}, headers=viewer).json()
    assert [i["alarm"]["id"] for i in states["items"]] == [aid]
    assert c.delete(f"/alarm-inbox/{aid}/shelf", headers=op).status_code == 200
    _problem(c.delete(f"/alarm-inbox/{aid}/shelf", headers=op), 404)

    assert c.post(f"/alarm-inbox/{aid}/ack", headers=op).json()["acknowledged_by"] == "operator"
    _problem(c.post(f"/alarm-inbox/{aid}/ack", headers=op), 409)
    _problem(c.get("/alarm-inbox", params={"state": "bogus"}, headers=viewer), 422)

    sup = c.post("/alarm-suppressions", json={"target": other, "reason": "closed"}, headers=op)
    assert sup.status_code == 201
    after = c.get("/alarm-inbox", params={"state": "suppressed"}, headers=viewer).json()
    assert [i["alarm"]["id"] for i in after["items"]] == [aid]
    assert c.delete(f"/alarm-suppressions/{sup.json()['id']}", headers=op).status_code == 200

    health = c.get("/alarm-health", headers=viewer).json()
    assert health["raised"] >= 3 and health["priority_mix"]
