"""Energy sub-metering logic (issue 16): registers to intervals with resets, rollovers, meter
replacements, gaps, duplicates and out-of-order readings; roll-ups that add up; the baseline's
ASHRAE Guideline 14 figures. Truths are hand counts or computed with numpy apart from the code."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from twin.energy import (
    MeterInfo,
    Replacement,
    compare,
    cv_rmse,
    fit,
    intervals,
    nmbe,
    rollup,
)

H = 3600.0
T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z, a Thursday


def test_steady_register_gives_hourly_differences() -> None:
    readings = [(T0 + k * H, 100.0 + 5.0 * k) for k in range(5)]
    out, rep = intervals(readings)
    assert [(i.start, i.value, i.quality) for i in out] == [
        (T0 + k * H, 5.0, "measured") for k in range(4)
    ]
    assert rep.readings == 5 and not rep.resets and rep.gap_energy == 0


def test_readings_between_hours_are_spread_by_time() -> None:
    # 10 kWh from 00:30 to 01:30: half in each hour; 01:30 -> 04:30 (3 h, within the limit)
    out, rep = intervals([(T0 + 0.5 * H, 0.0), (T0 + 1.5 * H, 10.0), (T0 + 4.5 * H, 40.0)])
    qualities = ["partial", "measured", "interpolated", "interpolated", "partial"]
    assert [i.quality for i in out] == qualities
    assert [i.value for i in out] == pytest.approx([5.0, 5.0 + 5.0, 10.0, 10.0, 5.0])
    assert [i.start for i in out] == [T0 + k * H for k in range(5)]
    assert rep.interpolated == 2


def test_duplicates_conflicts_and_out_of_order_are_counted() -> None:
    readings = [
        (T0, 0.0), (T0 + 2 * H, 20.0), (T0 + H, 10.0),  # out of order
        (T0 + H, 10.0),  # duplicate
        (T0 + H, 99.0),  # conflict: first value kept
    ]  # fmt: skip
    out, rep = intervals(readings)
    assert [i.value for i in out] == [10.0, 10.0]
    assert (rep.readings, rep.duplicates, rep.conflicts, rep.out_of_order) == (5, 1, 1, 1)


def test_a_reset_is_reported_and_its_span_is_missing() -> None:
    readings = [(T0, 500.0), (T0 + H, 510.0), (T0 + 2 * H, 3.0), (T0 + 3 * H, 8.0)]
    out, rep = intervals(readings)
    got = {i.start: (i.value, i.quality) for i in out}
    assert got == {
        T0: (10.0, "measured"),
        T0 + H: (None, "missing"),  # the drop: never counted as a new cycle
        T0 + 2 * H: (5.0, "measured"),
    }
    assert rep.resets == [T0 + 2 * H]


def test_a_rollover_near_capacity_is_a_wrap() -> None:
    readings = [(T0, 99_990.0), (T0 + H, 5.0)]
    out, rep = intervals(readings, capacity=100_000.0)
    assert out[0].value == pytest.approx(15.0) and rep.rollovers == [T0 + H]
    out, rep = intervals([(T0, 50_000.0), (T0 + H, 5.0)], capacity=100_000.0)
    assert out[0].value is None and rep.resets == [T0 + H]  # mid-range drop: a reset


def test_a_registered_replacement_splits_the_pair() -> None:
    readings = [(T0, 1_000.0), (T0 + H, 1_004.0), (T0 + 2 * H, 3.0)]
    swap = Replacement(T0 + 1.5 * H, old_final=1_006.0, new_initial=0.0)
    out, rep = intervals(readings, replacements=[swap])
    assert [i.value for i in out] == [4.0, 2.0 + 3.0]
    assert rep.replacements == 1 and not rep.resets


def test_a_gap_beyond_the_limit_is_missing_not_spread() -> None:
    readings = [(T0, 0.0), (T0 + H, 10.0), (T0 + 6 * H, 60.0), (T0 + 7 * H, 70.0)]
    out, rep = intervals(readings, max_gap=3 * H)
    got = {i.start: i for i in out}
    assert [got[T0 + k * H].quality for k in range(1, 6)] == ["missing"] * 5
    assert got[T0].value == 10.0 and got[T0 + 6 * H].value == 10.0
    assert rep.gaps == [(T0 + H, T0 + 6 * H)] and rep.gap_energy == 50.0
    out, _ = intervals(readings, max_gap=6 * H)  # within a wider limit: spread, 10 per hour
    assert [i.value for i in out] == pytest.approx([10.0] * 7)


def _tree_data() -> tuple[dict[str, dict[float, float]], dict[str, MeterInfo]]:
    rng = random.Random(7)
    meters = {
        "main": MeterInfo("main", None, "L0", "EL", "B"),
        "l0": MeterInfo("l0", "main", "L0", "EL", "B"),
        "l1": MeterInfo("l1", "main", "L1", "EL", "B"),
        "l1-lab": MeterInfo("l1-lab", "l1", "L1", "EL", "B"),
        "water": MeterInfo("water", None, "L0", "CW", "B"),
    }
    hours = [T0 + k * H for k in range(24 * 40)]  # 40 days, over a month boundary
    leaf = {m: {t: rng.uniform(1, 10) for t in hours} for m in ("l0", "l1-lab", "water")}
    l1 = {t: leaf["l1-lab"][t] + rng.uniform(0, 5) for t in hours}
    main = {t: leaf["l0"][t] + l1[t] + rng.uniform(0, 3) for t in hours}
    return {**leaf, "l1": l1, "main": main}, meters


@pytest.mark.parametrize("period", ["hour", "day", "month"])
@pytest.mark.parametrize("by", ["meter", "storey", "system", "building"])
def test_rollups_add_up_to_the_root_meters(by: str, period: str) -> None:
    series, meters = _tree_data()
    r = rollup(series, meters, by=by, period=period)
    roots = sum(sum(series[m].values()) for m in ("main", "water"))
    assert sum(row.value for row in r.rows) == pytest.approx(roots)
    assert not r.over_read


def test_rollup_by_storey_is_leaves_plus_unmetered_remainders() -> None:
    series, meters = _tree_data()
    rows = rollup(series, meters, by="storey", period="month").rows
    jan = [r for r in rows if r.period == T0]
    metered_l1 = sum(v for t, v in series["l1-lab"].items() if t < T0 + 31 * 24 * H)
    unmetered_l1 = sum(
        series["l1"][t] - series["l1-lab"][t] for t in series["l1"] if t < T0 + 31 * 24 * H
    )
    got = {(r.group, r.unmetered): r for r in jan}
    assert got[("L1", False)].value == pytest.approx(metered_l1)
    assert got[("L1", True)].value == pytest.approx(unmetered_l1)
    assert got[("L1", True)].meters == ("l1",)
    assert len({r.period for r in rows}) == 2  # January and February


def test_a_child_over_reading_its_parent_is_flagged_and_kept_negative() -> None:
    meters = {"p": MeterInfo("p"), "c": MeterInfo("c", "p")}
    r = rollup({"p": {T0: 5.0}, "c": {T0: 7.0}}, meters, by="meter", period="hour")
    assert r.over_read == (("p", T0),)
    assert {(x.group, x.value) for x in r.rows} == {("p", -2.0), ("c", 7.0)}


def test_gof_figures_match_numpy() -> None:
    rng = np.random.default_rng(3)
    y = rng.uniform(10, 20, 200)
    f = y + rng.normal(0, 2, 200)
    p = 5
    expect_cv = np.sqrt(np.sum((y - f) ** 2) / (200 - p)) / y.mean()
    expect_nmbe = np.sum(y - f) / ((200 - p) * y.mean())
    assert cv_rmse(list(y), list(f), p) == pytest.approx(expect_cv)
    assert nmbe(list(y), list(f), p) == pytest.approx(expect_nmbe)


def test_baseline_by_weekday_and_hour_and_a_comparison() -> None:
    rng = random.Random(11)
    profile = {
        (d, h): 20.0 + 10.0 * (8 <= h < 18) - 8.0 * (d >= 5) for d in range(7) for h in range(24)
    }
    weeks = 8
    train = {}
    for k in range(24 * 7 * weeks):
        t = T0 + k * H
        d = (3 + k // 24) % 7  # 2026-01-01 is a Thursday (weekday 3)
        train[t] = profile[(d, k % 24)] * rng.uniform(0.95, 1.05)
    b = fit(train)
    assert len(b.bins) == 168 and b.valid and b.cv_rmse < 0.05
    assert b.nmbe == pytest.approx(0.0, abs=1e-12)  # each bin is its own mean
    after = {T0 + (24 * 7 * weeks + k) * H: train[T0 + k * H] * 1.2 for k in range(24)}
    c = compare(b, after)
    assert c.hours == 24 and c.deviation == pytest.approx(0.2, abs=0.03)
    assert math.isnan(compare(b, {}).deviation)


def test_anomaly_is_a_run_above_the_band() -> None:
    from twin.energy import anomalies

    train = {T0 + k * H: 10.0 for k in range(24 * 7 * 2)}  # flat 10 kWh every hour
    b = fit(train)
    later = T0 + 24 * 7 * 2 * H
    # hours 0-1 over (too short), 5-8 over (a run of 4), 12 missing between two over hours
    values = {later + k * H: 10.0 for k in range(24)}
    for k in (0, 1, 5, 6, 7, 8, 11, 13):
        values[later + k * H] = 13.0  # 30 % above: over a 20 % band
    values[later + 9 * H] = 11.9  # 19 %: inside the band, ends the run
    del values[later + 12 * H]
    found = anomalies(b, values, band=0.2, min_hours=3)
    assert [(a.start, a.end, a.hours) for a in found] == [(later + 5 * H, later + 9 * H, 4)]
    assert found[0].actual == pytest.approx(52.0) and found[0].expected == pytest.approx(40.0)
    assert anomalies(b, values, band=0.2, min_hours=2)[0].start == later  # the short run counts
