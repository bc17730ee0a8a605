"""Work-order store contract on SQLite and PostgreSQL: lifecycle, transitions, alarm tickets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from twin.errors import IllegalTransition, InvalidInput, NotFound
from twin.live import tickets
from twin.live.records import Alarm, AlarmRule, SensorSpec
from twin.live.store import LiveStore


def _tech(store: LiveStore, tid: str = "tech-1") -> None:
    store.technicians.register(tid, name="Ann Electric", skills=["electrical"], actor="admin")


def test_create_get_list(store: LiveStore) -> None:
    t = store.tickets.create(title="Lamp out", priority="normal", actor="desk")
    assert t.status == "new" and t.created_by == "desk"
    got = store.tickets.get(t.id)
    assert got.transitions[0].to_status == "new"
    assert [x.id for x in store.tickets.list(status="new")] == [t.id]
    assert store.tickets.list(status="closed") == []
    with pytest.raises(NotFound):
        store.tickets.get(9999)
    with pytest.raises(InvalidInput):
        store.tickets.create(title="x", priority="whenever", actor="desk")


LEGAL_PATHS = [
    ["assigned", "en_route", "on_site", "resolved", "closed"],
    ["assigned", "on_site", "resolved", "closed"],
    ["cancelled"],
    ["assigned", "cancelled"],
    ["assigned", "en_route", "cancelled"],
    ["assigned", "en_route", "on_site", "cancelled"],
    ["assigned", "new", "assigned", "on_site", "resolved"],
]


@pytest.mark.parametrize("path", LEGAL_PATHS, ids=["-".join(p) for p in LEGAL_PATHS])
def test_legal_paths(store: LiveStore, path: list[str]) -> None:
    _tech(store)
    t = store.tickets.create(title="Leak", priority="urgent", actor="desk")
    for to in path:
        t = store.tickets.transition(t.id, to, "desk", note=f"to {to}", technician="tech-1")
        assert t.status == to
    assert [x.to_status for x in t.transitions] == ["new", *path]
    assert all(x.actor == "desk" for x in t.transitions)
    if "assigned" in path:
        assert t.responded is not None
    if "on_site" in path:
        assert t.arrived is not None and t.arrived >= t.created
    entries = store.audit.list(target=f"ticket:{t.id}")
    assert len(entries) == len(path) + 1


WALK = {
    "new": [],
    "assigned": ["assigned"],
    "en_route": ["assigned", "en_route"],
    "on_site": ["assigned", "on_site"],
    "resolved": ["assigned", "on_site", "resolved"],
    "closed": ["assigned", "on_site", "resolved", "closed"],
    "cancelled": ["cancelled"],
}


def test_illegal_transitions_refused(store: LiveStore) -> None:
    _tech(store)
    legal = tickets.TRANSITIONS
    for frm in tickets.STATES:
        t = store.tickets.create(title=f"from {frm}", priority="planned", actor="d")
        for step in WALK[frm]:
            store.tickets.transition(t.id, step, "d", technician="tech-1")
        for to in tickets.STATES:
            if to in legal[frm]:
                continue
            with pytest.raises(IllegalTransition) as err:
                store.tickets.transition(t.id, to, "d", technician="tech-1")
            assert f"{frm!r}" in err.value.detail and f"{to!r}" in err.value.detail
            assert err.value.extra["from_status"] == frm and err.value.status == 409
        got = store.tickets.get(t.id)
        assert got.status == frm and len(got.transitions) == len(WALK[frm]) + 1


def test_assign_and_decline(store: LiveStore) -> None:
    _tech(store)
    _tech(store, "tech-2")
    t = store.tickets.create(title="Gas alarm", priority="emergency", actor="desk")
    route = {"length_m": 42.0, "path": ["a", "b"]}
    t = store.tickets.assign(t.id, "tech-1", "dispatch", route=route)
    assert t.technician == "tech-1" and t.route == route
    with pytest.raises(IllegalTransition):
        store.tickets.decline(t.id, "tech-2", "tech-2", "not mine")
    t = store.tickets.decline(t.id, "tech-1", "tech-1", "stuck in theatre")
    assert t.status == "new" and t.technician is None and t.route is None
    assert "stuck in theatre" in t.transitions[-1].note
    with pytest.raises(NotFound):
        store.tickets.assign(t.id, "nobody", "dispatch")


def test_skill_for_quantity() -> None:
    assert tickets.skill_for_quantity("oxygen_pressure") == "medical_gas"
    assert tickets.skill_for_quantity("power") == "electrical"
    assert tickets.skill_for_quantity("temperature") == "hvac"
    assert tickets.skill_for_quantity("door_state") == "general"
    assert tickets.skill_for_quantity(None) == "general"


def test_create_ticket_for_alarm_in_callers_transaction(store: LiveStore) -> None:
    store.register_sensors([SensorSpec(id="S-OT1-O2", quantity="oxygen_pressure", unit="bar")])
    alarm = Alarm(
        id=17, sensor="S-OT1-O2", rule="rule:3", kind="below", state="raised", severity="critical",
        value=3.1, threshold=4.0, message="oxygen pressure low", element="EL1", space="SP1",
        storey="ST1", building="B1", criticality="operating_theatre",
        raised=datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
    )  # fmt: skip
    with store.transaction() as tx:
        tid = tx.tickets.open_for_alarm(alarm, "emergency")
    t = store.tickets.get(tid)
    assert (t.alarm, t.priority, t.element, t.space, t.storey, t.building) == (
        17,
        "emergency",
        "EL1",
        "SP1",
        "ST1",
        "B1",
    )
    assert "oxygen pressure low" in t.title and t.created_by == "alarm"
    assert t.skill == "medical_gas"
    # rolled back with the caller's transaction
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.tickets.open_for_alarm(alarm, "urgent")
        raise RuntimeError("ingest failed")
    assert len(store.tickets.list()) == 1
    assert len(store.audit.list(action="ticket.create")) == 1


@pytest.mark.slow  # builds the small demo hospital once per session (shared fixture)
def test_place_from_twin(store: LiveStore, request: pytest.FixtureRequest) -> None:
    pytest.importorskip("models_ifc.hospital", reason="demo hospital generator not there yet")
    small_twin = request.getfixturevalue("small_twin")
    el = next(e for e in small_twin.elements.values() if e.storey and e.space)
    t = store.tickets.create(title="Fault", priority="normal", actor="d",
                              element=el.guid, twin=small_twin)  # fmt: skip
    assert t.storey == el.storey and t.space == el.space
    assert t.building == small_twin.storeys[el.storey].building


def test_alarm_rule_with_auto_ticket_opens_ticket(store: LiveStore) -> None:
    """End to end through the store's ingest: a low oxygen reading raises an alarm whose rule
    has ``auto_ticket``, and the ticket appears with the alarm, priority, place and skill."""
    spec = SensorSpec(id="S-O2", quantity="oxygen_pressure", unit="bar", element="EL-O2",
                      space="SP-OT2", storey="ST-1", building="B-1")  # fmt: skip
    store.register_sensors([spec])
    rule = AlarmRule(
        id=0,
        kind="below",
        sensor="S-O2",
        threshold=4.0,
        hysteresis=0.2,
        severity="critical",
        auto_ticket=True,
        ticket_priority="emergency",
    )
    store.add_rule(rule)
    t0 = datetime.now(UTC).replace(microsecond=0)
    result = store.ingest([{"sensor": "S-O2", "t": t0.isoformat(), "value": 3.2, "unit": "bar"}])
    assert result.accepted == 1 and len(result.alarms_raised) == 1
    alarm = store.alarm(result.alarms_raised[0])
    [ticket] = store.tickets.list()
    assert alarm.ticket == ticket.id
    assert (ticket.alarm, ticket.priority, ticket.skill) == (alarm.id, "emergency", "medical_gas")
    assert (ticket.element, ticket.space, ticket.storey) == ("EL-O2", "SP-OT2", "ST-1")
