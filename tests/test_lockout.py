"""Lock-out of work orders on the demo hospital's medical oxygen, over the API with auth on, on
SQLite and PostgreSQL. Truths: the hospital generator's isolation table (which valve feeds which
rooms), room criticality read with ifcopenshell from the IFC, and the open path to the oxygen
manifold found with networkx over the IFC's port connections."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.util.element
import ifcopenshell.util.system
import networkx as nx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.safety_support import wipe_safety
from twin.errors import Conflict
from twin.live.lockout import LocksHeld, ReleaseRefused
from twin.live.store import LiveStore, open_store

pytestmark = pytest.mark.slow  # the generated hospital


@pytest.fixture
def store(opened_store: tuple[LiveStore, str, Path]) -> LiveStore:
    wipe_safety(opened_store[0])
    return opened_store[0]


# -- the store on its own ------------------------------------------------------------------------
def test_locks_block_closing_and_restoring_until_released(
    store: LiveStore, opened_store: tuple[LiveStore, str, Path]
) -> None:
    t = store.tickets.create(title="replace O2 valve", priority="urgent", actor="desk")
    a = store.locks.lock(t.id, "VALVE_A", key_tag="padlock 1", by="ann")
    b = store.locks.lock(t.id, "VALVE_B", key_tag="padlock 2", by="ann")
    with pytest.raises(Conflict):  # one lock per point and order
        store.locks.lock(t.id, "VALVE_A", key_tag="padlock 3", by="bob")
    with pytest.raises(LocksHeld):
        store.tickets.transition(t.id, "cancelled", "desk")
    with pytest.raises(LocksHeld) as held:
        store.locks.restore(t.id, by="ann")
    assert held.value.status == 409 and held.value.extra["locked_points"] == ["VALVE_A", "VALVE_B"]
    with pytest.raises(ReleaseRefused):
        store.locks.release(t.id, a.id, by="bob", supervisor=False)
    assert store.locks.release(t.id, a.id, by="ann", supervisor=False).released_by == "ann"
    with pytest.raises(Conflict):
        store.locks.release(t.id, a.id, by="ann", supervisor=False)
    # nothing lost on restart: a fresh store on the same database sees the lock still on
    again = open_store(opened_store[1])
    try:
        locks = again.locks.list(t.id)
        assert [(x.point, x.on) for x in locks] == [("VALVE_A", False), ("VALVE_B", True)]
        assert again.locks.release(t.id, b.id, by="sup", supervisor=True).released_by == "sup"
    finally:
        again.close()
    r = store.locks.restore(t.id, by="ann", note="reopened")
    assert store.locks.restorations(t.id) == [r]
    assert store.tickets.transition(t.id, "cancelled", "desk").status == "cancelled"
    actions = [e.action for e in store.audit.list(limit=50)]
    assert {"lockout.lock", "lockout.release", "lockout.restore"} <= set(actions)


# -- truths from the IFC -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ifc(small_hospital: Path) -> ifcopenshell.file:
    return ifcopenshell.open(str(small_hospital))


def _criticality(ifc: ifcopenshell.file, guid: str) -> str:
    pset = ifcopenshell.util.element.get_pset(ifc.by_guid(guid), "Pset_HospitalSpace") or {}
    return str(pset.get("Criticality", "normal"))


def _port_graph(ifc: ifcopenshell.file, system_guid: str) -> nx.Graph:
    """Elements of one IfcSystem joined where their ports connect (IfcRelConnectsPorts)."""
    g = nx.Graph()
    system = ifc.by_guid(system_guid)
    members = [e for rel in system.IsGroupedBy for e in rel.RelatedObjects]
    for e in members:
        g.add_node(e.GlobalId, cls=e.is_a())
        for other in (*ifcopenshell.util.system.get_connected_to(e),
                      *ifcopenshell.util.system.get_connected_from(e)):  # fmt: skip
            g.add_edge(e.GlobalId, other.GlobalId)
    for n in list(g.nodes):
        g.nodes[n].setdefault("cls", ifc.by_guid(n).is_a())
    return g


# -- the API -------------------------------------------------------------------------------------
@pytest.fixture
def env(
    opened_store: tuple[LiveStore, str, Path], small_hospital: Path, twin_cache_dir: Path
) -> Iterator[dict[str, Any]]:
    store, url, tmp = opened_store
    wipe_safety(store)
    settings = Settings(auth=True, anonymous_read=False, store_url=url, cache_dir=twin_cache_dir,
                        models=[small_hospital], upload_dir=tmp / "uploads")  # fmt: skip
    admin, _ = store.keys.create("admin", "root")
    for tid in ("ann", "bob"):
        store.technicians.register(tid, name=tid.title(), skills=("medical_gas",), actor="t")
    keys = {
        "ann": store.keys.create("technician", "ann's phone", technician="ann")[0],
        "bob": store.keys.create("technician", "bob's phone", technician="bob")[0],
        "desk": store.keys.create("operator", "desk")[0],
        "viewer": store.keys.create("viewer", "screen")[0],
    }
    with TestClient(create_app(settings)) as client:
        yield {"c": client, "store": store, "admin": {"X-API-Key": admin},
               **{k: {"X-API-Key": v} for k, v in keys.items()}}  # fmt: skip


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()  # type: ignore[no-any-return]


def _icu_outlet(ifc: ifcopenshell.file, truth: dict[str, Any]) -> tuple[dict[str, Any], str]:
    for entry in (e for e in truth["isolation"] if "oxygen" in e["system_name"].lower()):
        for t in entry["downstream_terminals"]:
            space = ifcopenshell.util.element.get_container(ifc.by_guid(t))
            for rel in ifc.by_guid(t).ContainedInStructure or ():
                space = rel.RelatingStructure
            if (
                space is not None
                and space.is_a("IfcSpace")
                and _criticality(ifc, space.GlobalId) == "icu"
            ):
                return entry, t
    raise AssertionError("no ICU oxygen outlet in the small hospital")


def test_plan_for_an_icu_oxygen_outlet_locks_the_storey_valve(
    env: dict[str, Any], ifc: ifcopenshell.file, small_hospital_truth: dict[str, Any]
) -> None:
    c = env["c"]
    entry, outlet = _icu_outlet(ifc, small_hospital_truth)
    r = c.post("/tickets", json={"title": "O2 outlet leaks", "element": outlet,
                                 "priority": "urgent"}, headers=env["desk"])  # fmt: skip
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    plan = c.get(f"/tickets/{tid}/isolation-plan", headers=env["viewer"]).json()
    assert plan["possible"] is True and [p["guid"] for p in plan["points"]] == [entry["valve"]]
    rooms = {s["guid"] for s in plan["rooms"]}
    assert rooms == set(entry["downstream_spaces"])
    crit = {g for g in rooms if _criticality(ifc, g) not in ("normal", "plant")}
    assert crit and {s["guid"] for s in plan["critical_rooms"]} == crit
    noticed = {g for n in plan["notices"] for g in n["rooms"]}
    assert noticed == crit and any(n["criticality"] == "icu" for n in plan["notices"])

    # lock by ann; closing refused while locked; bob may not release; the desk may
    _problem(c.post(f"/tickets/{tid}/locks", json={"point": outlet, "key_tag": "t1"},
                    headers=env["ann"]), 422)  # fmt: skip
    r = c.post(f"/tickets/{tid}/locks", json={"point": entry["valve"], "key_tag": "padlock 7"},
               headers=env["ann"])  # fmt: skip
    assert r.status_code == 201, r.text
    lock = r.json()
    assert lock["locked_by"] == "ann" and lock["on"] is True
    assert c.get(f"/tickets/{tid}/isolation-plan", headers=env["viewer"]).json()["locks_on"] == 1
    for to, tech in (("assigned", "ann"), ("on_site", None)):
        body = {"to": to, "technician": tech} if tech else {"to": to}
        assert (
            c.post(f"/tickets/{tid}/transitions", json=body, headers=env["desk"]).status_code == 200
        )
    p = _problem(c.post(f"/tickets/{tid}/transitions", json={"to": "resolved"},
                        headers=env["ann"]), 409)  # fmt: skip
    assert p["locked_points"] == [entry["valve"]]
    _problem(c.post(f"/tickets/{tid}/restore", json={}, headers=env["ann"]), 409)
    _problem(c.post(f"/tickets/{tid}/locks/{lock['id']}/release", headers=env["bob"]), 403)
    _problem(c.post(f"/tickets/{tid}/locks", json={"point": entry["valve"], "key_tag": "x"},
                    headers=env["viewer"]), 403)  # fmt: skip
    r = c.post(f"/tickets/{tid}/locks/{lock['id']}/release", headers=env["desk"])
    assert r.status_code == 200 and r.json()["released_by"] == "desk" and not r.json()["on"]
    assert (
        c.post(f"/tickets/{tid}/restore", json={"note": "ok"}, headers=env["ann"]).status_code
        == 201
    )
    r = c.post(f"/tickets/{tid}/transitions", json={"to": "resolved"}, headers=env["ann"])
    assert r.status_code == 200, r.text
    audit = c.get("/audit", params={"limit": 100}, headers=env["admin"]).json()
    acts = [a["action"] for a in audit]
    assert {"lockout.lock", "lockout.release", "lockout.restore"} <= set(acts)


def test_plan_for_the_oxygen_valve_itself_is_not_possible(
    env: dict[str, Any], ifc: ifcopenshell.file, small_hospital_truth: dict[str, Any]
) -> None:
    c = env["c"]
    entry = next(
        e for e in small_hospital_truth["isolation"] if "oxygen" in e["system_name"].lower()
    )
    source = small_hospital_truth["systems"][entry["system"]]["source"]
    g = _port_graph(ifc, entry["system"])
    valves = {n for n, d in g.nodes(data=True) if d["cls"] == "IfcValve"} - {entry["valve"]}
    open_path = nx.has_path(g.subgraph(set(g.nodes) - valves), source, entry["valve"])
    r = c.post("/tickets", json={"title": "replace storey O2 valve", "element": entry["valve"]},
               headers=env["desk"])  # fmt: skip
    tid = r.json()["id"]
    plan = c.get(f"/tickets/{tid}/isolation-plan", headers=env["viewer"]).json()
    assert plan["possible"] is (not open_path) is False
    assert plan["points"] == [] and plan["reason"] and plan["rooms"] == []
    shut = [s for s in plan["suggestions"] if s["kind"] == "shut_down_source"]
    assert shut and shut[0]["guids"] == [source]
    # shutting the manifold cuts every oxygen room (the generator's rooms of every storey valve)
    every = {s for e in small_hospital_truth["isolation"] if e["system"] == entry["system"]
             for s in e["downstream_spaces"]}  # fmt: skip
    assert {s["guid"] for s in plan["if_suggestion_followed"]} == every
    assert plan["notices"]  # ICU and theatres are on oxygen
    # the suggested source may be locked (shut down and locked out), nothing else
    r = c.post(f"/tickets/{tid}/locks", json={"point": source, "key_tag": "manifold tag"},
               headers=env["ann"])  # fmt: skip
    assert r.status_code == 201, r.text
    r = c.post("/tickets", json={"title": "room only", "space": entry["downstream_spaces"][0]},
               headers=env["desk"])  # fmt: skip
    _problem(c.get(f"/tickets/{r.json()['id']}/isolation-plan", headers=env["viewer"]), 409)
    _problem(c.get("/tickets/999999/isolation-plan", headers=env["viewer"]), 404)
