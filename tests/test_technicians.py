"""Technicians on SQLite and PostgreSQL: skills, shifts, positions, availability, busy_with."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from twin.errors import InvalidInput, NotFound
from twin.live import audit, technicians, tickets


def test_register_update_and_validate(engine: Engine) -> None:
    t = technicians.register_technician(
        engine, "t1", name="Ann", skills=["electrical", "general"], actor="admin"
    )
    assert t.skills == ("electrical", "general") and t.shift == "on_shift" and t.busy_with is None
    t = technicians.register_technician(
        engine, "t1", name="Ann B", skills=["hvac"], actor="admin", shift="on_break"
    )
    assert (t.name, t.skills, t.shift) == ("Ann B", ("hvac",), "on_break")
    with pytest.raises(InvalidInput):
        technicians.register_technician(engine, "t2", name="X", skills=["magic"], actor="a")
    with pytest.raises(InvalidInput):
        technicians.set_shift(engine, "t1", "asleep", "a")
    with pytest.raises(NotFound):
        technicians.get_technician(engine, "nobody")
    actions = [e.action for e in audit.list_audit(engine, target="technician:t1")]
    assert actions == ["technician.update", "technician.create"]


def test_available_with_skill_and_busy(engine: Engine) -> None:
    for tid, skills in (("a", ["electrical"]), ("b", ["electrical", "plumbing"]), ("c", ["lifts"])):
        technicians.register_technician(engine, tid, name=tid, skills=skills, actor="admin")
    technicians.set_shift(engine, "c", "off_shift", "admin")
    ids = [t.id for t in technicians.list_technicians(engine, skill="electrical", available=True)]
    assert ids == ["a", "b"]
    ticket = tickets.create_ticket(engine, title="Socket", priority="normal", actor="desk")
    tickets.assign(engine, ticket.id, "a", "desk")
    assert technicians.get_technician(engine, "a").busy_with == ticket.id
    ids = [t.id for t in technicians.list_technicians(engine, skill="electrical", available=True)]
    assert ids == ["b"]
    assert technicians.list_technicians(engine, skill="lifts") == []  # available by default
    assert [t.id for t in technicians.list_technicians(engine, available=False)] == ["a", "b", "c"]
    tickets.transition(engine, ticket.id, "cancelled", "desk")
    assert technicians.get_technician(engine, "a").busy_with is None


def test_position_space_or_point_with_history(engine: Engine) -> None:
    technicians.register_technician(engine, "t1", name="Ann", skills=["general"], actor="admin")
    t = technicians.set_position(engine, "t1", "t1", point=(1.0, 2.0, 3.5), storey="ST1")
    assert t.position == (1.0, 2.0, 3.5) and t.storey == "ST1" and t.space is None
    t = technicians.set_position(engine, "t1", "t1", space="SP9", storey="ST2", building="B")
    assert t.space == "SP9" and t.position is None and t.building == "B"
    hist = technicians.position_history(engine, "t1")
    assert [h["space"] for h in hist] == ["SP9", None]
    assert hist[1]["position"] == (1.0, 2.0, 3.5)
    with pytest.raises(InvalidInput):
        technicians.set_position(engine, "t1", "t1")
