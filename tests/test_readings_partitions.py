"""Readings at scale on PostgreSQL (issue 14): the partitioned ``readings`` table, its migration,
partitions ahead and on demand, retention, and the rollups the series and energy queries read.

Truth is computed here from the raw rows with plain Python, never with the rollup code."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import Engine, text

from tests.conftest import port_open, require
from twin.energy import intervals
from twin.live import partitions, rollups
from twin.live.db import make_engine, now_us
from twin.live.meter_readings import MeterReadingRepository
from twin.live.migrate import upgrade
from twin.live.records import SensorSpec
from twin.live.store import LiveStore, open_store

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HOUR = 3_600_000_000
DAY = 24 * HOUR


@pytest.fixture
def url() -> Iterator[str]:
    require(port_open(5432), "PostgreSQL not running on 5432")
    schema = f"t_part_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL)
    with admin.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _sensors(store: LiveStore) -> None:
    store.register_sensors(
        [
            SensorSpec(id="T1", quantity="temperature", unit="degC", storey="S1", building="B"),
            SensorSpec(id="T2", quantity="temperature", unit="degC", storey="S1", building="B"),
            SensorSpec(id="E1", quantity="energy", unit="kWh", storey="S1", building="B"),
        ]
    )


def _iso(t_us: int) -> str:
    return datetime.fromtimestamp(t_us / 1e6, UTC).isoformat()


def _raw(engine: Engine) -> list[tuple[str, int, float]]:
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text("SELECT sensor, t_us, value FROM readings"))]  # type: ignore[misc]


def _truth(rows: list[tuple[str, int, float]], grain: int) -> dict[tuple[str, int], tuple]:  # type: ignore[type-arg]
    """(sensor, cell) -> (n, sum, min, max, first_t, first_v, last_t, last_v), by hand."""
    cells: dict[tuple[str, int], list[tuple[int, float]]] = {}
    for s, t, v in rows:
        cells.setdefault((s, t // grain * grain), []).append((t, v))
    out = {}
    for k, pts in cells.items():
        pts.sort()
        vs = [v for _, v in pts]
        out[k] = (len(vs), sum(vs), min(vs), max(vs), pts[0][0], vs[0], pts[-1][0], vs[-1])
    return out


def _rolled(engine: Engine, table: str) -> dict[tuple[str, int], tuple]:  # type: ignore[type-arg]
    q = f"SELECT sensor, t_us, n, total, lo, hi, first_t, first_v, last_t, last_v FROM {table}"
    with engine.connect() as c:
        return {(r[0], r[1]): tuple(r[2:]) for r in c.execute(text(q))}


def _same(a: dict, b: dict) -> None:  # type: ignore[type-arg]
    assert a.keys() == b.keys()
    for k in a:
        assert a[k][0] == b[k][0] and a[k][2:] == b[k][2:], k
        assert a[k][1] == pytest.approx(b[k][1], rel=1e-12, abs=1e-9), k


def test_migration_keeps_every_row_and_partitions(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine, "0016_events_xid")  # the revision before: the plain table
    store = LiveStore(engine)
    _sensors(store)
    now = now_us()
    rows = [("T1", now - d * DAY - m * 60_000_000, float(d * 100 + m)) for d in range(0, 100, 7)
            for m in range(30)]  # fmt: skip
    rows += [("T2", 1_000_000_000_000_000 + i, float(i)) for i in range(5)]  # 2001
    with engine.begin() as c:
        c.execute(
            text("INSERT INTO readings (sensor, t_us, value) VALUES (:s, :t, :v)"),
            [{"s": s, "t": t, "v": v} for s, t, v in rows],
        )
        assert (
            c.execute(
                text("SELECT relkind FROM pg_class WHERE oid = to_regclass('readings')")
            ).scalar()
            == "r"
        )
    upgrade(engine)
    assert sorted(_raw(engine)) == sorted(rows)
    rollups.catch_up(engine, now_us() + HOUR)  # the rows of the last minutes
    with engine.connect() as c:
        assert partitions.is_partitioned(c)
        parts = partitions.partitions(c)
        counts = dict(c.execute(text("SELECT tableoid::regclass::text, count(*) FROM readings "
                                     "GROUP BY 1")).all())  # fmt: skip
    assert counts.get(partitions.DEFAULT, 0) == 0  # every month that had rows got a partition
    assert "readings_p200109" in {p.name for p in parts}
    lo, _ = partitions.month_bounds(now)
    ahead = [p for p in parts if p.lo >= lo]
    assert len(ahead) == partitions.AHEAD + 1
    # the rollups were built from the rows already there
    _same(_rolled(engine, "readings_1h"), _truth(rows, HOUR))
    # unique on (sensor, t_us) still holds on the partitioned table
    with pytest.raises(Exception, match="duplicate key"), engine.begin() as c:
        c.execute(
            text("INSERT INTO readings VALUES (:s, :t, 1)"), {"s": rows[0][0], "t": rows[0][1]}
        )
    engine.dispose()


def test_rollups_incremental_idempotent_and_series_equal_raw(url: str) -> None:
    store = open_store(url)
    _sensors(store)
    end = now_us() // HOUR * HOUR - HOUR
    start = end - 3 * DAY
    # T1 every 90 s with a few in the same cell out of order; T2 sparse; E1 a register
    items = [{"sensor": "T1", "t": _iso(t), "value": (t // 90_000_000) % 37 - 5.5}
             for t in range(start, end, 90_000_000)]  # fmt: skip
    items += [
        {"sensor": "T2", "t": _iso(t), "value": t % 7 / 3}
        for t in range(start, end, 7 * 60_000_000)
    ]
    items += [{"sensor": "E1", "t": _iso(t), "value": (t - start) / 3.6e9}
              for t in range(start, end, 60_000_000)]  # fmt: skip
    half = len(items) // 2
    order = items[half:] + items[:half]  # later half first
    for i in range(0, len(order), 1000):
        r = store.ingest(order[i : i + 1000])
        assert r.rejected == 0
    cases = (
        ("T1", start + 17_000_000, end - 3_000_000, HOUR),  # edges cut cells: read raw
        ("T1", start, end, DAY),
        ("T2", start - DAY, end, 15 * 60_000_000),
        ("T1", start + HOUR, start + 2 * HOUR, 300_000_000),  # short window: raw
    )
    _check_series(store, cases)  # nothing rolled up yet: every answer from raw rows
    rollups.catch_up(store.engine, end + HOUR)
    # late readings of T2 between rolled-up ones (below the watermark): added on ingest
    late = [{"sensor": "T2", "t": _iso(t), "value": -1.0 - t % 5}
            for t in range(start + 3 * 60_000_000, end, 7 * 60_000_000)]  # fmt: skip
    assert store.ingest(late).accepted == len(late)
    again = store.ingest(items[: half + 500] + late[:50])  # re-sent: must add nothing
    assert again.accepted == 0 and again.duplicates == half + 550
    raw = _raw(store.engine)
    assert len(raw) == len(items) + len(late)
    for table, grain in (("readings_5m", 300_000_000), ("readings_1h", HOUR), ("readings_1d", DAY)):
        _same(_rolled(store.engine, table), _truth(raw, grain))
    _check_series(store, cases)
    # energy over a long window reads the hourly register cells: same intervals as from raw
    reg = [(t / 1e6, v) for s, t, v in sorted(raw) if s == "E1"]
    repo = MeterReadingRepository(store.engine)
    thin, count = repo.register_thin("E1", start - DAY, end + DAY)
    assert len(thin) < len(reg) / 10 and count == len(reg)
    a_iv, a_rep = intervals(thin)
    b_iv, b_rep = intervals(reg)
    assert [(i.start, i.quality) for i in a_iv] == [(i.start, i.quality) for i in b_iv]
    assert [i.value for i in a_iv] == pytest.approx([i.value for i in b_iv], rel=1e-9)
    assert (a_rep.gaps, a_rep.resets) == (b_rep.gaps, b_rep.resets)
    store.close()


def _check_series(store: LiveStore, cases: tuple[tuple[str, int, int, int], ...]) -> None:
    """Each series equals the aggregation of the raw rows computed here."""
    raw = _raw(store.engine)
    for sensor, a, b, bucket in cases:
        got = store.series(sensor, a, b, bucket)
        want: dict[int, list[float]] = {}
        for s, t, v in raw:
            if s == sensor and a <= t <= b:
                want.setdefault(t // bucket * bucket, []).append(v)
        assert [int(g["start"].timestamp() * 1e6) for g in got] == sorted(want)
        for g in got:
            vs = want[int(g["start"].timestamp() * 1e6)]
            assert (g["count"], g["min"], g["max"]) == (len(vs), min(vs), max(vs))
            assert g["mean"] == pytest.approx(sum(vs) / len(vs), rel=1e-12, abs=1e-12)


def test_reset_inside_an_hour_is_read_raw(url: str) -> None:
    store = open_store(url)
    _sensors(store)
    end = now_us() // HOUR * HOUR - HOUR
    start = end - 2 * DAY
    vals = {t: (t - start) / 3.6e9 for t in range(start, end, 60_000_000)}
    reset_at = start + DAY + 20 * 60_000_000
    for t in vals:
        if t >= reset_at:
            vals[t] -= 20.0  # the meter restarts lower mid-hour
    store.ingest([{"sensor": "E1", "t": _iso(t), "value": v} for t, v in vals.items()])
    rollups.catch_up(store.engine, end + HOUR)
    reg = sorted((t / 1e6, v) for t, v in vals.items())
    thin, count = MeterReadingRepository(store.engine).register_thin("E1", start - DAY, end)
    assert count == len(reg) and len(thin) < len(reg) / 10
    a_iv, a_rep = intervals(thin)
    b_iv, b_rep = intervals(reg)
    assert a_rep.resets == b_rep.resets == [reset_at / 1e6]
    assert [(i.start, i.value is None) for i in a_iv] == [(i.start, i.value is None) for i in b_iv]
    store.close()


def test_out_of_range_kept_moved_and_retention_keeps_rollups(url: str) -> None:
    store = open_store(url)
    _sensors(store)
    old = 1_600_000_000_000_000  # 2020-09-13: no partition for it
    r = store.ingest(
        [{"sensor": "T1", "t": _iso(old + i * 60_000_000), "value": i} for i in range(10)]
    )
    assert r.accepted == 10
    with store.engine.connect() as c:
        n_default = c.execute(text(f"SELECT count(*) FROM {partitions.DEFAULT}")).scalar()
    assert n_default == 10  # not lost: in the default partition
    done = store.maintain_readings()
    assert done.created == ["readings_p202009"] and done.moved == 10
    with store.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM readings_p202009")).scalar() == 10
        assert c.execute(text(f"SELECT count(*) FROM {partitions.DEFAULT}")).scalar() == 0
    store.readings_retention_days = 365
    done = store.maintain_readings()
    assert done.dropped == ["readings_p202009"]
    assert store.raw("T1") == []
    # the rollups still answer for the dropped month
    got = store.series("T1", old - DAY, old + DAY, DAY)
    assert [(g["count"], g["min"], g["max"]) for g in got] == [(10, 0.0, 9.0)]
    store.close()


def test_partitions_created_once_by_concurrent_processes(url: str) -> None:
    store = open_store(url)
    errors: list[BaseException] = []
    future = now_us() + 200 * DAY  # months not there yet

    def run() -> None:
        try:
            partitions.ensure(store.engine, future)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    with store.engine.connect() as c:
        names = [p.name for p in partitions.partitions(c)]
    assert len(names) == len(set(names))
    lo, _ = partitions.month_bounds(future)
    assert partitions.partition_name(lo) in names
    # a reading for a month created ahead goes to that partition, not the default
    with store.engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO sensors (id, quantity, unit, name, criticality, source, created_us) "
                "VALUES ('X', 'q', 'u', '', 'normal', 'api', 0)"
            )
        )
        c.execute(text("INSERT INTO readings VALUES ('X', :t, 1)"), {"t": future})
        where = c.execute(
            text("SELECT tableoid::regclass::text FROM readings WHERE sensor='X'")
        ).scalar()
    assert where == partitions.partition_name(lo)
    assert psycopg  # the driver the store uses
    store.close()


def test_sqlite_unchanged(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(f"sqlite:///{tmp_path / 'live.db'}")
    _sensors(store)
    t = now_us() - DAY
    store.ingest([{"sensor": "T1", "t": _iso(t + i * 60_000_000), "value": i} for i in range(600)])
    with store.engine.connect() as c:
        names = {r[0] for r in c.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))}
    assert "readings" in names and not names & {"readings_5m", "readings_1h", "readings_1d"}
    got = store.series("T1", t, t + 600 * 60_000_000, HOUR)
    assert sum(g["count"] for g in got) == 600
    assert store.maintain_readings().created == []
    store.close()
    _ = timedelta
