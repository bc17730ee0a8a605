"""The audit log as the API shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["AuditOut"]


class AuditOut(BaseModel):
    # Read from :class:`twin.live.records.AuditEntry` (``AuditOut.model_validate(entry)``).
    model_config = ConfigDict(from_attributes=True)

    id: int
    t: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
