"""The inbox's cached rows kept up to date from alarm events (issue 15's cold-inbox target): after
raises, clears, acknowledgements and shelves made through the store, the rows an already warm
inbox returns equal a whole read of the database, and the states equal hand-set facts. SQLite
and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from tests.alarm_inbox_support import MIN_US, add_alarm, wipe_alarms
from twin.live.events import publish
from twin.live.store import LiveStore
from twin.live.tables import alarms
from twin.service.alarm_inbox import inbox


def _raise(store: LiveStore, **facts: object) -> int:
    """A new alarm with the event the evaluator publishes (naming the alarm)."""
    aid = add_alarm(store, **facts)
    with store.engine.begin() as conn:
        publish(conn, "alarm", building="B1", storey="S1", payload={"change": "raised", "id": aid})
    return aid


def _clear(store: LiveStore, aid: int) -> None:
    with store.engine.begin() as conn:
        conn.execute(alarms.update().where(alarms.c.id == aid).values(
            active=False, state="cleared", cleared_us=5 * MIN_US))  # fmt: skip
        publish(conn, "alarm", building="B1", storey="S1", payload={"change": "cleared", "id": aid})


def test_warm_rows_follow_every_change(store: LiveStore) -> None:
    wipe_alarms(store)
    ids = [_raise(store, sensor=f"s{i}", raised_us=(i + 1) * MIN_US) for i in range(6)]
    other = _raise(store, building="B2", sensor="x")
    assert {r.id for r in store.alarm_inbox.rows(building="B1")} == set(ids)  # now cached
    # changes through the store's own writes (each publishes an event naming its alarm)
    store.alarm_inbox.acknowledge(ids[0], "op")  # active-acknowledged: stays
    _clear(store, ids[1])  # cleared-unacknowledged: stays
    _clear(store, ids[2])
    store.alarm_inbox.acknowledge(ids[2], "op")  # cleared and acknowledged: leaves the inbox
    store.alarm_inbox.shelve(ids[3], "op", "noisy", 60 * MIN_US)
    new = _raise(store, sensor="s-new", severity="critical", raised_us=9 * MIN_US)
    warm = {r.id: r for r in store.alarm_inbox.rows(building="B1")}
    store.alarm_inbox.forget()
    whole = {r.id: r for r in store.alarm_inbox.rows(building="B1")}
    assert warm == whole
    assert set(warm) == {ids[0], ids[1], ids[3], ids[4], ids[5], new}
    assert other not in warm
    res = inbox(store, building="B1", now=10 * MIN_US, state="all")
    states = {i.alarm.id: i.inbox_state for i in res.items}
    assert states[ids[0]] == "active-acknowledged"
    assert states[ids[1]] == "cleared-unacknowledged"
    assert states[ids[3]] == "shelved"
    assert states[new] == "active-unacknowledged"
    # a deleted alarm (count goes down) forces a whole read
    with store.engine.begin() as conn:
        conn.execute(alarms.delete().where(alarms.c.id == ids[5]))
    assert ids[5] not in {r.id for r in store.alarm_inbox.rows(building="B1")}
    # an event naming no alarm (written by hand) also forces one
    with store.engine.begin() as conn:
        conn.execute(alarms.update().where(alarms.c.id == ids[4]).values(severity="info"))
        publish(conn, "alarm", building=None, storey=None, payload={"change": "test"})
    got = {r.id: r.severity for r in store.alarm_inbox.rows(building="B1")}
    with store.engine.connect() as conn:
        truth = conn.execute(select(alarms.c.severity).where(alarms.c.id == ids[4])).scalar_one()
    assert got[ids[4]] == truth == "info"
