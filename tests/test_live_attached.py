"""Live records left pointing at products a revision removed (twin/live/attached.py), on SQLite
and PostgreSQL (the conftest ``store`` fixture runs both)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from twin.live.attached import records_at
from twin.live.records import SensorSpec
from twin.live.store import LiveStore


def _now(minutes: float = 0.0) -> str:
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    return (base + timedelta(minutes=minutes)).isoformat()


def test_records_on_removed_products_are_listed(store: LiveStore) -> None:
    gone_room, gone_valve, kept = (
        "0GoneRoom000000000000A",
        "0GoneValve00000000000B",
        "0KeptRoom000000000000C",
    )
    store.register_sensors(
        [
            SensorSpec("S-room", "temperature", "degC", space=gone_room, upper=25.0),
            SensorSpec("S-valve", "pressure", "Pa", element=gone_valve),
            SensorSpec("S-kept", "temperature", "degC", space=kept, upper=25.0),
        ]
    )
    store.ingest(
        [
            {"sensor": "S-room", "t": _now(1), "value": 30.0},  # raises an alarm on the room
            {"sensor": "S-kept", "t": _now(1), "value": 30.0},
        ]
    )
    open_ticket = store.tickets.create(
        title="Valve drips", priority="normal", actor="test", element=gone_valve
    ).id
    closed = store.tickets.create(
        title="Room cold", priority="planned", actor="test", space=gone_room
    )
    store.tickets.transition(closed.id, "cancelled", actor="test")
    store.tickets.create(title="Kept room", priority="planned", actor="test", space=kept)

    found = records_at(store, {gone_room, gone_valve})

    assert [s["id"] for s in found["sensors"]] == ["S-room", "S-valve"]
    active_on_room = [a.id for a in store.alarms(state="active") if a.space == gone_room]
    assert active_on_room and [a["id"] for a in found["alarms"]] == active_on_room
    assert [t["id"] for t in found["tickets"]] == [open_ticket]
    assert records_at(store, set()) == {"sensors": [], "alarms": [], "tickets": []}
