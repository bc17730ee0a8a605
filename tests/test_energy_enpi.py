"""Issue 16's remaining energy pieces, through the API on SQLite and PostgreSQL (small demo
hospital): roll-ups by department with carbon and cost from factors per carrier, EnPIs per
floor area and per use, meter replacements registered through the API, and a baseline
regressed on outdoor temperature with its ASHRAE Guideline 14 figures. Roles, bad input as
problem documents, nothing lost on restart. Truths: hand sums of what was posted, room areas
and categories read from the twin, and numpy's least squares for the regression."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.ops_support import wipe
from twin.energy import MeterInfo, fit_temperature, rollup
from twin.live.store import LiveStore

T0 = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
HOURS = 24


def _area(sp: Any) -> float:
    """A room's floor area as the docs define it, computed here from the twin's own fields."""
    if sp.declared_area:
        return float(sp.declared_area)
    return float(sp.footprint.area) if sp.footprint is not None else 0.0


def test_department_rollup_splits_by_shares_and_prices_by_factor() -> None:
    series = {"M": {0.0: 10.0, 3600.0: 10.0}, "C": {0.0: 4.0, 3600.0: 6.0}}
    infos = {
        "M": MeterInfo("M", None, departments={"ward": 0.75, "office": 0.25}, co2_kg=0.5,
                       cost=0.2),
        "C": MeterInfo("C", "M", departments={"icu": 1.0}, co2_kg=0.5, cost=None),
    }  # fmt: skip
    r = rollup(series, infos, by="department", period="day")
    got = {(x.group, x.unmetered): x for x in r.rows}
    # M's net: 20 - 10 = 10 -> ward 7.5, office 2.5 (unmetered remainder); C: 10 -> icu
    assert got[("ward", True)].value == pytest.approx(7.5)
    assert got[("office", True)].value == pytest.approx(2.5)
    assert got[("icu", False)].value == pytest.approx(10.0)
    assert sum(x.value for x in r.rows) == pytest.approx(20.0)  # the root meter's reading
    assert got[("ward", True)].co2_kg == pytest.approx(7.5 * 0.5)
    assert got[("ward", True)].cost == pytest.approx(7.5 * 0.2)
    assert got[("icu", False)].cost is None  # C has no cost factor


def test_temperature_regression_matches_numpy() -> None:
    days = [float(d * 86400) for d in range(40)]
    temps = {d: 10 + 8 * math.sin(i / 5) for i, d in enumerate(days)}
    noise = [((i * 37) % 11 - 5) * 0.8 for i in range(40)]
    daily = {d: 300 - 6 * temps[d] + noise[i] for i, d in enumerate(days)}
    b = fit_temperature(daily, temps)
    x = np.array([temps[d] for d in days])
    y = np.array([daily[d] for d in days])
    slope, intercept = np.polyfit(x, y, 1)
    assert (b.slope, b.intercept) == (pytest.approx(slope), pytest.approx(intercept))
    resid = y - (intercept + slope * x)
    cv = math.sqrt(float((resid**2).sum()) / (40 - 2)) / float(y.mean())
    assert b.cv_rmse == pytest.approx(cv) and b.valid
    assert fit_temperature({0.0: 1.0}, {0.0: 5.0}).valid is False  # too few days


@pytest.fixture
def env(
    opened_store: tuple[LiveStore, str, Path], small_hospital: Path, twin_cache_dir: Path
) -> Iterator[dict[str, Any]]:
    store, url, _ = opened_store
    wipe(store)
    with store.engine.begin() as conn:
        for t in ("meter_replacements", "energy_factors", "readings"):
            conn.exec_driver_sql(f"DELETE FROM {t}")
    settings = Settings(auth=True, anonymous_read=False, store_url=url, models=[small_hospital],
                        cache_dir=twin_cache_dir, stale_sweep_s=0)  # fmt: skip
    keys = {r: store.keys.create(r, r)[0] for r in ("operator", "viewer", "admin")}
    store.technicians.register("tech-1", name="Ana", skills=["hvac"], actor="t")
    keys["technician"] = store.keys.create("technician", "ana", technician="tech-1")[0]
    with TestClient(create_app(settings)) as client:
        yield {"c": client, "settings": settings,
               "h": {r: {"X-API-Key": k} for r, k in keys.items()}}  # fmt: skip


def _problem(r: Any, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def _q(**kw: Any) -> dict[str, str]:
    return {"start": T0.isoformat(), "end": (T0 + timedelta(hours=HOURS)).isoformat()} | kw


def test_departments_enpi_and_factors(env: dict[str, Any], small_twin: Any) -> None:
    c, h = env["c"], env["h"]
    meters = {m["id"]: m for m in c.get("/energy/meters", headers=h["viewer"]).json()}
    root = next(m for m in meters.values() if m["parent"] is None)
    boards = sorted(m for m in meters if m != root["id"])
    kwh = {b: 10.0 + i for i, b in enumerate(boards)}  # per hour
    main_kwh = sum(kwh.values()) + 5.0
    items = []
    for hr in range(HOURS + 1):
        t = (T0 + timedelta(hours=hr)).isoformat()
        items += [{"sensor": b, "t": t, "value": 100.0 + kwh[b] * hr} for b in boards]
        items.append({"sensor": root["id"], "t": t, "value": 9000.0 + main_kwh * hr})
    assert c.post("/readings", json=items, headers=h["operator"]).status_code == 200
    # factors: roles, bad input, then set
    body = {"co2_kg": 0.4, "cost": 0.3, "currency": "EUR", "source": "test"}
    _problem(c.put("/energy/factors/electricity", json=body, headers=h["viewer"]), 403)
    _problem(c.put("/energy/factors/coal", json=body, headers=h["operator"]), 422)
    _problem(c.put("/energy/factors/electricity", json=body | {"currency": "euro"},
                   headers=h["operator"]), 422)  # fmt: skip
    _problem(c.put("/energy/factors/electricity", json=body | {"co2_kg": -1},
                   headers=h["operator"]), 422)  # fmt: skip
    r = c.put("/energy/factors/electricity", json=body, headers=h["operator"])
    assert r.status_code == 200 and r.json()["unit"] == "kWh"
    # department roll-up: each meter's net split over the categories of the rooms only it
    # covers, by floor area (areas and categories from the twin)
    child_rooms = {r for b in boards for r in meters[b]["served"]}
    want: dict[str, float] = {}
    for mid, m in meters.items():
        net = (main_kwh - sum(kwh.values()) if mid == root["id"] else kwh[mid]) * HOURS
        rooms = [r for r in m["served"] if mid != root["id"] or r not in child_rooms]
        rooms = rooms or m["served"]
        area = sum(_area(small_twin.spaces[r]) for r in rooms)
        for r in rooms:
            sp = small_twin.spaces[r]
            want[sp.category] = want.get(sp.category, 0.0) + net * _area(sp) / area
    got = c.get("/energy/rollup", params=_q(by="department", period="month"),
                headers=h["viewer"]).json()  # fmt: skip
    have: dict[str, float] = {}
    for row in got["rows"]:
        have[row["group"]] = have.get(row["group"], 0.0) + row["value"]
    assert have == pytest.approx(want)
    assert got["total"] == pytest.approx(main_kwh * HOURS)
    assert got["co2_kg"] == pytest.approx(main_kwh * HOURS * 0.4)
    assert got["cost"] == pytest.approx(main_kwh * HOURS * 0.3) and got["currency"] == "EUR"
    storeys = c.get("/energy/rollup", params=_q(by="storey"), headers=h["viewer"]).json()
    assert storeys["total"] == pytest.approx(got["total"])
    # EnPIs per floor area and per use
    e = c.get("/energy/enpi", params=_q(), headers=h["viewer"]).json()
    per = {m["meter"]: m for m in e["meters"]}
    for b in boards:
        area = sum(_area(small_twin.spaces[r]) for r in meters[b]["served"])
        assert per[b]["consumption"] == pytest.approx(kwh[b] * HOURS)
        assert per[b]["per_m2"] == pytest.approx(kwh[b] * HOURS / area)
    uses = {u["department"]: u for u in e["uses"]}
    assert {d: u["consumption"] for d, u in uses.items()} == pytest.approx(want)
    metered = {r for m in meters.values() for r in m["served"]}
    ward = sum(_area(small_twin.spaces[r]) for r in metered
               if small_twin.spaces[r].category == "ward")  # fmt: skip
    assert uses["ward"]["area_m2"] == pytest.approx(ward)
    assert uses["ward"]["per_m2"] == pytest.approx(want["ward"] / ward)
    # nothing lost on restart
    with TestClient(create_app(env["settings"])) as again:
        f = again.get("/energy/factors", headers=h["viewer"]).json()
    assert [(x["carrier"], x["co2_kg"], x["cost"]) for x in f] == [("electricity", 0.4, 0.3)]


def test_meter_replacement_through_the_api(env: dict[str, Any], small_twin: Any) -> None:
    c, h = env["c"], env["h"]
    room = sorted(small_twin.spaces)[0]
    s = {"id": "swap-meter", "quantity": "energy", "unit": "kWh", "space": room}
    assert c.post("/sensors", json=s, headers=h["operator"]).status_code in (200, 201)
    values = [100.0, 110.0, 120.0, 5.0, 15.0, 25.0]  # swapped between hour 2 and 3
    c.post("/readings", headers=h["operator"], json=[
        {"sensor": "swap-meter", "t": (T0 + timedelta(hours=i)).isoformat(), "value": v}
        for i, v in enumerate(values)])  # fmt: skip
    q = {"start": T0.isoformat(), "end": (T0 + timedelta(hours=5)).isoformat()}
    before = c.get("/energy/meters/swap-meter/intervals", params=q, headers=h["viewer"]).json()
    assert before["report"]["resets"] and before["intervals"][2]["value"] is None  # a drop
    at = (T0 + timedelta(hours=2, minutes=30)).isoformat()
    body = {"at": at, "old_final": 125.0, "new_initial": 0.0}
    url = "/energy/meters/swap-meter/replacements"
    _problem(c.post(url, json=body, headers=h["technician"]), 403)
    _problem(c.post(url, json=body | {"old_final": -1}, headers=h["operator"]), 422)
    _problem(c.post("/energy/meters/nope/replacements", json=body, headers=h["operator"]), 404)
    r = c.post(url, json=body, headers=h["operator"])
    assert r.status_code == 201, r.text
    _problem(c.post(url, json=body, headers=h["operator"]), 409)
    after = c.get("/energy/meters/swap-meter/intervals", params=q, headers=h["viewer"]).json()
    # by hand: 10, 10, (125 - 120) + (5 - 0), 10, 10
    assert [i["value"] for i in after["intervals"]] == pytest.approx([10.0] * 5)
    assert after["report"]["resets"] == [] and after["report"]["replacements"] == 1
    with TestClient(create_app(env["settings"])) as again:
        kept = again.get(url, headers=h["viewer"]).json()
    assert [(x["old_final"], x["new_initial"]) for x in kept] == [(125.0, 0.0)]


def test_temperature_baseline_through_the_api(env: dict[str, Any], small_twin: Any) -> None:
    c, h = env["c"], env["h"]
    room = sorted(small_twin.spaces)[1]
    for s in ({"id": "heat-meter", "quantity": "energy", "unit": "kWh", "space": room},
              {"id": "outdoor-t", "quantity": "outdoor_temperature", "unit": "degC",
               "space": room, "name": "Outdoor air"}):  # fmt: skip
        assert c.post("/sensors", json=s, headers=h["operator"]).status_code in (200, 201)
    start = T0 + timedelta(weeks=8)
    url = "/energy/meters/heat-meter/temperature-baseline"
    nope = {"start": start.isoformat(), "temperature_sensor": "nope"}
    _problem(c.get(url, headers=h["viewer"], params=nope), 404)
    days = 8 * 7 + 7
    temps = [8 + 7 * math.sin(d / 4) for d in range(days)]
    daily = [240 - 6 * t + ((d * 37) % 11 - 5) for d, t in enumerate(temps)]
    daily = [v * (1.1 if d >= 56 else 1.0) for d, v in enumerate(daily)]  # 10 % more after
    items, reg = [], 0.0
    for d in range(days):
        for hr in range(24):
            t = T0 + timedelta(days=d, hours=hr)
            items.append({"sensor": "heat-meter", "t": t.isoformat(), "value": reg})
            items.append({"sensor": "outdoor-t", "t": t.isoformat(), "value": temps[d]})
            reg += daily[d] / 24
    items.append({"sensor": "heat-meter", "t": (T0 + timedelta(days=days)).isoformat(),
                  "value": reg})  # fmt: skip
    assert c.post("/readings", json=items, headers=h["operator"]).status_code == 200
    r = c.get(url, headers=h["viewer"],
              params={"start": start.isoformat(), "end": (start + timedelta(days=7)).isoformat(),
                      "weeks": 8})  # fmt: skip
    assert r.status_code == 200, r.text
    b = r.json()
    slope, intercept = np.polyfit(temps[:56], daily[:56], 1)
    assert b["temperature_sensor"] == "outdoor-t" and b["training_days"] == 56
    assert (b["slope"], b["intercept"]) == (pytest.approx(slope), pytest.approx(intercept))
    assert b["valid"] is True and b["days"] == 7
    expected = sum(intercept + slope * t for t in temps[56:])
    assert b["expected"] == pytest.approx(expected)
    assert b["actual"] == pytest.approx(sum(daily[56:]))
    assert b["deviation"] == pytest.approx(sum(daily[56:]) / expected - 1)


def test_demo_factors_seeded_once_never_over_real_ones(store: LiveStore) -> None:
    from twin.live.demo_energy import DEMO_FACTORS, seed_demo_energy

    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM energy_factors")
    assert seed_demo_energy(store) == len(DEMO_FACTORS)
    assert seed_demo_energy(store) == 0
    store.energy.set_factor("electricity", co2_kg=0.1, cost=0.2, currency="EUR", actor="em")
    assert seed_demo_energy(store) == 0
    got = store.energy.factors()
    assert (got["electricity"].co2_kg, got["gas"].co2_kg) == (0.1, DEMO_FACTORS["gas"][0])
