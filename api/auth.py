"""Who is calling, and may they do this: API keys with roles, checked at the edge.

Roles are ordered by what they may do; a route names the least role it needs with
``Depends(require_role("operator"))``. Key storage and hashing live in the live store (issue 3);
this module only asks ``app.state.authenticator`` (any object with ``authenticate(key) ->
Principal | None``) and turns the answer into 401/403 problem documents. With ``TWIN_AUTH`` off
(the demo default) every caller is the anonymous admin, so the demo needs no keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from twin.errors import AuthError, Forbidden

__all__ = ["ROLES", "Authenticator", "Principal", "PrincipalDep", "require_role"]

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

_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="API key (TWIN_AUTH=on)")


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: str
    technician: str | None = None  # the technician id a technician key acts for


ANONYMOUS_ADMIN = Principal(name="anonymous", role="admin")
ANONYMOUS_VIEWER = Principal(name="anonymous", role="viewer")


class Authenticator(Protocol):
    def authenticate(self, key: str) -> Principal | None: ...


def current_principal(
    request: Request, key: Annotated[str | None, Depends(_header)] = None
) -> Principal:
    settings = request.app.state.settings
    if not settings.auth:
        return ANONYMOUS_ADMIN
    if not key:
        if settings.anonymous_read and request.method in ("GET", "HEAD"):
            return ANONYMOUS_VIEWER
        raise AuthError("an API key is required (header X-API-Key)")
    authenticator: Authenticator | None = getattr(request.app.state, "authenticator", None)
    principal = authenticator.authenticate(key) if authenticator else None
    if principal is None:
        raise AuthError("unknown or revoked API key")
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_role(role: str) -> Callable[..., Principal]:
    """A dependency that lets the call through only for roles that grant ``role``."""
    allowed = ROLE_GRANTS[role]

    def dependency(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(f"role {principal.role!r} may not do this; needs {role!r}")
        return principal

    return dependency
