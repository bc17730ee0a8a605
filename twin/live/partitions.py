"""PostgreSQL: the ``readings`` table as native RANGE partitions on ``t_us``, one per calendar
month (UTC), and what keeps them: partitions created ahead (at start-up and by the periodic
job), rows that landed in the default partition moved into a partition of their own, and the
retention that drops whole raw partitions (never the rollups, :mod:`twin.live.rollups`).

Why monthly (measured by bench/scale.py, figures in docs/scale.md): a month of a 10,000-sensor
hospital at 1/min is ~42 GB (95 bytes a reading with its index), a one-year raw query plans in
0.5 ms over 13 monthly partitions against 2.0 ms over 53 weekly ones, and retention is counted
in months anyway. SQLite keeps one plain table: nothing here runs
there (:func:`is_partitioned` is False).

A partition is created as a plain table and then ATTACHed (SHARE UPDATE EXCLUSIVE on the parent:
ingest into other partitions goes on); ``CREATE TABLE … PARTITION OF`` would take ACCESS
EXCLUSIVE on ``readings`` and stall every writer for the moment it runs. Every change runs under
one transaction-level advisory lock, so several processes starting at once create each
partition once.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, text

__all__ = [
    "AHEAD",
    "DEFAULT",
    "Maintenance",
    "Partition",
    "ensure",
    "is_partitioned",
    "maintain",
    "month_bounds",
    "partition_name",
    "partitions",
]

log = logging.getLogger(__name__)

DEFAULT = "readings_default"
AHEAD = 3  # months created beyond the current one
_LOCK_KEY = 0x74776E70  # "twnp": partition changes, one process at a time
_BOUND = re.compile(r"FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)")


@dataclass(frozen=True)
class Partition:
    name: str
    lo: int  # t_us, inclusive
    hi: int  # t_us, exclusive


@dataclass
class Maintenance:
    """What one :func:`maintain` run did."""

    created: list[str] = field(default_factory=list)
    moved: int = 0  # rows moved out of the default partition
    dropped: list[str] = field(default_factory=list)


def _us(d: datetime) -> int:
    return int(d.timestamp()) * 1_000_000


def month_bounds(t_us: int) -> tuple[int, int]:
    """``[first instant of the UTC month holding t_us, first of the next)`` in µs."""
    d = datetime.fromtimestamp(t_us // 1_000_000, UTC)
    lo = datetime(d.year, d.month, 1, tzinfo=UTC)
    hi = datetime(d.year + (d.month == 12), d.month % 12 + 1, 1, tzinfo=UTC)
    return _us(lo), _us(hi)


def partition_name(lo_us: int) -> str:
    d = datetime.fromtimestamp(lo_us // 1_000_000, UTC)
    return f"readings_p{d.year:04d}{d.month:02d}"


def is_partitioned(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    q = "SELECT relkind FROM pg_class WHERE oid = to_regclass('readings')"
    return conn.exec_driver_sql(q).scalar() == "p"


def partitions(conn: Connection) -> list[Partition]:
    """The range partitions of ``readings`` by start (the default partition not included)."""
    rows = conn.exec_driver_sql(
        "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass('readings')"
    ).all()
    out = []
    for name, bound in rows:
        m = _BOUND.search(bound or "")
        if m:
            out.append(Partition(name, int(m.group(1)), int(m.group(2))))
    return sorted(out, key=lambda p: p.lo)


def _create(conn: Connection, lo: int, hi: int, existing: list[Partition]) -> str | None:
    """Create and attach the month partition [lo, hi) unless a partition overlaps it; rows of
    that range sitting in the default partition are moved into it first."""
    if any(p.lo < hi and lo < p.hi for p in existing):
        return None
    name = partition_name(lo)
    conn.exec_driver_sql(f"CREATE TABLE {name} (LIKE readings INCLUDING DEFAULTS)")
    moved = conn.exec_driver_sql(
        f"WITH m AS (DELETE FROM {DEFAULT} WHERE t_us >= {lo} AND t_us < {hi} RETURNING *) "
        f"INSERT INTO {name} (sensor, t_us, value) SELECT sensor, t_us, value FROM m"
    ).rowcount
    conn.exec_driver_sql(
        f"ALTER TABLE readings ATTACH PARTITION {name} FOR VALUES FROM ({lo}) TO ({hi})"
    )
    existing.append(Partition(name, lo, hi))
    log.info("readings partition %s created (%d rows moved from the default)", name, moved)
    return name


def ensure_conn(conn: Connection, now_us: int, ahead: int = AHEAD) -> Maintenance:
    """In the caller's transaction: partitions for this month and ``ahead`` more, and for every
    month that has rows in the default partition (a reading older than the oldest partition,
    e.g. a back-fill, lands there and is never lost; this moves it into its month)."""
    out = Maintenance()
    if not is_partitioned(conn):
        return out
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    existing = partitions(conn)
    lo, hi = month_bounds(now_us)
    wanted = []
    for _ in range(ahead + 1):
        wanted.append((lo, hi))
        lo, hi = hi, month_bounds(hi)[1]
    stray = conn.exec_driver_sql(
        "SELECT DISTINCT extract(epoch FROM date_trunc('month', "
        f"to_timestamp(t_us / 1000000) AT TIME ZONE 'UTC'))::bigint FROM {DEFAULT}"
    ).scalars()
    wanted += sorted({month_bounds(int(t) * 1_000_000) for t in stray})
    if any(not any(p.lo < h and lo_ < p.hi for p in existing) for lo_, h in wanted):
        # keeps inserts out of the default while rows move (they wait, they are not refused)
        conn.exec_driver_sql(f"LOCK TABLE {DEFAULT} IN EXCLUSIVE MODE")
    for lo_, h in wanted:
        before = conn.exec_driver_sql(
            f"SELECT count(*) FROM {DEFAULT} WHERE t_us >= {lo_} AND t_us < {h}"
        ).scalar_one()
        name = _create(conn, lo_, h, existing)
        if name:
            out.created.append(name)
            out.moved += int(before)
    return out


def ensure(engine: Engine, now_us: int, ahead: int = AHEAD) -> Maintenance:
    """:func:`ensure_conn` in a transaction of its own (start-up and the periodic job)."""
    with engine.begin() as conn:
        return ensure_conn(conn, now_us, ahead)


def maintain(engine: Engine, now_us: int, retention_days: float = 0) -> Maintenance:
    """Partitions ahead, strays moved, then (``retention_days`` > 0) every raw partition that
    ends before ``now - retention_days`` dropped whole. Rollups are never touched, so series
    and energy over dropped months still answer from them."""
    out = ensure(engine, now_us)
    if retention_days <= 0:
        return out
    cutoff = now_us - int(retention_days * 86400 * 1_000_000)
    with engine.begin() as conn:
        if not is_partitioned(conn):
            return out
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        for p in partitions(conn):
            if p.hi <= cutoff:
                conn.exec_driver_sql(f"DROP TABLE {p.name}")
                out.dropped.append(p.name)
                log.info(
                    "readings partition %s dropped (retention %s days)", p.name, retention_days
                )
    return out
