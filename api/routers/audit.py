"""The audit log (admin only): who wrote what, when."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import PrincipalDep
from api.deps import StoreDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.audit import AuditOut

router = APIRouter(tags=["audit"], responses=PROBLEM_RESPONSES)


@router.get("/audit", response_model=list[AuditOut], summary="Audit entries, newest first")
def list_audit(
    store: StoreDep,
    _who: PrincipalDep,
    actor: str | None = None,
    action: Annotated[str | None, Query(description="prefix, e.g. `ticket.`")] = None,
    target: Annotated[str | None, Query(examples=["ticket:7"])] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
) -> list[AuditOut]:
    """Who did what and when: every write, upload and key change, filterable by actor, target and
    time."""
    found = store.audit.list(
        actor=actor, action=action, target=target, since=since, until=until, limit=limit
    )
    return [AuditOut.model_validate(e) for e in found]
