"""SLA clocks with an injected ``now``: breach and at-risk flags flip at the right minutes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from twin.errors import InvalidInput
from twin.live.records import Ticket
from twin.live.sla import DEFAULT_SLA, load_policies, sla_status

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _ticket(priority: str, **kw: object) -> Ticket:
    return Ticket(id=1, title="t", priority=priority, status="new", created=T0,
                  created_by="desk", **kw)  # type: ignore[arg-type]  # fmt: skip


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize("priority", list(DEFAULT_SLA))
def test_flags_flip_at_window_edges(priority: str) -> None:
    pol = DEFAULT_SLA[priority]
    t = _ticket(priority)
    r_min = pol.respond.total_seconds() / 60
    a_min = pol.arrive.total_seconds() / 60
    # just before 75 % of the respond window: on time, not at risk
    s = sla_status(t, at(0.74 * r_min))
    assert not s.at_risk and not s.breached
    assert s.respond_remaining_s == pytest.approx(0.26 * r_min * 60)
    # past 75 %: at risk, not yet breached
    s = sla_status(t, at(0.76 * r_min))
    assert s.at_risk and not s.breached
    # one minute after the respond deadline: respond breached; at-risk no longer reported
    s = sla_status(t, at(r_min + 1))
    assert s.respond_breached and s.breached and not s.at_risk
    assert s.respond_remaining_s == pytest.approx(-60)
    assert s.arrive_breached == (a_min < r_min + 1)
    s = sla_status(t, at(a_min + 1))
    assert s.arrive_breached


def test_emergency_defaults_are_thirty_minutes() -> None:
    t = _ticket("emergency")
    assert sla_status(t, at(29)).breached is False
    assert sla_status(t, at(31)).respond_breached and sla_status(t, at(31)).arrive_breached


def test_met_clocks_stop() -> None:
    # normal: respond 60 min, on site 120 min; responded at 50, arrived at 130
    t = replace(_ticket("normal"), status="on_site", responded=at(50), arrived=at(130))
    s = sla_status(t, at(500))
    assert not s.respond_breached and s.arrive_breached
    assert s.time_to_respond_s == 50 * 60 and s.time_to_arrive_s == 130 * 60
    assert s.respond_remaining_s is None and not s.at_risk
    on_time = replace(t, arrived=at(100))
    assert not sla_status(on_time, at(500)).breached


def test_cancelled_stops_clocks() -> None:
    t = replace(_ticket("urgent"), status="cancelled")
    s = sla_status(t, at(1000))
    assert s.stopped and not s.breached and not s.at_risk


def test_overrides_and_env() -> None:
    setting = json.dumps({"normal": {"arrive_min": 30}})  # TWIN_SLA as api/settings.py reads it
    pol = load_policies(setting, {"urgent": {"respond_min": 5}})
    assert pol["normal"].arrive == timedelta(minutes=30)
    assert pol["normal"].respond == DEFAULT_SLA["normal"].respond
    assert pol["urgent"].respond == timedelta(minutes=5)
    t = _ticket("urgent")
    assert sla_status(t, at(6), pol).respond_breached
    assert not sla_status(t, at(6)).respond_breached
    # a larger at-risk fraction flags earlier
    assert sla_status(_ticket("normal"), at(30), at_risk_fraction=0.6).at_risk
    assert not sla_status(_ticket("normal"), at(30)).at_risk
    with pytest.raises(InvalidInput):
        load_policies("{not json")


def test_unknown_priority() -> None:
    with pytest.raises(InvalidInput):
        sla_status(_ticket("someday"), T0)
