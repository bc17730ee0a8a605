"""Routing endpoints on the real Duplex_A model: routes, restrictions, patrols, dispatch, plan."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from twin.service.campus import Campus

DUPLEX = "Duplex_A_20110907.ifc"


@pytest.fixture(scope="module")
def ctx(
    shared_twin, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[str, str]]]:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("api-routing")
    campus = Campus()
    twin = shared_twin(DUPLEX)
    campus.add(twin)
    settings = Settings(
        cache_dir=tmp / "cache", upload_dir=tmp / "uploads", store_url=f"sqlite:///{tmp}/s.db"
    )
    rooms = {s.number: s.guid for s in twin.spaces.values()}
    with TestClient(create_app(settings, campus=campus)) as c:
        yield c, rooms


def test_get_route_and_lock(ctx: tuple[TestClient, dict[str, str]]) -> None:
    client, rooms = ctx
    r = client.get("/routes", params={"from": rooms["A102"], "to": rooms["A203"]})
    assert r.status_code == 200, r.text
    got = r.json()
    assert "stair" in [s["kind"] for s in got["steps"]] and got["eta_s"] > 0
    r = client.get(
        "/routes", params={"from": rooms["A102"], "to": rooms["A203"], "profile": "cart"}
    )
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem")
    body = {"start": rooms["A102"], "goal": rooms["A203"],
            "restrictions": {"closed_spaces": [rooms["A101"]]}}  # fmt: skip
    r = client.post("/routes", json=body)
    assert r.status_code == 409 and rooms["A101"] in r.json()["detail"]


def test_patrol_and_plan_layer(ctx: tuple[TestClient, dict[str, str]]) -> None:
    client, rooms = ctx
    cps = [rooms[n] for n in ("A202", "A104", "A203", "A103")]
    r = client.post("/patrols", json={"checkpoints": cps, "start": rooms["A102"]})
    assert r.status_code == 200, r.text
    p = r.json()
    assert sorted(p["order"]) == sorted(cps) and p["exact"] and len(p["legs"]) == 5
    upper = client.app.state.campus  # type: ignore[attr-defined]
    twin = next(iter(upper))
    storey = twin.spaces[rooms["A203"]].storey
    svg = client.get(
        f"/storeys/{storey}/plan.svg", params={"route": f"{rooms['A102']};{rooms['A203']}"}
    )
    if svg.status_code == 404 and "storeys" not in svg.text:
        pytest.fail("plan endpoint not mounted")
    assert svg.status_code == 200, svg.text
    assert "route" in svg.text


def test_dispatch_and_decline(ctx: tuple[TestClient, dict[str, str]]) -> None:
    client, rooms = ctx
    store = client.app.state.store  # type: ignore[attr-defined]
    for tid, room in (("d-near", "A101"), ("d-far", "A202")):
        store.technicians.register(tid, name=tid, skills=["electrical"], actor="admin")
        store.technicians.set_position(tid, "admin", space=rooms[room])
    t = store.tickets.create(title="Lamp", priority="normal", actor="desk", space=rooms["A102"],
                      skill="electrical")  # fmt: skip
    r = client.post(f"/tickets/{t.id}/dispatch")
    assert r.status_code == 200, r.text
    assert r.json()["technician"] == "d-near" and r.json()["route"]["steps"]
    r = client.post(f"/tickets/{t.id}/decline", json={"technician": "d-near", "reason": "busy"})
    assert r.status_code == 200, r.text
    assert r.json()["technician"] == "d-far"
