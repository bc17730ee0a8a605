"""Spare-parts stock on SQLite and PostgreSQL: movements explain the stock, consumption on a
work order, no negative stock, the low-stock alarm raised and cleared in the ordinary alarm
table; over HTTP with roles; nothing lost on restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.settings import Settings
from tests.ops_support import wipe
from twin.errors import Conflict, InvalidInput, NotFound
from twin.live.db import metadata
from twin.live.store import LiveStore
from twin.live.tables import alarms
from twin.live.tables_spare_parts import SPARE_PART_TABLES


def _wipe(store: LiveStore) -> None:
    wipe(store)
    with store.engine.begin() as conn:
        for name in reversed(SPARE_PART_TABLES):
            conn.execute(metadata.tables[name].delete())
        conn.execute(alarms.delete().where(alarms.c.sensor.like("part:%")))


@pytest.fixture
def parts(opened_store: tuple[LiveStore, str, Path]) -> LiveStore:
    _wipe(opened_store[0])
    return opened_store[0]


def _stock_alarms(store: LiveStore, sku: str) -> list[tuple[str, bool, float]]:
    with store.engine.connect() as conn:
        q = select(alarms.c.state, alarms.c.active, alarms.c.value).where(
            alarms.c.sensor == f"part:{sku}"
        )
        return [tuple(r) for r in conn.execute(q.order_by(alarms.c.id))]  # type: ignore[misc]


def test_stock_movements_and_low_stock_alarm(parts: LiveStore) -> None:
    store = parts
    p = store.spare_parts.define("VB-1", name="V-belt", unit="pcs", min_quantity=2, actor="store")
    assert (p.quantity, p.low) == (0.0, True)
    assert _stock_alarms(store, "VB-1") == [("raised", True, 0.0)]  # a new, empty part is low
    p = store.spare_parts.move("VB-1", 5, reason="receive", actor="store")
    assert (p.quantity, p.low) == (5.0, False)
    assert _stock_alarms(store, "VB-1") == [("cleared", False, 0.0)]
    ticket = store.tickets.create(title="AHU belt", priority="normal", actor="desk")
    p = store.spare_parts.move("VB-1", -2, reason="consume", actor="ann", ticket=ticket.id)
    assert p.quantity == 3.0 and not p.low and len(_stock_alarms(store, "VB-1")) == 1
    p = store.spare_parts.move("VB-1", -1, reason="consume", actor="ann", ticket=ticket.id)
    assert p.quantity == 2.0 and p.low  # at the minimum: low
    assert _stock_alarms(store, "VB-1")[-1] == ("raised", True, 2.0)
    with pytest.raises(Conflict):
        store.spare_parts.move("VB-1", -3, reason="consume", actor="ann")
    assert store.spare_parts.get("VB-1").quantity == 2.0  # refused whole
    with pytest.raises(InvalidInput):
        store.spare_parts.move("VB-1", 1, reason="consume", actor="ann")
    with pytest.raises(InvalidInput):
        store.spare_parts.move("VB-1", -1, reason="receive", actor="ann")
    with pytest.raises(NotFound):
        store.spare_parts.move("nope", 1, reason="receive", actor="ann")
    used = store.spare_parts.movements(ticket=ticket.id)
    assert [(m.sku, m.delta) for m in used] == [("VB-1", -2.0), ("VB-1", -1.0)]
    history = store.spare_parts.movements(sku="VB-1")
    assert sum(m.delta for m in history) == store.spare_parts.get("VB-1").quantity
    assert [p.sku for p in store.spare_parts.list(low=True)] == ["VB-1"]
    actions = [e.action for e in store.audit.list(target="part:VB-1")]
    assert sorted(actions) == ["part.consume", "part.consume", "part.create", "part.receive"]


@pytest.fixture
def api(opened_store: tuple[LiveStore, str, Path]) -> Iterator[dict[str, Any]]:
    store, url, tmp = opened_store
    _wipe(store)
    settings = Settings(auth=True, anonymous_read=False, store_url=url, cache_dir=tmp / "cache")
    admin, _ = store.keys.create("admin", "root")
    store.technicians.register("t1", name="Ann", skills=["general"], actor="test")
    with TestClient(create_app(settings)) as client:
        keys = {"admin": {"X-API-Key": admin}}
        for role in ("viewer", "technician", "operator"):
            tech = "t1" if role == "technician" else None
            body = {"role": role, "name": role, "technician": tech}
            r = client.post("/keys", json=body, headers=keys["admin"])
            assert r.status_code == 201, r.text
            keys[role] = {"X-API-Key": r.json()["key"]}
        yield {"client": client, "keys": keys, "settings": settings}


def _problem(r: Any, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_spare_parts_api(api: dict[str, Any]) -> None:
    c, keys = api["client"], api["keys"]
    part = {"name": "Filter F7 592x592", "unit": "pcs", "min_quantity": 4, "location": "B1-12"}
    _problem(c.put("/spare-parts/F7", json=part, headers=keys["technician"]), 403)
    assert c.put("/spare-parts/F7", json=part, headers=keys["operator"]).status_code == 200
    _problem(c.put("/spare-parts/F7", json={**part, "min_quantity": -1},
                   headers=keys["operator"]), 422)  # fmt: skip
    r = c.post("/spare-parts/F7/movements", json={"delta": 10, "reason": "receive"},
               headers=keys["operator"])  # fmt: skip
    assert r.status_code == 201 and r.json()["quantity"] == 10
    ticket = c.post("/tickets", json={"title": "AHU filters", "priority": "normal"},
                    headers=keys["operator"]).json()  # fmt: skip
    url = f"/tickets/{ticket['id']}/parts"
    r = c.post(url, json={"sku": "F7", "quantity": 7}, headers=keys["technician"])
    assert r.status_code == 201, r.text
    assert (r.json()["quantity"], r.json()["low"]) == (3, True)
    _problem(c.post(url, json={"sku": "F7", "quantity": 5}, headers=keys["technician"]), 409)
    _problem(c.post(url, json={"sku": "F7", "quantity": 1}, headers=keys["viewer"]), 403)
    _problem(c.post("/tickets/999999/parts", json={"sku": "F7", "quantity": 1},
                    headers=keys["technician"]), 404)  # fmt: skip
    used = c.get(url, headers=keys["viewer"]).json()
    assert [(m["sku"], m["delta"], m["reason"]) for m in used] == [("F7", -7, "consume")]
    low = c.get("/spare-parts", params={"low": True}, headers=keys["viewer"]).json()
    assert [p["sku"] for p in low] == ["F7"]
    raised = [a for a in c.get("/alarms", headers=keys["viewer"]).json()
              if a["sensor"] == "part:F7"]  # fmt: skip
    # the empty new part's alarm (cleared on receipt), then the one the consumption raised
    assert sorted((a["state"], a["value"]) for a in raised) == [("cleared", 0), ("raised", 3)]
    with TestClient(create_app(api["settings"])) as again:  # nothing lost on restart
        hist = again.get("/spare-parts/F7/movements", headers=keys["viewer"]).json()
        assert [m["delta"] for m in hist] == [10, -7]
        assert again.get("/spare-parts/F7", headers=keys["viewer"]).json()["quantity"] == 3
