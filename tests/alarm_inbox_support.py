"""Shared setup for the alarm inbox tests: wipe the alarm tables, write alarm rows as the ingest
would have recorded them (facts chosen by the test, so truths are known by hand)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from twin.live.db import metadata
from twin.live.events import publish
from twin.live.store import LiveStore
from twin.live.tables import alarms
from twin.live.tables_alarm_inbox import ALARM_INBOX_TABLES

MIN_US = 60 * 1_000_000


def wipe_alarms(store: LiveStore) -> None:
    with store.engine.begin() as conn:
        for name in (*reversed(ALARM_INBOX_TABLES), "alarms", "events", "audit"):
            conn.execute(metadata.tables[name].delete())
    store.alarm_inbox.forget()  # ids and event ids restart: the cache token could repeat


def set_alarm(store: LiveStore, alarm_id: int, **facts: Any) -> None:
    """Change an alarm row as the evaluator would: the change and its ``alarm`` event."""
    with store.engine.begin() as conn:
        conn.execute(alarms.update().where(alarms.c.id == alarm_id).values(**facts))
        publish(conn, "alarm", building=None, storey=None, payload={"change": "test"})


def add_alarm(store: LiveStore, **facts: Any) -> int:
    """One alarm row; ``facts`` override a raised, active, unacknowledged major alarm."""
    row: dict[str, Any] = {
        "sensor": "s1",
        "rule": "limit:upper",
        "kind": "above",
        "state": "raised",
        "active": True,
        "severity": "major",
        "message": "",
        "building": "B1",
        "storey": "S1",
        "criticality": "normal",
        "raised_us": 1_000_000,
    } | facts
    with store.engine.begin() as conn:
        return int(conn.execute(insert(alarms).values(**row).returning(alarms.c.id)).scalar_one())
