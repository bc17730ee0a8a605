"""Operations API with auth on: 401/403 problems, ticket lifecycle over HTTP, technician keys,
audit entries for every write, BCF download; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api.app import create_app
from api.settings import Settings
from tests.ops_support import wipe
from twin.live.db import now_us
from twin.live.store import LiveStore
from twin.live.tables_ops import tickets as tickets_table


@pytest.fixture
def env(opened_store: tuple[LiveStore, str, Path]) -> Iterator[dict[str, Any]]:
    store, url, tmp = opened_store
    wipe(store)
    settings = Settings(auth=True, anonymous_read=False, store_url=url, cache_dir=tmp / "cache")
    app = create_app(settings)
    admin, _ = store.keys.create("admin", "root")
    with TestClient(app) as client:  # the live store's start-up hook opens the same database
        assert app.state.store is not None
        yield {"client": client, "store": store, "admin": {"X-API-Key": admin}}


def _key(
    env: dict[str, Any], role: str, name: str, technician: str | None = None
) -> dict[str, str]:
    r = env["client"].post(
        "/keys", json={"role": role, "name": name, "technician": technician}, headers=env["admin"]
    )
    assert r.status_code == 201, r.text
    return {"X-API-Key": r.json()["key"]}


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()  # type: ignore[no-any-return]


def test_keys_401_403(env: dict[str, Any]) -> None:
    c = env["client"]
    _problem(c.get("/tickets"), 401)
    _problem(c.get("/tickets", headers={"X-API-Key": "twin_nope_nope"}), 401)
    _problem(c.get("/tickets", headers={"X-API-Key": "garbage"}), 401)
    viewer = _key(env, "viewer", "wall screen")
    assert c.get("/tickets", headers=viewer).status_code == 200
    _problem(c.post("/tickets", json={"title": "x"}, headers=viewer), 403)
    operator = _key(env, "operator", "desk")
    _problem(c.get("/audit", headers=operator), 403)
    _problem(c.post("/keys", json={"role": "admin", "name": "x"}, headers=operator), 403)
    listed = c.get("/keys", headers=env["admin"]).json()
    assert {k["name"] for k in listed} == {"root", "wall screen", "desk"}
    assert all("key" not in k and "hash" not in k for k in listed)
    vid = next(k["id"] for k in listed if k["name"] == "wall screen")
    assert c.delete(f"/keys/{vid}", headers=env["admin"]).json()["revoked"] is not None
    _problem(c.get("/tickets", headers=viewer), 401)


def test_lifecycle_over_http_with_technician_key(env: dict[str, Any], tmp_path: Path) -> None:
    c, admin = env["client"], env["admin"]
    op = _key(env, "operator", "desk")
    for tid in ("ann", "bob"):
        body = {"id": tid, "name": tid.title(), "skills": ["medical_gas"]}
        assert c.post("/technicians", json=body, headers=op).status_code == 201
    ann = _key(env, "technician", "ann's phone", technician="ann")
    body = {"title": "O2 low OT2", "priority": "emergency", "element": "EL-1"}
    r = c.post("/tickets", json=body, headers=op)
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    _problem(c.post("/tickets", json={**body, "colour": "red"}, headers=op), 422)
    # a technician cannot assign; the operator can
    _problem(c.post(f"/tickets/{tid}/transitions", json={"to": "en_route"}, headers=ann), 403)
    move = {"to": "assigned", "technician": "ann", "route": {"length_m": 30}}
    assert (
        c.post(f"/tickets/{tid}/transitions", json=move, headers=op).json()["status"] == "assigned"
    )
    assert c.get("/technicians/ann", headers=op).json()["busy_with"] == tid
    r = c.post(
        f"/tickets/{tid}/transitions", json={"to": "en_route", "note": "coming"}, headers=ann
    )
    assert r.json()["status"] == "en_route"
    p = _problem(c.post(f"/tickets/{tid}/transitions", json={"to": "closed"}, headers=op), 409)
    assert "en_route" in p["detail"] and "closed" in p["detail"]
    _problem(c.post(f"/tickets/{tid}/transitions", json={"to": "cancelled"}, headers=ann), 403)
    assert (
        c.post(f"/tickets/{tid}/transitions", json={"to": "on_site"}, headers=ann).status_code
        == 200
    )
    # own position yes, someone else's no
    pos = {"point": [1.0, 2.0, 0.0], "storey": "ST"}
    assert c.put("/technicians/ann/position", json=pos, headers=ann).json()["position"] == [1, 2, 0]
    _problem(c.put("/technicians/bob/position", json=pos, headers=ann), 403)
    got = c.get(f"/tickets/{tid}", headers=ann).json()
    assert [t["to_status"] for t in got["transitions"]] == [
        "new",
        "assigned",
        "en_route",
        "on_site",
    ]
    assert got["transitions"][2]["actor"] == "ann's phone"
    assert got["sla"]["respond_breached"] is False and got["route"] == {"length_m": 30}
    # BCF download
    r = c.get(f"/tickets/{tid}/bcf", headers=ann)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert "bcf.version" in names and any(n.endswith("markup.bcf") for n in names)
    # every write audited with who did it
    entries = c.get("/audit", headers=admin).json()
    seen = {(e["actor"], e["action"]) for e in entries}
    expected = {
        ("desk", "ticket.create"),
        ("desk", "ticket.assigned"),
        ("ann's phone", "ticket.en_route"),
        ("ann's phone", "technician.position"),
        ("root", "key.create"),
        ("desk", "technician.create"),
    }
    assert expected <= seen
    assert c.get("/audit", params={"action": "technician."}, headers=admin).json()[0]["target"] == (
        "technician:ann"
    )


def test_at_risk_filter(env: dict[str, Any]) -> None:
    c = env["client"]
    op = _key(env, "operator", "desk")
    old = c.post("/tickets", json={"title": "old", "priority": "emergency"}, headers=op).json()
    fresh = c.post("/tickets", json={"title": "fresh", "priority": "emergency"}, headers=op).json()
    with env["store"].engine.begin() as conn:  # opened 25 of its 30 minutes ago
        conn.execute(
            update(tickets_table)
            .where(tickets_table.c.id == old["id"])
            .values(created=now_us() - 25 * 60 * 1_000_000)
        )
    risky = c.get("/tickets", params={"at_risk": "true"}, headers=op).json()
    assert [t["id"] for t in risky] == [old["id"]] and risky[0]["sla"]["at_risk"]
    calm = c.get("/tickets", params={"at_risk": "false", "status": "new"}, headers=op).json()
    assert [t["id"] for t in calm] == [fresh["id"]]
