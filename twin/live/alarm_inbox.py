"""The alarm inbox repository: the narrow rows the inbox query classifies, acknowledgement of
active and returned-to-normal alarms, shelves and design suppressions (issue 15).

Writes join the caller's transaction when bound to a connection (``store.transaction()``), so
the service records the change and its audit entry in one commit.
"""

from __future__ import annotations

import builtins
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Select, and_, delete, func, insert, or_, select, update

from twin.errors import Conflict
from twin.live.alarm_repo import AlarmNotFound
from twin.live.alarms import alarm_json, row_to_alarm
from twin.live.db import now_us
from twin.live.events import publish
from twin.live.records import Alarm, from_us
from twin.live.records_alarm_inbox import InboxRow, Shelf, Suppression
from twin.live.tables import alarms, events
from twin.live.tables_alarm_inbox import alarm_shelves, alarm_suppressions
from twin.live.txn import Db, transaction

__all__ = ["AlarmInboxRepository", "ShelfNotFound", "SuppressionNotFound"]

_NARROW = (
    alarms.c.id,
    alarms.c.sensor,
    alarms.c.severity,
    alarms.c.active,
    alarms.c.acknowledged_us,
    alarms.c.raised_us,
    alarms.c.cleared_us,
    alarms.c.element,
    alarms.c.space,
    alarms.c.storey,
    alarm_shelves.c.until_us,
    alarms.c.building,
)


class ShelfNotFound(AlarmNotFound):
    title = "Alarm not shelved"


class SuppressionNotFound(AlarmNotFound):
    title = "Suppression not found"


#: Cached row sets kept per repository (one per building/storey asked for).
CACHE_ENTRIES = 64

_Token = tuple[int | None, int | None, int | None]
_TOKEN = select(
    select(func.max(events.c.id)).where(events.c.type == "alarm").scalar_subquery(),
    select(func.count(alarms.c.id)).scalar_subquery(),
    select(func.max(alarms.c.id)).scalar_subquery(),
)


#: A cached row set is re-read whole at least this often (bounds what a missed event costs).
FULL_RELOAD_S = 300.0
#: Alarm events re-read before the newest one seen: an event committed late with a lower id
#: (PostgreSQL sequences are not commit-ordered) is still applied.
EVENT_MARGIN = 200
#: More changed alarms than this since the cached rows: read them whole instead.
MAX_DELTA = 2000


@dataclass(slots=True)
class _Entry:
    token: _Token
    by_id: dict[int, InboxRow]
    rows: builtins.list[InboxRow]
    loaded: float  # monotonic time of the last whole read


def _delta(conn: Connection, q: Select[Any], hit: _Entry, token: _Token) -> _Entry | None:
    """The cached rows brought up to ``token`` from the alarm events since them: the alarms
    those events name and the alarms added since are re-read (through the same filter), every
    other row is kept. None when a whole read is needed (alarms deleted, too many changes)."""
    old_event, old_count, old_max = hit.token
    _new_event, new_count, new_max = token
    if (old_count or 0) > (new_count or 0) or (old_max or 0) > (new_max or 0):
        return None  # alarms were deleted: read everything
    since = max(0, (old_event or 0) - EVENT_MARGIN)
    payloads = conn.execute(
        select(events.c.payload).where((events.c.type == "alarm") & (events.c.id > since))
    ).scalars().all()  # fmt: skip
    if len(payloads) > MAX_DELTA:
        return None
    changed: set[int] = set()
    for p in payloads:
        if isinstance(p, dict) and isinstance(p.get("id"), int):
            changed.add(p["id"])
        elif not (isinstance(p, dict) and "target" in p):  # suppressions are read per query
            return None  # an event that names no alarm: read everything
    cond = alarms.c.id > (old_max or 0)
    if changed:
        cond = or_(cond, alarms.c.id.in_(sorted(changed)))
    fresh = {r[0]: InboxRow(*r) for r in conn.execute(q.where(cond)).all()}
    by_id = hit.by_id.copy()
    for aid in changed:
        by_id.pop(aid, None)
    by_id.update(fresh)
    return _Entry(token, by_id, list(by_id.values()), hit.loaded)


class AlarmInboxRepository:
    """What operators decide about alarms; the alarms themselves are raised by the ingest.

    The inbox rows of a building are cached in the process and kept up to date from the store's
    *alarm token*: the newest ``alarm`` event (every raise, clear, acknowledgement, shelf and
    suppression publishes one in its own transaction, whichever process made it) with the count
    and newest id of ``alarms``. One indexed query checks it; when it moved, only the alarms the
    new events name (and alarms added since) are re-read, not the whole building (see
    :func:`_delta`). States that depend on the clock (a shelf's expiry) and suppressions are
    computed per query, never cached.
    """

    def __init__(self, db: Db) -> None:
        self._db = db
        self._cache: dict[tuple[object, ...], _Entry] = {}
        self._lock = threading.Lock()

    def forget(self) -> None:
        """Drop the cached rows (tests that rewrite the tables behind the store's back)."""
        with self._lock:
            self._cache.clear()

    # ---- reads ---------------------------------------------------------------------------
    def rows(
        self,
        *,
        building: str | None = None,
        storey: str | None = None,
        history: bool = False,
        since_us: int | None = None,
        until_us: int | None = None,
    ) -> list[InboxRow]:
        """Narrow rows for classification: by default only alarms that can still be in the
        inbox (active, or cleared but unacknowledged, or shelved); ``history`` adds the
        acknowledged-and-cleared ones. ``since_us``/``until_us`` keep the alarms alive at some
        time in that period (raised before ``until_us``, not cleared before ``since_us``)."""
        q = select(*_NARROW).select_from(
            alarms.outerjoin(alarm_shelves, alarm_shelves.c.alarm == alarms.c.id)
        )
        if building is not None:
            q = q.where(alarms.c.building == building)
        if storey is not None:
            q = q.where(alarms.c.storey == storey)
        if since_us is not None:
            q = q.where(or_(alarms.c.cleared_us.is_(None), alarms.c.cleared_us >= since_us))
        if until_us is not None:
            q = q.where(alarms.c.raised_us < until_us)
        if not history:
            q = q.where(
                or_(
                    alarms.c.active.is_(True),
                    alarms.c.acknowledged_us.is_(None),
                    alarm_shelves.c.alarm.is_not(None),
                )
            )
        cacheable = isinstance(self._db, Engine) and since_us is None and until_us is None
        key = (building, storey, history)
        with transaction(self._db) as conn:
            if not cacheable:
                return [InboxRow(*r) for r in conn.execute(q).all()]
            e_id, n, m = conn.execute(_TOKEN).one()
            token: _Token = (e_id, n, m)
            with self._lock:
                hit = self._cache.get(key)
            if hit is not None and hit.token == token:
                return hit.rows
            t = time.monotonic()
            entry = None
            if hit is not None and t - hit.loaded < FULL_RELOAD_S:
                entry = _delta(conn, q, hit, token)
            if entry is None:
                by_id = {r[0]: InboxRow(*r) for r in conn.execute(q).all()}
                entry = _Entry(token, by_id, list(by_id.values()), t)
        with self._lock:
            if len(self._cache) >= CACHE_ENTRIES:
                self._cache.clear()
            self._cache[key] = entry
        return entry.rows

    def alarms(self, ids: Sequence[int]) -> builtins.list[Alarm]:
        """Full alarms for ``ids``, in the order given (the inbox's page)."""
        if not ids:
            return []
        with transaction(self._db) as conn:
            found = {
                r.id: row_to_alarm(r)
                for r in conn.execute(select(alarms).where(alarms.c.id.in_(list(ids))))
            }
        return [found[i] for i in ids if i in found]

    def ticketed(self) -> builtins.list[tuple[int, int]]:
        """(alarm, ticket) of alarms still in the inbox that opened a work order."""
        q = select(alarms.c.id, alarms.c.ticket).where(
            and_(
                alarms.c.ticket.is_not(None),
                or_(alarms.c.active.is_(True), alarms.c.acknowledged_us.is_(None)),
            )
        )
        with transaction(self._db) as conn:
            return [(int(a), int(t)) for a, t in conn.execute(q)]

    # ---- acknowledge ---------------------------------------------------------------------
    def acknowledge(self, alarm_id: int, by: str) -> Alarm:
        """Acknowledge an active or a returned-to-normal alarm nobody acknowledged yet
        (ISA-18.2: both need an acknowledgement); 409 when it already was."""
        t = now_us()
        with transaction(self._db) as conn:
            res = conn.execute(
                update(alarms)
                .where(and_(alarms.c.id == alarm_id, alarms.c.acknowledged_us.is_(None)))
                .values(acknowledged_us=t, acknowledged_by=by)
            )
            if res.rowcount == 0:
                row = conn.execute(select(alarms.c.id).where(alarms.c.id == alarm_id)).first()
                if row is None:
                    raise AlarmNotFound(f"no alarm {alarm_id}")
                raise Conflict(f"alarm {alarm_id} is already acknowledged")
            conn.execute(
                update(alarms)
                .where(and_(alarms.c.id == alarm_id, alarms.c.state == "raised"))
                .values(state="acknowledged")
            )
            a = row_to_alarm(conn.execute(select(alarms).where(alarms.c.id == alarm_id)).one())
            publish(
                conn,
                "alarm",
                building=a.building,
                storey=a.storey,
                payload={"change": "acknowledged", **alarm_json(a)},
            )
        return a

    # ---- shelves -------------------------------------------------------------------------
    def shelve(self, alarm_id: int, by: str, reason: str, until_us: int) -> Shelf:
        """Shelve (or re-shelve with a new expiry) an alarm that is still in the inbox."""
        t = now_us()
        with transaction(self._db) as conn:
            row = conn.execute(
                select(alarms.c.active, alarms.c.acknowledged_us).where(alarms.c.id == alarm_id)
            ).first()
            if row is None:
                raise AlarmNotFound(f"no alarm {alarm_id}")
            if not row.active and row.acknowledged_us is not None:
                raise Conflict(f"alarm {alarm_id} is cleared and acknowledged; nothing to shelve")
            conn.execute(delete(alarm_shelves).where(alarm_shelves.c.alarm == alarm_id))
            conn.execute(
                insert(alarm_shelves).values(
                    alarm=alarm_id, reason=reason, shelved_by=by, shelved_us=t, until_us=until_us
                )
            )
            _changed(conn, alarm_id, "shelved")
            return self._shelf(conn, alarm_id)

    def unshelve(self, alarm_id: int) -> Shelf:
        """Remove the shelf (expired or not); returns what it was."""
        with transaction(self._db) as conn:
            shelf = self._shelf(conn, alarm_id)
            conn.execute(delete(alarm_shelves).where(alarm_shelves.c.alarm == alarm_id))
            _changed(conn, alarm_id, "unshelved")
        return shelf

    def shelves(self) -> builtins.list[Shelf]:
        with transaction(self._db) as conn:
            q = select(alarm_shelves).order_by(alarm_shelves.c.alarm)
            return [_shelf(r) for r in conn.execute(q)]

    def _shelf(self, conn, alarm_id: int) -> Shelf:  # type: ignore[no-untyped-def]
        row = conn.execute(select(alarm_shelves).where(alarm_shelves.c.alarm == alarm_id)).first()
        if row is None:
            raise ShelfNotFound(f"alarm {alarm_id} is not shelved")
        return _shelf(row)

    # ---- design suppressions -------------------------------------------------------------
    def suppress(self, target: str, reason: str, by: str) -> Suppression:
        with transaction(self._db) as conn:
            sid = conn.execute(
                insert(alarm_suppressions)
                .values(target=target, reason=reason, created_by=by, created_us=now_us())
                .returning(alarm_suppressions.c.id)
            ).scalar_one()
            row = conn.execute(
                select(alarm_suppressions).where(alarm_suppressions.c.id == sid)
            ).one()
            _suppression_changed(conn, target, "suppressed")
        return _suppression(row)

    def suppressions(self) -> builtins.list[Suppression]:
        with transaction(self._db) as conn:
            q = select(alarm_suppressions).order_by(alarm_suppressions.c.id)
            return [_suppression(r) for r in conn.execute(q)]

    def suppressed_targets(self) -> frozenset[str]:
        with transaction(self._db) as conn:
            return frozenset(conn.execute(select(alarm_suppressions.c.target)).scalars())

    def unsuppress(self, suppression_id: int) -> Suppression:
        with transaction(self._db) as conn:
            row = conn.execute(
                select(alarm_suppressions).where(alarm_suppressions.c.id == suppression_id)
            ).first()
            if row is None:
                raise SuppressionNotFound(f"no suppression {suppression_id}")
            conn.execute(
                delete(alarm_suppressions).where(alarm_suppressions.c.id == suppression_id)
            )
            _suppression_changed(conn, row.target, "unsuppressed")
        return _suppression(row)


def _changed(conn: Connection, alarm_id: int, change: str) -> None:
    """An ``alarm`` event for a change the inbox shows (viewers follow it; the cache token)."""
    a = row_to_alarm(conn.execute(select(alarms).where(alarms.c.id == alarm_id)).one())
    publish(
        conn,
        "alarm",
        building=a.building,
        storey=a.storey,
        payload={"change": change, **alarm_json(a)},
    )


def _suppression_changed(conn: Connection, target: str, change: str) -> None:
    publish(conn, "alarm", building=None, storey=None, payload={"change": change, "target": target})


def _shelf(r) -> Shelf:  # type: ignore[no-untyped-def]
    return Shelf(r.alarm, r.reason, r.shelved_by, from_us(r.shelved_us), from_us(r.until_us))  # type: ignore[arg-type]


def _suppression(r) -> Suppression:  # type: ignore[no-untyped-def]
    return Suppression(r.id, r.target, r.reason, r.created_by, from_us(r.created_us))  # type: ignore[arg-type]
