"""The readings repository: the ingest path (validate, store, evaluate alarms, dead-letter, in
one transaction per batch) and the queries over stored readings (tables ``readings``,
``latest``, ``dead_letters``, ``events``).

The bulk writes go through the driver cursor: on PostgreSQL a COPY inside a savepoint (the
common batch has no repeats), on SQLite multi-row ``VALUES … ON CONFLICT DO NOTHING RETURNING``.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

import psycopg
from psycopg.errors import UniqueViolation
from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy import exc as sa
from sqlalchemy.dialects import sqlite

from twin.errors import InvalidInput, StoreUnavailable
from twin.live import audit, rollups, validate
from twin.live.alarms import Evaluator, checks_for, load_rules, lock_sensors
from twin.live.db import now_us
from twin.live.dead_letters import dead_letter_row
from twin.live.records import IngestResult, SensorSpec, iso
from twin.live.sensors import SensorRepository
from twin.live.tables import dead_letters, events, latest, readings
from twin.live.tickets import TicketRepository

__all__ = ["COPY_MIN_ROWS", "INSERT_CHUNK", "ROW_ERRORS", "UNAVAILABLE_ERRORS", "ReadingRepository"]

log = logging.getLogger(__name__)

READING_EVENT_INTERVAL_US = 1_000_000  # at most one reading event per sensor per second
INSERT_CHUNK = 1000  # rows per INSERT statement (3 parameters each)
COPY_MIN_ROWS = 50  # PostgreSQL: below this, one unnest INSERT beats savepoint + COPY

#: Errors that mean "the database refuses these rows" (a constraint, a value it cannot hold),
#: as opposed to "the database is unreachable": the first are split and dead-lettered, the
#: second retried by the caller. Raw driver errors are listed because the bulk paths write
#: through the driver cursor.
ROW_ERRORS: tuple[type[BaseException], ...] = (
    *(sa.DataError, sa.IntegrityError, sqlite3.DataError, sqlite3.IntegrityError),
    *(UnicodeError, OverflowError, psycopg.DataError, psycopg.IntegrityError),
)
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    *(sa.OperationalError, sa.InterfaceError, psycopg.OperationalError, psycopg.InterfaceError),
)

Row = tuple[str, int, float]  # (sensor, t_us, value): the stored form of a reading


class ReadingRepository:
    """Reading batches in, series out; thread-safe (one engine, short transactions)."""

    def __init__(self, engine: Engine, sensors: SensorRepository) -> None:
        self._engine = engine
        self._sensors = sensors
        self._last_reading_event: dict[str, int] = {}
        self._rollups: bool | None = None  # PostgreSQL with the rollup tables (found once)

    def _has_rollups(self, conn: Connection) -> bool:
        if self._rollups is None:
            self._rollups = rollups.exists(conn)
        return self._rollups

    def ingest(
        self, items: Sequence[Any], source: str = "http", *, actor: str | None = None
    ) -> IngestResult:
        """Validate, store (idempotent on sensor+time), evaluate alarms, dead-letter the rest —
        all in one transaction, so an acknowledged batch is durable and complete. With ``actor``
        the batch's audit entry (``readings.ingest``) is written in that same transaction: one
        commit per batch, and an entry exists exactly when the batch does.

        Never raises for what an item holds: bad items are dead-lettered with a reason, and a
        batch the database still refuses is split in halves and retried (:meth:`_store_split`)
        until the row it refuses is alone and dead-lettered as ``store_rejected``. Raises
        :class:`StoreUnavailable` when the database cannot be reached (retry the whole batch).
        ``IngestResult.dead_lettered`` gives the positions in ``items`` that were dead-lettered."""
        now = now_us()
        good, rejected, specs = self._validate(items, now)
        bad = [dead_letter_row(item, why, detail, source, now) for item, why, detail in rejected]
        good.sort()  # by sensor, then time: grouping, B-tree locality, latest = last
        try:
            try:
                new, alarms_ = self._commit(good, bad, specs, now, actor)
                failed: list[tuple[Row, BaseException]] = []
            except ROW_ERRORS as exc:
                log.warning("batch of %d refused by the store (%s); splitting it", len(good), exc)
                new, alarms_, failed = self._store_split(good, specs, now)
                bad += [dead_letter_row(_row_item(r), "store_rejected", str(e), source, now)
                        for r, e in failed]  # fmt: skip
                self._commit([], bad, specs, now, actor, counts=(len(new), len(good) - len(new)))
        except UNAVAILABLE_ERRORS as exc:
            raise StoreUnavailable(f"the live store cannot be reached: {exc}") from exc
        reasons = Counter(reason for _, reason, _ in rejected)
        reasons.update("store_rejected" for _ in failed)
        return IngestResult(
            accepted=len(new),
            duplicates=len(good) - len(failed) - len(new),
            rejected=len(bad),
            reasons=dict(reasons),
            alarms_raised=tuple(alarms_[0]),
            alarms_cleared=tuple(alarms_[1]),
            dead_lettered=_positions(items, [r[0] for r in rejected], [r for r, _ in failed]),
        )

    def _validate(
        self, items: Sequence[Any], now: int
    ) -> tuple[list[Row], list[validate.Rejected], dict[str, SensorSpec]]:
        """Good rows, rejected items, and the sensor specs they were checked against (sensors
        registered since the cache was loaded, maybe by another process, are looked up)."""
        specs = self._sensors.current()
        good, rejected = validate.parse_batch(items, self._sensors.units(specs), now)
        unknown = {r[0]["sensor"] for r in rejected if r[1] == "unknown_sensor"}
        unknown = {s for s in unknown if len(s) <= validate.ID_MAX}  # longer cannot exist
        if unknown:
            fresh = self._sensors.load(unknown)
            if fresh is not specs:
                specs = fresh
                again, rejected = validate.parse_batch(
                    [r[0] for r in rejected], self._sensors.units(specs), now
                )
                good += again
        return good, rejected, specs

    def _commit(
        self,
        good: list[Row],
        bad: list[dict[str, Any]],
        specs: Mapping[str, SensorSpec],
        now: int,
        actor: str | None,
        counts: tuple[int, int] | None = None,
    ) -> tuple[list[Row], tuple[list[int], list[int]]]:
        """One transaction: new rows, their alarms (and the tickets their rules open), the dead
        letters and the audit entry (``counts`` = accepted, duplicates when the rows were
        stored by earlier transactions)."""
        with self._engine.begin() as conn:
            new = _store_rows(conn, good)
            if new and self._has_rollups(conn):
                rollups.add_late(conn, new)  # rows below the watermark (re-sent ones: not new)
            if bad:
                conn.execute(insert(dead_letters), bad)
            ev = self._evaluate(conn, new, specs, now)
            if actor is not None:
                acc, dup = counts or (len(new), len(good) - len(new))
                detail = {"accepted": acc, "duplicates": dup, "rejected": len(bad)}
                audit.record(conn, actor, "readings.ingest", "readings", detail)
        return new, (ev.raised, ev.cleared)

    def _store_split(
        self, rows: list[Row], specs: Mapping[str, SensorSpec], now: int
    ) -> tuple[list[Row], tuple[list[int], list[int]], list[tuple[Row, BaseException]]]:
        """Store ``rows`` in halves, each half in its own transaction, splitting again whatever
        the database refuses: k bad rows among n cost about 2·k·log2(n) transactions, and every
        other row is stored. Returns (new rows, alarms of all parts, refused rows with why)."""
        new: list[Row] = []
        failed: list[tuple[Row, BaseException]] = []
        raised: list[int] = []
        cleared: list[int] = []
        parts = [rows[len(rows) // 2 :], rows[: len(rows) // 2]]
        while parts:
            part = parts.pop()
            if not part:
                continue
            try:
                stored, (up, down) = self._commit(part, [], specs, now, None)
            except ROW_ERRORS as exc:
                if len(part) == 1:
                    failed.append((part[0], exc))
                else:
                    parts += [part[len(part) // 2 :], part[: len(part) // 2]]
                continue
            new += stored
            raised += up
            cleared += down
        return new, (raised, cleared), failed

    def _evaluate(
        self, conn: Connection, new: list[Row], specs: Mapping[str, SensorSpec], now: int
    ) -> Evaluator:
        rules = load_rules(conn) if new else []
        ev = Evaluator(conn, rules, now, TicketRepository(conn).open_for_alarm)
        if not new:
            return ev
        # rows are sorted by sensor: group in C, (t_us, value) pairs only where rules need them
        per = {s: list(g) for s, g in groupby(new, itemgetter(0))}
        checked = {s for s in per if checks_for(specs[s], ev.rules)}  # sensors with any rule
        lock_sensors(conn, checked)  # before reading their state: one evaluator per sensor
        q = select(latest).where(latest.c.sensor.in_(sorted(per)))
        prev = {r.sensor: (r.t_us, r.value) for r in conn.execute(q)}
        _upsert_latest(conn, per)
        active = ev.active(checked)
        reading_events: list[dict[str, Any]] = []
        for s, rs in per.items():
            p = prev.get(s)
            fresh = rs if p is None or rs[0][1] > p[0] else [r for r in rs if r[1] > p[0]]
            if fresh:
                if s in checked:
                    ev.run(specs[s], [(t, v) for _, t, v in fresh], p, active)
                self._reading_event(reading_events, specs[s], fresh[-1][1:], now)
        if reading_events:  # one statement, not one round trip per sensor
            conn.execute(insert(events), reading_events)
        return ev

    def _reading_event(
        self, out: list[dict[str, Any]], spec: SensorSpec, r: tuple[int, float], now: int
    ) -> None:
        if now - self._last_reading_event.get(spec.id, 0) < READING_EVENT_INTERVAL_US:
            return
        self._last_reading_event[spec.id] = now
        payload = {
            "sensor": spec.id,
            "quantity": spec.quantity,
            "unit": spec.unit,
            "space": spec.space,
            "t": iso(_at(r[0])),
            "value": r[1],
        }
        out.append({"t_us": now, "type": "reading", "building": spec.building,
                    "storey": spec.storey, "payload": payload})  # fmt: skip

    def series(
        self, sensor_id: str, start_us: int, end_us: int, bucket_us: int
    ) -> list[dict[str, Any]]:
        """Min/mean/max/count per bucket (bucket start = t_us // bucket_us * bucket_us).
        PostgreSQL answers windows over 6 hours from the rollups whose cell divides the bucket
        (the cells cut by the window's edges read raw): the same figures as the raw rows."""
        if bucket_us <= 0 or end_us < start_us:
            raise InvalidInput("bucket must be positive and end after start")
        self._sensors.get(sensor_id)
        with self._engine.connect() as conn:
            rolled = rollups.series(conn, sensor_id, start_us, end_us, bucket_us)
        if rolled is not None:
            return [
                {"start": _at(b * bucket_us), "min": lo, "mean": total / n, "max": hi, "count": n}
                for b, n, total, lo, hi in rolled
            ]
        b = (readings.c.t_us // bucket_us).label("b")
        q = (
            select(
                b,
                func.min(readings.c.value),
                func.avg(readings.c.value),
                func.max(readings.c.value),
                func.count(),
            )
            .where(readings.c.sensor == sensor_id, readings.c.t_us.between(start_us, end_us))
            .group_by(b)
            .order_by(b)
        )
        with self._engine.connect() as conn:
            return [
                {
                    "start": _at(int(r[0]) * bucket_us),
                    "min": r[1],
                    "mean": float(r[2]),
                    "max": r[3],
                    "count": r[4],
                }
                for r in conn.execute(q)
            ]

    def raw(self, sensor_id: str) -> list[tuple[int, float]]:
        """Every reading of a sensor in time order (tests and exports)."""
        q = select(readings.c.t_us, readings.c.value).where(readings.c.sensor == sensor_id)
        with self._engine.connect() as conn:
            return [(r[0], r[1]) for r in conn.execute(q.order_by(readings.c.t_us))]


def _store_rows(conn: Connection, rows: list[Row]) -> list[Row]:
    """Store new rows, skip existing (sensor, t_us); returns the rows that were new.

    Through the driver cursor (SQLAlchemy's per-row overhead would dominate). PostgreSQL:
    COPY straight into ``readings`` inside a savepoint — the common batch has no repeats,
    and COPY skips ON CONFLICT's speculative insertion; on a unique violation (a reading
    already stored, or a key repeated within the batch) the savepoint is rolled back and the
    batch goes through ``unnest … ON CONFLICT DO NOTHING RETURNING``.
    SQLite: multi-row VALUES with ON CONFLICT DO NOTHING RETURNING."""
    if not rows:
        return []
    if conn.dialect.name == "postgresql":
        return _store_rows_pg(conn, rows)
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    keys: set[tuple[str, int]] = set()
    try:
        for i in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[i : i + INSERT_CHUNK]
            values = ",".join(["(?,?,?)"] * len(chunk))
            cur.execute(
                f"INSERT INTO readings (sensor, t_us, value) VALUES {values} "
                "ON CONFLICT (sensor, t_us) DO NOTHING RETURNING sensor, t_us",
                [x for r in chunk for x in r],
            )
            keys.update((s, t) for s, t in cur.fetchall())
    finally:
        cur.close()
    return _inserted(rows, keys)


def _store_rows_pg(conn: Connection, rows: list[Row]) -> list[Row]:
    dbapi = conn.connection.dbapi_connection
    if len(rows) >= COPY_MIN_ROWS:
        try:
            with (
                conn.begin_nested(),
                dbapi.cursor() as cur,  # type: ignore[union-attr]
                cur.copy("COPY readings (sensor, t_us, value) FROM STDIN") as cp,
            ):
                cp.write(_copy_text(rows))
            return rows
        except UniqueViolation:
            pass  # some were there already: find out which, below
    with dbapi.cursor() as cur:  # type: ignore[union-attr]
        cur.execute(
            "INSERT INTO readings (sensor, t_us, value) SELECT * FROM "
            "unnest(%s::text[], %s::bigint[], %s::float8[]) "
            "ON CONFLICT (sensor, t_us) DO NOTHING RETURNING sensor, t_us",
            [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]],
        )
        keys = {(s, t) for s, t in cur.fetchall()}
    return _inserted(rows, keys)


def _row_item(row: Row) -> dict[str, Any]:
    """A stored-form row as the reading it came from (for its dead letter)."""
    return {"sensor": row[0], "t": iso(_at(row[1])), "value": row[2]}


def _positions(items: Sequence[Any], rejected: list[Any], refused: list[Row]) -> tuple[int, ...]:
    """Positions in ``items`` of the rejected items (by identity) and of the items whose rows
    the database refused (by sensor and time); only computed when there are any."""
    if not rejected and not refused:
        return ()
    ids = {id(x) for x in rejected}
    keys = {(r[0], r[1]) for r in refused}
    out = []
    for i, item in enumerate(items):
        if id(item) in ids:
            out.append(i)
        elif keys and isinstance(item, Mapping) and item.get("sensor") in {k[0] for k in keys}:
            try:
                if (item["sensor"], validate.parse_time(item.get("t"))) in keys:
                    out.append(i)
            except (ValueError, TypeError, OverflowError):
                pass
    return tuple(out)


def _inserted(rows: list[Row], keys: set[tuple[str, int]]) -> list[Row]:
    """The rows whose key the database reported inserted (``RETURNING``), each key once: a key
    repeated within the batch is inserted by its first row and the others are duplicates."""
    if len(keys) == len(rows):
        return rows
    out = []
    for r in rows:
        k = (r[0], r[1])
        if k in keys:
            keys.discard(k)
            out.append(r)
    return out


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(rows: list[Row]) -> str:
    """COPY text format in one string (per-row ``write_row`` costs ~4 µs a row in Python).
    Sensor ids are escaped once per distinct id; floats print with ``repr`` (exact round trip;
    never NaN/inf, validation refuses them)."""
    ids = {s: s.translate(_COPY_ESCAPES) for s in {r[0] for r in rows}}
    return "".join([f"{ids[s]}\t{t}\t{v!r}\n" for s, t, v in rows])


def _upsert_latest(conn: Connection, per: Mapping[str, list[Row]]) -> None:
    """Move each sensor's latest value forward (never back: late readings leave it alone).
    PostgreSQL gets one ``unnest`` statement instead of a pipelined statement per sensor."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "INSERT INTO latest (sensor, t_us, value) SELECT * FROM "
            "unnest(%s::text[], %s::bigint[], %s::float8[]) ON CONFLICT (sensor) DO UPDATE "
            "SET t_us = excluded.t_us, value = excluded.value WHERE latest.t_us < excluded.t_us",
            (list(per), [rs[-1][1] for rs in per.values()], [rs[-1][2] for rs in per.values()]),
        )
        return
    stmt = sqlite.insert(latest)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["sensor"],
            set_={"t_us": stmt.excluded.t_us, "value": stmt.excluded.value},
            where=latest.c.t_us < stmt.excluded.t_us,
        ),
        [{"sensor": s, "t_us": rs[-1][1], "value": rs[-1][2]} for s, rs in per.items()],
    )


def _at(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, tz=UTC)
