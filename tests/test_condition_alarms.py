"""Condition alarms and the periodic timer on SQLite and PostgreSQL: the API's timer escalates
with the configured SLA table; energy anomalies, expiring/expired inspection certificates and
overdue hazards raise one alarm each while the condition lasts, cleared when it ends, and
reach escalation. Truths are set by hand (hours above a flat 1 kWh/h profile, dates, deadlines).
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests.alarm_inbox_support import add_alarm, set_alarm
from twin.live.db import metadata
from twin.live.records import SensorSpec
from twin.live.store import LiveStore
from twin.live.tables import alarms
from twin.live.tables_ops import tickets
from twin.service.campus import Campus
from twin.service.condition_alarms import evaluate
from twin.service.notifications import run_once

MIN_US = 60 * 1_000_000


@pytest.fixture
def st(opened_store: tuple[LiveStore, str, Path]) -> LiveStore:
    store = opened_store[0]
    with store.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name != "alembic_version":
                conn.execute(table.delete())
    store.alarm_inbox.forget()
    return store


def _active(st: LiveStore, rule: str) -> dict[str, int]:
    q = select(alarms.c.sensor, alarms.c.id).where(
        (alarms.c.rule == rule) & alarms.c.active.is_(True)
    )
    with st.engine.connect() as conn:
        return {r.sensor: r.id for r in conn.execute(q)}


def _count(st: LiveStore, rule: str) -> int:
    with st.engine.connect() as conn:
        return len(conn.execute(select(alarms.c.id).where(alarms.c.rule == rule)).all())


def test_timer_escalates_with_the_configured_sla(
    opened_store: tuple[LiveStore, str, Path], st: LiveStore
) -> None:
    """A planned work order 10 minutes old breaches a configured 1-minute planned SLA (not the
    default 24 h): the API's own timer escalates its alarm, nobody calls /notifications/run."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    _, url, tmp = opened_store
    now = int(time.time() * 1e6)
    aid = add_alarm(st, sensor="t", severity="minor", raised_us=now)
    t = st.tickets.create(title="alarm", priority="planned", actor="rule", alarm=aid)
    set_alarm(st, aid, ticket=t.id)
    with st.engine.begin() as conn:
        conn.execute(update(tickets).where(tickets.c.id == t.id).values(created=now - 10 * MIN_US))
    st.notifications.add_channel("desk", "webhook", "http://127.0.0.1:9/hook", "s", level=1)
    settings = Settings(
        auth=False, store_url=url, cache_dir=tmp / "cache", stale_sweep_s=0.2,
        sla='{"planned": {"respond_min": 1, "arrive_min": 1}}',
    )  # fmt: skip
    with TestClient(create_app(settings)):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and aid not in st.notifications.levels():
            time.sleep(0.2)
    assert st.notifications.levels().get(aid) == (1, True)


def test_overdue_hazard_alarms_until_rectified(st: LiveStore) -> None:
    now = datetime.now(UTC)
    late = st.hazards.create(location="OT1 ceiling", category="electrical", risk="high",
                             description="loose cable", actor="tech", building="B1",
                             owner="eve", deadline=now - timedelta(hours=2))  # fmt: skip
    st.hazards.create(location="corridor", category="water", risk="low", description="leak",
                      actor="tech", owner="eve", deadline=now + timedelta(days=2))  # fmt: skip
    accepted = st.hazards.create(location="roof", category="structural", risk="critical",
                                 description="crack", actor="tech", owner="eve",
                                 deadline=now - timedelta(days=1))  # fmt: skip
    st.hazards.transition(accepted.id, "accepted_risk", "boss", approver="boss")
    evaluate(Campus(), st, now)
    assert set(_active(st, "hazard_overdue")) == {f"hazard:{late.id}"}
    evaluate(Campus(), st, now + timedelta(minutes=1))  # still overdue: no second alarm
    assert _count(st, "hazard_overdue") == 1
    (a,) = st.alarms(state="raised")
    assert (a.severity, a.building, a.kind) == ("major", "B1", "hazard")
    # it reaches escalation like any other alarm
    st.notifications.add_rule("desk", after_minutes=0, level=1, min_severity="major")
    st.notifications.add_channel("desk", "webhook", "http://127.0.0.1:9/hook", "s", level=1)
    assert run_once(st, int(now.timestamp() * 1e6) + MIN_US).queued == 1
    st.hazards.transition(late.id, "rectifying", "eve")
    st.hazards.transition(late.id, "awaiting_verification", "eve")
    evaluate(Campus(), st, now + timedelta(minutes=2))
    assert _active(st, "hazard_overdue") == {}
    assert st.alarms(state="cleared")[0].sensor == f"hazard:{late.id}"


def test_certificates_alarm_until_renewed(st: LiveStore) -> None:
    today = date(2026, 11, 20)
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    soon = st.maintenance.add_certificate(element="LIFT1", number="L-1", issuer="TÜV",
                                          issued=date(2025, 12, 1), valid_until=today
                                          + timedelta(days=10), actor="qa")  # fmt: skip
    gone = st.maintenance.add_certificate(element="BOIL1", number="B-1", issuer="TÜV",
                                          issued=date(2025, 1, 1),
                                          valid_until=today - timedelta(days=1),
                                          actor="qa")  # fmt: skip
    st.maintenance.add_certificate(element="FIRE1", number="F-1", issuer="TÜV",
                                   issued=date(2026, 1, 1), valid_until=today
                                   + timedelta(days=200), actor="qa")  # fmt: skip
    evaluate(Campus(), st, now)
    assert set(_active(st, "inspection_expiring")) == {f"certificate:{soon.id}"}
    assert set(_active(st, "inspection_expired")) == {f"certificate:{gone.id}"}
    evaluate(Campus(), st, now + timedelta(hours=1))
    assert _count(st, "inspection_expiring") + _count(st, "inspection_expired") == 2
    # the lift's certificate lapses: the expiring alarm clears, an expired one is raised
    evaluate(Campus(), st, now + timedelta(days=11))
    assert set(_active(st, "inspection_expired")) == {
        f"certificate:{soon.id}",
        f"certificate:{gone.id}",
    }
    assert _active(st, "inspection_expiring") == {}
    st.maintenance.add_certificate(element="BOIL1", number="B-2", issuer="TÜV",
                                   issued=today, valid_until=today + timedelta(days=365),
                                   actor="qa")  # fmt: skip
    evaluate(Campus(), st, now + timedelta(days=11))
    assert set(_active(st, "inspection_expired")) == {f"certificate:{soon.id}"}


def _registers(st: LiveStore, start: datetime, uses: list[float]) -> None:
    """Register readings of meter m1 at every hour from ``start``: hour h consumes uses[h]."""
    reg, items = 1000.0, []
    for h, use in enumerate([*uses, 0.0]):
        items.append({"sensor": "m1", "t": (start + timedelta(hours=h)).isoformat(), "value": reg})
        reg += use
    for i in range(0, len(items), 500):
        st.ingest(items[i : i + 500], "test")


def test_energy_anomaly_alarms_while_it_lasts(st: LiveStore) -> None:
    """Five weeks of 1 kWh/h, then four hours of 3 kWh/h up to now: one alarm; three hours back
    at 1 kWh/h clear it. Two over hours only (below the 3-hour run) raise nothing."""
    st.register_sensors([SensorSpec(id="m1", quantity="energy", unit="kWh", building="B1")])
    t0 = datetime(2026, 10, 15, tzinfo=UTC)
    now = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
    end = now.replace(minute=0)
    flat = int((end - t0).total_seconds() // 3600) - 4
    _registers(st, t0, [1.0] * flat + [3.0] * 4)
    evaluate(Campus(), st, now - timedelta(hours=2))  # two over hours so far: not yet a run
    assert _active(st, "energy_anomaly") == {}
    evaluate(Campus(), st, now)
    assert set(_active(st, "energy_anomaly")) == {"m1"}
    (a,) = st.alarms(state="raised")
    assert a.value == pytest.approx(12.0) and a.building == "B1" and a.kind == "energy"
    evaluate(Campus(), st, now + timedelta(minutes=20))
    assert _count(st, "energy_anomaly") == 1
    _registers(st, end, [1.0] * 3)
    evaluate(Campus(), st, now + timedelta(hours=3))
    assert _active(st, "energy_anomaly") == {} and _count(st, "energy_anomaly") == 1
