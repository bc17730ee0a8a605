"""Live-state endpoints on the small demo hospital: sensors from IfcSensor, readings ingest with
problem documents, latest/series, alarm rules to alarms to auto tickets, roles, plan overlays."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import Principal
from api.settings import Settings
from twin.live.discovery import discover_sensors
from twin.service.campus import Campus


@pytest.fixture(scope="module")
def client(small_twin, tmp_path_factory) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    tmp: Path = tmp_path_factory.mktemp("live-api")
    campus = Campus()
    campus.add(small_twin)
    settings = Settings(store_url=f"sqlite:///{tmp / 'live.db'}", cache_dir=tmp / "cache",
                        max_body_mb=0.05)  # fmt: skip
    app = create_app(settings, campus=campus)
    with TestClient(app) as c:
        yield c


def ts(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=60 - minutes)).isoformat()


def test_sensors_discovered_from_the_model(client: TestClient, small_twin) -> None:  # type: ignore[no-untyped-def]
    expected = discover_sensors(small_twin)
    assert expected, "the small hospital has IfcSensor elements"
    got = client.get("/sensors").json()
    ifc = {s["id"]: s for s in got if s["source"] == "ifc"}
    assert set(ifc) == {s.id for s in expected}
    one = expected[0]
    assert ifc[one.id]["space"] == one.space
    assert ifc[one.id]["criticality"] == small_twin.spaces[one.space].criticality
    assert client.get(f"/sensors/{one.id}").json()["quantity"] == one.quantity
    r = client.get("/sensors/nope")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem")


def _space(small_twin, criticality: str | None = None):  # type: ignore[no-untyped-def]
    spaces = [s for s in small_twin.spaces.values() if s.storey and s.footprint is not None]
    if criticality:
        spaces = [s for s in spaces if s.criticality == criticality] or spaces
    return sorted(spaces, key=lambda s: s.guid)[0]


def test_register_ingest_latest_series(client: TestClient, small_twin) -> None:  # type: ignore[no-untyped-def]
    sp = _space(small_twin)
    r = client.post("/sensors", json={"id": "api-co2", "quantity": "co2", "space": sp.guid})
    assert r.status_code == 201, r.text
    s = r.json()
    assert (s["unit"], s["storey"], s["criticality"]) == ("ppm", sp.storey, sp.criticality)
    assert s["building"] == small_twin.storeys[sp.storey].building
    assert client.post("/sensors", json={"id": "x", "quantity": "co2"}).status_code == 422
    assert client.post("/sensors", json={"id": "x", "quantity": "co2", "space": "nope"}
                       ).status_code == 404  # fmt: skip
    batch = [{"sensor": "api-co2", "t": ts(m), "value": 400 + m} for m in (3, 1, 2)]
    batch.append({"sensor": "ghost", "t": ts(1), "value": 1})
    res = client.post("/readings", json=batch).json()
    assert (res["accepted"], res["rejected"], res["reasons"]) == (3, 1, {"unknown_sensor": 1})
    nd = "\n".join(json.dumps(x) for x in batch[:2]) + "\n{broken\n"
    res = client.post("/readings", content=nd, headers={"content-type": "application/x-ndjson"})
    assert res.json()["duplicates"] == 2 and res.json()["reasons"] == {"malformed": 1}
    latest = client.get("/sensors/api-co2/latest").json()
    assert latest["value"] == 403
    assert "api-co2" in {x["sensor"] for x in client.get(f"/spaces/{sp.guid}/latest").json()}
    assert "api-co2" in {x["sensor"] for x in client.get(f"/storeys/{sp.storey}/latest").json()}
    series = client.get("/sensors/api-co2/readings", params={"bucket": "1h"}).json()
    assert sum(b["count"] for b in series) == 3
    assert min(b["min"] for b in series) == 401 and max(b["max"] for b in series) == 403
    assert client.get("/sensors/api-co2/readings", params={"bucket": "5x"}).status_code == 422
    dl = client.get("/dead-letters", params={"reason": "unknown_sensor"}).json()
    assert dl["total"] >= 1 and dl["items"][0]["sensor"] == "ghost"


@pytest.mark.parametrize(
    ("body", "ctype", "status"),
    [
        (b"[{not json", "application/json", 422),
        (b'[{"sensor": "a", "t": 1, "value": 2, "colour": "red"}]', "application/json", 422),
        (b"[]", "application/json", 422),
        (b'["x", 3]', "application/json", 422),
        (b"[" + b'{"sensor": "a", "t": 1, "value": 2},' * 3000 + b"{}]", "application/json", 413),
    ],
)
def test_bad_bodies_are_problems(client: TestClient, body: bytes, ctype: str, status: int) -> None:
    r = client.post("/readings", content=body, headers={"content-type": ctype})
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == status


def test_alarm_rule_to_alarm_to_ticket(client: TestClient, small_twin) -> None:  # type: ignore[no-untyped-def]
    sp = _space(small_twin, "operating_theatre")
    client.post("/sensors", json={"id": "api-o2", "quantity": "oxygen_pressure", "space": sp.guid})
    rule = client.post("/alarm-rules", json={"kind": "below", "sensor": "api-o2",
                       "threshold": 380, "hysteresis": 10, "severity": "critical",
                       "auto_ticket": True, "ticket_priority": "emergency"})  # fmt: skip
    assert rule.status_code == 201, rule.text
    assert (
        client.post("/alarm-rules", json={"kind": "below", "sensor": "api-o2"}).status_code == 422
    )
    res = client.post("/readings", json=[{"sensor": "api-o2", "t": ts(10), "value": 350}]).json()
    (aid,) = res["alarms_raised"]
    alarm = client.get(f"/alarms/{aid}").json()
    assert (alarm["criticality"], alarm["space"], alarm["storey"]) == (
        sp.criticality, sp.guid, sp.storey)  # fmt: skip
    assert alarm["ticket"] is not None, "auto_ticket rule opened a work order"

    ticket = client.app.state.store.tickets.get(alarm["ticket"])  # type: ignore[attr-defined]
    assert (ticket.priority, ticket.alarm, ticket.space) == ("emergency", aid, sp.guid)
    active = client.get("/alarms", params={"state": "active", "storey": sp.storey}).json()
    assert aid in {a["id"] for a in active}
    assert client.post(f"/alarms/{aid}/ack").json()["state"] == "acknowledged"
    assert client.post(f"/alarms/{aid}/ack").status_code == 409
    assert client.post(f"/alarms/{aid}/clear").json()["state"] == "cleared"
    assert client.post("/alarms/999999/clear").status_code == 404

    actions = {(e.action, e.target) for e in client.app.state.store.audit.list()}  # type: ignore[attr-defined]
    for action in ("sensor.register", "alarm_rule.create", "readings.ingest"):
        assert action in {a for a, _ in actions}, action
    assert {("alarm.ack", f"alarm:{aid}"), ("alarm.clear", f"alarm:{aid}")} <= actions


def test_roles(client: TestClient) -> None:
    class Keys:
        def authenticate(self, key: str) -> Principal | None:
            return {"v": Principal("viewer-key", "viewer"),
                    "o": Principal("gateway", "operator")}.get(key)  # fmt: skip

    app = client.app
    app.state.settings.auth = True  # type: ignore[attr-defined]
    app.state.authenticator = Keys()  # type: ignore[attr-defined]
    try:
        body = [{"sensor": "api-co2", "t": ts(30), "value": 500}]
        assert client.post("/readings", json=body).status_code == 401
        assert client.post("/readings", json=body, headers={"X-API-Key": "bad"}).status_code == 401
        assert client.post("/readings", json=body, headers={"X-API-Key": "v"}).status_code == 403
        assert client.post("/readings", json=body, headers={"X-API-Key": "o"}).status_code == 200
        assert client.get("/alarms").status_code == 200  # anonymous read
    finally:
        app.state.settings.auth = False  # type: ignore[attr-defined]


def test_plan_overlays(client: TestClient, small_twin) -> None:  # type: ignore[no-untyped-def]
    from twin.export.plan_svg import PlanLayer, render_plan

    sp = _space(small_twin)
    factory = client.app.state.plan_layers["overlay"]  # type: ignore[attr-defined]

    class Req:
        app = client.app

    heat = factory(Req(), small_twin, sp.storey, "sensor:co2")
    assert isinstance(heat, PlanLayer)
    svg = render_plan(small_twin, sp.storey, layers=[heat])
    assert f'data-guid="{sp.guid}"' in svg and "ppm" in svg
    alarms = factory(Req(), small_twin, sp.storey, "alarms")
    assert alarms.name == "alarms"
    tickets = factory(Req(), small_twin, _space(small_twin, "operating_theatre").storey, "tickets")
    assert tickets.fills, "the open auto ticket colours its room"
    with pytest.raises(Exception, match="overlay must be"):
        factory(Req(), small_twin, sp.storey, "bogus")
