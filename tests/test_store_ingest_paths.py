"""The fast ingest paths give exactly the answers of the per-item rules, on SQLite and PostgreSQL.

- ``validate.parse_batch`` (inline checks) against ``validate.parse_item`` (one item at a time)
  on a table of good and bad items: same rows, same reasons, same details.
- PostgreSQL COPY into ``readings`` in a savepoint, with the ``ON CONFLICT`` fallback when some of
  the batch is already stored: duplicates counted, nothing lost, nothing doubled, ``latest`` and
  alarms right; the foreign key dropped by revision 0004.
- A sensor registered by another process is found on the next batch (spec cache refresh).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from tests.conftest import port_open, require
from twin.live import validate
from twin.live.db import make_engine, now_us
from twin.live.records import AlarmRule, SensorSpec
from twin.live.store import COPY_MIN_ROWS, LiveStore, open_store

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = now_us()
BASE = datetime.now(UTC) - timedelta(hours=3)
UNITS = {"T1": "degC", "D1": "state"}

ITEMS: list[Any] = [
    {"sensor": "T1", "t": "2026-01-01T10:00:00Z", "value": 21.5},
    {"sensor": "T1", "t": "2026-01-01T10:00:00.123456+01:00", "value": 21, "unit": "degC"},
    {"sensor": "T1", "t": "2026-01-01T10:00:00", "value": 21.5, "unit": "°C"},
    {"sensor": "T1", "t": 1767261600.25, "value": "21.5"},
    {"sensor": "D1", "t": "2026-01-01T10:00:00Z", "value": True},
    {"sensor": "T1", "t": "2026-01-01T10:00:00Z", "value": 10**400},
    {"sensor": "T1", "t": "2026-01-01T10:00:00Z", "value": math.nan},
    {"sensor": "T1", "t": "2026-01-01T10:00:00Z", "value": math.inf},
    {"sensor": "T1", "t": "2026-01-01T10:00:00Z", "value": "warm"},
    {"sensor": "T1", "t": "2026-01-01T10:00:00Z", "value": None},
    {"sensor": "T1", "t": "2026-01-01T10:00:00Z", "value": 1.0, "unit": "K"},
    {"sensor": "T1", "t": "2026-01-01T10:00:00Z", "value": 1.0, "unit": 7},
    {"sensor": "T1", "t": "yesterday", "value": 1.0},
    {"sensor": "T1", "t": None, "value": 1.0},
    {"sensor": "T1", "t": "2099-01-01T00:00:00Z", "value": 1.0},
    {"sensor": "T1", "t": "1999-12-31T23:59:59Z", "value": 1.0},
    {"sensor": "T1", "t": 1e300, "value": 1.0},
    {"sensor": "nope", "t": "2026-01-01T10:00:00Z", "value": 1.0},
    {"sensor": "", "t": "2026-01-01T10:00:00Z", "value": 1.0},
    {"sensor": 5, "t": "2026-01-01T10:00:00Z", "value": 1.0},
    {"t": "2026-01-01T10:00:00Z", "value": 1.0},
    "not an object",
    ["T1", 1.0],
]


def test_parse_batch_agrees_with_parse_item_item_by_item() -> None:
    good, bad = validate.parse_batch(ITEMS, UNITS, NOW)
    want_good, want_bad = [], []
    for item in ITEMS:
        row, reason, detail = validate.parse_item(item, UNITS, NOW)
        if row is not None:
            want_good.append(row)
        else:
            want_bad.append((reason, detail))
    assert good == want_good
    assert [(r, d) for _, r, d in bad] == want_bad
    assert len(good) == 5 and len(good) + len(bad) == len(ITEMS)
    reasons = {r for _, r, _ in bad}
    assert reasons == {
        "non_numeric",
        "wrong_unit",
        "bad_timestamp",
        "future_timestamp",
        "too_old",
        "unknown_sensor",
        "malformed",
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[LiveStore]:
    schema = ""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'live.db'}"
    else:
        require(port_open(5432), "PostgreSQL not running on 5432")
        schema = f"paths_{uuid.uuid4().hex[:8]}"
        with make_engine(PG_URL).begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    s = open_store(url)
    s.register_sensors(
        [SensorSpec(id=f"S{i}", quantity="temperature", unit="degC") for i in range(20)]
        + [SensorSpec(id="HOT", quantity="temperature", unit="degC", upper=30.0)]
    )
    yield s
    s.close()
    if schema:
        eng = make_engine(PG_URL)
        with eng.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        eng.dispose()


def batch(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"sensor": f"S{i % 20}", "t": (BASE + timedelta(seconds=i)).isoformat(), "value": 20.0 + i}
        for i in range(start, start + n)
    ]


def count(store: LiveStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM readings")).scalar_one())


def test_overlapping_batches_store_each_reading_once(store: LiveStore) -> None:
    first = store.ingest(batch(300))
    assert (first.accepted, first.duplicates, first.rejected) == (300, 0, 0)
    # 200 already stored + 200 new, large enough for the COPY path, which must fall back
    second = store.ingest(batch(400, start=100))
    assert (second.accepted, second.duplicates) == (200, 200)
    again = store.ingest(batch(500))  # everything already there
    assert (again.accepted, again.duplicates) == (0, 500)
    repeat = batch(100, start=500)
    inner = store.ingest(repeat + repeat[:30])  # new, but 30 keys twice within the batch
    assert (inner.accepted, inner.duplicates) == (100, 30)
    assert count(store) == 600
    again = store.ingest(batch(500))
    assert (again.accepted, again.duplicates) == (0, 500)
    assert len(store.raw("S7")) == 30
    last = max(range(600), key=lambda i: (i % 20 == 7, i))
    assert store.latest("S7").last_value == 20.0 + last


def test_duplicate_in_a_small_batch_and_alarm_after_fallback(store: LiveStore) -> None:
    assert COPY_MIN_ROWS > 3
    t = (BASE + timedelta(hours=1)).isoformat()
    small = [{"sensor": "HOT", "t": t, "value": 25.0}] * 3  # repeats inside one batch
    r = store.ingest(small)
    assert (r.accepted, r.duplicates) == (1, 2)
    big = [{"sensor": "HOT", "t": t, "value": 25.0}] + [
        {"sensor": "HOT", "t": (BASE + timedelta(hours=1, seconds=i)).isoformat(), "value": 31.0}
        for i in range(1, COPY_MIN_ROWS + 10)
    ]
    r = store.ingest(big)
    assert (r.accepted, r.duplicates) == (COPY_MIN_ROWS + 9, 1)
    assert len(r.alarms_raised) == 1
    assert store.alarm(r.alarms_raised[0]).rule == "limit:upper"


def test_no_rules_no_alarm_queries_but_quantity_rule_applies(store: LiveStore) -> None:
    store.add_rule(AlarmRule(id=0, kind="above", quantity="temperature", threshold=500.0))
    r = store.ingest(batch(600))  # S-sensors reach 20 + 599 > 500 only late in the batch
    assert r.accepted == 600
    raised = {store.alarm(a).sensor for a in r.alarms_raised}
    assert raised == {f"S{i}" for i in range(20)}


def test_sensor_registered_elsewhere_is_found_on_next_batch(store: LiveStore) -> None:
    store.ingest(batch(1))  # loads the spec cache
    other = LiveStore(store.engine)  # another API process sharing the database
    other.register_sensor(SensorSpec(id="NEW", quantity="co2", unit="ppm"))
    r = store.ingest([{"sensor": "NEW", "t": BASE.isoformat(), "value": 400}, *batch(2, 10)])
    assert (r.accepted, r.rejected) == (3, 0)


def test_foreign_key_dropped_on_postgres_only(store: LiveStore) -> None:
    with store.engine.connect() as conn:
        if store.backend == "postgresql":
            sql = "SELECT contype FROM pg_constraint WHERE conrelid = 'readings'::regclass"
            assert [k[0] for k in conn.execute(text(sql))] == ["u"]
        else:  # SQLite keeps it (a cheap check there; dropping it would copy the table)
            fks = conn.execute(text("PRAGMA foreign_key_list(readings)")).all()
            assert [(f.table, f._mapping["from"]) for f in fks] == [("sensors", "sensor")]


def test_odd_sensor_ids_and_values_round_trip_exactly(store: LiveStore) -> None:
    odd = "odd\\id\twith tab\nand newline é"
    store.register_sensor(SensorSpec(id=odd, quantity="temperature", unit="degC"))
    values = [0.1 + i / 3 for i in range(COPY_MIN_ROWS)] + [1e-300, -2.5e17, 7]
    items = [
        {"sensor": odd, "t": (BASE + timedelta(seconds=i)).isoformat(), "value": v}
        for i, v in enumerate(values)
    ]
    assert store.ingest(items).accepted == len(values)
    assert [v for _, v in store.raw(odd)] == [float(v) for v in values]
    assert store.latest(odd).last_value == 7.0


def test_audit_entry_is_written_with_the_batch(store: LiveStore) -> None:

    r = store.ingest([*batch(3), {"sensor": "nope", "t": BASE.isoformat(), "value": 1}], actor="gw")
    assert (r.accepted, r.rejected) == (3, 1)
    again = store.ingest(batch(3), actor="gw")
    entries = store.audit.list(actor="gw", action="readings.ingest")
    assert [dict(e.detail) for e in entries] == [
        {"accepted": 0, "duplicates": again.duplicates, "rejected": 0},
        {"accepted": 3, "duplicates": 0, "rejected": 1},
    ]
    store.ingest(batch(2, 50))  # no actor, no entry
    assert len(store.audit.list(action="readings.ingest")) == 2
