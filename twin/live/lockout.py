"""Lock-out of a work order's isolation points: who locked which point, when, with which key or
tag, and who released it.

The rules (docs/lockout.md): a lock is released only by the person who put it on or by a
supervisor (the caller says which, from the key's role); a work order with a lock on cannot be
resolved or closed (:func:`locks_held` is checked in the ticket's own transition transaction);
restoring supply is refused while any lock is on. Every write is audited and published as a
``lockout`` event.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select

from twin.errors import Conflict, Forbidden, NotFound
from twin.live import audit
from twin.live.db import now_us
from twin.live.events import publish as publish_event
from twin.live.records import from_us
from twin.live.tables_ops import tickets
from twin.live.tables_safety import lockout_restorations, ticket_locks
from twin.live.txn import Db, transaction

__all__ = [
    "LOCK_BLOCKED",
    "Lock",
    "LockRepository",
    "LocksHeld",
    "ReleaseRefused",
    "Restoration",
    "locks_held",
    "refuse_if_locked",
]

#: Ticket states in which nothing may be locked any more, and which a ticket cannot reach while
#: a lock is on (cancelling would orphan the locks as surely as closing).
_FINISHED = frozenset({"resolved", "closed", "cancelled"})
LOCK_BLOCKED = _FINISHED


class LocksHeld(Conflict):
    """The work order still has locks on (it cannot be closed, supply cannot be restored)."""

    title = "Locks still on"
    slug = "locks-held"


class ReleaseRefused(Forbidden):
    """Only the person who locked a point, or a supervisor, may release it."""

    title = "Release refused"
    slug = "release-refused"


@dataclass(frozen=True, slots=True)
class Lock:
    id: int
    ticket: int
    point: str
    point_name: str
    key_tag: str
    locked_by: str
    locked_at: datetime
    released_by: str | None
    released_at: datetime | None
    note: str

    @property
    def on(self) -> bool:
        return self.released_at is None


@dataclass(frozen=True, slots=True)
class Restoration:
    id: int
    ticket: int
    restored_by: str
    restored_at: datetime
    note: str


def _lock(r: Row[Any]) -> Lock:
    return Lock(
        id=r.id, ticket=r.ticket, point=r.point, point_name=r.point_name or "",
        key_tag=r.key_tag, locked_by=r.locked_by, locked_at=from_us(r.locked_at),  # type: ignore[arg-type]
        released_by=r.released_by, released_at=from_us(r.released_at), note=r.note or "",
    )  # fmt: skip


def locks_held(conn: Connection, ticket_id: int) -> list[str]:
    """GlobalIds of the points still locked on ``ticket_id`` (in the caller's transaction)."""
    q = select(ticket_locks.c.point).where(
        ticket_locks.c.ticket == ticket_id, ticket_locks.c.released_at.is_(None)
    )
    return [r.point for r in conn.execute(q.order_by(ticket_locks.c.id))]


def refuse_if_locked(conn: Connection, ticket_id: int, doing: str) -> None:
    """LocksHeld (409) naming the points when ``ticket_id`` has a lock on."""
    held = locks_held(conn, ticket_id)
    if held:
        raise LocksHeld(
            f"ticket {ticket_id} cannot {doing}: {len(held)} lock(s) still on",
            ticket=ticket_id, locked_points=held,
        )  # fmt: skip


def _ticket_row(conn: Connection, ticket_id: int) -> Row[Any]:
    row = conn.execute(select(tickets).where(tickets.c.id == ticket_id)).first()
    if row is None:
        raise NotFound(f"no ticket {ticket_id}", ticket=ticket_id)
    return row


def _publish(conn: Connection, ticket: Row[Any], change: str, **payload: Any) -> None:
    publish_event(
        conn, "lockout", building=ticket.building, storey=ticket.storey,
        payload={"ticket": ticket.id, "change": change, **payload},
    )  # fmt: skip


class LockRepository:
    """Locks and restorations of work orders (tables ``ticket_locks``,
    ``lockout_restorations``)."""

    def __init__(self, db: Db) -> None:
        self._db = db

    def list(self, ticket_id: int) -> list[Lock]:
        """Every lock of the ticket (on and released), oldest first."""
        with transaction(self._db) as conn:
            _ticket_row(conn, ticket_id)
            q = select(ticket_locks).where(ticket_locks.c.ticket == ticket_id)
            return [_lock(r) for r in conn.execute(q.order_by(ticket_locks.c.id))]

    def get(self, ticket_id: int, lock_id: int) -> Lock:
        with transaction(self._db) as conn:
            q = select(ticket_locks).where(
                ticket_locks.c.id == lock_id, ticket_locks.c.ticket == ticket_id
            )
            row = conn.execute(q).first()
            if row is None:
                raise NotFound(f"no lock {lock_id} on ticket {ticket_id}", lock=lock_id)
            return _lock(row)

    def lock(
        self,
        ticket_id: int,
        point: str,
        *,
        key_tag: str,
        by: str,
        point_name: str = "",
        note: str = "",
    ) -> Lock:
        """Record a lock on ``point``; Conflict when the ticket is finished or the point is
        already locked on this ticket (one lock per point and order; a second person adds their
        own tag on a new order or after the first is released)."""
        with transaction(self._db) as conn:
            row = _ticket_row(conn, ticket_id)
            if row.status in _FINISHED:
                raise Conflict(
                    f"ticket {ticket_id} is {row.status}: nothing more may be locked on it",
                    ticket=ticket_id, status=row.status,
                )  # fmt: skip
            if point in locks_held(conn, ticket_id):
                raise Conflict(f"{point} is already locked on ticket {ticket_id}", point=point)
            t = now_us()
            res = conn.execute(ticket_locks.insert().values(
                ticket=ticket_id, point=point, point_name=point_name, key_tag=key_tag,
                locked_by=by, locked_at=t, note=note,
            ))  # fmt: skip
            lid = int(res.inserted_primary_key[0])  # type: ignore[index]
            audit.record(conn, by, "lockout.lock", f"ticket:{ticket_id}",
                         {"lock": lid, "point": point, "key_tag": key_tag})  # fmt: skip
            _publish(conn, row, "locked", lock=lid, point=point)
            return LockRepository(conn).get(ticket_id, lid)

    def release(self, ticket_id: int, lock_id: int, *, by: str, supervisor: bool) -> Lock:
        """Release a lock: by the person who locked it, or by a supervisor; ReleaseRefused (403)
        for anyone else, Conflict (409) when it is already released."""
        with transaction(self._db) as conn:
            row = _ticket_row(conn, ticket_id)
            current = LockRepository(conn).get(ticket_id, lock_id)
            if not current.on:
                raise Conflict(f"lock {lock_id} was already released", lock=lock_id)
            if current.locked_by != by and not supervisor:
                raise ReleaseRefused(
                    f"lock {lock_id} was put on by {current.locked_by!r}: only they or a "
                    "supervisor may release it",
                    lock=lock_id, locked_by=current.locked_by,
                )  # fmt: skip
            t = now_us()
            conn.execute(
                ticket_locks.update()
                .where(ticket_locks.c.id == lock_id)
                .values(released_by=by, released_at=t)
            )
            audit.record(conn, by, "lockout.release", f"ticket:{ticket_id}",
                         {"lock": lock_id, "point": current.point, "locked_by": current.locked_by,
                          "supervisor": supervisor and current.locked_by != by})  # fmt: skip
            _publish(conn, row, "released", lock=lock_id, point=current.point)
            return LockRepository(conn).get(ticket_id, lock_id)

    def restore(self, ticket_id: int, *, by: str, note: str = "") -> Restoration:
        """Record that supply is restored; LocksHeld (409) while any lock is on."""
        with transaction(self._db) as conn:
            row = _ticket_row(conn, ticket_id)
            refuse_if_locked(conn, ticket_id, "restore supply")
            n = conn.execute(
                select(func.count()).where(ticket_locks.c.ticket == ticket_id)
            ).scalar_one()
            t = now_us()
            res = conn.execute(lockout_restorations.insert().values(
                ticket=ticket_id, restored_by=by, restored_at=t, note=note
            ))  # fmt: skip
            rid = int(res.inserted_primary_key[0])  # type: ignore[index]
            audit.record(conn, by, "lockout.restore", f"ticket:{ticket_id}",
                         {"restoration": rid, "locks_released": n, "note": note})  # fmt: skip
            _publish(conn, row, "restored", restoration=rid)
            return Restoration(rid, ticket_id, by, from_us(t), note)  # type: ignore[arg-type]

    def restorations(self, ticket_id: int) -> builtins.list[Restoration]:
        with transaction(self._db) as conn:
            q = select(lockout_restorations).where(lockout_restorations.c.ticket == ticket_id)
            return [
                Restoration(r.id, r.ticket, r.restored_by, from_us(r.restored_at), r.note or "")  # type: ignore[arg-type]
                for r in conn.execute(q.order_by(lockout_restorations.c.id))
            ]
