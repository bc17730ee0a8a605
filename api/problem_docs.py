"""Declare in OpenAPI the problem answers every operation can give, in one place.

The handlers in :mod:`api.errors` answer every error as ``application/problem+json``, whatever
raised it: a router, the auth gate, the body-size limit or FastAPI's own request parsing. Routers
declare only the errors of their own logic (409 on a conflict, ...); the answers that follow from
an operation's *shape* are added here, so that clients and schema-driven tests
(``tests/test_fuzz_api.py``) can rely on the document:

- 400 and 413 on every operation with a request body (a body that is not text in its declared
  encoding; a body over ``TWIN_MAX_BODY_MB``);
- 401 and 403 on every operation that takes an API key (``security`` in its entry);
- 404 on every operation with a path parameter (an unknown id);
- 422 on every operation with parameters or a body, and any error response a framework declared
  with another media type (FastAPI's default 422 ``application/json``) is re-declared as the
  problem document it really is.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

__all__ = ["PROBLEM_SCHEMA", "declare_problems", "install_problem_docs", "problem_response"]

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
}
_EXAMPLES: dict[str, tuple[str, str, str]] = {
    "400": ("Malformed body", "http-400", "There was an error parsing the body"),
    "401": ("Unauthorized", "unauthorized", "an API key is required (header X-API-Key)"),
    "403": ("Forbidden", "forbidden", "role 'viewer' may not do this; needs 'operator'"),
    "404": ("Not found", "not-found", "no element '3vB2YO$MX4xv5uCqZZG05x' is loaded"),
    "409": ("Conflict", "conflict", "the request conflicts with the model or the stored state"),
    "413": ("Body too large", "body-too-large", "the request body is over the limit"),
    "422": ("Invalid request", "invalid-request", "query.limit: Input should be greater than 0"),
}
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def problem_response(status: int | str, description: str | None = None) -> dict[str, Any]:
    """An OpenAPI response entry for a problem document (for a router's own ``responses=``)."""
    status = str(status)
    title, slug, detail = _EXAMPLES.get(status, ("Error", f"http-{status}", ""))
    example = {"type": f"/problems/{slug}", "title": title, "status": int(status), "detail": detail}
    return {
        "description": description or title,
        "content": {
            PROBLEM_MEDIA_TYPE: {"schema": copy.deepcopy(PROBLEM_SCHEMA), "example": example}
        },
    }


def _statuses_for(operation: dict[str, Any]) -> list[str]:
    """The problem statuses an operation can answer because of its shape."""
    params = operation.get("parameters", [])
    body = "requestBody" in operation
    out = []
    if body:
        out += ["400", "413"]
    if operation.get("security"):
        out += ["401", "403"]
    if any(p.get("in") == "path" for p in params):
        out.append("404")
    if params or body:
        out.append("422")
    return out


def declare_problems(document: dict[str, Any]) -> dict[str, Any]:
    """Add the shape-implied problem responses to an OpenAPI document, in place (idempotent)."""
    for item in document.get("paths", {}).values():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                is_error = status[:1] in ("4", "5")
                if is_error and PROBLEM_MEDIA_TYPE not in response.get("content", {}):
                    responses[status] = problem_response(status, response.get("description"))
            for status in _statuses_for(operation):
                responses.setdefault(status, problem_response(status))
    return document


def install_problem_docs(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the document with :func:`declare_problems` applied."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_problems(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
