"""The audit log: who wrote what, when. Written in the same transaction as the write it records,
so a rolled-back write leaves no audit entry and a committed one always has one.

:func:`record` writes in the caller's transaction (every repository uses it); :class:`AuditLog`
(``store.audit``) reads the log and records writes that commit on their own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from twin.live.db import now_us
from twin.live.records import AuditEntry, from_us, to_us
from twin.live.tables_ops import audit
from twin.live.txn import Db, transaction

__all__ = ["AuditLog", "record"]


def record(
    conn: Connection,
    actor: str,
    action: str,
    target: str,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Append one entry (e.g. ``record(conn, "ops-desk", "ticket.create", "ticket:7", {...})``)."""
    res = conn.execute(
        audit.insert().values(
            t=now_us(),
            actor=actor,
            action=action,
            target=target,
            detail=json.dumps(dict(detail or {}), default=str, sort_keys=True),
        )
    )
    return int(res.inserted_primary_key[0])  # type: ignore[index]


class AuditLog:
    """The audit log (table ``audit``)."""

    def __init__(self, db: Db) -> None:
        self._db = db

    def record(
        self, actor: str, action: str, target: str, detail: Mapping[str, Any] | None = None
    ) -> int:
        """:func:`record` in its own transaction, for writes whose store method commits by
        itself (alarm acks, rules, sensor registration, uploads)."""
        with transaction(self._db) as conn:
            return record(conn, actor, action, target, detail)

    def list(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        target: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 200,
    ) -> list[AuditEntry]:
        """Newest first; ``action`` matches a prefix (``ticket.`` gives every ticket write)."""
        q = select(audit).order_by(audit.c.id.desc()).limit(limit)
        if actor:
            q = q.where(audit.c.actor == actor)
        if action:
            q = q.where(audit.c.action.startswith(action, autoescape=True))  # '%', '_' literal
        if target:
            q = q.where(audit.c.target == target)
        if since:
            q = q.where(audit.c.t >= to_us(since))
        if until:
            q = q.where(audit.c.t <= to_us(until))
        with transaction(self._db) as conn:
            rows = list(conn.execute(q))
        return [
            AuditEntry(
                id=r.id,
                t=from_us(r._mapping["t"]),  # type: ignore[arg-type]
                actor=r.actor,
                action=r.action,
                target=r.target,
                detail=json.loads(r.detail),
            )
            for r in rows
        ]
