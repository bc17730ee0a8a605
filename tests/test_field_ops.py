"""Issue 15's field data, end to end through the API on SQLite and PostgreSQL: work orders with
requester, contact, closing note and rating; check-in photos and an abnormal answer recorded as
a hazard; the timer (``twin.service.periodic.tick``) generating due patrol rounds and PM orders
without anyone calling an endpoint. Happy path, roles, bad input as problem documents, restart."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ifcopenshell
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from api.settings import Settings
from tests.ops_support import wipe
from twin.live.store import LiveStore
from twin.live.tables_planned import patrol_rounds, pm_orders
from twin.service.campus import Campus
from twin.service.periodic import tick
from twin.service.scheduler import generate_ahead


def _settings(url: str, hospital: Path, cache: Path, docs: Path) -> Settings:
    return Settings(auth=True, anonymous_read=False, store_url=url, models=[hospital],
                    cache_dir=cache, documents_dir=docs, stale_sweep_s=0)  # fmt: skip


@pytest.fixture
def env(
    opened_store: tuple[LiveStore, str, Path], small_hospital: Path, twin_cache_dir: Path,
    tmp_path: Path,
) -> Iterator[dict[str, Any]]:  # fmt: skip
    store, url, _ = opened_store
    wipe(store)
    settings = _settings(url, small_hospital, twin_cache_dir, tmp_path / "docs")
    op, _ = store.keys.create("operator", "desk")
    viewer, _ = store.keys.create("viewer", "wall")
    store.technicians.register("tech-1", name="Ana", skills=["hvac"], actor="t")
    tech, _ = store.keys.create("technician", "ana", technician="tech-1")
    with TestClient(create_app(settings)) as client:
        yield {
            "c": client, "store": store, "settings": settings, "op": {"X-API-Key": op},
            "viewer": {"X-API-Key": viewer}, "tech": {"X-API-Key": tech},
        }  # fmt: skip


def _problem(r: Any, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_work_order_requester_contact_closing_note_rating(env: dict[str, Any]) -> None:
    c, op, tech = env["c"], env["op"], env["tech"]
    body = {"title": "Door closer broken", "priority": "normal",
            "requester": "Ward 3B nurse in charge", "contact": "ext. 4711"}  # fmt: skip
    _problem(c.post("/tickets", json=body, headers=env["viewer"]), 403)
    _problem(c.post("/tickets", json=body | {"requester": ""}, headers=op), 422)
    _problem(c.post("/tickets", json=body | {"contact": "x" * 201}, headers=op), 422)
    t = c.post("/tickets", json=body, headers=op).json()
    assert (t["requester"], t["contact"], t["closing_note"], t["rating"]) == (
        "Ward 3B nurse in charge", "ext. 4711", None, None)  # fmt: skip
    tid = t["id"]
    _problem(c.put(f"/tickets/{tid}/rating", json={"rating": 4}, headers=op), 409)  # still open
    c.post(f"/tickets/{tid}/transitions", json={"to": "assigned", "technician": "tech-1"},
           headers=op)  # fmt: skip
    # a closing note belongs to resolving or closing only
    _problem(c.post(f"/tickets/{tid}/transitions", json={"to": "on_site", "closing_note": "x"},
                    headers=tech), 422)  # fmt: skip
    assert c.post(f"/tickets/{tid}/transitions", json={"to": "on_site"},
                  headers=tech).status_code == 200  # fmt: skip
    note = "adjusted the closer's spring; door latches"
    r = c.post(f"/tickets/{tid}/transitions", json={"to": "resolved", "closing_note": note},
               headers=tech)  # fmt: skip
    assert r.status_code == 200 and r.json()["closing_note"] == note
    _problem(c.put(f"/tickets/{tid}/rating", json={"rating": 4}, headers=tech), 403)
    _problem(c.put(f"/tickets/{tid}/rating", json={"rating": 6}, headers=op), 422)
    _problem(c.put(f"/tickets/{tid}/rating", json={"rating": 4, "x": 1}, headers=op), 422)
    _problem(c.put("/tickets/999999/rating", json={"rating": 4}, headers=op), 404)
    r = c.put(f"/tickets/{tid}/rating", json={"rating": 4, "comment": "quick"}, headers=op)
    assert r.status_code == 200 and r.json()["rating"] == 4
    audit = env["store"].audit.list(action="ticket.rate")
    assert [(a.target, a.detail["rating"]) for a in audit] == [(f"ticket:{tid}", 4)]
    # nothing lost on restart: a new app on the same store reads every field back
    with TestClient(create_app(env["settings"])) as again:
        got = again.get(f"/tickets/{tid}", headers=env["viewer"]).json()
    assert (got["requester"], got["contact"], got["closing_note"], got["rating"]) == (
        "Ward 3B nurse in charge", "ext. 4711", note, 4)  # fmt: skip


def _round(env: dict[str, Any], rooms: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    c, op = env["c"], env["op"]
    body = {"name": "Plant round", "schedule": "daily at 00:00", "window_minutes": 1440,
            "checkpoints": [
                {"place": rooms[0], "label": "Boiler room", "items": [
                    {"key": "leak", "expect": False,
                     "hazard": {"category": "water", "risk": "high"}},
                    {"key": "pressure_bar", "kind": "reading", "min": 1.0, "max": 2.0}]},
                {"place": rooms[1], "label": "Roof", "items": [{"key": "ok"}]}]}  # fmt: skip
    bad = dict(body, checkpoints=[dict(body["checkpoints"][0], items=[
        {"key": "leak", "hazard": {"category": "meteor"}}])])  # fmt: skip
    _problem(c.post("/patrol-templates", json=bad, headers=op), 422)
    tpl = c.post("/patrol-templates", json=body, headers=op).json()
    day = datetime.now(UTC).date()
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    rnd = c.post(f"/patrol-templates/{tpl['id']}/rounds", headers=op,
                 json={"start": start.isoformat(), "days": 1}).json()[0]  # fmt: skip
    return tpl, rnd


def test_abnormal_answer_records_a_hazard_and_checkin_photos(
    env: dict[str, Any], small_twin: Any
) -> None:
    c, tech = env["c"], env["tech"]
    rooms = sorted(small_twin.spaces)[:2]
    tpl, rnd = _round(env, rooms)
    code = tpl["checkpoints"][0]["code"]
    url = f"/patrols/{rnd['id']}/check-ins"
    # a leak (hazard item) and a reading out of range (ticket item): one hazard and one ticket
    answers = {"leak": True, "pressure_bar": 3.0}
    r = c.post(url, headers=tech, json={"code": code, "technician": "tech-1", "answers": answers})
    assert r.status_code == 201, r.text
    ci = r.json()
    assert sorted(ci["abnormal"]) == ["leak", "pressure_bar"]
    assert ci["ticket"] is not None and ci["hazard"] is not None
    hz = c.get(f"/hazards/{ci['hazard']}", headers=env["viewer"]).json()
    assert (hz["category"], hz["risk"], hz["status"], hz["location"]) == (
        "water", "high", "new", rooms[0])  # fmt: skip
    assert "leak=True" in hz["description"]
    ticket = c.get(f"/tickets/{ci['ticket']}", headers=env["viewer"]).json()
    assert "pressure_bar" in ticket["title"] and "leak" not in ticket["title"]
    # a normal answer: neither
    ok = c.post(
        url,
        headers=tech,
        json={
            "code": tpl["checkpoints"][1]["code"],
            "technician": "tech-1",
            "answers": {"ok": True},
        },
    ).json()
    assert ok["ticket"] is None and ok["hazard"] is None
    # a photo on the check-in
    docs = f"{url}/{ci['id']}/documents"
    files = {"file": ("leak.png", _png(), "image/png")}
    _problem(c.post(docs, files=files, headers=env["viewer"]), 403)
    _problem(c.post(f"/patrols/{rnd['id']}/check-ins/999999/documents", files=files,
                    headers=tech), 404)  # fmt: skip
    _problem(c.post(docs, files={"file": ("x.png", b"not a png", "image/png")}, headers=tech),
             415)  # fmt: skip
    d = c.post(docs, files=files, data={"title": "pipe joint"}, headers=tech)
    assert d.status_code == 201, d.text
    assert d.json()["content_type"] == "image/png"
    listed = c.get(docs, headers=env["viewer"]).json()
    assert [x["id"] for x in listed] == [d.json()["id"]]
    body = c.get(f"/documents/{d.json()['id']}/content", headers=env["viewer"])
    assert body.content == _png() and body.headers["content-type"] == "image/png"
    with TestClient(create_app(env["settings"])) as again:
        back = again.get(url, headers=env["viewer"]).json()
        assert [x["hazard"] for x in back] == [ci["hazard"], None]
        assert len(again.get(docs, headers=env["viewer"]).json()) == 1


def test_timer_generates_rounds_and_pm_orders_ahead(
    store: LiveStore, small_hospital: Path, small_twin: Any
) -> None:
    campus = Campus()
    campus.add(small_twin)
    rooms = sorted(small_twin.spaces)[:2]
    tpl = store.patrols.create_template(
        name="Night", schedule="daily at 22:00", window_minutes=60, actor="t",
        checkpoints=[{"place": g, "items": []} for g in rooms],
    )  # fmt: skip
    lifts = sorted(e.GlobalId for e in ifcopenshell.open(str(small_hospital))
                   .by_type("IfcTransportElement"))  # fmt: skip
    assert lifts, "the small hospital has lifts"
    now = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
    store.maintenance.create_plan(
        name="Lift service", kind="lift", interval="monthly", anchor=now.date(), lead_days=14,
        checklist=["brakes"], actor="t",
    )  # fmt: skip
    # the API's timer run, not an endpoint
    tick(store, campus, {}, now=now)
    with store.engine.connect() as conn:
        starts = sorted(
            r[0]
            for r in conn.execute(
                select(patrol_rounds.c.due_start).where(patrol_rounds.c.template == tpl.id)
            )
        )
        orders = conn.execute(select(func.count()).select_from(pm_orders)).scalar_one()
    # daily at 22:00 from now - 1 h (10th 11:00) to now + 2 days (12th 12:00): the 10th and
    # the 11th at 22:00 (by hand)
    want = [datetime(2027, 3, d, 22, 0, tzinfo=UTC) for d in (10, 11)]
    assert starts == [int(w.timestamp() * 1e6) for w in want]
    # monthly from today with 14 days lead: only today's due date is within reach, per lift
    assert orders == len(lifts)
    # a later run within the quarter hour is skipped; a forced one finds nothing new
    assert not generate_ahead(campus, store, now + timedelta(minutes=5)).ran
    again = generate_ahead(campus, store, now + timedelta(minutes=5), every=timedelta(0))
    assert (again.rounds, again.orders, again.ran) == (0, 0, True)
    # a day later the next round and, 14 days before the next due date, the next orders
    later = generate_ahead(campus, store, now + timedelta(days=20), every=timedelta(0))
    assert later.orders == len(lifts)
    assert [a.actor for a in store.audit.list(action="pm.generate")] == ["scheduler"] * 2


def test_patrol_checkpoints_plan_layer(env: dict[str, Any], small_twin: Any) -> None:
    c, op = env["c"], env["op"]
    storey = next(g for g, s in small_twin.storeys.items()
                  if sum(sp.storey == g for sp in small_twin.spaces.values()) > 2)  # fmt: skip
    here = sorted(g for g, sp in small_twin.spaces.items() if sp.storey == storey)[:2]
    other = next(g for g, sp in small_twin.spaces.items() if sp.storey != storey)
    c.post("/patrol-templates", headers=op, json={
        "name": "Ward round", "schedule": "daily",
        "checkpoints": [{"place": g} for g in [*here, other]]})  # fmt: skip
    svg = c.get(f"/storeys/{storey}/plan.svg", params={"overlay": "patrols"},
                headers=env["viewer"]).text  # fmt: skip
    layer = svg.split('class="layer layer-patrols"', 1)[1].split("</g>", 1)[0]
    for g in here:
        assert f'data-guid="{g}"' in layer
    assert other not in layer  # on another storey
