"""PostgreSQL: readings rolled up per 5 minutes, hour and day (tables ``readings_5m``,
``readings_1h``, ``readings_1d``), read by the series and energy queries over long ranges.

One row per sensor and cell (cell start ``t_us`` aligned to the epoch, like the series buckets):
``n``, ``total`` (sum), ``lo``/``hi`` (min/max), the first and last reading of the cell
(``first_t, first_v, last_t, last_v``: the register values a cumulative meter needs) and
``mono``: true only when the cell's readings are known never to decrease (an energy register
without a reset inside the cell; false also when readings arrived interleaved with ones already
rolled up, which cannot be known without reading the cell: the energy reader then reads it raw).

**A watermark, caught up periodically; late rows on ingest.** ``readings_rollup_state.wm`` says
up to which reading time (5-minute aligned) the rollups hold every stored reading.
:func:`catch_up` (the periodic job, every process, one at a time) aggregates the raw rows of
``[wm, now - LAG)`` set-wise (one ``INSERT … SELECT … GROUP BY`` per grain, a time-range scan
that the BRIN index on ``t_us`` serves) and moves ``wm``. Ingest adds to the rollups only the
rows it stored *below* ``wm`` (a late or back-filled reading; live readings never are), in its
own transaction, under a shared advisory lock that :func:`catch_up` takes exclusively: a row is
counted either by the catch-up or by its ingest, never both and never neither. Only rows the
database reported new are passed, so a re-sent reading adds nothing. Measured against
folding every batch into all three grains on ingest, which halved the in-process ingest rate
(docs/scale.md). Queries use a cell only when it ends at or before ``wm`` and read the rest
raw, so an answer never depends on when the job last ran. Rollups are never deleted, not even
by the raw retention (:func:`twin.live.partitions.maintain`).

SQLite has none of this (decision: the single-process store keeps its plain table and reads raw;
a year of 1/min readings of a few hundred sensors is what it is for).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby, pairwise

from sqlalchemy import Connection, Engine

__all__ = [
    "GRAINS",
    "LAG_US",
    "RAW_MAX_SPAN_US",
    "Cell",
    "add",
    "catch_up",
    "cells",
    "create_tables",
    "drop_tables",
    "exists",
    "hours",
    "rebuild",
    "series",
]

#: table -> cell length (µs), finest first
GRAINS: dict[str, int] = {
    "readings_5m": 300_000_000,
    "readings_1h": 3_600_000_000,
    "readings_1d": 86_400_000_000,
}
#: a series window at most this long reads the raw rows (exact, few rows, no merging)
RAW_MAX_SPAN_US = 6 * 3_600_000_000
#: the catch-up stays this far behind now: readings up to LAG late cost ingest nothing
LAG_US = 120_000_000
STATE = "readings_rollup_state"
_LOCK_KEY = 0x74776E72  # "twnr": catch-up exclusive, ingest of rows below wm shared
#: one catch-up transaction covers at most 15 minutes of readings: a writing transaction holds
#: back the event stream's cursor (pg_snapshot_xmin) while it runs, so it must stay short
#: (10,000 sensors at 1/min: 150,000 rows, a few seconds)
_MAX_STEP_US = 900_000_000

Row = tuple[str, int, float]


@dataclass
class Cell:
    sensor: str
    t: int
    n: int
    total: float
    lo: float
    hi: float
    first_t: int
    first_v: float
    last_t: int
    last_v: float
    mono: bool

    def merge(self, later: Cell) -> None:
        """Fold ``later`` (all of whose readings come after this cell's) into this one."""
        self.mono = self.mono and later.mono and later.first_v >= self.last_v
        self.n += later.n
        self.total += later.total
        self.lo = min(self.lo, later.lo)
        self.hi = max(self.hi, later.hi)
        self.last_t, self.last_v = later.last_t, later.last_v


def create_tables(conn: Connection) -> None:
    for table in GRAINS:
        conn.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {table} (sensor varchar(64) NOT NULL, "
            "t_us bigint NOT NULL, n bigint NOT NULL, total float8 NOT NULL, "
            "lo float8 NOT NULL, hi float8 NOT NULL, first_t bigint NOT NULL, "
            "first_v float8 NOT NULL, last_t bigint NOT NULL, last_v float8 NOT NULL, "
            f"mono boolean NOT NULL, CONSTRAINT pk_{table} PRIMARY KEY (sensor, t_us))"
        )

    conn.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {STATE} "
        "(id int PRIMARY KEY CHECK (id = 1), wm bigint NOT NULL)"
    )


def drop_tables(conn: Connection) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {STATE}")
    for table in GRAINS:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")


def exists(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    return conn.exec_driver_sql("SELECT to_regclass('readings_1d') IS NOT NULL").scalar() is True


def cells(rows: Sequence[Row], grain: int) -> list[Cell]:
    """Cells of ``rows`` sorted by (sensor, time), in (sensor, cell) order."""
    out: list[Cell] = []
    for (s, t), group in groupby(rows, lambda r: (r[0], r[1] // grain * grain)):
        g = list(group)
        vs = [r[2] for r in g]
        mono = all(a <= b for a, b in pairwise(vs))
        out.append(
            Cell(s, t, len(g), sum(vs), min(vs), max(vs), g[0][1], vs[0], g[-1][1], vs[-1], mono)
        )
    return out


def _coarser(fine: list[Cell], grain: int) -> list[Cell]:
    out: list[Cell] = []
    for (s, t), group in groupby(fine, lambda c: (c.sensor, c.t // grain * grain)):
        it = iter(group)
        first = next(it)
        acc = Cell(s, t, first.n, first.total, first.lo, first.hi, first.first_t,
                   first.first_v, first.last_t, first.last_v, first.mono)  # fmt: skip
        for c in it:
            acc.merge(c)
        out.append(acc)
    return out


#: how a cell of later (or earlier, or interleaved) readings is merged into a stored one
_MERGE_SET = (
    "ON CONFLICT (sensor, t_us) DO UPDATE SET "
    "n = r.n + excluded.n, total = r.total + excluded.total, "
    "lo = least(r.lo, excluded.lo), hi = greatest(r.hi, excluded.hi), "
    "first_t = least(r.first_t, excluded.first_t), "
    "first_v = CASE WHEN excluded.first_t < r.first_t "
    "THEN excluded.first_v ELSE r.first_v END, "
    "last_t = greatest(r.last_t, excluded.last_t), "
    "last_v = CASE WHEN excluded.last_t > r.last_t THEN excluded.last_v ELSE r.last_v END, "
    "mono = CASE WHEN excluded.first_t > r.last_t "
    "THEN r.mono AND excluded.mono AND excluded.first_v >= r.last_v "
    "WHEN excluded.last_t < r.first_t "
    "THEN r.mono AND excluded.mono AND excluded.last_v <= r.first_v ELSE false END"
)


def _upsert(table: str) -> str:
    return (
        f"INSERT INTO {table} AS r (sensor, t_us, n, total, lo, hi, first_t, first_v, last_t, "
        "last_v, mono) SELECT * FROM unnest(%s::text[], %s::bigint[], %s::bigint[], "
        "%s::float8[], %s::float8[], %s::float8[], %s::bigint[], %s::float8[], %s::bigint[], "
        "%s::float8[], %s::bool[]) " + _MERGE_SET
    )


def add(conn: Connection, rows: Sequence[Row]) -> None:
    """Fold newly stored rows (sorted by sensor, then time) into every grain, in the caller's
    transaction. Only rows the database reported new may be passed (idempotence)."""
    if not rows:
        return
    level = cells(rows, GRAINS["readings_5m"])
    dbapi = conn.connection.dbapi_connection
    with dbapi.cursor() as cur:  # type: ignore[union-attr]
        for table, grain in GRAINS.items():
            if table != "readings_5m":
                level = _coarser(level, grain)
            cur.execute(_upsert(table), _columns(level))


def _columns(cs: list[Cell]) -> list[list[object]]:
    return [
        [c.sensor for c in cs],
        [c.t for c in cs],
        [c.n for c in cs],
        [c.total for c in cs],
        [c.lo for c in cs],
        [c.hi for c in cs],
        [c.first_t for c in cs],
        [c.first_v for c in cs],
        [c.last_t for c in cs],
        [c.last_v for c in cs],
        [c.mono for c in cs],
    ]


def rebuild(conn: Connection, sensor: str | None = None, before: int | None = None) -> None:
    """Recompute every cell (of ``sensor``, or all; of readings before ``before``, or all)
    from the raw rows that are still there: cells with raw rows are replaced, cells whose raw
    partitions were dropped are kept. Sets nothing else (the migration sets ``wm``)."""
    conds = ["sensor = %(s)s"] if sensor is not None else []
    conds += [f"t_us < {int(before)}"] if before is not None else []
    where = ("WHERE " + " AND ".join(conds)) if conds else ""
    for table, g in GRAINS.items():
        conn.exec_driver_sql(
            f"INSERT INTO {table} AS r SELECT sensor, c, count(*), sum(value), min(value), "
            "max(value), min(t_us), (array_agg(value ORDER BY t_us))[1], max(t_us), "
            "(array_agg(value ORDER BY t_us DESC))[1], bool_and(up) FROM ("
            f"SELECT sensor, t_us, value, t_us / {g} * {g} AS c, coalesce(value >= lag(value) "
            f"OVER (PARTITION BY sensor, t_us / {g} ORDER BY t_us), true) AS up "
            f"FROM readings {where}) x GROUP BY sensor, c "
            "ON CONFLICT (sensor, t_us) DO UPDATE SET n = excluded.n, total = excluded.total, "
            "lo = excluded.lo, hi = excluded.hi, first_t = excluded.first_t, "
            "first_v = excluded.first_v, last_t = excluded.last_t, last_v = excluded.last_v, "
            "mono = excluded.mono",
            {"s": sensor} if sensor is not None else {},
        )


def set_watermark(conn: Connection, wm: int) -> None:
    conn.exec_driver_sql(
        f"INSERT INTO {STATE} (id, wm) VALUES (1, {int(wm)}) "
        "ON CONFLICT (id) DO UPDATE SET wm = excluded.wm"
    )


def watermark(conn: Connection) -> int:
    return int(conn.exec_driver_sql(f"SELECT wm FROM {STATE}").scalar_one())


def add_late(conn: Connection, rows: Sequence[Row]) -> int:
    """Ingest's part (in its transaction, after storing ``rows``, the new rows sorted by
    sensor and time): fold in the rows below the watermark; returns how many."""
    wm = conn.exec_driver_sql(
        f"SELECT wm FROM {STATE}, pg_advisory_xact_lock_shared({_LOCK_KEY})"
    ).scalar_one()
    if rows[0][1] >= wm and min(r[1] for r in rows) >= wm:
        return 0
    late = [r for r in rows if r[1] < wm]
    add(conn, late)
    return len(late)


def _merge_sql(table: str, g: int, lo: int, hi: int) -> str:
    """Aggregate the raw rows of ``[lo, hi)`` per cell and merge them into ``table``."""
    return (
        f"INSERT INTO {table} AS r SELECT sensor, c, count(*), sum(value), min(value), "
        "max(value), min(t_us), (array_agg(value ORDER BY t_us))[1], max(t_us), "
        "(array_agg(value ORDER BY t_us DESC))[1], bool_and(up) FROM ("
        f"SELECT sensor, t_us, value, t_us / {g} * {g} AS c, coalesce(value >= lag(value) "
        f"OVER (PARTITION BY sensor, t_us / {g} ORDER BY t_us), true) AS up "
        f"FROM readings WHERE t_us >= {lo} AND t_us < {hi}) x GROUP BY sensor, c " + _MERGE_SET
    )


def catch_up(engine: Engine, now_us: int) -> int:
    """Roll up the raw rows between the watermark and ``now - LAG`` (5-minute aligned), at most
    15 minutes of readings per transaction; returns the new watermark (unchanged when there is
    nothing to do)."""
    g5 = GRAINS["readings_5m"]
    target = (now_us - LAG_US) // g5 * g5
    while True:
        with engine.begin() as conn:
            if not exists(conn):
                return 0
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
            wm = watermark(conn)
            if target <= wm:
                return wm
            hi = min(target, wm + _MAX_STEP_US)
            for table, g in GRAINS.items():
                conn.exec_driver_sql(_merge_sql(table, g, wm, hi))
            set_watermark(conn, hi)
        if hi >= target:
            return hi


def _grain_for(bucket_us: int) -> tuple[str, int] | None:
    for table, g in reversed(GRAINS.items()):
        if bucket_us % g == 0:
            return table, g
    return None


def series(
    conn: Connection, sensor: str, start_us: int, end_us: int, bucket_us: int
) -> list[tuple[int, int, float, float, float]] | None:
    """``(bucket index, count, sum, min, max)`` per bucket of ``[start_us, end_us]`` from the
    coarsest grain that divides ``bucket_us``, the cells cut by the window's edges read raw;
    None when the window is short or no grain divides the bucket (read raw then)."""
    if end_us - start_us <= RAW_MAX_SPAN_US or not exists(conn):
        return None
    picked = _grain_for(bucket_us)
    if picked is None:
        return None
    table, g = picked
    wm = watermark(conn)
    c0 = -(-start_us // g) * g  # first cell wholly inside
    c1 = min((end_us - g + 1) // g * g, (wm - g) // g * g)  # last wholly inside and complete
    if c0 > c1:
        return None
    acc: dict[int, list[float]] = {}
    q = (
        f"SELECT t_us / {bucket_us}, sum(n), sum(total), min(lo), max(hi) FROM {table} "
        "WHERE sensor = %(s)s AND t_us BETWEEN %(a)s AND %(b)s GROUP BY 1"
    )
    _fold(acc, conn.exec_driver_sql(q, {"s": sensor, "a": c0, "b": c1}).all())
    raw = (
        f"SELECT t_us / {bucket_us}, count(*), sum(value), min(value), max(value) FROM readings "
        "WHERE sensor = %(s)s AND t_us BETWEEN %(a)s AND %(b)s GROUP BY 1"
    )
    for a, b in ((start_us, c0 - 1), (c1 + g, end_us)):
        if a <= b:
            _fold(acc, conn.exec_driver_sql(raw, {"s": sensor, "a": a, "b": b}).all())
    return [(k, int(v[0]), v[1], v[2], v[3]) for k, v in sorted(acc.items())]


def _fold(acc: dict[int, list[float]], rows: Iterable[Sequence[object]]) -> None:
    for k, n, total, lo, hi in rows:
        key = int(k)  # type: ignore[call-overload]
        cur = acc.get(key)
        if cur is None:
            acc[key] = [float(n), float(total), float(lo), float(hi)]  # type: ignore[arg-type]
        else:
            cur[0] += float(n)  # type: ignore[arg-type]
            cur[1] += float(total)  # type: ignore[arg-type]
            cur[2] = min(cur[2], float(lo))  # type: ignore[arg-type]
            cur[3] = max(cur[3], float(hi))  # type: ignore[arg-type]


HourCell = tuple[int, int, int, float, int, float, bool]


def hours(conn: Connection, sensor: str, start_us: int, end_us: int) -> list[HourCell]:
    """Hourly cells ``(t_us, n, first_t, first_v, last_t, last_v, mono)`` of ``sensor`` whose
    cell lies wholly in ``[start_us, end_us]`` and below the watermark (the energy reader's
    thinned register); ``end_us`` should be cut to the watermark by the caller."""
    g = GRAINS["readings_1h"]
    q = (
        "SELECT t_us, n, first_t, first_v, last_t, last_v, mono FROM readings_1h "
        "WHERE sensor = %(s)s AND t_us >= %(a)s AND t_us + %(g)s - 1 <= %(b)s ORDER BY t_us"
    )
    rows = conn.exec_driver_sql(q, {"s": sensor, "a": start_us, "b": end_us, "g": g})
    return [(int(t), int(n), int(ft), float(fv), int(lt), float(lv), bool(m))
            for t, n, ft, fv, lt, lv, m in rows]  # fmt: skip
