"""The request gate: what every request must satisfy before any route parses it.

Two pure ASGI middlewares, so they hold for every route, present and future:

- :class:`BodyLimit` counts the bytes of the request body as they are received (with or without
  ``Content-Length``, chunked included) and answers 413 once ``TWIN_MAX_BODY_MB`` is passed,
  before anything is parsed or buffered beyond the limit. Routes that take file uploads (their
  body has a ``File``/``Form`` parameter) get ``TWIN_MAX_UPLOAD_MB`` instead.
- :class:`TextGate` refuses a path or query string holding text no database can hold (a NUL, a
  lone surrogate: :func:`twin.live.validate.text_problem`, the rule the request bodies' base
  model :class:`api.strict.StrictIn` applies too) with a 422, whatever the route.

Both answer RFC 9457 problem documents themselves: they run outside the exception handlers.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from fastapi import params
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from twin.live.validate import clean_text, text_problem

__all__ = ["BodyLimit", "TextGate", "install_request_gate", "routes_of"]

_MB = 1024 * 1024


async def _send_problem(send: Send, scope: Scope, status: int, title: str, detail: str) -> None:
    """Answer the request with a problem document (used before any route ran)."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    body = json.dumps(
        {
            "type": f"/problems/{slug}",
            "title": title,
            "status": status,
            "detail": clean_text(detail, 500),
            "instance": clean_text(scope.get("path", ""), 500),
        }
    ).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """413 for a request body over the limit, counted while it streams in."""

    def __init__(self, app: ASGIApp, *, max_body_mb: float, max_upload_mb: float) -> None:
        self.app = app
        self.max_body = int(max_body_mb * _MB)
        self.max_upload = int(max_upload_mb * _MB)
        self._upload_routes: list[tuple[re.Pattern[str], set[str]]] | None = None

    def limit_for(self, scope: Scope) -> int:
        if self._upload_routes is None:
            self._upload_routes = _upload_routes(scope.get("app"))
        path, method = scope.get("path", ""), scope.get("method", "")
        for regex, methods in self._upload_routes:
            if method in methods and regex.match(path):
                return self.max_upload
        return self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = dict(scope.get("headers", ())).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _send_too_large(send, scope, limit)
            return
        seen = 0
        answered = False  # the 413 went out: whatever the app sends after it is dropped
        started = False

        async def counted() -> Message:
            nonlocal seen, answered
            if answered or seen > limit:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    if not started:
                        await _send_too_large(send, scope, limit)
                        answered = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if answered:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted, guarded)


async def _send_too_large(send: Send, scope: Scope, limit: int) -> None:
    detail = f"request body exceeds {limit} bytes (TWIN_MAX_BODY_MB; uploads: TWIN_MAX_UPLOAD_MB)"
    await _send_problem(send, scope, 413, "Payload too large", detail)


def routes_of(app: Any) -> list[Any]:
    """Every route of the app, those of included routers too (FastAPI 0.165 keeps included
    routers as branches of ``app.routes``; ``iter_route_contexts`` walks them)."""
    routes = list(getattr(app, "routes", ()))
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: app.routes is already flat
        return routes
    return list(iter_route_contexts(routes))


def _upload_routes(app: Any) -> list[tuple[re.Pattern[str], set[str]]]:
    """(path regex, methods) of the routes whose body takes files or form fields."""
    out = []
    for route in routes_of(app):
        dependant = getattr(route, "dependant", None)
        if dependant is None or getattr(route, "path_regex", None) is None:
            continue
        if any(isinstance(p.field_info, params.Form) for p in dependant.body_params):
            out.append((route.path_regex, set(route.methods or ())))
    return out


class TextGate:
    """422 for a path or query string with a NUL or a lone surrogate."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            why = _text_problem_of(scope)
            if why:
                if scope["type"] == "http":
                    await _send_problem(send, scope, 422, "Invalid request", why)
                else:
                    await send({"type": "websocket.close", "code": 1008})
                return
        await self.app(scope, receive, send)


def _text_problem_of(scope: Scope) -> str | None:
    problem = text_problem(scope.get("path", ""))
    if problem:
        return f"path {problem}"
    raw = scope.get("query_string", b"")
    if not raw:
        return None
    for key, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        for text in (key, value):
            problem = text_problem(text)
            if problem:
                return f"query parameter {clean_text(key, 100)!r} {problem}"
    return None


def install_request_gate(app: Any, *, max_body_mb: float, max_upload_mb: float) -> None:
    """Add both middlewares to a Starlette/FastAPI app (the text gate runs first)."""
    app.add_middleware(BodyLimit, max_body_mb=max_body_mb, max_upload_mb=max_upload_mb)
    app.add_middleware(TextGate)
