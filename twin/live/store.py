"""The live store: sensors, readings, dead letters, alarms and events over SQLite or PostgreSQL.

One object per process (``app.state.store``); every state change is committed to the database so
several API processes can share one PostgreSQL store. Work-order functions (live B) live in their
own modules and take ``store.engine`` connections.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from twin.errors import Conflict, InvalidInput, NotFound, StoreUnavailable
from twin.live import audit, validate
from twin.live.alarms import (
    Evaluator,
    checks_for,
    load_rules,
    row_to_alarm,
    row_to_rule,
    stale_candidates,
)
from twin.live.db import make_engine, now_us
from twin.live.events import publish
from twin.live.migrate import upgrade
from twin.live.records import (
    Alarm,
    AlarmRule,
    DeadLetter,
    IngestResult,
    SensorSpec,
    from_us,
    iso,
)
from twin.live.tables import alarm_rules, alarms, dead_letters, events, latest, readings, sensors

__all__ = ["RULE_KINDS", "AlarmNotFound", "LiveStore", "SensorNotFound", "open_store"]

log = logging.getLogger(__name__)

RULE_KINDS = ("above", "below", "rate", "stale")
SEVERITIES = ("info", "minor", "major", "critical")
READING_EVENT_INTERVAL_US = 1_000_000  # at most one reading event per sensor per second
STALE_SWEEP_INTERVAL_S = 5.0
INSERT_CHUNK = 1000  # rows per INSERT statement (3 parameters each)
COPY_MIN_ROWS = 50  # PostgreSQL: below this, one unnest INSERT beats savepoint + COPY


class SensorNotFound(NotFound):
    title = "Sensor not found"


class AlarmNotFound(NotFound):
    title = "Alarm not found"


def open_store(url: str) -> LiveStore:
    """Engine + migrations; the one way the API and tools get a store."""
    engine = make_engine(url)
    upgrade(engine)
    return LiveStore(engine)


def _insert(conn: Connection):  # type: ignore[no-untyped-def]
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def _spec(r: Any) -> SensorSpec:
    pos = (r.px, r.py, r.pz) if r.px is not None else None
    return SensorSpec(
        id=r.id,
        quantity=r.quantity,
        unit=r.unit,
        element=r.element,
        space=r.space,
        storey=r.storey,
        building=r.building,
        host=r.host,
        name=r.name,
        lower=r.lower,
        upper=r.upper,
        criticality=r.criticality,
        position=pos,
        source=r.source,
        last_t=from_us(getattr(r, "t_us", None)),
        last_value=getattr(r, "value", None),
    )


class LiveStore:
    """Sensors, readings, alarms and events; thread-safe (one engine, short transactions)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._specs: dict[str, SensorSpec] = {}
        self._specs_loaded = 0.0
        self._lock = threading.Lock()
        self._last_reading_event: dict[str, int] = {}
        self._last_sweep = 0.0
        self._units_pair: tuple[dict[str, SensorSpec] | None, dict[str, str]] = (None, {})

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    # ---- sensors -------------------------------------------------------------------------
    def register_sensors(self, specs: Iterable[SensorSpec]) -> int:
        """Insert or update sensors by id (idempotent); returns how many were given."""
        rows = [_sensor_row(s) for s in specs]
        if not rows:
            return 0
        with self.engine.begin() as conn:
            stmt = _insert(conn)(sensors)
            cols = {k: stmt.excluded[k] for k in rows[0] if k not in ("id", "created_us")}
            conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=cols), rows)
            for s in specs if isinstance(specs, Sequence) else ():
                publish(conn, "sensor", building=s.building, storey=s.storey, payload={"id": s.id})
        self._refresh_specs(force=True)
        return len(rows)

    def register_sensor(self, spec: SensorSpec) -> SensorSpec:
        self.register_sensors([spec])
        return self.sensor(spec.id)

    def sensor(self, sensor_id: str) -> SensorSpec:
        q = _sensor_query().where(sensors.c.id == sensor_id)
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        if row is None:
            raise SensorNotFound(f"no sensor {sensor_id!r}")
        return _spec(row)

    def sensors(
        self,
        *,
        space: str | None = None,
        storey: str | None = None,
        building: str | None = None,
        quantity: str | None = None,
    ) -> list[SensorSpec]:
        """Sensors with their latest value, filtered; ordered by id."""
        q = _sensor_query().order_by(sensors.c.id)
        for col, val in (
            (sensors.c.space, space),
            (sensors.c.storey, storey),
            (sensors.c.building, building),
            (sensors.c.quantity, quantity),
        ):
            if val is not None:
                q = q.where(col == val)
        with self.engine.connect() as conn:
            return [_spec(r) for r in conn.execute(q)]

    def _units(self, specs: dict[str, SensorSpec]) -> dict[str, str]:
        """Sensor id -> unit, rebuilt only when the spec cache object changes."""
        of, units = self._units_pair  # one tuple: swapped atomically between threads
        if of is not specs:
            units = {k: s.unit for k, s in specs.items()}
            self._units_pair = (specs, units)
        return units

    def _load_specs(self, ids: Iterable[str]) -> dict[str, SensorSpec]:
        """The cache with these sensors looked up (one indexed query, no full reload): a new
        dict when any was found, the same object otherwise."""
        q = select(sensors).where(sensors.c.id.in_(sorted(ids)))
        with self.engine.connect() as conn:
            found = {r.id: _spec(r) for r in conn.execute(q)}
        with self._lock:
            if found:
                self._specs = {**self._specs, **found}
            return self._specs

    def _refresh_specs(self, force: bool = False) -> dict[str, SensorSpec]:
        with self._lock:
            if force or time.monotonic() - self._specs_loaded > 1.0:
                with self.engine.connect() as conn:
                    self._specs = {r.id: _spec(r) for r in conn.execute(select(sensors))}
                self._specs_loaded = time.monotonic()
            return self._specs

    # ---- readings ------------------------------------------------------------------------
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
        bad = [_dead_letter(item, reason, detail, source, now) for item, reason, detail in rejected]
        good.sort()  # by sensor, then time: grouping, B-tree locality, latest = last
        try:
            try:
                new, alarms_ = self._commit(good, bad, specs, now, actor)
                failed: list[tuple[tuple[str, int, float], BaseException]] = []
            except _row_errors() as exc:
                log.warning("batch of %d refused by the store (%s); splitting it", len(good), exc)
                new, alarms_, failed = self._store_split(good, specs, now)
                bad += [_dead_letter(_row_item(r), "store_rejected", str(e), source, now)
                        for r, e in failed]  # fmt: skip
                self._commit([], bad, specs, now, actor, counts=(len(new), len(good) - len(new)))
        except _unavailable_errors() as exc:
            raise StoreUnavailable(f"the live store cannot be reached: {exc}") from exc
        self._maybe_sweep()
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
    ) -> tuple[list[tuple[str, int, float]], list[validate.Rejected], dict[str, SensorSpec]]:
        """Good rows, rejected items, and the sensor specs they were checked against (sensors
        registered since the cache was loaded, maybe by another process, are looked up)."""
        specs = self._specs
        good, rejected = validate.parse_batch(items, self._units(specs), now)
        unknown = {r[0]["sensor"] for r in rejected if r[1] == "unknown_sensor"}
        unknown = {s for s in unknown if len(s) <= validate.ID_MAX}  # longer cannot exist
        if unknown:
            fresh = self._load_specs(unknown)
            if fresh is not specs:
                specs = fresh
                again, rejected = validate.parse_batch(
                    [r[0] for r in rejected], self._units(specs), now
                )
                good += again
        return good, rejected, specs

    def _commit(
        self,
        good: list[tuple[str, int, float]],
        bad: list[dict[str, Any]],
        specs: Mapping[str, SensorSpec],
        now: int,
        actor: str | None,
        counts: tuple[int, int] | None = None,
    ) -> tuple[list[tuple[str, int, float]], tuple[list[int], list[int]]]:
        """One transaction: new rows, their alarms, the dead letters and the audit entry
        (``counts`` = accepted, duplicates when the rows were stored by earlier transactions)."""
        with self.engine.begin() as conn:
            new = self._store_rows(conn, good)
            if bad:
                conn.execute(insert(dead_letters), bad)
            ev = self._evaluate(conn, new, specs, now)
            if actor is not None:
                acc, dup = counts or (len(new), len(good) - len(new))
                detail = {"accepted": acc, "duplicates": dup, "rejected": len(bad)}
                audit.record(conn, actor, "readings.ingest", "readings", detail)
        return new, (ev.raised, ev.cleared)

    def _store_split(
        self, rows: list[tuple[str, int, float]], specs: Mapping[str, SensorSpec], now: int
    ) -> tuple[
        list[tuple[str, int, float]],
        tuple[list[int], list[int]],
        list[tuple[tuple[str, int, float], BaseException]],
    ]:
        """Store ``rows`` in halves, each half in its own transaction, splitting again whatever
        the database refuses: k bad rows among n cost about 2·k·log2(n) transactions, and every
        other row is stored. Returns (new rows, alarms of all parts, refused rows with why)."""
        new: list[tuple[str, int, float]] = []
        failed: list[tuple[tuple[str, int, float], BaseException]] = []
        raised: list[int] = []
        cleared: list[int] = []
        parts = [rows[len(rows) // 2 :], rows[: len(rows) // 2]]
        while parts:
            part = parts.pop()
            if not part:
                continue
            try:
                stored, (up, down) = self._commit(part, [], specs, now, None)
            except _row_errors() as exc:
                if len(part) == 1:
                    failed.append((part[0], exc))
                else:
                    parts += [part[len(part) // 2 :], part[: len(part) // 2]]
                continue
            new += stored
            raised += up
            cleared += down
        return new, (raised, cleared), failed

    def _store_rows(
        self, conn: Connection, rows: list[tuple[str, int, float]]
    ) -> list[tuple[str, int, float]]:
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
            return self._store_rows_pg(conn, rows)
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

    def _store_rows_pg(
        self, conn: Connection, rows: list[tuple[str, int, float]]
    ) -> list[tuple[str, int, float]]:
        from psycopg.errors import UniqueViolation

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

    def _evaluate(
        self,
        conn: Connection,
        new: list[tuple[str, int, float]],
        specs: Mapping[str, SensorSpec],
        now: int,
    ) -> Evaluator:
        ev = Evaluator(conn, load_rules(conn) if new else [], now)
        if not new:
            return ev
        # rows are sorted by sensor: group in C, (t_us, value) pairs only where rules need them
        per = {s: list(g) for s, g in groupby(new, itemgetter(0))}
        q = select(latest).where(latest.c.sensor.in_(sorted(per)))
        prev = {r.sensor: (r.t_us, r.value) for r in conn.execute(q)}
        _upsert_latest(conn, per)
        checked = {s for s in per if checks_for(specs[s], ev.rules)}  # sensors with any rule
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

    def latest(self, sensor_id: str) -> SensorSpec:
        """The sensor with ``last_t``/``last_value`` (None when it has no reading yet)."""
        return self.sensor(sensor_id)

    def latest_in(self, *, space: str | None = None, storey: str | None = None) -> list[SensorSpec]:
        """Latest value of every sensor in a space or on a storey."""
        return self.sensors(space=space, storey=storey)

    def series(
        self, sensor_id: str, start_us: int, end_us: int, bucket_us: int
    ) -> list[dict[str, Any]]:
        """Min/mean/max/count per bucket (bucket start = t_us // bucket_us * bucket_us)."""
        if bucket_us <= 0 or end_us < start_us:
            raise InvalidInput("bucket must be positive and end after start")
        self.sensor(sensor_id)
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
        with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
            return [(r[0], r[1]) for r in conn.execute(q.order_by(readings.c.t_us))]

    def dead_letters(
        self, *, reason: str | None = None, limit: int = 100
    ) -> tuple[int, list[DeadLetter]]:
        """(total count, newest first up to ``limit``)."""
        q = select(dead_letters).order_by(dead_letters.c.id.desc()).limit(limit)
        c = select(func.count()).select_from(dead_letters)
        if reason:
            q, c = (
                q.where(dead_letters.c.reason == reason),
                c.where(dead_letters.c.reason == reason),
            )
        with self.engine.connect() as conn:
            total = int(conn.execute(c).scalar_one())
            rows = [
                DeadLetter(
                    id=r.id,
                    received=_at(r.received_us),
                    source=r.source,
                    sensor=r.sensor,
                    reason=r.reason,
                    detail=r.detail,
                    payload=r.payload,
                )
                for r in conn.execute(q)
            ]
        return total, rows

    # ---- alarms --------------------------------------------------------------------------
    def add_rule(self, rule: AlarmRule) -> AlarmRule:
        """Store a rule (its ``id`` is ignored and assigned)."""
        _check_rule(rule)
        if rule.sensor is not None:
            self.sensor(rule.sensor)
        values = {k: getattr(rule, k) for k in AlarmRule.__slots__ if k != "id"}  # type: ignore[attr-defined]
        _check_lengths("rule", alarm_rules, values)
        with self.engine.begin() as conn:
            rid = conn.execute(
                insert(alarm_rules).values(**values).returning(alarm_rules.c.id)
            ).scalar_one()
            return row_to_rule(
                conn.execute(select(alarm_rules).where(alarm_rules.c.id == rid)).one()
            )

    def rules(self) -> list[AlarmRule]:
        with self.engine.connect() as conn:
            return [
                row_to_rule(r) for r in conn.execute(select(alarm_rules).order_by(alarm_rules.c.id))
            ]

    def alarms(
        self,
        *,
        state: str | None = None,
        building: str | None = None,
        storey: str | None = None,
        sensor: str | None = None,
        limit: int = 500,
    ) -> list[Alarm]:
        """Alarms newest first; ``state`` may be raised/acknowledged/cleared or ``active``."""
        q = select(alarms).order_by(alarms.c.id.desc()).limit(limit)
        if state == "active":
            q = q.where(alarms.c.active.is_(True))
        elif state:
            q = q.where(alarms.c.state == state)
        for col, val in (
            (alarms.c.building, building),
            (alarms.c.storey, storey),
            (alarms.c.sensor, sensor),
        ):
            if val:
                q = q.where(col == val)
        with self.engine.connect() as conn:
            return [row_to_alarm(r) for r in conn.execute(q)]

    def alarm(self, alarm_id: int) -> Alarm:
        with self.engine.connect() as conn:
            row = conn.execute(select(alarms).where(alarms.c.id == alarm_id)).first()
        if row is None:
            raise AlarmNotFound(f"no alarm {alarm_id}")
        return row_to_alarm(row)

    def acknowledge(self, alarm_id: int, by: str) -> Alarm:
        """raised -> acknowledged (still active until the condition clears or someone clears)."""
        return self._transition(
            alarm_id,
            ("raised",),
            {"state": "acknowledged", "acknowledged_us": now_us(), "acknowledged_by": by},
            "acknowledged",
        )

    def clear(self, alarm_id: int, by: str) -> Alarm:
        """Clear by hand (raised or acknowledged -> cleared)."""
        return self._transition(
            alarm_id,
            ("raised", "acknowledged"),
            {"state": "cleared", "active": False, "cleared_us": now_us()},
            "cleared",
        )

    def _transition(
        self, alarm_id: int, allowed: tuple[str, ...], values: dict[str, Any], change: str
    ) -> Alarm:
        from twin.live.alarms import alarm_json

        with self.engine.begin() as conn:
            res = conn.execute(
                update(alarms)
                .where(and_(alarms.c.id == alarm_id, alarms.c.state.in_(allowed)))
                .values(**values)
            )
            if res.rowcount == 0:
                row = conn.execute(select(alarms.c.state).where(alarms.c.id == alarm_id)).first()
                if row is None:
                    raise AlarmNotFound(f"no alarm {alarm_id}")
                raise Conflict(f"alarm {alarm_id} is {row[0]}; cannot become {change}")
            a = row_to_alarm(conn.execute(select(alarms).where(alarms.c.id == alarm_id)).one())
            publish(
                conn,
                "alarm",
                building=a.building,
                storey=a.storey,
                payload={"change": change, **alarm_json(a)},
            )
        return a

    def sweep_stale(self, now: int | None = None) -> list[int]:
        """Raise stale alarms for sensors silent longer than their rule allows; returns ids."""
        now = now_us() if now is None else now
        specs = self._refresh_specs()
        with self.engine.begin() as conn:
            rules = load_rules(conn)
            cands = stale_candidates(specs, rules)
            if not cands:
                return []
            ev = Evaluator(conn, rules, now)
            active = ev.active(s.id for s, _ in cands)
            last = dict(conn.execute(select(latest.c.sensor, latest.c.t_us)).all())
            created = dict(conn.execute(select(sensors.c.id, sensors.c.created_us)).all())
            for spec, c in cands:
                seen = int(last.get(spec.id) or created.get(spec.id) or now)
                if (spec.id, c.key) not in active and now - seen > (c.threshold or 0) * 60e6:
                    active[(spec.id, c.key)] = ev.raise_(spec, c, None, now)
            return ev.raised

    def _maybe_sweep(self) -> None:
        """Stale checks piggy-back on ingest (other sensors), at most every few seconds."""
        if time.monotonic() - self._last_sweep < STALE_SWEEP_INTERVAL_S:
            return
        self._last_sweep = time.monotonic()
        try:
            self.sweep_stale()
        except Exception:
            log.exception("stale sweep failed")


def _row_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean "the database refuses these rows" (a constraint, a value it cannot
    hold), as opposed to "the database is unreachable": the first are split and dead-lettered,
    the second retried by the caller. Raw driver errors are listed because the bulk paths
    write through the driver cursor."""
    import sqlite3

    from sqlalchemy import exc as sa

    errors: list[type[BaseException]] = [
        *(sa.DataError, sa.IntegrityError, sqlite3.DataError, sqlite3.IntegrityError),
        *(UnicodeError, OverflowError),
    ]
    try:
        import psycopg
    except ImportError:  # pragma: no cover - the PostgreSQL driver is optional
        return tuple(errors)
    return (*errors, psycopg.DataError, psycopg.IntegrityError)


def _unavailable_errors() -> tuple[type[BaseException], ...]:
    from sqlalchemy import exc as sa

    errors: list[type[BaseException]] = [sa.OperationalError, sa.InterfaceError]
    try:
        import psycopg
    except ImportError:  # pragma: no cover
        return tuple(errors)
    return (*errors, psycopg.OperationalError, psycopg.InterfaceError)


def _dead_letter(item: Any, reason: str, detail: str, source: str, now: int) -> dict[str, Any]:
    """A dead-letter row that the database can always hold: text cleaned of NULs and lone
    surrogates, the sensor column only for an id that fits it."""
    sensor = item.get("sensor") if isinstance(item, Mapping) else None
    if (
        not isinstance(sensor, str)
        or len(sensor) > validate.ID_MAX
        or validate.text_problem(sensor)
    ):
        sensor = None
    return {
        "received_us": now,
        "source": validate.clean_text(source, 16),
        "sensor": sensor,
        "reason": reason,
        "detail": validate.clean_text(detail, 2000),
        "payload": validate.clean_text(validate.dump(item)),
    }


def _row_item(row: tuple[str, int, float]) -> dict[str, Any]:
    """A stored-form row as the reading it came from (for its dead letter)."""
    return {"sensor": row[0], "t": iso(_at(row[1])), "value": row[2]}


def _positions(
    items: Sequence[Any], rejected: list[Any], refused: list[tuple[str, int, float]]
) -> tuple[int, ...]:
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


def _inserted(
    rows: list[tuple[str, int, float]], keys: set[tuple[str, int]]
) -> list[tuple[str, int, float]]:
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


def _copy_text(rows: list[tuple[str, int, float]]) -> str:
    """COPY text format in one string (per-row ``write_row`` costs ~4 µs a row in Python).
    Sensor ids are escaped once per distinct id; floats print with ``repr`` (exact round trip;
    never NaN/inf, validation refuses them)."""
    ids = {s: s.translate(_COPY_ESCAPES) for s in {r[0] for r in rows}}
    return "".join([f"{ids[s]}\t{t}\t{v!r}\n" for s, t, v in rows])


def _upsert_latest(conn: Connection, per: Mapping[str, list[tuple[str, int, float]]]) -> None:
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


def _sensor_query():  # type: ignore[no-untyped-def]
    return select(sensors, latest.c.t_us, latest.c.value).select_from(
        sensors.outerjoin(latest, latest.c.sensor == sensors.c.id)
    )


def _check_fields(what: str, record: Any) -> None:
    """Every text field storable (:func:`validate.text_problem`) and every number finite: a
    NaN limit or threshold would be stored and never compare true."""
    for name in record.__slots__:
        v = getattr(record, name)
        values = v if isinstance(v, tuple) else (v,)
        for x in values:
            if isinstance(x, str) and (problem := validate.text_problem(x)):
                raise InvalidInput(f"{what} {name} {problem}")
            if isinstance(x, float) and not math.isfinite(x):
                raise InvalidInput(f"{what} {name} must be a finite number, not {x}")


def _check_lengths(what: str, table: Any, values: Mapping[str, Any]) -> None:
    """Every text value within its column's declared length (PostgreSQL refuses a longer one
    with an error; SQLite would store it): the limits are read from the table, not repeated."""
    for name, v in values.items():
        col = table.c.get(name)
        limit = getattr(col.type, "length", None) if col is not None else None
        if isinstance(v, str) and limit is not None and len(v) > limit:
            raise InvalidInput(f"{what} {name} has at most {limit} characters")


def _sensor_row(s: SensorSpec) -> dict[str, Any]:
    if not s.id or not s.quantity:
        raise InvalidInput("a sensor needs an id and a quantity")
    if len(s.id) > validate.ID_MAX:
        raise InvalidInput(f"a sensor id has at most {validate.ID_MAX} characters")
    _check_fields("sensor", s)
    pos = s.position or (None, None, None)
    row = {
        "id": s.id,
        "quantity": s.quantity,
        "unit": s.unit,
        "element": s.element,
        "space": s.space,
        "storey": s.storey,
        "building": s.building,
        "host": s.host,
        "name": s.name,
        "lower": s.lower,
        "upper": s.upper,
        "criticality": s.criticality,
        "px": pos[0],
        "py": pos[1],
        "pz": pos[2],
        "source": s.source,
        "created_us": now_us(),
    }
    _check_lengths("sensor", sensors, row)
    return row


def _check_rule(r: AlarmRule) -> None:
    _check_fields("rule", r)
    if r.kind not in RULE_KINDS:
        raise InvalidInput(f"rule kind must be one of {RULE_KINDS}")
    if r.severity not in SEVERITIES:
        raise InvalidInput(f"severity must be one of {SEVERITIES}")
    if (r.sensor is None) == (r.quantity is None):
        raise InvalidInput("a rule names exactly one of sensor or quantity")
    need = {
        "above": r.threshold,
        "below": r.threshold,
        "rate": r.rate_per_min,
        "stale": r.stale_minutes,
    }
    if need[r.kind] is None:
        raise InvalidInput(f"a {r.kind!r} rule needs its limit")
