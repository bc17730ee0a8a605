"""EEMUA 191 / ISA-18.2 alarm-system health over a day, truths counted by hand; and the daily
report from a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.alarm_inbox_support import MIN_US, add_alarm, wipe_alarms
from twin.analysis.alarm_health import health
from twin.live.records_alarm_inbox import InboxRow
from twin.live.store import LiveStore
from twin.service.alarm_inbox import day_health

DAY = 24 * 60 * MIN_US
S = 1_000_000


def _row(
    i: int, sensor: str, raised: int, cleared: int | None = None, sev: str = "major"
) -> InboxRow:
    return InboxRow(i, sensor, sev, cleared is None, None, raised, cleared, None, None, "S1")


def _day() -> list[InboxRow]:
    rows = [_row(i, f"f{i}", i * 30 * S, i * 30 * S + S) for i in range(12)]  # 12 in window 0
    rows += [_row(20 + i, f"w{i}", 50 * MIN_US + i * S, 51 * MIN_US, "critical") for i in range(3)]
    # chattering: raise, clear, raise within 40 s; the slow one spreads 3 transitions over 140 s
    rows += [_row(40, "ch", 3 * 3600 * S, 3 * 3600 * S + 20 * S),
             _row(41, "ch", 3 * 3600 * S + 40 * S, 3 * 3600 * S + 90 * S),
             _row(42, "slow", 5 * 3600 * S, 5 * 3600 * S + 70 * S),
             _row(43, "slow", 5 * 3600 * S + 140 * S, 5 * 3600 * S + 300 * S)]  # fmt: skip
    # stale: raised two days before and still active at the end; the others are not
    rows += [_row(50, "old", -2 * DAY), _row(51, "old2", -2 * DAY, 3600 * S),
             _row(52, "late", DAY - 3600 * S)]  # fmt: skip
    return rows


def test_day_health_by_hand() -> None:
    h = health(_day(), start_us=0, end_us=DAY, operators=2)
    raised = 12 + 3 + 4 + 1  # the two stale-candidates raised before the day do not count
    assert h.raised == raised
    assert h.per_operator_per_10min == pytest.approx(raised / 144 / 2)
    assert h.peak_per_operator_per_10min == 12 / 2
    assert (h.flood_windows, h.flood_share) == (1, pytest.approx(1 / 144))
    assert h.chattering == ("ch",)
    assert h.stale == (50,)
    assert h.priority_mix == {
        "critical": pytest.approx(3 / raised),
        "major": pytest.approx(17 / raised),
    }


def test_ten_alarms_are_not_a_flood() -> None:
    rows = [_row(i, f"s{i}", i * S) for i in range(10)]
    assert health(rows, start_us=0, end_us=DAY).flood_windows == 0
    assert health([*rows, _row(99, "x", 11 * S)], start_us=0, end_us=DAY).flood_windows == 1


@pytest.fixture
def st(opened_store: tuple[LiveStore, str, Path]) -> LiveStore:
    wipe_alarms(opened_store[0])
    return opened_store[0]


def test_daily_report_from_the_store(st: LiveStore) -> None:
    day = date(2026, 11, 23)
    start = int(datetime(2026, 11, 23, tzinfo=UTC).timestamp() * S)
    for r in _day():
        add_alarm(
            st,
            sensor=r.sensor,
            severity=r.severity,
            raised_us=start + r.raised_us,
            active=r.cleared_us is None,
            state="raised" if r.cleared_us is None else "cleared",
            cleared_us=None if r.cleared_us is None else start + r.cleared_us,
        )
    add_alarm(st, sensor="next-day", raised_us=start + DAY + S)  # outside the day
    add_alarm(st, sensor="elsewhere", building="B2", raised_us=start + S)
    h = day_health(st, day, building="B1")
    assert h.raised == 20 and h.flood_windows == 1 and h.chattering == ("ch",)
    assert len(h.stale) == 1
    assert day_health(st, day).raised == 21
