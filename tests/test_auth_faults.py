"""Faults of issue 11 ("Auth and roles"), each on SQLite and PostgreSQL with auth on: uploads need a
planner, are audited and leave nothing behind when they fail (with a problem document naming the
client's file); a technician declines only its own jobs and a decline that cannot be re-dispatched
changes nothing; an admin does not revoke its own key by a slip; ``/audit?action=`` takes ``%`` and
``_`` literally; an anonymous call to an operation a viewer may not do is 401, not 403."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.ops_support import wipe
from twin.live.store import LiveStore

BROKEN_IFC = (
    b"ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\nFILE_NAME('','',(''),(''),'','','');\n"
    b"FILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n#1=IFCWALL(;\nENDSEC;\nEND-ISO-10303-21;\n"
)


@pytest.fixture(scope="module")
def env(
    opened_store: tuple[LiveStore, str, Path], small_hospital: Path, twin_cache_dir: Path
) -> Iterator[dict[str, Any]]:
    store, url, tmp = opened_store
    settings = Settings(
        auth=True, anonymous_read=False, store_url=url, models=[small_hospital],
        cache_dir=twin_cache_dir, upload_dir=tmp / "uploads-faults",
    )  # fmt: skip
    with TestClient(create_app(settings)) as client:
        yield {"client": client, "store": store, "uploads": settings.upload_dir}


@pytest.fixture
def ctx(env: dict[str, Any]) -> dict[str, Any]:
    """Empty store with ann and bob (technicians) and a key per role."""
    store = env["store"]
    wipe(store)
    for tid in ("ann", "bob"):
        store.technicians.register(tid, name=tid, skills=["general"], actor="t")
    made = {
        "admin": store.keys.create("admin", "root"),
        "planner": store.keys.create("planner", "design office"),
        "operator": store.keys.create("operator", "desk"),
        "ann": store.keys.create("technician", "ann's phone", technician="ann"),
        "bob": store.keys.create("technician", "bob's phone", technician="bob"),
    }
    headers = {who: {"X-API-Key": secret} for who, (secret, _) in made.items()}
    return env | {"h": headers, "ids": {who: rec.id for who, (_, rec) in made.items()}}


def _assigned_ticket(ctx: dict[str, Any], small_twin: Any, technician: str) -> int:
    space = next(iter(small_twin.spaces))
    t = ctx["store"].tickets.create(title="Lamp", priority="normal", actor="t", space=space)
    ctx["store"].tickets.assign(t.id, technician, "t")
    return t.id


def test_a_technician_declines_only_its_own_job(ctx: dict[str, Any], small_twin: Any) -> None:
    c, h = ctx["client"], ctx["h"]
    tid = _assigned_ticket(ctx, small_twin, "bob")
    body = {"technician": "bob", "reason": "not me", "redispatch": False}
    r = c.post(f"/tickets/{tid}/decline", json=body, headers=h["ann"])
    assert r.status_code == 403, r.text
    assert ctx["store"].tickets.get(tid).technician == "bob"
    r = c.post(f"/tickets/{tid}/decline", json=body, headers=h["bob"])
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["technician"]) == ("new", None)
    # the desk may decline for anyone
    tid = _assigned_ticket(ctx, small_twin, "ann")
    body = {"technician": "ann", "reason": "sick", "redispatch": False}
    assert c.post(f"/tickets/{tid}/decline", json=body, headers=h["operator"]).status_code == 200


def test_a_decline_nobody_can_take_over_changes_nothing(
    ctx: dict[str, Any], small_twin: Any
) -> None:
    """Bob has no position, ann declines: nobody can take the job (409) and the ticket stays
    assigned to ann with the same history, in the database and in the events."""
    c, store = ctx["client"], ctx["store"]
    tid = _assigned_ticket(ctx, small_twin, "ann")
    before = store.tickets.get(tid)
    events_before = len(store.audit.list(limit=5000))
    body = {"technician": "ann", "reason": "at lunch", "redispatch": True}
    r = c.post(f"/tickets/{tid}/decline", json=body, headers=ctx["h"]["ann"])
    assert r.status_code == 409, r.text
    after = store.tickets.get(tid)
    assert (after.status, after.technician) == ("assigned", "ann")
    assert after.transitions == before.transitions
    assert len(store.audit.list(limit=5000)) == events_before


def test_an_admin_revokes_its_own_key_only_with_force(ctx: dict[str, Any]) -> None:
    c, h, ids = ctx["client"], ctx["h"], ctx["ids"]
    r = c.delete(f"/keys/{ids['admin']}", headers=h["admin"])
    assert r.status_code == 409 and "force" in r.json()["detail"]
    assert c.get("/keys", headers=h["admin"]).status_code == 200  # still works
    assert c.delete(f"/keys/{ids['planner']}", headers=h["admin"]).status_code == 200
    r = c.delete(f"/keys/{ids['admin']}", params={"force": "true"}, headers=h["admin"])
    assert r.status_code == 200 and r.json()["revoked"] is not None
    assert c.get("/keys", headers=h["admin"]).status_code == 401


def test_audit_action_filter_takes_wildcards_literally(ctx: dict[str, Any]) -> None:
    c, h = ctx["client"], ctx["h"]
    every = c.get("/audit", params={"limit": 5000}, headers=h["admin"]).json()
    assert {e["action"] for e in every} == {"key.create", "technician.create"}
    for pattern in ("%", "_", "key_", "%create", "k%"):
        got = c.get("/audit", params={"action": pattern}, headers=h["admin"]).json()
        assert got == [], pattern
    keys_only = c.get("/audit", params={"action": "key."}, headers=h["admin"]).json()
    assert len(keys_only) == 5 and {e["action"] for e in keys_only} == {"key.create"}


def test_uploads_need_a_planner_and_are_audited(ctx: dict[str, Any], tmp_path: Path) -> None:
    from tests.ifc_fixtures.networks_made import write_parallel

    c, h = ctx["client"], ctx["h"]
    data = write_parallel(tmp_path / "parallel.ifc").read_bytes()
    upload = {"file": ("wing_b.ifc", data, "application/octet-stream")}
    assert c.post("/models", files=upload).status_code == 401
    for who in ("operator", "ann"):
        assert c.post("/models", files=upload, headers=h[who]).status_code == 403
    assert not any(ctx["uploads"].glob("*"))  # refused before the body was read
    r = c.post("/models", files=upload, headers=h["planner"])
    assert r.status_code == 202, r.text
    job = c.app.state.jobs.wait(r.json()["id"])  # type: ignore[attr-defined]
    assert job.state == "done", job.error
    sha = hashlib.sha256(data).hexdigest()
    entries = ctx["store"].audit.list(action="model.upload.")
    got = {e.action: e for e in entries}
    assert set(got) == {"model.upload.accepted", "model.upload.done"}
    for e in entries:
        assert (e.actor, e.target) == ("design office", f"upload:{sha}")
        assert (e.detail["filename"], e.detail["sha256"], e.detail["job"]) == (
            "wing_b.ifc", sha, job.id,
        )  # fmt: skip
    assert got["model.upload.done"].detail["model"] == job.model_id


def test_a_failed_upload_leaves_no_file_and_a_problem_naming_the_clients_file(
    ctx: dict[str, Any],
) -> None:
    c, h = ctx["client"], ctx["h"]
    upload = {"file": ("wing_c.ifc", BROKEN_IFC, "application/octet-stream")}
    r = c.post("/models", files=upload, headers=h["planner"])
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    c.app.state.jobs.wait(job_id)  # type: ignore[attr-defined]
    error = c.get(f"/jobs/{job_id}", headers=h["planner"]).json()["error"]
    assert {"type", "title", "status", "detail"} <= set(error), error
    assert error["type"].startswith("/problems/") and error["status"] == 422
    sha = hashlib.sha256(BROKEN_IFC).hexdigest()
    text = str(error)
    assert "wing_c.ifc" in error["detail"]
    assert sha not in text and str(ctx["uploads"]) not in text and "/" not in error["detail"]
    assert not (ctx["uploads"] / f"{sha}.ifc").exists()
    assert [p.name for p in ctx["uploads"].iterdir() if p.name.startswith(sha)] == []
    failed = ctx["store"].audit.list(action="model.upload.failed")
    assert len(failed) == 1 and failed[0].detail["job"] == job_id
    assert (failed[0].actor, failed[0].detail["status"]) == ("design office", 422)


def test_a_failed_design_upload_is_audited_and_removed(ctx: dict[str, Any]) -> None:
    c, h = ctx["client"], ctx["h"]
    building = c.get("/buildings", headers=h["planner"]).json()[0]["guid"]
    r = c.post("/scenarios", json={"name": "refit", "building": building}, headers=h["planner"])
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    upload = {"file": ("refit.ifc", BROKEN_IFC, "application/octet-stream")}
    url = f"/scenarios/{sid}/design"
    assert c.post(url, files=upload, headers=h["operator"]).status_code == 403
    r = c.post(url, files=upload, headers=h["planner"])
    assert r.status_code == 202, r.text
    job = c.app.state.jobs.wait(r.json()["id"])  # type: ignore[attr-defined]
    assert job.state == "failed" and job.error is not None and "refit.ifc" in job.error["detail"]
    sha = hashlib.sha256(BROKEN_IFC).hexdigest()
    assert not (ctx["uploads"] / f"{sha}.ifc").exists()
    entries = ctx["store"].audit.list(action="design.upload.")
    assert {(e.action, e.actor, e.target) for e in entries} == {
        ("design.upload.accepted", "design office", f"upload:{sha}"),
        ("design.upload.failed", "design office", f"upload:{sha}"),
    }


def test_a_refused_upload_is_audited_and_kept_nowhere(ctx: dict[str, Any]) -> None:
    c, h = ctx["client"], ctx["h"]
    upload = {"file": ("notes.ifc", b"hello, not STEP", "text/plain")}
    kept = set(ctx["uploads"].glob("*"))
    r = c.post("/models", files=upload, headers=h["planner"])
    assert r.status_code == 422 and "notes.ifc" in r.json()["detail"]
    refused = ctx["store"].audit.list(action="model.upload.refused")
    assert [(e.actor, e.target, e.detail["filename"]) for e in refused] == [
        ("design office", "upload:notes.ifc", "notes.ifc")
    ]
    assert set(ctx["uploads"].glob("*")) == kept


def test_anonymous_reads_still_answer_401_for_what_a_viewer_may_not_do(
    tmp_path: Path, small_hospital: Path, twin_cache_dir: Path
) -> None:
    """Anonymous read on: a missing key on an operator or admin operation is 401 (send a key),
    never 403 "role viewer"; computations sent as POST are reads."""
    settings = Settings(
        auth=True, anonymous_read=True, store_url=f"sqlite:///{tmp_path}/l.db",
        models=[small_hospital], cache_dir=twin_cache_dir, upload_dir=tmp_path / "u",
    )  # fmt: skip
    with TestClient(create_app(settings)) as c:
        for path in ("/audit", "/keys", "/dead-letters"):
            r = c.get(path)
            assert r.status_code == 401, (path, r.text)
        assert c.post("/tickets", json={"title": "x"}).status_code == 401
        assert c.get("/sensors").status_code == 200
        building = c.get("/buildings").json()[0]["guid"]
        r = c.post("/scenarios/impact", json={"building": building})
        assert r.status_code not in (401, 403), r.text
