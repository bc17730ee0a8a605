"""RFC 9457 problem documents at the edge.

The library raises typed :class:`twin.errors.TwinError` subclasses that carry their HTTP status;
this module is the one place that turns them, FastAPI's validation errors and anything unexpected
into ``application/problem+json``. An unexpected exception is logged with its request and answered
with a 500 problem: it never takes the service down.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from api.limits import routes_of
from api.problem_docs import PROBLEM_SCHEMA, install_problem_docs
from twin.errors import TwinError

__all__ = ["PROBLEM_RESPONSES", "install_problem_handlers", "problem"]

log = logging.getLogger(__name__)
PROBLEM_MEDIA_TYPE = "application/problem+json"

_PROBLEM_SCHEMA = {
    "content": {
        PROBLEM_MEDIA_TYPE: {
            "schema": PROBLEM_SCHEMA,
            "example": {
                "type": "/problems/element-not-found",
                "title": "Element not found",
                "status": 404,
                "detail": "no element '3vB2YO$MX4xv5uCqZZG05x' is loaded",
                "instance": "/elements/3vB2YO$MX4xv5uCqZZG05x",
            },
        }
    }
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not found", **_PROBLEM_SCHEMA},
    422: {"description": "Invalid input", **_PROBLEM_SCHEMA},
}


def problem(
    request: Request, status: int, title: str, detail: str, slug: str, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update({k: v for k, v in extra.items() if k not in body})
    return ProblemResponse(
        jsonable_encoder(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE
    )


class ProblemResponse(JSONResponse):
    """JSON with every non-ASCII character escaped: a problem document may quote what the client
    sent, and a lone surrogate in it must not turn the answer into an encoding error."""

    def render(self, content: Any) -> bytes:
        return json.dumps(
            content, ensure_ascii=True, allow_nan=False, separators=(",", ":")
        ).encode()


async def _twin_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TwinError)
    if exc.status >= 500:
        log.error("%s %s: %s", request.method, request.url.path, exc.detail, exc_info=exc)
    return problem(request, exc.status, exc.title, exc.detail, exc.slug, **exc.extra)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"])
    return problem(
        request,
        422,
        "Invalid request",
        f"{where}: {first['msg']}" if where else str(first["msg"]),
        "invalid-request",
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = {401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed"}
    response = problem(
        request,
        exc.status_code,
        str(exc.detail) if exc.status_code < 500 else "Error",
        str(exc.detail),
        slug.get(exc.status_code, f"http-{exc.status_code}"),
    )
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    if exc.status_code == 405:
        response.headers["Allow"] = _allowed_methods(request)
    return response


def _allowed_methods(request: Request) -> str:
    """Every method any route of this path answers (Starlette's own ``Allow`` names only the
    first route that matched the path, so ``/sensors`` said GET though it takes POST too)."""
    path = request.scope.get("path", "")
    methods: set[str] = set()
    for route in routes_of(request.app):
        regex, allowed = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and allowed and regex.match(path):
            methods |= set(allowed)
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    """A value the database refused as data (too long for its column, out of its type's range)
    that validation let through: the client's value is the problem, so 422, logged as a
    warning because it means a request schema lacks a bound."""
    log.warning("%s %s: store refused a value: %s", request.method, request.url.path, exc)
    return problem(
        request,
        422,
        "Invalid input",
        "a value of the request does not fit the store (too long or out of range)",
        "invalid-input",
    )


async def _disconnected(request: Request, exc: Exception) -> Response:
    """The client went away mid-body, or :class:`api.limits.BodyLimit` cut the body off and
    has already answered 413: nobody reads this answer, and nothing failed here."""
    log.info("%s %s: request body not received in full", request.method, request.url.path)
    return Response(status_code=400)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        request,
        500,
        "Internal error",
        "the service failed to answer this request; it has been logged",
        "internal-error",
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error as a problem document, and declare those answers in OpenAPI."""
    install_problem_docs(app)
    app.add_exception_handler(TwinError, _twin_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ClientDisconnect, _disconnected)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(Exception, _unexpected)
