"""Readings that no database can hold never stop ingest (real SQLite and PostgreSQL stores).

A sensor id with a NUL (PostgreSQL text cannot hold it) or a lone surrogate (no UTF-8 encoder
writes it) is dead-lettered with a reason, and the good readings of the same batch are stored.
A row that passes validation but that the database still refuses (here a CHECK constraint or a
trigger the test adds) is split out of its batch by bisection: every other row is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from twin.errors import InvalidInput
from twin.live.records import AlarmRule, SensorSpec
from twin.live.store import LiveStore

T0 = datetime.now(UTC) - timedelta(hours=2)


def _t(i: int) -> str:
    return (T0 + timedelta(seconds=i)).isoformat().replace("+00:00", "Z")


@pytest.fixture
def store(store: LiveStore) -> LiveStore:
    """The shared store with the readings tables emptied too (its wipe covers work orders)."""
    with store.engine.begin() as c:
        for table in ("readings", "latest", "dead_letters", "alarms", "alarm_rules", "sensors"):
            c.execute(text(f"DELETE FROM {table}"))
    store.reload_sensors()
    return store


@pytest.fixture
def sensors(store: LiveStore) -> LiveStore:
    store.register_sensors(
        [SensorSpec(id="good-1", quantity="temperature", unit="degC"),
         SensorSpec(id="good-2", quantity="temperature", unit="degC")]
    )  # fmt: skip
    return store


@pytest.mark.parametrize("bad_id", ["bad\u0000", "\ud800", "a\udfffb", "x" * 300])
def test_unstorable_sensor_id_is_dead_lettered_and_the_rest_stored(
    sensors: LiveStore, bad_id: str
) -> None:
    good = [{"sensor": "good-1", "t": _t(i), "value": 20.0 + i} for i in range(100)]
    batch = [*good[:50], {"sensor": bad_id, "t": _t(5), "value": 1.0}, *good[50:]]
    res = sensors.ingest(batch, "mqtt")
    assert (res.accepted, res.rejected) == (100, 1)
    assert res.dead_lettered == (50,)
    assert len(sensors.raw("good-1")) == 100
    total, letters = sensors.dead_letters()
    assert total == 1
    assert letters[0].reason in ("invalid_text", "unknown_sensor")
    assert letters[0].sensor is None  # the column only holds an id that fits it
    # a later batch is unaffected: the store did not get stuck on the poison item
    res2 = sensors.ingest([{"sensor": "good-2", "t": _t(1), "value": 1.0}], "mqtt")
    assert res2.accepted == 1


def test_unstorable_text_everywhere_in_an_item(sensors: LiveStore) -> None:
    batch = [
        {"sensor": "good-1", "t": _t(1), "value": 1.0, "unit": "deg\u0000C"},
        {"sensor": "good-1", "t": "2026-01-01T00:00:00\u0000", "value": 1.0},
        {"sensor": "good-1", "t": _t(2), "value": "1\ud800"},
        {"sensor": "good-1", "t": _t(3), "value": 3.0},
    ]
    res = sensors.ingest(batch, "http")
    assert res.accepted == 1 and res.rejected == 3
    assert res.reasons == {"wrong_unit": 1, "bad_timestamp": 1, "non_numeric": 1}
    assert sensors.dead_letters()[0] == 3


def _poison(store: LiveStore) -> None:
    """A rule of the database (not of the validator) that refuses the value 13."""
    with store.engine.begin() as c:
        if store.backend == "postgresql":
            c.execute(text("ALTER TABLE readings ADD CONSTRAINT no_13 CHECK (value <> 13)"))
        else:
            c.execute(text("CREATE TRIGGER no_13 BEFORE INSERT ON readings WHEN NEW.value = 13 "
                           "BEGIN SELECT RAISE(ABORT, 'value 13 refused'); END"))  # fmt: skip


def _unpoison(store: LiveStore) -> None:
    with store.engine.begin() as c:
        if store.backend == "postgresql":
            c.execute(text("ALTER TABLE readings DROP CONSTRAINT no_13"))
        else:
            c.execute(text("DROP TRIGGER no_13"))


@pytest.mark.parametrize("n", [20, 200])  # 200: the PostgreSQL COPY path
def test_rows_the_database_refuses_are_split_out(sensors: LiveStore, n: int) -> None:
    _poison(sensors)
    try:
        batch = [{"sensor": "good-1", "t": _t(i), "value": float(i)} for i in range(n)]
        batch += [{"sensor": "good-2", "t": _t(i), "value": 13.0 if i == 3 else 1.0}
                  for i in range(5)]  # fmt: skip
        res = sensors.ingest(batch, "mqtt", actor="gateway")
    finally:
        _unpoison(sensors)
    assert res.accepted == n + 5 - 2  # value 13 of good-1 (i = 13) and of good-2
    assert res.reasons == {"store_rejected": 2}
    assert res.dead_lettered == (13, n + 3)
    assert [v for _, v in sensors.raw("good-1")] == [float(i) for i in range(n) if i != 13]
    assert len(sensors.raw("good-2")) == 4
    total, letters = sensors.dead_letters(reason="store_rejected")
    assert total == 2 and {d.sensor for d in letters} == {"good-1", "good-2"}
    assert all("13" in d.payload for d in letters)


def test_sensor_and_rule_text_and_numbers_are_checked(store: LiveStore) -> None:
    for spec in (
        SensorSpec(id="a\u0000", quantity="temperature", unit="degC"),
        SensorSpec(id="ok", quantity="temperature", unit="degC", name="\ud800"),
        SensorSpec(id="ok", quantity="temperature", unit="degC", upper=float("nan")),
    ):
        with pytest.raises(InvalidInput):
            store.register_sensors([spec])
    store.register_sensors([SensorSpec(id="ok", quantity="temperature", unit="degC")])
    with pytest.raises(InvalidInput):
        store.add_rule(AlarmRule(id=0, kind="above", sensor="ok", threshold=float("nan")))
    with pytest.raises(InvalidInput):
        store.add_rule(AlarmRule(id=0, kind="above", sensor="ok", threshold=1.0, name="\u0000"))
    with pytest.raises(InvalidInput):  # longer than the column: PostgreSQL would refuse it
        store.add_rule(AlarmRule(id=0, kind="above", quantity="q" * 65, threshold=1.0))
    with pytest.raises(InvalidInput):
        store.register_sensors([SensorSpec(id="ok", quantity="temperature", unit="u" * 33)])
    assert store.rules() == []
