"""Who is calling, and may they do this: API keys with roles, checked once, at the edge.

:class:`AuthGate` (an ASGI middleware installed by ``create_app``) matches each request to its
route, looks the route's required role up in :mod:`api.roles` (one table; an operation it does
not list needs ``admin``) and answers 401/403 problem documents before the handler runs and
before the request body is read, so an anonymous client cannot make the service parse an upload.
Handlers that need the caller's identity (a technician acting for itself, the audit actor) take
:data:`PrincipalDep`, which returns the gate's decision; it is also the app-wide dependency that
puts the ``X-API-Key`` scheme on every operation of the OpenAPI document.

Keys live hashed in the live store (``twin.live.keys``); this module only asks
``app.state.authenticator`` (any object with ``authenticate(key) -> Principal | None``). With
``TWIN_AUTH`` off (the demo default) every caller is the anonymous admin, so the demo needs no keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import problem
from api.roles import FAIL_CLOSED_ROLE, PUBLIC, required_role
from twin.errors import AuthError, Forbidden, TwinError
from twin.live.store import LiveStore

__all__ = [
    "ROLES",
    "AuthGate",
    "Authenticator",
    "Principal",
    "PrincipalDep",
    "StoreAuthenticator",
    "act_for",
    "current_principal",
]

#: Roles from least to most privileged; technician < operator < planner is by job, not power:
#: ``ROLE_GRANTS`` says which roles satisfy a requirement.
ROLES: tuple[str, ...] = ("viewer", "technician", "operator", "planner", "admin")
ROLE_GRANTS: dict[str, frozenset[str]] = {
    "viewer": frozenset(ROLES),
    "technician": frozenset({"technician", "operator", "admin"}),
    "operator": frozenset({"operator", "admin"}),
    "planner": frozenset({"planner", "admin"}),
    "admin": frozenset({"admin"}),
}
HEADER = "X-API-Key"
_SCOPE_KEY = "twin.principal"
_VIEWER_MOUNT = "viewer"

_header = APIKeyHeader(name=HEADER, auto_error=False, description="API key (TWIN_AUTH=on)")


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: str
    technician: str | None = None  # the technician id a technician key acts for
    key_id: str | None = None  # the key presented (None when anonymous)


ANONYMOUS_ADMIN = Principal(name="anonymous", role="admin")
ANONYMOUS_VIEWER = Principal(name="anonymous", role="viewer")


class Authenticator(Protocol):
    def authenticate(self, key: str) -> Principal | None: ...


class StoreAuthenticator:
    """``authenticate(key) -> Principal | None`` against ``app.state.store``, looked up on each
    call: the lifespan opens the store after the app is built, and before that no key is known
    (None). ``create_app`` installs it as ``app.state.authenticator``."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def authenticate(self, key: str) -> Principal | None:
        store: LiveStore | None = getattr(self.app.state, "store", None)
        if store is None:
            return None
        record = store.keys.authenticate(key)
        if record is None:
            return None
        return Principal(record.name, record.role, technician=record.technician, key_id=record.id)


def decide(app: Any, role: str, key: str | None) -> Principal:
    """The principal allowed to call an operation needing ``role``, else AuthError (401: no,
    unknown or revoked key) or Forbidden (403: a valid key whose role does not grant ``role``)."""
    settings = app.state.settings
    if not settings.auth:
        return ANONYMOUS_ADMIN
    if role == PUBLIC:
        return ANONYMOUS_VIEWER
    if not key:
        if role == "viewer" and settings.anonymous_read:
            return ANONYMOUS_VIEWER
        raise AuthError(f"this operation needs role {role!r}: send an API key in {HEADER}")
    authenticator: Authenticator | None = getattr(app.state, "authenticator", None)
    principal = authenticator.authenticate(key) if authenticator else None
    if principal is None:
        raise AuthError("unknown or revoked API key")
    if principal.role not in ROLE_GRANTS.get(role, ROLE_GRANTS[FAIL_CLOSED_ROLE]):
        raise Forbidden(f"role {principal.role!r} may not do this; needs {role!r}")
    return principal


def _public_paths(app: Any) -> set[str]:
    urls = (app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url)
    return {u for u in urls if u}


def _walk(routes: Iterable[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)  # FastAPI keeps included routers nested
        if inner is not None:
            yield from _walk(inner.routes)


def api_routes(app: Any) -> list[APIRoute]:
    """Every API operation of ``app`` in routing order (cached until routes are added)."""
    return _index(app)[0]


def _index(app: Any) -> tuple[list[APIRoute], dict[str, list[APIRoute]]]:
    """The routes, and the routes by first path segment (``*`` for a parameter there), so a
    request is matched against a handful of patterns, not all of them (<=10 µs, not 45)."""
    cached = getattr(app.state, "auth_routes", None)
    if cached is None or cached[0] != len(app.router.routes):
        routes = list(_walk(app.router.routes))
        by_head: dict[str, list[APIRoute]] = {}
        for route in routes:
            by_head.setdefault(_head(route.path), []).append(route)
        cached = (len(app.router.routes), routes, by_head)
        app.state.auth_routes = cached
    return cached[1], cached[2]


def _head(path: str) -> str:
    first = path.lstrip("/").split("/", 1)[0]
    return "*" if "{" in first else first


def role_for_scope(app: Any, scope: Scope) -> str | None:
    """The role the request's operation needs; None when it is no API operation (docs,
    ``/openapi.json``, the viewer's files) or matches none (the router answers 404/405)."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    if path in _public_paths(app) or path.startswith(f"/{_VIEWER_MOUNT}/"):
        return None
    method = "GET" if scope["method"] == "HEAD" else scope["method"]
    routes, by_head = _index(app)
    candidates = by_head.get(_head(path), [])
    if "*" in by_head:  # a route with a parameter first: keep the routing order
        candidates = sorted(candidates + by_head["*"], key=routes.index)
    for route in candidates:
        if method in (route.methods or ()) and route.path_regex.match(path):
            return required_role(method, route.path)
    return None


def _key_of(scope: Scope) -> str | None:
    wanted = HEADER.lower().encode()
    for name, value in scope.get("headers", ()):
        if name == wanted:
            return bytes(value).decode("latin-1")
    return None


class AuthGate:
    """ASGI middleware: every API operation passes :func:`decide` with its role from the table."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        app = scope["app"]
        role = role_for_scope(app, scope)
        if role is not None:
            key = _key_of(scope)
            try:
                if key and app.state.settings.auth:  # the key lookup is database I/O
                    principal = await run_in_threadpool(decide, app, role, key)
                else:
                    principal = decide(app, role, key)
            except TwinError as exc:
                await _refuse(scope, receive, send, exc)
                return
            scope[_SCOPE_KEY] = (role, principal)
        await self.app(scope, receive, send)


async def _refuse(scope: Scope, receive: Receive, send: Send, exc: TwinError) -> None:
    request = Request(scope)
    response = problem(request, exc.status, exc.title, exc.detail, exc.slug, **exc.extra)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = f'ApiKey header="{HEADER}"'
    await response(scope, receive, send)


def current_principal(
    request: Request, key: Annotated[str | None, Depends(_header)] = None
) -> Principal:
    """The gate's decision for this request; decided here (same table) when the gate did not run,
    e.g. for an app built without :func:`api.app.create_app`."""
    route = request.scope.get("route")
    role = required_role(request.method, route.path) if isinstance(route, APIRoute) else None
    role = role or FAIL_CLOSED_ROLE
    decided = request.scope.get(_SCOPE_KEY)
    if isinstance(decided, tuple) and decided[0] == role:
        return decided[1]  # type: ignore[no-any-return]
    principal = decide(request.app, role, key)
    request.scope[_SCOPE_KEY] = (role, principal)
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def act_for(principal: Principal, technician_id: str) -> None:
    """A technician key acts only for its own technician; operators and admins act for anyone
    (the role table already let only those three roles in)."""
    if principal.role == "technician" and principal.technician != technician_id:
        raise Forbidden(
            f"a technician key acts only for technician {principal.technician!r}, "
            f"not {technician_id!r}",
            technician=technician_id,
        )
