"""The OpenAPI document reads as a user would ask: every operation has a summary written for it
(not FastAPI's title-cased function name, "Put Shift") and a description, and every parameter
says what it means (api/parameter_glossary.py gives shared names one sentence)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.parameter_glossary import GLOSSARY, GUID_BY_COLLECTION
from api.settings import Settings

METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("openapi-docs")
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


def _generated_summary(method: str, path: str, op: dict[str, Any]) -> str:
    """The summary FastAPI makes from the function name when a route gives none; the name is
    the operationId (``name + path`` with non-word characters as ``_``, then ``_method``) less
    its path and method."""
    suffix = re.sub(r"\W", "_", path) + "_" + method.lower()
    name = op.get("operationId", "").removesuffix(suffix)
    return name.replace("_", " ").title()


def test_every_summary_is_written_for_its_user(document: dict[str, Any]) -> None:
    """FastAPI titles the function name when a route gives no summary ("List Rules", "Get
    Alarm"). A summary names what the user gets, in at least two words."""
    generated = [
        f"{method} {path}: {op.get('summary')!r}"
        for method, path, op in _operations(document)
        if op.get("summary") == _generated_summary(method, path, op)
    ]
    assert generated == []
    terse = [
        f"{method} {path}: {op.get('summary')!r}"
        for method, path, op in _operations(document)
        if len(op.get("summary", "").split()) < 2
    ]
    assert terse == []


def test_every_operation_has_a_description(document: dict[str, Any]) -> None:
    missing = [
        f"{method} {path}"
        for method, path, op in _operations(document)
        if not op.get("description", "").strip()
    ]
    assert missing == []


def test_every_parameter_has_a_description(document: dict[str, Any]) -> None:
    missing = [
        f"{method} {path} {p['in']}:{p['name']}"
        for method, path, op in _operations(document)
        for p in op.get("parameters", [])
        if not p.get("description", "").strip()
    ]
    assert missing == []


def test_the_glossary_has_no_dead_entries(document: dict[str, Any]) -> None:
    """A sentence for a name no route uses any more is a sentence nobody reads or corrects."""
    names = {p["name"] for _, _, op in _operations(document) for p in op.get("parameters", [])}
    collections = {
        path.strip("/").split("/", 1)[0]
        for _, path, op in _operations(document)
        if any(p["name"] == "guid" and p["in"] == "path" for p in op.get("parameters", []))
    }
    assert sorted(set(GLOSSARY) - names) == []
    assert sorted(set(GUID_BY_COLLECTION) - collections) == []
