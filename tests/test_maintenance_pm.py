"""Preventive maintenance: interval arithmetic, idempotent order generation ahead of the due
date, fixed and floating schedules, SMRP compliance, certificates (SQLite and PostgreSQL).

Truths are hand counts: due dates listed from a calendar, grace windows computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import ifcopenshell
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from twin.errors import Conflict, InvalidInput
from twin.live.maintenance import PmTarget
from twin.live.records import SensorSpec
from twin.live.store import LiveStore, open_store
from twin.planning.schedule import (
    Interval,
    ScheduleInvalid,
    add_interval,
    fixed_dues,
    grace_deadline,
    parse_interval,
)

PUMPS = [PmTarget("PUMP-A", "Pump A", "ROOM-1", "ST-1", "B-1"), PmTarget("PUMP-B", "Pump B")]


def _count(store: LiveStore, sql: str) -> int:
    with store.engine.connect() as c:
        return int(c.execute(sa.text(sql)).scalar_one())


def test_month_arithmetic_clamps_without_drift() -> None:
    q = parse_interval("quarterly")
    assert q == Interval(3, "months")
    assert add_interval(date(2026, 1, 31), Interval(1, "months")) == date(2026, 2, 28)
    assert add_interval(date(2028, 1, 31), Interval(1, "months")) == date(2028, 2, 29)
    # counted from the anchor each time: 31 Jan, 30 Apr, 31 Jul, 31 Oct (not 30 Jul/30 Oct)
    assert fixed_dues(date(2026, 1, 31), q, date(2026, 12, 31)) == [
        date(2026, 1, 31), date(2026, 4, 30), date(2026, 7, 31), date(2026, 10, 31),
    ]  # fmt: skip
    assert parse_interval("every 2 weeks") == Interval(2, "weeks")
    assert len(fixed_dues(date(2026, 1, 5), parse_interval("weekly"), date(2026, 12, 31))) == 52


@pytest.mark.parametrize("bad", ["fortnightly", "every 0 days", "every two months", ""])
def test_bad_interval_is_422(bad: str) -> None:
    with pytest.raises(ScheduleInvalid) as e:
        parse_interval(bad)
    assert e.value.status == 422


def test_orders_come_lead_days_ahead_once(store: LiveStore) -> None:
    p = store.maintenance.create_plan(
        name="Pump service", interval="monthly", anchor=date(2026, 3, 1), actor="t",
        ifc_class="IfcPump", lead_days=14, checklist=["bearing noise", "seal leak"],
        skill="plumbing",
    )  # fmt: skip
    # 10 Feb + 14 days = 24 Feb: the 1 March order is not due for creation yet
    assert store.maintenance.generate({p.id: PUMPS}, today=date(2026, 2, 10), actor="t") == []
    made = store.maintenance.generate({p.id: PUMPS}, today=date(2026, 2, 15), actor="t")
    assert sorted((o.element, o.due) for o in made) == [
        ("PUMP-A", date(2026, 3, 1)), ("PUMP-B", date(2026, 3, 1)),
    ]  # fmt: skip
    again = store.maintenance.generate({p.id: PUMPS}, today=date(2026, 2, 16), actor="t")
    assert again == []
    assert _count(store, "SELECT COUNT(*) FROM pm_orders") == 2
    assert _count(store, "SELECT COUNT(*) FROM tickets WHERE priority = 'planned'") == 2
    t = store.tickets.get(made[0].ticket or 0)
    assert t.status == "new" and t.skill == "plumbing"
    assert "[ ] bearing noise" in t.description and "[ ] seal leak" in t.description
    a = next(o for o in made if o.element == "PUMP-A")
    ta = store.tickets.get(a.ticket or 0)
    assert (ta.space, ta.storey, ta.building) == ("ROOM-1", "ST-1", "B-1")
    # a year ahead: 1 Mar .. 1 Mar next year inclusive would be 13; until 15 Feb 2027 + 14 d
    year = store.maintenance.generate(
        {p.id: PUMPS}, today=date(2026, 2, 15), actor="t", horizon_days=365
    )
    # dues 1 Apr 2026 .. 1 Mar 2027 (until 1 Mar 2027): 12 more per pump
    assert len(year) == 24
    assert _count(store, "SELECT COUNT(*) FROM pm_orders") == 26


def test_unique_constraint_refuses_a_duplicate_due(store: LiveStore) -> None:
    p = store.maintenance.create_plan(
        name="x", interval="yearly", anchor=date(2026, 1, 1), actor="t", element="PUMP-A"
    )
    store.maintenance.generate({p.id: PUMPS[:1]}, today=date(2026, 1, 1), actor="t")
    with pytest.raises(IntegrityError), store.engine.begin() as c:
        c.execute(sa.text(
            "INSERT INTO pm_orders (plan, element, due, created) "
            f"VALUES ({p.id}, 'PUMP-A', '2026-01-01', 0)"
        ))  # fmt: skip


def test_floating_schedule_moves_with_completion(store: LiveStore) -> None:
    p = store.maintenance.create_plan(
        name="Lift", interval="monthly", anchor=date(2026, 3, 1), actor="t", kind="lift",
        floating=True, lead_days=7,
    )  # fmt: skip
    lift = [PmTarget("LIFT-1")]
    (first,) = store.maintenance.generate({p.id: lift}, today=date(2026, 3, 1), actor="t")
    # still open: a floating plan waits for it, even a year ahead
    assert store.maintenance.generate({p.id: lift}, today=date(2026, 3, 1), actor="t",
                                      horizon_days=365) == []  # fmt: skip
    store.maintenance.complete(first.id, actor="t", at=datetime(2026, 3, 10, 9, tzinfo=UTC))
    assert store.maintenance.next_due(p.id, "LIFT-1") == date(2026, 4, 10)
    (nxt,) = store.maintenance.generate({p.id: lift}, today=date(2026, 4, 3), actor="t")
    assert nxt.due == date(2026, 4, 10)
    assert store.tickets.get(first.ticket or 0).status == "closed"
    with pytest.raises(Conflict):
        store.maintenance.complete(first.id, actor="t", at=datetime(2026, 3, 11, tzinfo=UTC))


def test_failed_checklist_item_opens_a_follow_up(store: LiveStore) -> None:
    p = store.maintenance.create_plan(
        name="Pump", interval="monthly", anchor=date(2026, 3, 1), actor="t", ifc_class="IfcPump",
        lead_days=0, checklist=["bearing noise", "seal leak"], skill="plumbing",
    )  # fmt: skip
    a, b = store.maintenance.generate({p.id: PUMPS}, today=date(2026, 3, 1), actor="t")
    ok = store.maintenance.complete(a.id, actor="t", at=datetime(2026, 3, 1, tzinfo=UTC),
                                    results={"bearing noise": True, "seal leak": True})  # fmt: skip
    assert ok.follow_up is None
    results = {"bearing noise": True, "seal leak": False}
    bad = store.maintenance.complete(b.id, actor="t", at=datetime(2026, 3, 1, tzinfo=UTC),
                                     results=results)  # fmt: skip
    assert bad.follow_up is not None
    t = store.tickets.get(bad.follow_up)
    assert t.element == b.element and t.skill == "plumbing" and "seal leak" in t.title
    assert t.priority == "normal" and t.status == "new"
    assert _count(store, "SELECT COUNT(*) FROM tickets") == 3  # two orders and one follow-up


def test_counter_based_plan_due_on_running_hours(store: LiveStore) -> None:
    store.register_sensor(SensorSpec("hours-1", "running_hours", "h", element="PUMP-A"))
    p = store.maintenance.create_plan(
        name="Pump 500 h", interval="yearly", anchor=date(2027, 1, 1), actor="t",
        element="PUMP-A", counter_sensor="hours-1", counter_every=500.0, lead_days=0,
    )  # fmt: skip
    assert p.floating and p.counter_every == 500.0
    pump = PUMPS[:1]
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    store.ingest([{"sensor": "hours-1", "t": t0.isoformat(), "value": 499.0}])
    assert store.maintenance.generate({p.id: pump}, today=date(2026, 3, 1), actor="t") == []
    store.ingest([{"sensor": "hours-1", "t": (t0 + timedelta(days=1)).isoformat(), "value": 501}])
    (o,) = store.maintenance.generate({p.id: pump}, today=date(2026, 3, 2), actor="t")
    assert o.due == date(2026, 3, 2)  # the counter, long before the yearly calendar date
    store.maintenance.complete(o.id, actor="t", at=t0 + timedelta(days=1, hours=2))
    # next at 501 + 500 = 1001 h: 1000 h is not enough
    store.ingest([{"sensor": "hours-1", "t": (t0 + timedelta(days=20)).isoformat(), "value": 1000}])
    assert store.maintenance.generate({p.id: pump}, today=date(2026, 3, 21), actor="t") == []
    store.ingest([{"sensor": "hours-1", "t": (t0 + timedelta(days=21)).isoformat(), "value": 1001}])
    (o2,) = store.maintenance.generate({p.id: pump}, today=date(2026, 3, 22), actor="t")
    assert o2.due == date(2026, 3, 22)
    with pytest.raises(InvalidInput):
        store.maintenance.create_plan(name="x", interval="yearly", anchor=date(2027, 1, 1),
                                      actor="t", kind="lift", counter_sensor="hours-1",
                                      counter_every=10.0)  # fmt: skip


def test_fixed_schedule_keeps_its_calendar(store: LiveStore) -> None:
    p = store.maintenance.create_plan(
        name="Pump", interval="monthly", anchor=date(2026, 3, 1), actor="t", element="PUMP-A",
        lead_days=0,
    )  # fmt: skip
    (o,) = store.maintenance.generate({p.id: PUMPS[:1]}, today=date(2026, 3, 1), actor="t")
    store.maintenance.complete(o.id, actor="t", at=datetime(2026, 3, 20, tzinfo=UTC))
    assert store.maintenance.next_due(p.id, "PUMP-A") == date(2026, 4, 1)


def test_compliance_with_ten_percent_grace(store: LiveStore) -> None:
    # monthly due 1 March: the next due is 1 April, 31 days; grace 3.1 days after the due
    # day's end (2 March 00:00) = 5 March 02:24
    assert grace_deadline(date(2026, 3, 1), Interval(1, "months")) == datetime(
        2026, 3, 5, 2, 24, tzinfo=UTC
    )
    p = store.maintenance.create_plan(
        name="Pump", interval="monthly", anchor=date(2026, 3, 1), actor="t", ifc_class="IfcPump",
        lead_days=0,
    )  # fmt: skip
    targets = [PmTarget(f"P{i}") for i in range(4)]
    made = store.maintenance.generate({p.id: targets}, today=date(2026, 3, 1), actor="t")
    by = {o.element: o for o in made}
    store.maintenance.complete(by["P0"].id, actor="t", at=datetime(2026, 3, 1, 12, tzinfo=UTC))
    store.maintenance.complete(by["P1"].id, actor="t", at=datetime(2026, 3, 5, 1, tzinfo=UTC))
    store.maintenance.complete(by["P2"].id, actor="t", at=datetime(2026, 3, 5, 3, tzinfo=UTC))
    # P3 never done
    before = store.maintenance.compliance(now=datetime(2026, 3, 4, tzinfo=UTC))
    assert (before.due, before.on_time) == (3, 2)  # P3 still inside its window, P2 done late
    c = store.maintenance.compliance(now=datetime(2026, 3, 31, tzinfo=UTC))
    assert (c.due, c.on_time, c.late, c.missed) == (4, 2, 1, 1)
    assert c.share == 0.5


def test_plan_needs_exactly_one_target_and_valid_fields(store: LiveStore) -> None:
    with pytest.raises(InvalidInput):
        store.maintenance.create_plan(name="x", interval="monthly", anchor=date(2026, 1, 1),
                                      actor="t", element="A", kind="lift")  # fmt: skip
    with pytest.raises(InvalidInput):
        store.maintenance.create_plan(name="x", interval="monthly", anchor=date(2026, 1, 1),
                                      actor="t")  # fmt: skip
    with pytest.raises(InvalidInput):
        store.maintenance.create_plan(name="x", interval="sometimes", anchor=date(2026, 1, 1),
                                      actor="t", kind="lift")  # fmt: skip
    assert store.maintenance.plans() == []


def test_certificates_expiring_and_expired(store: LiveStore) -> None:
    add = store.maintenance.add_certificate
    add(element="LIFT-1", number="L-2025-1", issuer="TÜV", issued=date(2025, 1, 10),
        valid_until=date(2026, 1, 10), actor="t")  # fmt: skip
    add(
        element="LIFT-1",
        number="L-2026-1",
        issuer="TÜV",
        issued=date(2026, 1, 9),
        valid_until=date(2027, 1, 9),
        actor="t",
    )  # renewed: the old one no longer counts
    add(element="VESSEL-1", number="PV-7", issuer="Bureau Veritas", issued=date(2025, 6, 1),
        valid_until=date(2026, 12, 15), actor="t")  # fmt: skip
    add(element="O2-1", number="MG-3", issuer="Lloyd's", issued=date(2024, 11, 1),
        valid_until=date(2026, 11, 1), actor="t")  # fmt: skip
    soon = store.maintenance.certificates(valid_until_before=date(2026, 12, 30))
    assert [(c.element, c.number) for c in soon] == [("O2-1", "MG-3"), ("VESSEL-1", "PV-7")]
    with pytest.raises(InvalidInput):
        add(element="X", number="1", issuer="i", issued=date(2026, 2, 1),
            valid_until=date(2026, 1, 1), actor="t")  # fmt: skip


def test_nothing_lost_on_restart(
    opened_store: tuple[LiveStore, str, Path], store: LiveStore
) -> None:
    p = store.maintenance.create_plan(
        name="Pump", interval="quarterly", anchor=date(2026, 1, 1), actor="t", ifc_class="IfcPump"
    )
    made = store.maintenance.generate({p.id: PUMPS}, today=date(2026, 1, 1), actor="t",
                                      horizon_days=365)  # fmt: skip
    store.maintenance.complete(made[0].id, actor="t", at=datetime(2026, 1, 2, tzinfo=UTC))
    again = open_store(opened_store[1])
    try:
        assert again.maintenance.plans() == [p]
        got = again.maintenance.orders(plan=p.id)
        assert sorted((o.element, o.due) for o in got) == sorted((o.element, o.due) for o in made)
        assert len(got) == 10  # 1 Jan, 1 Apr, 1 Jul, 1 Oct, 1 Jan 2027 per pump
        assert got[0].completed == datetime(2026, 1, 2, tzinfo=UTC)
        actions = {e.action for e in again.audit.list(action="pm.")}
        assert actions == {"pm.plan.create", "pm.generate", "pm.order.complete"}
    finally:
        again.close()


def test_demo_seed_once(store: LiveStore, small_twin: Any, small_hospital: Path) -> None:
    from twin.live.demo_planned import DEMO_PLANS, seed_demo_planned

    seed_demo_planned(store, small_twin)
    seed_demo_planned(store, small_twin)  # never twice
    assert len(store.maintenance.plans()) == len(DEMO_PLANS)
    lifts = ifcopenshell.open(str(small_hospital)).by_type("IfcTransportElement")
    assert len(store.maintenance.certificates()) == len(lifts) > 0
    soon = store.maintenance.certificates(
        valid_until_before=datetime.now(UTC).date() + timedelta(days=30)
    )
    assert len(soon) == 1  # the first lift's certificate expires in 15 days
    (tpl,) = store.patrols.templates()
    assert 1 <= len(tpl.checkpoints) <= 6
