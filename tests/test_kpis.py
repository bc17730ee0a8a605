"""Command-centre figures (issue 16) on SQLite and PostgreSQL: tickets and alarms with chosen
timestamps are written straight into the tables (test data), and every figure is checked against
a count done by hand over that same list."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from api.app import create_app
from api.settings import Settings
from twin.live.sla import DEFAULT_SLA
from twin.live.store import LiveStore
from twin.live.tables import alarms
from twin.live.tables_ops import tickets
from twin.service.campus import Campus
from twin.service.kpis import command_centre

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
MIN = 60_000_000  # microseconds


def _us(d: datetime) -> int:
    return int(d.timestamp() * 1_000_000)


# (priority, status, created minutes ago, responded after, arrived after, resolved after)
TICKETS: list[tuple[str, str, int, int | None, int | None, int | None]] = [
    ("urgent", "new", 5, None, None, None),  # respond clock (15 min) still running
    ("urgent", "new", 30, None, None, None),  # respond breached, not met
    ("urgent", "assigned", 90, 10, None, None),  # respond met; arrive (60 min) ended, breached
    ("emergency", "on_site", 120, 20, 25, None),  # met, met
    ("normal", "resolved", 60 * 30, 90, 100, 300),  # 30 h ago: respond breached, arrive met
    ("normal", "closed", 60 * 24 * 3, 30, 200, 400),  # 3 d ago: met, breached
    ("planned", "resolved", 60 * 24 * 20, 60, 60, 2000),  # 20 d ago: met, met
    ("normal", "resolved", 60 * 24 * 40, 10, 10, 20),  # 40 d ago: outside every window
    ("urgent", "cancelled", 10, None, None, None),  # cancelled: no clock
]


def _write_tickets(store: LiveStore) -> None:
    with store.engine.begin() as conn:
        for prio, status, ago, resp, arr, res in TICKETS:
            created = _us(NOW) - ago * MIN
            conn.execute(insert(tickets).values(
                title="t", description="", priority=prio, status=status, created=created,
                created_by="test",
                responded=None if resp is None else created + resp * MIN,
                arrived=None if arr is None else created + arr * MIN,
                resolved=None if res is None else created + res * MIN,
            ))  # fmt: skip


def _write_alarms(store: LiveStore, rows: list[dict[str, Any]]) -> None:
    with store.engine.begin() as conn:
        for r in rows:
            conn.execute(insert(alarms).values(
                sensor="s", rule="limit:upper", kind="above", severity="major", message="",
                active=r["state"] != "cleared", **r,
            ))  # fmt: skip


def _alarm_rows(small_twin) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    hosted = sorted(e.guid for e in small_twin.elements.values() if e.systems)
    spaces = sorted(small_twin.spaces.values(), key=lambda s: s.guid)
    crit = [s for s in spaces if s.criticality != "normal" and s.storey]
    plain = [s for s in spaces if s.criticality == "normal" and s.storey]
    a, b = crit[0], plain[0]
    raised = _us(NOW) - 60 * MIN
    return [
        dict(state="raised", element=hosted[0], space=a.guid, storey=a.storey,
             criticality=a.criticality, raised_us=raised),
        dict(state="acknowledged", element=None, space=b.guid, storey=b.storey,
             criticality="normal", raised_us=raised, acknowledged_us=raised + 4 * MIN),
        dict(state="cleared", element=None, space=a.guid, storey=a.storey,
             criticality=a.criticality, raised_us=raised, acknowledged_us=raised + 2 * MIN,
             cleared_us=raised + 9 * MIN),
        dict(state="cleared", element=None, space=a.guid, storey=a.storey,  # 40 d ago
             criticality=a.criticality, raised_us=raised - 40 * 24 * 60 * MIN,
             acknowledged_us=raised - 40 * 24 * 60 * MIN + 100 * MIN),
    ]  # fmt: skip


def _by_key(figs: list[Any]) -> dict[str, Any]:
    return {f.key: f for f in figs}


def test_figures_match_hand_counts(store: LiveStore, small_twin) -> None:  # type: ignore[no-untyped-def]
    campus = Campus()
    campus.add(small_twin)
    _write_tickets(store)
    rows = _alarm_rows(small_twin)
    _write_alarms(store, rows)
    f = _by_key(command_centre(campus, store, DEFAULT_SLA, NOW, with_energy=False))

    assert f["open_tickets"].value == 4
    assert f["open_tickets.urgent.new"].value == 2
    assert f["open_tickets.urgent.assigned"].value == 1
    assert f["open_tickets.emergency.on_site"].value == 1
    assert "open_tickets.normal.resolved" not in f
    assert f["open_tickets.urgent.new"].href == "/tickets?status=new&priority=urgent"
    # respond, 24 h: met = assigned + on_site (2), breached = the 30-min-old new one (1)
    assert f["sla.respond.24h"].detail == {"met": 2, "breached": 1, "pending": 1,
                                           "compliance": pytest.approx(2 / 3)}  # fmt: skip
    # arrive, 24 h: urgent-assigned breached (60 min window ended unarrived), emergency met;
    # both urgent-new ones still within their 60-min window
    assert f["sla.arrive.24h"].detail["met"] == 1 and f["sla.arrive.24h"].detail["breached"] == 1
    # 7 d adds the 30 h one (respond 90 > 60 breached; arrive 100 <= 120 met) and the 3 d one
    # (respond 30 met; arrive 200 > 120 breached)
    assert f["sla.respond.7d"].value == pytest.approx(3 / 5)
    assert f["sla.arrive.7d"].value == pytest.approx(2 / 4)
    # 30 d adds the planned one (met, met)
    assert f["sla.respond.30d"].value == pytest.approx(4 / 6)
    assert f["sla.arrive.30d"].value == pytest.approx(3 / 5)
    # repaired in 30 d: 300, 400, 2000 minutes
    assert f["mttr_s.30d"].value == pytest.approx((300 + 400 + 2000) / 3 * 60)
    assert f["mtta_s.30d"].value == pytest.approx((4 + 2) / 2 * 60)
    assert f["mtta_s.30d"].detail == {"alarms": 2}

    active = [r for r in rows if r["state"] != "cleared"]
    assert f["active_alarms"].value == len(active) == 2
    for r in active:
        assert f[f"active_alarms.storey.{r['storey']}"].value >= 1
    systems = {
        small_twin.systems[s].name for s in small_twin.elements[active[0]["element"]].systems
    }
    for name in systems:
        assert f[f"active_alarms.system.{name}"].value == 1
    assert f["active_alarms.system."].value == 1  # the alarm without an element
    assert f["critical_rooms_affected"].value == 1
    assert f["critical_rooms_affected"].detail["rooms"][0]["space"] == active[0]["space"]


@pytest.fixture
def client(small_twin, tmp_path: Path) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    campus = Campus()
    campus.add(small_twin)
    settings = Settings(store_url=f"sqlite:///{tmp_path / 'live.db'}", cache_dir=tmp_path / "c")
    with TestClient(create_app(settings, campus=campus)) as c:
        yield c


def test_kpis_endpoint(client: TestClient) -> None:
    r = client.get("/kpis")
    assert r.status_code == 200, r.text
    keys = {f["key"] for f in r.json()["figures"]}
    assert {"open_tickets", "sla.respond.24h", "mtta_s.30d", "mttr_s.30d", "active_alarms",
            "critical_rooms_affected", "energy_today_vs_baseline"} <= keys  # fmt: skip
    assert client.get("/kpis", params={"energy": "maybe"}).status_code == 422


def _write_rounds(store: LiveStore) -> None:
    """One template; rounds (start hours ago, window h, planned, check-ins (index, hours after
    start)): done, missed, late, done but 8 d ago, and one whose window is still open."""
    from twin.live.tables_planned import patrol_checkins, patrol_rounds, patrol_templates

    rounds = [
        (48, 1, [0, 1], [(0, 0.2), (1, 0.5)]),  # done
        (72, 1, [0, 1], [(0, 0.2)]),  # missed
        (24, 1, [0], [(0, 1.5)]),  # late
        (8 * 24, 1, [0], [(0, 0.1)]),  # outside the 7 days
        (0.5, 1, [0], []),  # window still open
    ]
    h = 3_600_000_000
    with store.engine.begin() as conn:
        tpl = conn.execute(insert(patrol_templates).values(
            name="night", schedule="daily 22:00", window_minutes=60, team="[]",
            checkpoints="[]", created=_us(NOW), created_by="test",
        ).returning(patrol_templates.c.id)).scalar_one()  # fmt: skip
        for ago, window, planned, cis in rounds:
            start = _us(NOW) - int(ago * h)
            rid = conn.execute(insert(patrol_rounds).values(
                template=tpl, due_start=start, due_end=start + window * h,
                planned=json.dumps(planned), created=start,
            ).returning(patrol_rounds.c.id)).scalar_one()  # fmt: skip
            for idx, after in cis:
                conn.execute(insert(patrol_checkins).values(
                    round=rid, checkpoint=idx, t=start + int(after * h), technician="t1",
                    answers="{}", flags="[]", abnormal="[]",
                ))  # fmt: skip


def test_safety_figures_match_hand_counts(store: LiveStore) -> None:
    """Patrol completion (7 d), overdue hazards and expiring/expired inspections, each counted
    by hand over the rows written here, with a link per record."""
    from twin.live.db import metadata

    with store.engine.begin() as conn:
        for name in ("hazard_tickets", "hazard_transitions", "hazards", "certificates"):
            conn.execute(metadata.tables[name].delete())
    _write_rounds(store)
    hz = store.hazards
    late = [
        hz.create(
            location=f"room {i}",
            category="electrical",
            risk="high",
            description="x",
            actor="t",
            owner="o",
            deadline=NOW - timedelta(hours=i + 1),
        )
        for i in (0, 1)
    ]
    hz.create(
        location="a",
        category="fire",
        risk="low",
        description="x",
        actor="t",
        owner="o",
        deadline=NOW + timedelta(days=1),
    )
    acc = hz.create(
        location="b",
        category="gas",
        risk="low",
        description="x",
        actor="t",
        owner="o",
        deadline=NOW - timedelta(days=3),
    )
    hz.transition(acc.id, "accepted_risk", "boss", approver="boss")
    hz.transition(late[1].id, "rectifying", "o")  # still overdue while rectifying
    today = NOW.date()
    mt = store.maintenance

    def cert(el: str, days: int) -> int:
        return mt.add_certificate(
            element=el,
            number=f"{el}-{days}",
            issuer="x",
            issued=today - timedelta(days=400),
            valid_until=today + timedelta(days=days),
            actor="qa",
        ).id

    soon, gone = cert("LIFT", 10), cert("BOILER", -5)
    cert("FIRE", 200)
    cert("PUMP", -30)
    cert("PUMP", 300)  # renewed: the lapsed one no longer counts
    f = _by_key(command_centre(Campus(), store, DEFAULT_SLA, NOW, with_energy=False))  # fmt: skip

    p = f["patrol_completion.7d"]
    assert p.value == pytest.approx(1 / 3)  # done, missed, late closed; done 8 d ago left out
    assert (p.detail["done"], p.detail["closed"]) == (1, 3)
    assert sorted(r["status"] for r in p.detail["rounds"]) == ["done", "late", "missed"]
    assert all(r["href"] == f"/patrols/{r['id']}/check-ins" for r in p.detail["rounds"])
    assert p.href.startswith("/patrols?start=")
    hzf = f["hazards_overdue"]
    assert hzf.value == 2 and hzf.href == "/hazards?overdue=true"
    assert [x["href"] for x in hzf.detail["hazards"]] == [f"/hazards/{h.id}" for h in late]
    assert f["inspections_expiring"].value == 1
    assert [c["id"] for c in f["inspections_expiring"].detail["certificates"]] == [soon]
    assert f["inspections_expired"].value == 1
    (c,) = f["inspections_expired"].detail["certificates"]
    assert c["id"] == gone and c["href"] == "/certificates?element=BOILER"
