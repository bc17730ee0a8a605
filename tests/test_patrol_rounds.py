"""Patrol rounds: schedules, rounds generated once per start in the planner's order, check-ins
by QR code flagged (not refused) when out of order, far or outside the window, abnormal answers
opening a ticket, missed checkpoints and the weekly completion rate (SQLite and PostgreSQL).

Truths are hand counts from a calendar and positions placed by hand."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.samples.networks import sample_twin
from twin.errors import InvalidInput, NotFound
from twin.live.patrols import PatrolTemplate
from twin.live.store import LiveStore, open_store
from twin.planning.schedule import ScheduleInvalid, parse_schedule, round_starts
from twin.service.campus import Campus
from twin.service.patrols import planner_for, qr_svg

MON = datetime(2026, 11, 30, tzinfo=UTC)  # a Monday
POINTS: list[dict[str, Any]] = [
    {"place": "ROOM-A", "label": "Plant room", "items": [
        {"key": "pressure_bar", "kind": "reading", "min": 3.5, "max": 5.0},
        {"key": "leak", "kind": "yesno", "expect": False},
    ]},
    {"place": "ROOM-B", "label": "Oxygen manifold", "items": [{"key": "alarm_panel_ok"}]},
    {"place": "ROOM-C", "label": "Roof", "items": []},
]  # fmt: skip


def reversed_planner(places: Sequence[str]) -> tuple[list[int], float | None]:
    return list(reversed(range(len(places)))), 600.0


def _template(store: LiveStore, schedule: str = "weekly on mon,thu at 07:30") -> PatrolTemplate:
    return store.patrols.create_template(
        name="Plant rooms", schedule=schedule, checkpoints=POINTS, actor="t",
        window_minutes=60, team=["tech-1"],
    )  # fmt: skip


def test_schedules_by_hand() -> None:
    s = parse_schedule("weekly on mon,thu at 07:30")
    got = round_starts(s, MON, MON + timedelta(days=14))
    assert got == [
        datetime(2026, 11, 30, 7, 30, tzinfo=UTC), datetime(2026, 12, 3, 7, 30, tzinfo=UTC),
        datetime(2026, 12, 7, 7, 30, tzinfo=UTC), datetime(2026, 12, 10, 7, 30, tzinfo=UTC),
    ]  # fmt: skip
    twice = round_starts(parse_schedule("daily at 08:00, 20:00"), MON, MON + timedelta(days=7))
    assert len(twice) == 14
    assert len(round_starts(parse_schedule("weekdays"), MON, MON + timedelta(days=7))) == 5
    for bad in ("hourly", "weekly on funday", "daily at 25:00", "weekly on"):
        with pytest.raises(ScheduleInvalid):
            parse_schedule(bad)


def test_rounds_generated_once_in_planner_order(store: LiveStore) -> None:
    tpl = _template(store)
    codes = {cp["code"] for cp in tpl.checkpoints}
    assert len(codes) == 3
    made = store.patrols.generate(tpl.id, start=MON, end=MON + timedelta(days=14),
                                  planner=reversed_planner, actor="t")  # fmt: skip
    assert len(made) == 4
    assert made[0].planned == (2, 1, 0) and made[0].planned_s == 600
    assert made[0].due_end - made[0].due_start == timedelta(minutes=60)
    again = store.patrols.generate(tpl.id, start=MON, end=MON + timedelta(days=21),
                                   planner=reversed_planner, actor="t")  # fmt: skip
    assert len(again) == 2  # only the third week's Monday and Thursday are new
    assert len(store.patrols.rounds(template=tpl.id)) == 6


def test_checkins_flagged_not_refused_and_abnormal_opens_ticket(store: LiveStore) -> None:
    store.technicians.register("tech-1", name="Ana", skills=["hvac"], actor="t")
    store.technicians.set_position("tech-1", "t", point=(100.0, 0.0, 0.0), storey="ST-1")
    tpl = _template(store)
    (rnd, *_) = store.patrols.generate(tpl.id, start=MON, end=MON + timedelta(days=1),
                                       planner=reversed_planner, actor="t")  # fmt: skip
    code = [cp["code"] for cp in tpl.checkpoints]
    t0 = rnd.due_start + timedelta(minutes=5)
    # checkpoint 0 is planned last: out of order; the technician is 100 m away: far
    c0 = store.patrols.check_in(
        rnd.id, code=code[0], technician="tech-1", at=t0, actor="t",
        answers={"pressure_bar": 2.9, "leak": False}, point=("ST-1", 0.0, 0.0),
    )  # fmt: skip
    assert set(c0.flags) == {"out_of_order", "far"}
    assert c0.abnormal == ("pressure_bar",) and c0.ticket is not None
    ticket = store.tickets.get(c0.ticket)
    assert ticket.space == "ROOM-A" and "pressure_bar" in ticket.title
    store.technicians.set_position("tech-1", "t", point=(3.0, 4.0, 0.0), storey="ST-1")
    c2 = store.patrols.check_in(
        rnd.id, code=code[2], technician="tech-1", at=t0, actor="t", answers={},
        point=("ST-1", 0.0, 0.0),
    )  # fmt: skip
    assert c2.flags == () and c2.ticket is None  # 5 m away, first in the plan
    late = rnd.due_end + timedelta(minutes=1)
    c1 = store.patrols.check_in(rnd.id, code=code[1], technician="tech-1", at=late,
                                actor="t", answers={"alarm_panel_ok": True})  # fmt: skip
    assert c1.flags == ("outside_window",) and c1.ticket is None
    rep = store.patrols.report(rnd, now=late)
    assert rep.status == "late" and rep.missed == () and rep.flagged == 2
    with pytest.raises(NotFound):
        store.patrols.check_in(rnd.id, code="nope", technician="tech-1", at=t0, actor="t",
                               answers={})  # fmt: skip
    with pytest.raises(InvalidInput):
        store.patrols.check_in(rnd.id, code=code[1], technician="tech-1", at=t0, actor="t",
                               answers={"alarm_panel_ok": "yes"})  # fmt: skip
    with pytest.raises(InvalidInput):
        store.patrols.check_in(rnd.id, code=code[1], technician="tech-1", at=t0, actor="t",
                               answers={"colour": 1})  # fmt: skip


def test_missed_checkpoints_and_weekly_completion(store: LiveStore) -> None:
    store.technicians.register("tech-1", name="Ana", skills=["hvac"], actor="t")
    tpl = _template(store, "daily at 08:00")
    rounds = store.patrols.generate(tpl.id, start=MON, end=MON + timedelta(days=7),
                                    planner=reversed_planner, actor="t")  # fmt: skip
    assert len(rounds) == 7
    code = [cp["code"] for cp in tpl.checkpoints]
    # Mon, Tue, Wed: all three points inside the window; Thu: two; Fri-Sun: nothing
    for rnd, n in zip(rounds, [3, 3, 3, 2, 0, 0, 0], strict=True):
        for i in (2, 1, 0)[:n]:
            store.patrols.check_in(rnd.id, code=code[i], technician="tech-1",
                                   at=rnd.due_start + timedelta(minutes=10), actor="t",
                                   answers={})  # fmt: skip
    now = MON + timedelta(days=8)
    thu = store.patrols.report(rounds[3], now=now)
    assert thu.status == "missed" and thu.missed == (0,)
    assert store.patrols.report(rounds[5], now=now).missed == (2, 1, 0)
    kpi = store.patrols.completion(now=now, start=MON, end=MON + timedelta(days=7))
    assert kpi == {(tpl.id, "2026-W49"): (3, 7)}


def test_template_validation(store: LiveStore) -> None:
    with pytest.raises(InvalidInput):
        store.patrols.create_template(name="x", schedule="daily", checkpoints=[], actor="t")
    with pytest.raises(InvalidInput):
        store.patrols.create_template(
            name="x", schedule="daily", actor="t",
            checkpoints=[{"place": "A", "items": [{"key": "k", "kind": "colour"}]}],
        )  # fmt: skip
    with pytest.raises(ScheduleInvalid):
        store.patrols.create_template(name="x", schedule="often", actor="t",
                                      checkpoints=[{"place": "A"}])  # fmt: skip
    assert store.patrols.templates() == []


def test_nothing_lost_on_restart(
    opened_store: tuple[LiveStore, str, Path], store: LiveStore
) -> None:
    store.technicians.register("tech-1", name="Ana", skills=["hvac"], actor="t")
    tpl = _template(store)
    (rnd,) = store.patrols.generate(tpl.id, start=MON, end=MON + timedelta(days=1),
                                    planner=reversed_planner, actor="t")  # fmt: skip
    c = store.patrols.check_in(rnd.id, code=tpl.checkpoints[2]["code"], technician="tech-1",
                               at=rnd.due_start, actor="t", answers={})  # fmt: skip
    again = open_store(opened_store[1])
    try:
        assert again.patrols.templates() == [tpl]
        assert again.patrols.rounds() == [rnd]
        assert again.patrols.checkins(rnd.id) == [c]
    finally:
        again.close()


def test_real_planner_orders_by_travel_time_and_qr_is_svg() -> None:
    twin = sample_twin()
    campus = Campus()
    campus.add(twin)
    rooms = sorted(twin.spaces)[:4]
    order, secs = planner_for(campus)(rooms)
    assert sorted(order) == list(range(len(rooms))) and secs is not None and secs > 0
    assert order[0] == 0  # the round starts at its first checkpoint
    svg = ET.fromstring(qr_svg("a1b2c3d4e5", "Plant room"))
    assert svg.tag.endswith("svg") and svg.find("{http://www.w3.org/2000/svg}path") is not None
