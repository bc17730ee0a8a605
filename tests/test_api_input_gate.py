"""Input that must never answer a 500: the request gate, strict bodies and bounded identifiers,
against the API on the small hospital with a real SQLite and a real PostgreSQL store.

Every case here answered a 500 (or stored garbage) before: NUL in a path or query string
(PostgreSQL refuses it), ids beyond 64 bits (OverflowError, bigint out of range), a scenario zone
without ``storey`` (KeyError), deeply nested JSON (RecursionError), NaN in bodies (stored),
bodies over ``TWIN_MAX_BODY_MB`` on routes other than ``/readings`` (stored), and the
``Allow`` header of a 405 naming only one of the path's methods.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.ops_support import BACKENDS, open_test_store

BIG = "99999999999999999999"  # > 2^64
MAX_BODY_MB = 0.02  # about 20 KB: small enough to pass it cheaply


@pytest.fixture(scope="module", params=BACKENDS)
def client(request: pytest.FixtureRequest, hospital_api: Any, tmp_path_factory: Any
           ) -> Iterator[TestClient]:  # fmt: skip
    tmp: Path = tmp_path_factory.mktemp("gate")
    stores = open_test_store(request.param, tmp)
    _, url = next(stores)
    with hospital_api(store_url=url, max_body_mb=MAX_BODY_MB, max_upload_mb=5) as c:
        yield c
    next(stores, None)  # drop the PostgreSQL schema


@pytest.fixture(scope="module")
def space(client: TestClient) -> str:
    """A real room, so that only the value under test is wrong; a sensor ``co2-gate`` in it."""
    storey = client.get("/buildings").json()[0]["storeys"][0]
    guid: str = client.get(f"/storeys/{storey}/spaces").json()[0]["guid"]
    r = client.post("/sensors", json={"id": "co2-gate", "quantity": "co2", "space": guid})
    assert r.status_code == 201, r.text
    return guid


def _problem(r: Any, *status: int) -> dict[str, Any]:
    assert r.status_code in status, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    doc: dict[str, Any] = r.json()
    assert doc["status"] == r.status_code
    return doc


def _raw(value: Any) -> bytes:
    """JSON as Python senders write it: NaN/Infinity literals, lone surrogates as escapes."""
    return json.dumps(value, ensure_ascii=True).encode()


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    doc = client.get("/openapi.json").json()
    return [(m.upper(), path, op) for path, ops in doc["paths"].items()
            for m, op in ops.items() if m in ("get", "post", "put", "delete")]  # fmt: skip


def test_nul_in_any_path_or_query_parameter_is_422(client: TestClient) -> None:
    """Every string parameter of every operation in the OpenAPI document, read from it."""
    checked = 0
    for method, path, op in _operations(client):
        for p in op.get("parameters", []):
            schema = p.get("schema", {})
            if "string" not in json.dumps(schema) or p["in"] not in ("path", "query"):
                continue
            if p["in"] == "path":
                url = path.replace("{" + p["name"] + "}", "bad%00id")
                url = re.sub(r"\{[^}]+\}", "1", url)
            else:
                url = re.sub(r"\{[^}]+\}", "1", path) + f"?{p['name']}=a%00b"
            body: dict[str, Any] | None = {} if method in ("POST", "PUT") else None
            _problem(client.request(method, url, json=body), 422)
            checked += 1
    assert checked >= 30  # the document has dozens of string parameters


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/tickets", {"title": "a\u0000b", "priority": "urgent"}),
        ("POST", "/tickets", {"title": "a\ud800b", "priority": "urgent"}),
        (
            "POST",
            "/sensors",
            {"id": "s-1", "quantity": "co2", "name": "x\u0000", "space": "{space}"},
        ),
        ("POST", "/technicians", {"id": "t\u0000", "name": "Ann", "skills": ["general"]}),
        ("POST", "/scenarios", {"name": "n", "zones": [{"storey": "\ud800", "polygon": []}]}),
        (
            "POST",
            "/alarm-rules",
            {"kind": "above", "quantity": "temp", "threshold": 1, "name": "\u0000"},
        ),
        ("POST", "/routes", {"start": "a\u0000", "goal": "b"}),
        ("POST", "/common-cause", {"guids": ["\u0000"]}),
        ("POST", "/alarm-rules", {"kind": "above", "quantity": "q" * 300, "threshold": 1}),
    ],
)
def test_unstorable_text_in_a_body_is_422(
    client: TestClient, space: str, method: str, path: str, body: dict[str, Any]
) -> None:
    body = body | ({"space": space} if "space" in body else {})
    r = client.request(method, path, content=_raw(body),
                       headers={"content-type": "application/json"})  # fmt: skip
    _problem(r, 422)


@pytest.mark.parametrize(
    "url",
    [
        f"/alarms/{BIG}",
        f"/alarms/{BIG}/ack",
        f"/tickets/{BIG}",
        f"/tickets/{BIG}/bcf",
        f"/scenarios/{BIG}",
        f"/scenarios/{BIG}/impact",
        f"/scenario-comparison?ids={BIG}&ids=1",
        f"/events?after={BIG}",
        "/sensors/co2-gate/readings?bucket=99999999999d",
        "/sensors/co2-gate/readings?bucket=999999999999999999999999s",
        "/alarms/9223372036854775807",  # the largest 64-bit id: simply not there
        "/alarms/0",
        "/alarms/-1",
    ],
)
def test_integers_beyond_64_bits_are_404_or_422(client: TestClient, space: str, url: str) -> None:
    method = "POST" if url.endswith("/ack") else "GET"
    _problem(client.request(method, url, json={} if method == "POST" else None), 404, 422)


def test_integers_beyond_64_bits_in_bodies_are_422(client: TestClient) -> None:
    r = client.post("/tickets", json={"title": "t", "priority": "urgent", "alarm": 2**70})
    _problem(r, 422)
    r = client.post("/common-cause", json={"alarms": [2**64]})
    _problem(r, 422)


@pytest.mark.parametrize(
    "zone",
    [{}, {"polygon": [[0, 0], [1, 0], [1, 1]]}, {"storey": "x"}, {"storey": "x", "polygon": 5}],
)
@pytest.mark.parametrize("path", ["/scenarios", "/scenarios/impact"])
def test_scenario_zone_without_its_fields_is_422(
    client: TestClient, path: str, zone: dict[str, Any]
) -> None:
    _problem(client.post(path, json={"name": "works", "zones": [zone]}), 422)


def test_scenario_proposed_needs_one_shape(client: TestClient) -> None:
    for p in ({"id": "a"}, {"box": [0, 0, 0, 1, 1, 1], "polygon": [[0, 0], [1, 0], [1, 1]],
                            "z": 0, "height": 1}):  # fmt: skip
        _problem(client.post("/scenarios/impact", json={"name": "w", "proposed": [p]}), 422)


@pytest.mark.parametrize("ctype", ["application/json", "application/x-ndjson"])
def test_deeply_nested_readings_are_422(client: TestClient, ctype: str) -> None:
    body = b"[" * 5000 + b"]" * 5000
    r = client.post("/readings", content=body, headers={"content-type": ctype})
    if ctype == "application/json":
        assert "nested" in _problem(r, 422)["detail"]
    else:  # a line that is not a reading is dead-lettered; nothing usable in the batch: 422
        _problem(r, 422)


def test_deeply_nested_json_elsewhere_is_not_a_500(client: TestClient) -> None:
    body = b'{"title": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    r = client.post("/tickets", content=body, headers={"content-type": "application/json"})
    _problem(r, 400, 422)


def _big(n: int) -> bytes:
    return json.dumps({"name": "big", "description": "x" * n}).encode()


@pytest.mark.parametrize("path", ["/scenarios", "/scenarios/impact", "/tickets", "/readings"])
def test_every_body_over_the_limit_is_413(client: TestClient, path: str) -> None:
    over = int(MAX_BODY_MB * 1024 * 1024) + 10
    r = client.post(path, content=_big(over), headers={"content-type": "application/json"})
    assert "TWIN_MAX_BODY_MB" in _problem(r, 413)["detail"]
    # without Content-Length (chunked): counted while it streams in
    chunks = iter([_big(over)[:1000], _big(over)[1000:]])
    r = client.post(path, content=chunks, headers={"content-type": "application/json"})
    assert "content-length" not in r.request.headers
    _problem(r, 413)
    assert client.get("/scenarios").json() == []  # nothing stored


def test_uploads_have_their_own_limit(client: TestClient) -> None:
    over = int(MAX_BODY_MB * 1024 * 1024) * 3  # over the body limit, under the upload one
    files = {"file": ("big.ifc", b"ISO-10303-21;\n" + b"/* pad */\n" * (over // 10))}
    r = client.post("/models", files=files)
    assert r.status_code != 413, r.text[:300]
    files = {"file": ("huge.ifc", b"x" * (6 * 1024 * 1024))}
    _problem(client.post("/models", files=files), 413)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/alarm-rules", {"kind": "above", "quantity": "co2", "threshold": float("nan")}),
        ("POST", "/alarm-rules", {"kind": "above", "quantity": "co2", "threshold": float("inf")}),
        (
            "POST",
            "/sensors",
            {"id": "s-nan", "quantity": "co2", "upper": float("nan"), "space": "{space}"},
        ),
        (
            "POST",
            "/sensors",
            {"id": "s-inf", "quantity": "co2", "lower": float("-inf"), "space": "{space}"},
        ),
        ("POST", "/routes", {"start": [float("nan"), 0, 0], "goal": [1, 1, 1]}),
        ("POST", "/routes", {"start": [1e300, 0, 0], "goal": [1, 1, 1]}),
        ("POST", "/scenarios/impact", {"name": "n", "clearance": float("nan")}),
        (
            "POST",
            "/scenarios/impact",
            {
                "name": "n",
                "zones": [{"storey": "s", "polygon": [[0, 0], [float("inf"), 0], [1, 1]]}],
            },
        ),
    ],
)
def test_nan_and_infinity_in_bodies_are_422(
    client: TestClient, space: str, method: str, path: str, body: dict[str, Any]
) -> None:
    body = body | ({"space": space} if "space" in body else {})
    r = client.request(method, path, content=_raw(body),
                       headers={"content-type": "application/json"})  # fmt: skip
    _problem(r, 422)
    assert client.get("/alarm-rules").json() == []
    assert not [x for x in client.get("/sensors").json() if x["id"] in ("s-nan", "s-inf")]


def test_technician_position_must_be_finite(client: TestClient) -> None:
    r = client.post("/technicians", json={"id": "t-nan", "name": "Ann", "skills": ["general"]})
    assert r.status_code == 201, r.text
    r = client.put("/technicians/t-nan/position", content=_raw({"point": [float("nan"), 0, 0]}),
                   headers={"content-type": "application/json"})  # fmt: skip
    _problem(r, 422)


@pytest.mark.parametrize("q", ["x=nan&y=0&z=0", "x=inf&y=0&z=0", "x=1e300&y=0&z=0",
                               "x=0&y=-2e7&z=0"])  # fmt: skip
def test_locate_refuses_non_finite_and_far_points(client: TestClient, q: str) -> None:
    _problem(client.get(f"/locate?{q}"), 422)


def test_routes_query_points_must_be_finite(client: TestClient) -> None:
    _problem(client.get("/routes?start=nan,0,0&goal=1,1,1"), 422)


def test_405_allow_lists_every_method_of_the_path(client: TestClient) -> None:
    r = client.request("PATCH", "/sensors")
    _problem(r, 405)
    allowed = {m.strip() for m in r.headers["allow"].split(",")}
    assert {"GET", "POST"} <= allowed
    r = client.request("PATCH", "/scenarios/1")
    assert {"GET", "PUT", "DELETE"} <= {m.strip() for m in r.headers["allow"].split(",")}


_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _times(doc: Any) -> list[str]:
    out: list[str] = []
    stack = [doc]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack += v.values()
        elif isinstance(v, list):
            stack += v
        elif isinstance(v, str) and _TIME.match(v):
            out.append(v)
    return out


def test_times_are_utc_with_z_everywhere(client: TestClient) -> None:
    client.post("/models", files={"file": ("t.ifc", b"not ifc")})
    jobs = client.get("/jobs").json()
    assert jobs and all(isinstance(j["created"], str) and j["created"].endswith("Z")
                        for j in jobs)  # fmt: skip
    r = client.post("/scenarios/impact", json={"name": "w", "starts": "next week"})
    _problem(r, 422)
    doc = {"name": "window", "starts": "2027-01-10T08:00:00+01:00", "ends": "2027-01-24T18:00:00"}
    r = client.post("/scenarios", json=doc)
    assert r.status_code == 201, r.text
    window = r.json()["document"]
    assert (window["starts"], window["ends"]) == ("2027-01-10T07:00:00Z", "2027-01-24T18:00:00Z")
    client.delete(f"/scenarios/{r.json()['id']}")
    seen = _times(client.post("/tickets", json={"title": "t2", "priority": "urgent"}).json())
    seen += _times(client.get("/tickets").json()) + _times(jobs)
    assert len(seen) >= 4
    assert all(t.endswith("Z") for t in seen), [t for t in seen if not t.endswith("Z")]


@pytest.mark.parametrize("ctype", ["application/json", "application/x-ndjson"])
def test_readings_with_unstorable_sensor_ids_store_the_rest(
    client: TestClient, space: str, ctype: str
) -> None:
    """Over HTTP one bad item turned the whole batch into a 500 on both stores."""
    t0 = 1_780_000_000 + (0 if ctype == "application/json" else 100)
    good = [{"sensor": "co2-gate", "t": t0 + i, "value": 400.0 + i} for i in range(20)]
    items = [*good[:10], {"sensor": "bad\u0000", "t": t0, "value": 1.0},
             {"sensor": "\ud800", "t": t0, "value": 1.0}, *good[10:]]  # fmt: skip
    body = _raw(items) if ctype == "application/json" else b"\n".join(_raw(i) for i in items)
    r = client.post("/readings", content=body, headers={"content-type": ctype})
    assert r.status_code == 200, r.text[:300]
    res = r.json()
    assert (res["accepted"], res["rejected"]) == (20, 2)
    assert res["reasons"] == {"invalid_text": 2}
    letters = client.get("/dead-letters", params={"reason": "invalid_text"}).json()
    assert letters["total"] >= 2 and all(d["sensor"] is None for d in letters["items"])
