"""Patrol rounds and preventive maintenance through the API, on SQLite and PostgreSQL: the
happy path on the small demo hospital, role checks, bad input as problem documents, restart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import ifcopenshell
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.ops_support import wipe
from twin.live.store import LiveStore


@pytest.fixture
def env(
    opened_store: tuple[LiveStore, str, Path], small_hospital: Path, twin_cache_dir: Path
) -> Iterator[dict[str, Any]]:
    store, url, _ = opened_store
    wipe(store)
    # the timer off: its scheduler would generate rounds and orders the counts below expect
    # from the endpoints (tests/test_field_ops.py tests the timer)
    settings = Settings(auth=True, anonymous_read=False, store_url=url, models=[small_hospital],
                        cache_dir=twin_cache_dir, stale_sweep_s=0)  # fmt: skip
    admin, _ = store.keys.create("admin", "root")
    op, _ = store.keys.create("operator", "desk")
    viewer, _ = store.keys.create("viewer", "wall")
    store.technicians.register("tech-1", name="Ana", skills=["hvac"], actor="t")
    store.technicians.register("tech-2", name="Bo", skills=["hvac"], actor="t")
    tech, _ = store.keys.create("technician", "ana", technician="tech-1")
    with TestClient(create_app(settings)) as client:
        yield {
            "c": client, "store": store, "ifc": small_hospital,
            "admin": {"X-API-Key": admin}, "op": {"X-API-Key": op},
            "viewer": {"X-API-Key": viewer}, "tech": {"X-API-Key": tech},
        }  # fmt: skip


def _problem(r: Any, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_pm_plans_orders_compliance_certificates(env: dict[str, Any]) -> None:
    c, op = env["c"], env["op"]
    pumps = sorted(p.GlobalId for p in ifcopenshell.open(str(env["ifc"])).by_type("IfcPump"))
    assert pumps, "the small hospital has pumps"
    anchor = datetime.now(UTC).date()
    body = {
        "name": "Pump service",
        "ifc_class": "IfcPump",
        "interval": "quarterly",
        "anchor": anchor.isoformat(),
        "lead_days": 14,
        "checklist": ["seal leak"],
    }
    _problem(c.post("/pm-plans", json=body, headers=env["viewer"]), 403)
    r = c.post("/pm-plans", json=body, headers=op)
    assert r.status_code == 201, r.text
    _problem(c.post("/pm-plans", json=body | {"interval": "often"}, headers=op), 422)
    _problem(c.post("/pm-plans", json=body | {"kind": "lift"}, headers=op), 422)
    _problem(c.post("/pm-plans", json=body | {"colour": 1}, headers=op), 422)
    g = c.post("/pm-orders/generate", json={"horizon_days": 365}, headers=op).json()
    # a year plus lead time from today: the anchor and 4 more quarters (the 5th one is 15
    # months away) -> 5 per pump, counted by hand from the calendar
    assert g["created"] == 5 * len(pumps)
    assert c.post("/pm-orders/generate", json={"horizon_days": 365}, headers=op).json()[
        "created"] == 0  # fmt: skip
    orders = c.get("/pm-orders", params={"due_to": anchor.isoformat()},
                   headers=env["viewer"]).json()  # fmt: skip
    assert sorted(o["element"] for o in orders) == pumps
    _problem(c.post(f"/pm-orders/{orders[0]['id']}/complete", json={}, headers=env["viewer"]),
             403)  # fmt: skip
    done = c.post(f"/pm-orders/{orders[0]['id']}/complete", json={"results": {"seal leak": False}},
                  headers=env["tech"])  # fmt: skip
    assert done.status_code == 200 and done.json()["completed"]
    _problem(c.post(f"/pm-orders/{orders[0]['id']}/complete", json={}, headers=op), 409)
    _problem(c.post("/pm-orders/999999/complete", json={}, headers=op), 404)
    comp = c.get("/pm-compliance", headers=env["viewer"]).json()
    assert comp["due"] == 1 and comp["on_time"] == 1 and comp["target"] == 0.9
    today = date.today()
    for n, until in (("C-1", today - timedelta(days=1)), ("C-2", today + timedelta(days=10)),
                     ("C-3", today + timedelta(days=400))):  # fmt: skip
        r = c.post("/certificates", headers=op, json={
            "element": f"E-{n}", "number": n, "issuer": "TÜV",
            "issued": (today - timedelta(days=300)).isoformat(), "valid_until": until.isoformat(),
        })  # fmt: skip
        assert r.status_code == 201, r.text
    soon = c.get("/certificates", params={"expiring_within_days": 30}, headers=op).json()
    assert [(x["number"], x["state"]) for x in soon] == [("C-1", "expired"), ("C-2", "expiring")]
    _problem(c.post("/certificates", headers=op, json={
        "element": "E", "number": "1", "issuer": "i", "issued": "2026-02-01",
        "valid_until": "2026-01-01"}), 422)  # fmt: skip


def test_patrol_templates_rounds_checkins(env: dict[str, Any], small_twin: Any) -> None:
    c, op = env["c"], env["op"]
    rooms = sorted(small_twin.spaces)[:3]
    body = {"name": "Night round", "schedule": "daily at 22:00", "window_minutes": 90,
            "team": ["tech-1"], "checkpoints": [
                {"place": g, "label": f"P{i}", "items": [{"key": "ok"}]}
                for i, g in enumerate(rooms)]}  # fmt: skip
    _problem(c.post("/patrol-templates", json=body, headers=env["viewer"]), 403)
    _problem(c.post("/patrol-templates", json=body | {"schedule": "hourly"}, headers=op), 422)
    tpl = c.post("/patrol-templates", json=body, headers=op).json()
    day = datetime.now(UTC).date() - timedelta(days=5)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)  # three rounds, all in the past
    r = c.post(f"/patrol-templates/{tpl['id']}/rounds", headers=op,
               json={"start": start.isoformat(), "days": 3})  # fmt: skip
    assert r.status_code == 201 and len(r.json()) == 3
    assert sorted(r.json()[0]["planned"]) == [0, 1, 2] and r.json()[0]["planned"][0] == 0
    again = c.post(f"/patrol-templates/{tpl['id']}/rounds", headers=op,
                   json={"start": start.isoformat(), "days": 3})  # fmt: skip
    assert again.json() == []
    listed = c.get("/patrols", params={"template": tpl["id"]}, headers=env["viewer"]).json()
    assert [x["status"] for x in listed] == ["missed"] * 3  # the windows are over
    rnd = listed[0]
    code = tpl["checkpoints"][rnd["planned"][0]]["code"]
    qr = c.get(f"/patrol-templates/{tpl['id']}/checkpoints/0/qr.svg", headers=env["viewer"])
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/svg+xml"
    _problem(c.get(f"/patrol-templates/{tpl['id']}/checkpoints/9/qr.svg", headers=op), 404)
    ci = {"code": code, "technician": "tech-1", "answers": {"ok": False}}
    _problem(c.post(f"/patrols/{rnd['id']}/check-ins", json=ci | {"technician": "tech-2"},
                    headers=env["tech"]), 403)  # fmt: skip
    got = c.post(f"/patrols/{rnd['id']}/check-ins", json=ci, headers=env["tech"])
    assert got.status_code == 201, got.text
    assert got.json()["flags"] == ["outside_window"] and got.json()["ticket"]
    _problem(c.post(f"/patrols/{rnd['id']}/check-ins", json=ci | {"code": "zz"},
                    headers=env["tech"]), 404)  # fmt: skip
    assert len(c.get(f"/patrols/{rnd['id']}/check-ins", headers=op).json()) == 1
    kpi = c.get("/patrol-completion", params={"weeks": 53}, headers=op).json()
    assert all(k["done"] == 0 for k in kpi) and sum(k["due"] for k in kpi) == 3


def test_nothing_lost_on_restart(
    opened_store: tuple[LiveStore, str, Path], small_hospital: Path, twin_cache_dir: Path,
    env: dict[str, Any],
) -> None:  # fmt: skip
    c, op = env["c"], env["op"]
    c.post("/pm-plans", headers=op, json={"name": "Lift", "kind": "lift", "interval": "monthly",
                                           "anchor": "2026-01-05"})  # fmt: skip
    settings = Settings(auth=True, anonymous_read=False, store_url=opened_store[1],
                        models=[small_hospital], cache_dir=twin_cache_dir)  # fmt: skip
    with TestClient(create_app(settings)) as again:
        plans = again.get("/pm-plans", headers=op).json()
    assert [p["name"] for p in plans] == ["Lift"]
