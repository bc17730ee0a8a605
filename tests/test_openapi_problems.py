"""The OpenAPI document declares the problem answers each operation can give (api/problem_docs.py).

Walks the served ``/openapi.json``: every error response is ``application/problem+json`` (FastAPI
declared its own 422 as ``application/json``, which the service never sends), and each operation
declares the errors its shape implies. The fuzz test (tests/test_fuzz_api.py) holds the answers to
these declarations.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.problem_docs import declare_problems
from api.settings import Settings

PROBLEM = "application/problem+json"
METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("openapi")
    app = create_app(Settings(store_url=f"sqlite:///{tmp}/t.db", cache_dir=tmp / "cache"))
    doc: dict[str, Any] = TestClient(app).get("/openapi.json").json()  # no lifespan needed
    return doc


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def test_every_error_response_is_a_problem_document(document: dict[str, Any]) -> None:
    wrong = [
        f"{method} {path} {status}: {sorted(response.get('content', {}))}"
        for method, path, op in _operations(document)
        for status, response in op["responses"].items()
        if status[0] in "45" and set(response.get("content", {})) != {PROBLEM}
    ]
    assert wrong == []


def test_shape_implied_errors_are_declared(document: dict[str, Any]) -> None:
    missing = []
    for method, path, op in _operations(document):
        params = op.get("parameters", [])
        want = set()
        if "requestBody" in op:
            want |= {"400", "413", "422"}
        if any(p["in"] == "path" for p in params):
            want |= {"404", "422"}
        if params:
            want.add("422")
        if op.get("security"):
            want |= {"401", "403"}
        if want - set(op["responses"]):
            missing.append(f"{method} {path}: {sorted(want - set(op['responses']))}")
    assert missing == []
    assert len(_operations(document)) > 50


def test_declared_by_a_router_is_kept_and_declaring_twice_changes_nothing() -> None:
    doc = {
        "paths": {
            "/x/{id}": {
                "post": {
                    "parameters": [{"name": "id", "in": "path"}],
                    "requestBody": {"content": {"application/json": {}}},
                    "responses": {
                        "200": {"description": "ok"},
                        "409": {"description": "Clash", "content": {PROBLEM: {"schema": {}}}},
                        "422": {"description": "Bad", "content": {"application/json": {}}},
                    },
                }
            }
        }
    }
    once = declare_problems(doc)
    responses = once["paths"]["/x/{id}"]["post"]["responses"]
    assert sorted(responses) == ["200", "400", "404", "409", "413", "422"]
    assert responses["409"] == {"description": "Clash", "content": {PROBLEM: {"schema": {}}}}
    assert list(responses["422"]["content"]) == [PROBLEM]
    assert responses["422"]["description"] == "Bad"
    assert declare_problems(copy.deepcopy(once)) == once


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/alarms/{alarm_id}/ack"),  # from a state other than raised
        ("POST", "/alarms/{alarm_id}/clear"),  # when already cleared
        ("POST", "/tickets/{ticket_id}/transitions"),  # an illegal transition
        ("POST", "/routes"),  # no route under the restrictions
        ("POST", "/patrols"),  # checkpoints unreachable
        ("GET", "/elements/{guid}/upstream"),  # no distribution connections
    ],
)
def test_conflicts_found_by_fuzzing_are_declared(
    document: dict[str, Any], method: str, path: str
) -> None:
    response = document["paths"][path][method.lower()]["responses"]["409"]
    assert list(response["content"]) == [PROBLEM]
