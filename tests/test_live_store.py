"""Contract tests of the live store, run against SQLite (tmp file) and PostgreSQL (fresh schema)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.conftest import port_open, require
from twin.errors import Conflict, InvalidInput
from twin.live.db import make_engine, now_us
from twin.live.migrate import upgrade
from twin.live.records import AlarmRule, SensorSpec
from twin.live.store import LiveStore, SensorNotFound

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    """A fresh schema for this session; PostGIS proven installed once."""
    require(port_open(5432), "PostgreSQL not running on 5432")
    name = f"live_{uuid.uuid4().hex[:8]}"
    eng = make_engine(PG_URL)
    with eng.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        conn.execute(text(f"CREATE SCHEMA {name}"))
    yield name
    with eng.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
    eng.dispose()


def pg_store_url(schema: str) -> str:
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[LiveStore]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'live.db'}"
    else:
        schema = request.getfixturevalue("pg_schema")
        url = pg_store_url(schema)
        eng = make_engine(url)
        with eng.begin() as conn:  # a clean slate per test inside the session schema
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        eng.dispose()
    engine = make_engine(url)
    upgrade(engine)
    upgrade(engine)  # a second run is a no-op
    s = LiveStore(engine)
    s.register_sensors(
        [
            SensorSpec(
                id="T1",
                quantity="temperature",
                unit="degC",
                space="SP1",
                storey="ST1",
                building="B1",
                upper=25.0,
                criticality="operating_theatre",
            ),
            SensorSpec(
                id="T2",
                quantity="temperature",
                unit="degC",
                space="SP1",
                storey="ST1",
                building="B1",
            ),
            SensorSpec(
                id="H1", quantity="humidity", unit="%", space="SP2", storey="ST1", building="B1"
            ),
        ]
    )
    yield s
    s.close()


def at(minutes: float) -> str:
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    return (base + timedelta(minutes=minutes)).isoformat()


def test_idempotent_out_of_order_and_dead_letters(store: LiveStore) -> None:
    batch = [
        {"sensor": "T1", "t": at(2), "value": 21.0},
        {"sensor": "T1", "t": at(1), "value": 20.0, "unit": "°C"},
        {"sensor": "T2", "t": at(1), "value": "20.5"},
        {"sensor": "NOPE", "t": at(1), "value": 1},
        {"sensor": "T1", "t": at(3), "value": "warm"},
        {"sensor": "H1", "t": at(3), "value": 40, "unit": "degC"},
        {"sensor": "H1", "t": "2199-01-01T00:00:00Z", "value": 40},
        {"sensor": "H1", "t": "1990-01-01T00:00:00Z", "value": 40},
        {"sensor": "H1", "t": "yesterday", "value": 40},
        ["not", "an", "object"],
    ]
    r = store.ingest(batch)
    assert (r.accepted, r.duplicates, r.rejected) == (3, 0, 7)
    assert r.reasons == {
        "unknown_sensor": 1,
        "non_numeric": 1,
        "wrong_unit": 1,
        "future_timestamp": 1,
        "too_old": 1,
        "bad_timestamp": 1,
        "malformed": 1,
    }
    values = [v for _, v in store.raw("T1")]
    assert values == [20.0, 21.0]
    again = store.ingest(batch[:3])
    assert (again.accepted, again.duplicates) == (0, 3)
    assert len(store.raw("T1")) == 2
    total, letters = store.dead_letters()
    assert total == 7
    assert {d.reason for d in letters} == set(r.reasons)
    assert store.dead_letters(reason="wrong_unit")[0] == 1


def test_latest_and_downsampling(store: LiveStore) -> None:
    store.ingest([{"sensor": "T2", "t": at(m), "value": float(m)} for m in range(10)])
    store.ingest([{"sensor": "T2", "t": at(-5), "value": 99.0}])  # late: latest unchanged
    assert store.latest("T2").last_value == 9.0
    in_space = {s.id: s.last_value for s in store.latest_in(space="SP1")}
    assert in_space == {"T1": None, "T2": 9.0}
    assert {s.id for s in store.latest_in(storey="ST1")} == {"T1", "T2", "H1"}
    t0 = store.raw("T2")[1][0]
    buckets = store.series("T2", t0, t0 + 10 * 60_000_000, 5 * 60_000_000)
    # readings 0..9 one per minute starting at t0; 5-minute buckets aligned to the epoch
    assert sum(b["count"] for b in buckets) == 10
    assert min(b["min"] for b in buckets) == 0.0 and max(b["max"] for b in buckets) == 9.0
    for b in buckets:
        assert b["min"] <= b["mean"] <= b["max"]
    with pytest.raises(SensorNotFound):
        store.series("NOPE", 0, 1, 1)


def test_threshold_hysteresis_ack_clear(store: LiveStore) -> None:
    store.add_rule(
        AlarmRule(
            id=0, kind="above", sensor="T2", threshold=30.0, hysteresis=2.0, severity="critical"
        )
    )
    r = store.ingest([{"sensor": "T2", "t": at(0), "value": 31.0}])
    assert len(r.alarms_raised) == 1
    a = store.alarm(r.alarms_raised[0])
    assert (a.state, a.severity, a.space, a.storey, a.building) == (
        "raised",
        "critical",
        "SP1",
        "ST1",
        "B1",
    )
    # 29 is inside the hysteresis band: still active, no second alarm
    r2 = store.ingest(
        [{"sensor": "T2", "t": at(1), "value": 29.0}, {"sensor": "T2", "t": at(2), "value": 32.0}]
    )
    assert r2.alarms_raised == () and r2.alarms_cleared == ()
    acked = store.acknowledge(a.id, "op1")
    assert acked.state == "acknowledged" and acked.acknowledged_by == "op1"
    with pytest.raises(Conflict):
        store.acknowledge(a.id, "op1")
    r3 = store.ingest([{"sensor": "T2", "t": at(3), "value": 27.5}])
    assert r3.alarms_cleared == (a.id,)
    assert store.alarm(a.id).state == "cleared"
    with pytest.raises(Conflict):
        store.clear(a.id, "op1")


def test_sensor_limits_criticality_and_manual_clear(store: LiveStore) -> None:
    r = store.ingest([{"sensor": "T1", "t": at(0), "value": 26.0}])
    (aid,) = r.alarms_raised
    a = store.alarm(aid)
    assert a.rule == "limit:upper" and a.criticality == "operating_theatre"
    assert [x.id for x in store.alarms(state="active", storey="ST1")] == [aid]
    assert store.clear(aid, "op").state == "cleared"
    assert store.alarms(state="active") == []


def test_rate_and_stale(store: LiveStore) -> None:
    store.add_rule(AlarmRule(id=0, kind="rate", quantity="humidity", rate_per_min=5.0))
    store.add_rule(AlarmRule(id=0, kind="stale", sensor="T2", stale_minutes=10.0, severity="minor"))
    r = store.ingest(
        [
            {"sensor": "H1", "t": at(0), "value": 40.0},
            {"sensor": "H1", "t": at(1), "value": 42.0},
            {"sensor": "H1", "t": at(2), "value": 60.0},
        ]
    )
    assert len(r.alarms_raised) == 1
    assert store.alarm(r.alarms_raised[0]).kind == "rate"
    store.ingest([{"sensor": "T2", "t": at(0), "value": 20.0}])  # 60 min ago
    stale = store.sweep_stale()
    assert len(stale) == 1 and store.alarm(stale[0]).sensor == "T2"
    assert store.sweep_stale() == []  # already active
    r2 = store.ingest([{"sensor": "T2", "t": datetime.now(UTC).isoformat(), "value": 20.0}])
    assert stale[0] in r2.alarms_cleared


def test_rule_validation(store: LiveStore) -> None:
    with pytest.raises(InvalidInput):
        store.add_rule(AlarmRule(id=0, kind="above", sensor="T1"))
    with pytest.raises(InvalidInput):
        store.add_rule(AlarmRule(id=0, kind="sideways", sensor="T1", threshold=1))
    with pytest.raises(SensorNotFound):
        store.add_rule(AlarmRule(id=0, kind="above", sensor="NOPE", threshold=1))


def test_events_published_in_transaction(store: LiveStore) -> None:
    from twin.live.events import EventFilter, read_events

    store.ingest([{"sensor": "T1", "t": at(0), "value": 30.0}])
    with store.engine.connect() as conn:
        evs = read_events(conn, 0, EventFilter(types=frozenset({"alarm", "reading"})))
        assert [e.type for e in evs] == ["alarm", "reading"]
        assert evs[0].payload["change"] == "raised" and evs[0].storey == "ST1"
        assert read_events(conn, 0, EventFilter(storey="other")) == []
    assert now_us() > 0


def test_repeats_inside_one_batch_count_once(store: LiveStore) -> None:
    item = {"sensor": "T2", "t": at(5), "value": 1.0}
    r = store.ingest([item, dict(item), dict(item)])
    assert (r.accepted, r.duplicates) == (1, 2)
    assert len(store.raw("T2")) == 1


def test_follow_resumes_after_an_event_id(store: LiveStore) -> None:
    import asyncio

    from twin.live.events import EventFilter

    store.ingest([{"sensor": "T1", "t": at(0), "value": 30.0}])

    async def first_batch(after: int | None) -> list[str]:
        async for batch in store.follow_events(
            after, EventFilter(types=frozenset({"alarm"})), 0.01
        ):
            return [e.type for e in batch]
        return []

    assert asyncio.run(first_batch(0)) == ["alarm"]

    async def nothing_new() -> bool:
        try:
            await asyncio.wait_for(first_batch(None), 0.3)  # from the end: nothing yet
        except TimeoutError:
            return True
        return False

    assert asyncio.run(nothing_new())
