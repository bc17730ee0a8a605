"""The hazard ledger: lifecycle rules in the store and over the API (auth on), overdue flag,
CSV round trip, HTML escaping, the plan layer; on SQLite and PostgreSQL. Places (room, storey,
building) are checked against the IFC read with ifcopenshell."""

from __future__ import annotations

import csv
import io
import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.util.element
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.safety_support import wipe_safety
from twin.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from twin.live.hazards import is_overdue
from twin.live.store import LiveStore, open_store

pytestmark = pytest.mark.slow  # the generated hospital


@pytest.fixture
def store(opened_store: tuple[LiveStore, str, Path]) -> LiveStore:
    wipe_safety(opened_store[0])
    return opened_store[0]


def test_lifecycle_rules_in_the_store(
    store: LiveStore, opened_store: tuple[LiveStore, str, Path]
) -> None:
    h = store.hazards.create(location="ROOM1", category="electrical", risk="high",
                             description="exposed live conductor", actor="ann")  # fmt: skip
    assert h.status == "new" and h.found_by == "ann"
    with pytest.raises(InvalidInput):  # no owner or deadline yet
        store.hazards.transition(h.id, "rectifying", "desk")
    with pytest.raises(IllegalTransition) as bad:
        store.hazards.transition(h.id, "closed", "desk")
    assert bad.value.status == 409 and bad.value.extra["from_status"] == "new"
    with pytest.raises(InvalidInput):
        store.hazards.transition(h.id, "fixed", "desk")
    with pytest.raises(InvalidInput):
        store.hazards.create(location="X", category="radiation", risk="low", description="d",
                             actor="a")  # fmt: skip
    past = datetime.now(UTC) - timedelta(days=1)
    h = store.hazards.update(h.id, actor="desk", owner="bob", deadline=past)
    assert is_overdue(h, datetime.now(UTC))
    h = store.hazards.transition(h.id, "rectifying", "bob")
    assert is_overdue(h, datetime.now(UTC))
    h = store.hazards.transition(h.id, "awaiting_verification", "bob", "insulated")
    assert not is_overdue(h, datetime.now(UTC))  # rectification done, waits for a verifier
    with pytest.raises(Forbidden):  # the owner does not verify their own work
        store.hazards.transition(h.id, "closed", "bob")
    h = store.hazards.transition(h.id, "rectifying", "sup", "still warm")  # verification failed
    h = store.hazards.transition(h.id, "awaiting_verification", "bob")
    h = store.hazards.transition(h.id, "closed", "sup", "verified")
    assert [t.to_status for t in h.transitions] == [
        "new", "rectifying", "awaiting_verification", "rectifying", "awaiting_verification",
        "closed",
    ]  # fmt: skip
    with pytest.raises(IllegalTransition):
        store.hazards.update(h.id, actor="desk", risk="low")
    g = store.hazards.create(location="ROOM2", category="lift", risk="low",
                             description="door gap", actor="ann")  # fmt: skip
    with pytest.raises(InvalidInput):
        store.hazards.transition(g.id, "accepted_risk", "desk")  # no approver
    g = store.hazards.transition(g.id, "accepted_risk", "desk", "within tolerance", approver="desk")
    assert g.approver == "desk"
    t = store.tickets.create(title="lift door", priority="planned", actor="desk")
    g = store.hazards.link_ticket(g.id, t.id, "desk")
    assert store.hazards.link_ticket(g.id, t.id, "desk").tickets == (t.id,)  # idempotent
    with pytest.raises(NotFound):
        store.hazards.link_ticket(g.id, 10**9, "desk")
    again = open_store(opened_store[1])  # nothing lost on restart
    try:
        assert again.hazards.get(g.id).tickets == (t.id,)
        assert again.hazards.get(h.id).status == "closed"
        assert {x.id for x in again.hazards.list(status="accepted_risk")} == {g.id}
    finally:
        again.close()
    actions = {e.action for e in store.audit.list(limit=100)}
    assert {"hazard.create", "hazard.update", "hazard.closed", "hazard.accepted_risk",
            "hazard.link_ticket"} <= actions  # fmt: skip


# -- the API -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ifc(small_hospital: Path) -> ifcopenshell.file:
    return ifcopenshell.open(str(small_hospital))


@pytest.fixture
def env(
    opened_store: tuple[LiveStore, str, Path], small_hospital: Path, twin_cache_dir: Path
) -> Iterator[dict[str, Any]]:
    store, url, tmp = opened_store
    wipe_safety(store)
    settings = Settings(auth=True, anonymous_read=False, store_url=url, cache_dir=twin_cache_dir,
                        models=[small_hospital], upload_dir=tmp / "uploads",
                        documents_dir=tmp / "documents")  # fmt: skip
    store.technicians.register("ann", name="Ann", skills=("general",), actor="t")
    keys = {
        "ann": store.keys.create("technician", "ann's phone", technician="ann")[0],
        "desk": store.keys.create("operator", "desk")[0],
        "viewer": store.keys.create("viewer", "screen")[0],
    }
    with TestClient(create_app(settings)) as client:
        yield {"c": client, **{k: {"X-API-Key": v} for k, v in keys.items()}}


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()  # type: ignore[no-any-return]


def _place(ifc: ifcopenshell.file, guid: str) -> tuple[str, str, str]:
    """(room, storey, building) GlobalIds of a space or element, straight from the IFC."""
    entity = ifc.by_guid(guid)
    space = entity if entity.is_a("IfcSpace") else ifcopenshell.util.element.get_container(entity)
    storey = space
    while not storey.is_a("IfcBuildingStorey"):
        storey = ifcopenshell.util.element.get_aggregate(storey)
    building = ifcopenshell.util.element.get_aggregate(storey)
    return space.GlobalId, storey.GlobalId, building.GlobalId


def test_ledger_over_the_api(env: dict[str, Any], ifc: ifcopenshell.file) -> None:
    c = env["c"]
    icu = next(s for s in ifc.by_type("IfcSpace")
               if (ifcopenshell.util.element.get_pset(s, "Pset_HospitalSpace") or {}).get(
                   "Criticality") == "icu")  # fmt: skip
    outlet = next(t for t in ifc.by_type("IfcFlowTerminal")
                  if ifcopenshell.util.element.get_container(t).is_a("IfcSpace"))  # fmt: skip
    room, storey, building = _place(ifc, icu.GlobalId)
    evil = '<script>alert("x")</script> & =HYPERLINK("http://evil")'
    r = c.post("/hazards", json={"location": icu.GlobalId, "category": "gas", "risk": "critical",
                                 "description": evil}, headers=env["ann"])  # fmt: skip
    assert r.status_code == 201, r.text
    a = r.json()
    assert (a["space"], a["storey"], a["building"], a["found_by"]) == (room, storey, building,
                                                                        "ann")  # fmt: skip
    r = c.post("/hazards", json={"location": outlet.GlobalId, "category": "water", "risk": "low",
                                 "description": "drip"}, headers=env["ann"])  # fmt: skip
    b = r.json()
    assert (b["space"], b["storey"], b["building"]) == _place(ifc, outlet.GlobalId)
    # bad input and roles
    base = {"location": icu.GlobalId, "category": "fire", "risk": "low", "description": "x"}
    _problem(c.post("/hazards", json=base | {"category": "radiation"}, headers=env["ann"]), 422)
    nowhere = base | {"location": "0000000000000000000000"}
    _problem(c.post("/hazards", json=nowhere, headers=env["ann"]), 404)
    _problem(c.post("/hazards", json=base, headers=env["viewer"]), 403)
    _problem(c.patch(f"/hazards/{a['id']}", json={"owner": "ann"}, headers=env["ann"]), 403)
    _problem(c.post(f"/hazards/{a['id']}/transitions", json={"to": "closed"},
                    headers=env["desk"]), 409)  # fmt: skip
    _problem(c.post(f"/hazards/{a['id']}/transitions", json={"to": "rectifying"},
                    headers=env["desk"]), 422)  # fmt: skip
    _problem(c.post(f"/hazards/{b['id']}/transitions", json={"to": "accepted_risk"},
                    headers=env["ann"]), 403)  # fmt: skip
    _problem(c.get("/hazards/999999", headers=env["viewer"]), 404)
    # owner + past deadline: overdue
    past = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    r = c.patch(f"/hazards/{a['id']}", json={"owner": "ann", "deadline": past}, headers=env["desk"])
    assert r.status_code == 200 and r.json()["overdue"] is True
    _problem(
        c.patch(
            f"/hazards/{a['id']}", json={"deadline": "2026-12-01T00:00:00"}, headers=env["desk"]
        ),
        422,
    )  # fmt: skip  (no time zone)
    r = c.post(f"/hazards/{a['id']}/transitions", json={"to": "rectifying"}, headers=env["ann"])
    assert r.status_code == 200 and r.json()["overdue"] is True
    late = c.get("/hazards", params={"overdue": "true"}, headers=env["viewer"]).json()
    assert [h["id"] for h in late] == [a["id"]]
    r = c.post(f"/hazards/{b['id']}/transitions", json={"to": "accepted_risk"},
               headers=env["desk"])  # fmt: skip
    assert r.json()["approver"] == "desk" and r.json()["status"] == "accepted_risk"
    t = c.post("/tickets", json={"title": "fix O2", "space": icu.GlobalId}, headers=env["desk"])
    r = c.post(f"/hazards/{a['id']}/tickets", json={"ticket": t.json()["id"]}, headers=env["desk"])
    assert r.json()["tickets"] == [t.json()["id"]]

    # CSV round trip: what the API lists, cell for cell
    r = c.get(f"/buildings/{building}/hazards.csv", headers=env["viewer"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    listed = {h["id"]: h for h in c.get("/hazards", headers=env["viewer"]).json()}
    assert {int(x["id"]) for x in rows} == set(listed)
    for x in rows:
        h = listed[int(x["id"])]
        for col in ("status", "category", "risk", "location", "owner", "approver"):
            assert x[col] == (h[col] or ""), col
        assert x["overdue"] == ("yes" if h["overdue"] else "no")
        assert [int(t) for t in x["tickets"].split()] == h["tickets"]
        assert datetime.fromisoformat(x["found_at"]) == datetime.fromisoformat(h["found_at"])
    evil_row = next(x for x in rows if int(x["id"]) == a["id"])
    assert evil_row["description"] == evil  # starts with "<": kept as written
    assert evil_row["room"] == (icu.Name + " " + (icu.LongName or "")).strip()
    # HTML: every user text escaped
    page = c.get(f"/buildings/{building}/hazards.html", headers=env["viewer"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script>" not in page.text and "&lt;script&gt;alert(&quot;x&quot;)" in page.text
    assert 'class="overdue"' in page.text
    _problem(c.get("/buildings/nope/hazards.csv", headers=env["viewer"]), 404)
    # the plan layer: the ICU room filled in the critical colour, the accepted one not open
    svg = c.get(f"/storeys/{storey}/plan.svg", params={"overlay": "hazards"},
                headers=env["viewer"]).text  # fmt: skip
    assert f'data-guid="{room}" fill="#ff3b30"' in svg
    assert f'data-guid="{b["space"]}" fill=' not in svg.split('data-overlay="hazards"')[1]
    svg_all = c.get(f"/storeys/{b['storey']}/plan.svg", params={"overlay": "hazards:all"},
                    headers=env["viewer"]).text  # fmt: skip
    assert f'data-guid="{b["space"]}" fill="#5ac8fa"' in svg_all


def test_csv_cells_that_look_like_formulas_are_defused() -> None:
    from twin.export.hazards import hazards_csv
    from twin.live.hazards import Hazard

    now = datetime.now(UTC)
    h = Hazard(1, "G", None, None, None, "fire", "low", "=1+1", "@ann", now, "-x", None, "new",
               None, now)  # fmt: skip
    row = next(csv.DictReader(io.StringIO(hazards_csv([h], now))))
    assert (row["description"], row["found_by"], row["owner"]) == ("'=1+1", "'@ann", "'-x")


def _png() -> bytes:
    """A decodable 1x1 RGB PNG written by hand (signature, IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_photo_on_a_hazard(env: dict[str, Any], ifc: ifcopenshell.file) -> None:
    c = env["c"]
    room = ifc.by_type("IfcSpace")[0].GlobalId
    h = c.post("/hazards", json={"location": room, "category": "structural", "risk": "medium",
                                 "description": "crack"}, headers=env["ann"]).json()  # fmt: skip
    png = _png()
    url = f"/hazards/{h['id']}/documents"
    r = c.post(url, files={"file": ("crack.png", png, "image/png")}, headers=env["ann"])
    assert r.status_code == 201, r.text
    docs = c.get(url, headers=env["viewer"]).json()
    assert [d["id"] for d in docs] == [r.json()["id"]]
    got = c.get(f"/documents/{docs[0]['id']}/content", headers=env["viewer"])
    assert got.content == png and got.headers["content-type"] == "image/png"
    _problem(c.post(url, files={"file": ("x.png", b"not a png", "image/png")},
                    headers=env["ann"]), 415)  # fmt: skip
    _problem(c.post("/hazards/999999/documents", files={"file": ("crack.png", png, "image/png")},
                    headers=env["ann"]), 404)  # fmt: skip
    _problem(c.get("/hazards/999999/documents", headers=env["viewer"]), 404)
    _problem(c.post(url, files={"file": ("crack.png", png, "image/png")},
                    headers=env["viewer"]), 403)  # fmt: skip
