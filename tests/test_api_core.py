"""The API edge without a model: problem documents, health, readiness and the OpenAPI schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        cache_dir=tmp_path / "cache",
        upload_dir=tmp_path / "uploads",
        store_url=f"sqlite:///{tmp_path}/store.db",
        max_upload_mb=1,
    )
    with TestClient(create_app(settings)) as c:
        yield c


def test_health_answers_and_readiness_waits_for_a_model(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "pid": os.getpid()}  # one process
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"  # an error, like all others
    assert ready.json()["models"] == 0


def test_unknown_guid_is_a_problem_document(client: TestClient) -> None:
    r = client.get("/spaces/0000000000000000000000")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 404
    assert "0000000000000000000000" in body["detail"]


def test_malformed_query_is_a_422_problem(client: TestClient) -> None:
    r = client.get("/locate", params={"x": "east", "y": 1, "z": 0})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 422


def test_unknown_route_is_a_404_problem(client: TestClient) -> None:
    r = client.get("/no/such/route")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def test_upload_of_a_non_ifc_file_is_refused_with_the_reason(client: TestClient) -> None:
    r = client.post("/models", files={"file": ("notes.ifc", b"hello, not STEP", "text/plain")})
    assert r.status_code == 422
    assert "notes.ifc" in r.json()["detail"]


def test_upload_over_the_size_limit_is_413(client: TestClient) -> None:
    big = b"ISO-10303-21;\n" + b"x" * (2 * 1024 * 1024)
    r = client.post("/models", files={"file": ("big.ifc", big, "application/octet-stream")})
    assert r.status_code == 413


def test_every_public_endpoint_is_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op.get("summary"), f"{method.upper()} {path} has no summary"
