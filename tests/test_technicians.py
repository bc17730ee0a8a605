"""Technicians on SQLite and PostgreSQL: skills, shifts, positions, availability, busy_with."""

from __future__ import annotations

import pytest

from twin.errors import InvalidInput, NotFound
from twin.live.store import LiveStore


def test_register_update_and_validate(store: LiveStore) -> None:
    t = store.technicians.register(
        "t1", name="Ann", skills=["electrical", "general"], actor="admin"
    )
    assert t.skills == ("electrical", "general") and t.shift == "on_shift" and t.busy_with is None
    t = store.technicians.register(
        "t1", name="Ann B", skills=["hvac"], actor="admin", shift="on_break"
    )
    assert (t.name, t.skills, t.shift) == ("Ann B", ("hvac",), "on_break")
    with pytest.raises(InvalidInput):
        store.technicians.register("t2", name="X", skills=["magic"], actor="a")
    with pytest.raises(InvalidInput):
        store.technicians.set_shift("t1", "asleep", "a")
    with pytest.raises(NotFound):
        store.technicians.get("nobody")
    actions = [e.action for e in store.audit.list(target="technician:t1")]
    assert actions == ["technician.update", "technician.create"]


def test_available_with_skill_and_busy(store: LiveStore) -> None:
    for tid, skills in (("a", ["electrical"]), ("b", ["electrical", "plumbing"]), ("c", ["lifts"])):
        store.technicians.register(tid, name=tid, skills=skills, actor="admin")
    store.technicians.set_shift("c", "off_shift", "admin")
    ids = [t.id for t in store.technicians.list(skill="electrical", available=True)]
    assert ids == ["a", "b"]
    ticket = store.tickets.create(title="Socket", priority="normal", actor="desk")
    store.tickets.assign(ticket.id, "a", "desk")
    assert store.technicians.get("a").busy_with == ticket.id
    ids = [t.id for t in store.technicians.list(skill="electrical", available=True)]
    assert ids == ["b"]
    assert store.technicians.list(skill="lifts") == []  # available by default
    assert [t.id for t in store.technicians.list(available=False)] == ["a", "b", "c"]
    store.tickets.transition(ticket.id, "cancelled", "desk")
    assert store.technicians.get("a").busy_with is None


def test_position_space_or_point_with_history(store: LiveStore) -> None:
    store.technicians.register("t1", name="Ann", skills=["general"], actor="admin")
    t = store.technicians.set_position("t1", "t1", point=(1.0, 2.0, 3.5), storey="ST1")
    assert t.position == (1.0, 2.0, 3.5) and t.storey == "ST1" and t.space is None
    t = store.technicians.set_position("t1", "t1", space="SP9", storey="ST2", building="B")
    assert t.space == "SP9" and t.position is None and t.building == "B"
    hist = store.technicians.position_history("t1")
    assert [h["space"] for h in hist] == ["SP9", None]
    assert hist[1]["position"] == (1.0, 2.0, 3.5)
    with pytest.raises(InvalidInput):
        store.technicians.set_position("t1", "t1")
