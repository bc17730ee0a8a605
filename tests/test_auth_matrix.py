"""The role matrix, walked from the app's own ``/openapi.json`` with auth on, on SQLite and
PostgreSQL: for every operation, no key → 401, every role too weak → 403, the least role that may
→ neither. The expected role comes from the written rules below (reads and computations: viewer,
...), not from ``api.roles``, so a wrong table entry fails here; and an operation the table does
not list fails the completeness test (and is refused to all but admin at run time).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.ops_support import wipe
from twin.live.store import LiveStore

ROLES = ("viewer", "technician", "operator", "planner", "admin")
#: Who may do what, written from the docs (docs/work-orders.md "Roles"), independently of the
#: table: which roles satisfy each requirement.
SATISFIES = {
    "viewer": set(ROLES),
    "technician": {"technician", "operator", "admin"},
    "operator": {"operator", "admin"},
    "planner": {"planner", "admin"},
    "admin": {"admin"},
}
#: POST operations that compute and change nothing: they are reads.
COMPUTATIONS = {
    "/impact",
    "/common-cause",
    "/routes",
    "/patrols",
    "/scenarios/impact",
    "/campus/route",
    "/campus/networks/impact",
}
TECHNICIAN_OWN = {
    ("POST", "/tickets/{ticket_id}/transitions"),
    ("POST", "/tickets/{ticket_id}/decline"),
    ("PUT", "/technicians/{technician_id}/position"),
    ("PUT", "/technicians/{technician_id}/shift"),
    # lock-out: a technician locks, releases their own locks, restores supply (docs/lockout.md)
    ("POST", "/tickets/{ticket_id}/locks"),
    ("POST", "/tickets/{ticket_id}/locks/{lock_id}/release"),
    ("POST", "/tickets/{ticket_id}/restore"),
    # hazards: whoever finds one reports it and moves it (docs/hazards.md)
    ("POST", "/hazards"),
    ("POST", "/hazards/{hazard_id}/transitions"),
    ("POST", "/hazards/{hazard_id}/documents"),
    # patrols and PM: the technician checks in and completes the order (docs/patrols.md)
    ("POST", "/patrols/{round_id}/check-ins"),
    ("POST", "/patrols/{round_id}/check-ins/{checkin_id}/documents"),
    ("POST", "/pm-orders/{order_id}/complete"),
    # a technician adds photos and booked parts to a work order (docs/assets.md)
    ("POST", "/tickets/{ticket_id}/documents"),
    ("POST", "/tickets/{ticket_id}/parts"),
}
PLANNING = ("/scenarios", "/models")
#: ... BMS setpoint writes; where alarm notifications leave the twin (docs/alarms.md)
ADMIN_ONLY = ("/keys", "/audit", "/gateways/points/", "/notification-channels")
PUBLIC = {("GET", "/health")}
#: Single operations for admins only: deleting a document (docs/assets.md).
ADMIN_OPS = {("DELETE", "/documents/{doc_id}")}


def expected_role(method: str, path: str) -> str:
    """The least role an operation needs, by the documented rules."""
    if path.startswith(ADMIN_ONLY) or (method, path) in ADMIN_OPS:
        return "admin"
    if (method, path) in TECHNICIAN_OWN:
        return "technician"
    if method == "GET":
        return "operator" if path == "/dead-letters" else "viewer"
    if path in COMPUTATIONS:
        return "viewer"
    if path.startswith(PLANNING):
        return "planner"
    return "operator"


@pytest.fixture(scope="module")
def matrix(
    opened_store: tuple[LiveStore, str, Path], small_hospital: Path, twin_cache_dir: Path
) -> Iterator[dict[str, Any]]:
    store, url, tmp = opened_store
    wipe(store)
    store.technicians.register("tech-1", name="Ann", skills=["general"], actor="t")
    secrets = {role: store.keys.create(role, f"{role} key", "tech-1" if role == "technician"
                                     else None)[0] for role in ROLES}  # fmt: skip
    spare = store.keys.create("viewer", "spare")[1].id
    mine = [store.tickets.create(title=f"t{i}", priority="normal", actor="t")
            for i in range(2)]  # fmt: skip
    for t in mine:
        store.tickets.assign(t.id, "tech-1", "t")
    settings = Settings(
        auth=True, anonymous_read=False, store_url=url, models=[small_hospital],
        cache_dir=twin_cache_dir, upload_dir=tmp / "uploads",
    )  # fmt: skip
    with TestClient(create_app(settings)) as client:
        yield {"client": client, "keys": secrets, "spare": spare, "tickets": [t.id for t in mine]}


def operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    doc = client.get("/openapi.json").json()
    return [(m.upper(), p, op) for p, ops in doc["paths"].items() for m, op in ops.items()]


def _minimal(schema: dict[str, Any], doc: dict[str, Any]) -> Any:
    """The smallest value of a JSON schema: required properties only, plain scalars."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _minimal(doc["components"]["schemas"][name], doc)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return _minimal(schema[key][0], doc)
    if schema.get("examples"):
        return schema["examples"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: _minimal(props[k], doc) for k in schema.get("required", []) if k in props}
    return {"string": "x", "integer": 1, "number": 1.0, "boolean": False, "array": []}.get(
        str(kind)
    )


def _path(path: str, env: dict[str, Any], guids: dict[str, str], method: str) -> str:
    first, second = env["tickets"]
    values = {
        "ticket_id": str(second if path.endswith("/decline") else first),
        "technician_id": "tech-1", "key_id": env["spare"], "alarm_id": "1",
        "sensor_id": "s-1", "scenario_id": "1", "job_id": "nojob", "model_id": "nomodel",
        "suppression_id": "1", "doc_id": "1", "sku": "nosku", "lock_id": "1", "hazard_id": "1",
        "order_id": "1", "round_id": "1", "template_id": "1", "index": "0", "outbox_id": "1",
        "checkin_id": "1", "carrier": "electricity",
    }  # fmt: skip
    kind = path.strip("/").split("/")[0]
    values["guid"] = guids.get(kind, guids["elements"])
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, path
    return path


def _call(
    client: TestClient, method: str, url: str, op: dict[str, Any], doc: dict[str, Any],
    headers: dict[str, str],
) -> int:  # fmt: skip
    kwargs: dict[str, Any] = {"headers": headers}
    content = (op.get("requestBody") or {}).get("content", {})
    if "multipart/form-data" in content:
        kwargs["files"] = {"file": ("probe.ifc", b"not an IFC file")}
    elif "application/json" in content:
        body = _minimal(content["application/json"]["schema"], doc)
        if isinstance(body, dict) and "technician" in body:  # the technician key acts for itself
            body["technician"] = "tech-1"
        kwargs["json"] = [] if body is None and url == "/readings" else body
    if url.startswith("/events"):  # the SSE stream never ends: read the status and let go
        with client.stream(method, url, params={"after": 0}, **kwargs) as r:
            return r.status_code
    return client.request(method, url, **kwargs).status_code


@pytest.fixture(scope="module")
def guids(small_twin: Any) -> dict[str, str]:
    return {
        "buildings": next(iter(small_twin.buildings)),
        "storeys": next(iter(small_twin.storeys)),
        "spaces": next(iter(small_twin.spaces)),
        "elements": next(iter(small_twin.elements)),
        "networks": next(iter(small_twin.buildings)),
    }


def test_every_operation_by_role(matrix: dict[str, Any], guids: dict[str, str]) -> None:
    client = matrix["client"]
    doc = client.get("/openapi.json").json()
    ops = operations(client)
    assert len(ops) > 60  # the walk sees the whole API
    wrong: list[str] = []
    for method, path, op in ops:
        url = _path(path, matrix, guids, method)
        if (method, path) in PUBLIC:
            got = _call(client, method, url, op, doc, {})
            if got != 200:
                wrong.append(f"{method} {path} public: {got}")
            continue
        need = expected_role(method, path)
        got = _call(client, method, url, op, doc, {})
        if got != 401:
            wrong.append(f"{method} {path} without a key: {got}, not 401")
        for role in ROLES:
            if role in SATISFIES[need]:
                continue
            got = _call(client, method, url, op, doc, {"X-API-Key": matrix["keys"][role]})
            if got != 403:
                wrong.append(f"{method} {path} as {role} (needs {need}): {got}, not 403")
        got = _call(client, method, url, op, doc, {"X-API-Key": matrix["keys"][need]})
        if got in (401, 403):
            wrong.append(f"{method} {path} as {need}: {got}")
    assert not wrong, "\n".join(wrong)


def test_the_table_lists_every_operation_and_nothing_else(matrix: dict[str, Any]) -> None:
    from api.auth import api_routes
    from api.roles import OPERATION_ROLES

    app = matrix["client"].app
    served = {(m, r.path) for r in api_routes(app) for m in r.methods or ()}
    assert served - set(OPERATION_ROLES) == set(), "operations without a role in api/roles.py"
    assert set(OPERATION_ROLES) - served == set(), "roles of operations that do not exist"


def test_an_unlisted_operation_needs_admin(matrix: dict[str, Any]) -> None:
    """A route added without a table entry is refused to every role but admin."""
    client, secrets = matrix["client"], matrix["keys"]
    app = client.app

    @app.get("/probe-unlisted")  # type: ignore[attr-defined, misc]
    def probe() -> dict[str, str]:
        return {"ok": "yes"}

    assert client.get("/probe-unlisted").status_code == 401
    for role in ("viewer", "operator", "planner"):
        got = client.get("/probe-unlisted", headers={"X-API-Key": secrets[role]})
        assert got.status_code == 403
    assert client.get("/probe-unlisted", headers={"X-API-Key": secrets["admin"]}).json() == {
        "ok": "yes"
    }


def test_docs_and_viewer_stay_public(matrix: dict[str, Any]) -> None:
    client = matrix["client"]
    for path in ("/health", "/docs", "/redoc", "/openapi.json", "/viewer/", "/viewer/index.html"):
        assert client.get(path).status_code == 200, path
    problem = client.get("/sensors")
    assert problem.status_code == 401
    assert problem.headers["content-type"].startswith("application/problem+json")
    assert "X-API-Key" in problem.headers["www-authenticate"]
