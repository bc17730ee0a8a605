"""The wire schemas as the OpenAPI document names them (api/schemas/, one module per resource).

Two response or request models with the same class name in two resource modules make FastAPI
rename both components to ``api__schemas__<module>__<Name>``: every ``$ref`` to the older one
changes, a break of the published contract that no handler test notices. Each component must
keep its bare class name.
"""

from __future__ import annotations

import inspect
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.app import create_app
from api.settings import Settings

SCHEMAS = Path(__file__).resolve().parent.parent / "api" / "schemas"


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("schemas")
    app = create_app(Settings(store_url=f"sqlite:///{tmp}/t.db", cache_dir=tmp / "cache"))
    doc: dict[str, Any] = TestClient(app).get("/openapi.json").json()  # no lifespan needed
    return doc


def test_components_keep_their_class_names(document: dict[str, Any]) -> None:
    renamed = sorted(n for n in document["components"]["schemas"] if n.startswith("api__"))
    assert renamed == [], f"schema classes sharing a name across api/schemas/: {renamed}"


def test_schema_class_names_are_unique_across_resources() -> None:
    """Counted from the modules themselves, independently of FastAPI's naming."""
    owners: dict[str, list[str]] = {}
    for path in sorted(SCHEMAS.glob("*.py")):
        module = import_module(f"api.schemas.{path.stem}")
        for name, obj in vars(module).items():
            is_model = inspect.isclass(obj) and issubclass(obj, BaseModel)
            if is_model and obj.__module__ == module.__name__:
                owners.setdefault(name, []).append(path.stem)
    clashes = {name: mods for name, mods in owners.items() if len(mods) > 1}
    assert clashes == {}
