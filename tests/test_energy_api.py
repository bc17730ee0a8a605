"""Energy endpoints on the small demo hospital (issue 16): its kWh meters found with their parent
traced through the electrical network, register readings (posted out of order) to hourly
consumption, roll-ups that add up, the baseline comparison, CSV, bad input as problems. Truths
come from the generator's truth JSON and hand sums of what was posted."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.ops_support import open_test_store
from twin.live.meter_readings import MeterReadingRepository
from twin.live.records import SensorSpec
from twin.service.campus import Campus

T0 = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
HOURS = 30
STOREY_KWH = 10.0  # per hour per storey board
UNMETERED_KWH = 5.0  # per hour on the main meter beyond its children


@pytest.fixture(scope="module")
def client(small_twin, tmp_path_factory) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    tmp: Path = tmp_path_factory.mktemp("energy-api")
    campus = Campus()
    campus.add(small_twin)
    settings = Settings(store_url=f"sqlite:///{tmp / 'live.db'}", cache_dir=tmp / "cache")
    with TestClient(create_app(settings, campus=campus)) as c:
        yield c


def _meters(truth: dict[str, Any]) -> tuple[str, list[str]]:
    """(main meter, storey meters) from the truth: the main one shares its host with the
    400 kW power sensor of the supply."""
    sensors = truth["sensors"]
    supply = next(s["host"] for s in sensors if s["quantity"] == "power" and s["upper"] == 400.0)
    energy = [s for s in sensors if s["quantity"] == "energy"]
    main = next(s["guid"] for s in energy if s["host"] == supply)
    return main, sorted(s["guid"] for s in energy if s["guid"] != main)


def _post_registers(client: TestClient, main: str, boards: list[str]) -> None:
    items = []
    for h in range(HOURS + 1):
        t = (T0 + timedelta(hours=h)).isoformat()
        for b in boards:
            items.append({"sensor": b, "t": t, "value": 1000.0 + STOREY_KWH * h})
        main_kwh = (STOREY_KWH * len(boards) + UNMETERED_KWH) * h
        items.append({"sensor": main, "t": t, "value": 50_000.0 + main_kwh})
    items.reverse()  # out of order: the conversion sorts
    r = client.post("/readings", json=items)
    assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
def posted(client: TestClient, small_hospital_truth: dict[str, Any]) -> tuple[str, list[str]]:
    main, boards = _meters(small_hospital_truth)
    _post_registers(client, main, boards)
    return main, boards


def test_meters_and_their_parents(client: TestClient, posted: tuple[str, list[str]]) -> None:
    main, boards = posted
    got = {m["id"]: m for m in client.get("/energy/meters").json()}
    assert set(got) - {"api-meter"} == {main, *boards}  # api-meter: registered by a test
    assert got[main]["parent"] is None and got[main]["parent_from"] == "none"
    assert {got[b]["parent"] for b in boards} == {main}
    assert {m["unit"] for m in got.values()} == {"kWh"}
    assert len({got[b]["storey"] for b in boards}) == len(boards)


def _q(**kw: str) -> dict[str, str]:
    return {"start": T0.isoformat(), "end": (T0 + timedelta(hours=HOURS)).isoformat()} | kw


def test_intervals_of_a_board(client: TestClient, posted: tuple[str, list[str]]) -> None:
    _, boards = posted
    r = client.get(f"/energy/meters/{boards[0]}/intervals", params=_q())
    assert r.status_code == 200, r.text
    body = r.json()
    assert [i["value"] for i in body["intervals"]] == [STOREY_KWH] * HOURS
    assert {i["quality"] for i in body["intervals"]} == {"measured"}
    # posted in reverse, but the store keeps readings by (sensor, time): none out of order here
    assert body["report"]["readings"] == HOURS + 1 and body["report"]["out_of_order"] == 0


@pytest.mark.parametrize("by", ["meter", "storey", "system", "building"])
def test_rollups_add_up(client: TestClient, posted: tuple[str, list[str]], by: str) -> None:
    main, boards = posted
    r = client.get("/energy/rollup", params=_q(by=by, period="day"))
    assert r.status_code == 200, r.text
    body = r.json()
    expect_total = (STOREY_KWH * len(boards) + UNMETERED_KWH) * HOURS
    assert body["total"] == pytest.approx(expect_total)
    unmetered = [x for x in body["rows"] if x["unmetered"]]
    assert {tuple(x["meters"]) for x in unmetered} == {(main,)}
    assert sum(x["value"] for x in unmetered) == pytest.approx(UNMETERED_KWH * HOURS)
    assert len({x["period"] for x in body["rows"]}) == 2  # 30 hours span two days
    assert body["over_read"] == []


def test_baseline_comparison(client: TestClient, small_twin) -> None:  # type: ignore[no-untyped-def]
    """A meter registered over the API: one week of a day/night profile trains the baseline, the
    next Monday runs 10 % above it."""
    space = sorted(small_twin.spaces)[0]
    body = {"id": "api-meter", "quantity": "energy", "unit": "MJ", "space": space}
    assert client.post("/sensors", json=body).status_code == 201
    start = T0 - timedelta(days=28)  # a Monday, long before the roll-up window

    def use(h: int) -> float:  # kWh in hour h
        return (2.0 + 3.0 * (8 <= h % 24 < 18)) * (1.1 if h >= 168 else 1.0)

    reg, items = 0.0, []
    for h in range(168 + 24 + 1):
        items.append({"sensor": "api-meter", "t": (start + timedelta(hours=h)).isoformat(),
                      "value": reg * 3.6})  # fmt: skip
        reg += use(h)
    assert client.post("/readings", json=items).status_code == 200
    monday = start + timedelta(days=7)
    r = client.get(
        "/energy/meters/api-meter/baseline",
        params={"start": monday.isoformat(), "end": (monday + timedelta(days=1)).isoformat(),
                "weeks": 1},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    b = r.json()
    assert (b["unit"], b["training_hours"], b["hours"]) == ("kWh", 168, 24)
    assert b["actual"] == pytest.approx(sum(use(h) for h in range(168, 192)))
    assert b["deviation"] == pytest.approx(0.1)
    assert b["anomalies"] == []  # 10 % over: inside the default 20 % band
    r = client.get(
        "/energy/meters/api-meter/baseline",
        params={"start": monday.isoformat(), "end": (monday + timedelta(days=1)).isoformat(),
                "weeks": 1, "band": 0.05, "min_hours": 24},
    )  # fmt: skip
    assert [a["hours"] for a in r.json()["anomalies"]] == [24]  # the whole day above 5 %
    # one week fits 168 bins with 168 hours: no degree of freedom left, so no validity claimed
    assert b["cv_rmse"] is None and b["valid"] is False


def test_csv_export(client: TestClient, posted: tuple[str, list[str]]) -> None:
    main, boards = posted
    r = client.get("/energy/export.csv", params=_q())
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == HOURS * (1 + len(boards))
    assert sum(float(x["consumption"]) for x in rows if x["meter"] == main) == pytest.approx(
        (STOREY_KWH * len(boards) + UNMETERED_KWH) * HOURS
    )


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/energy/meters/nope/intervals", {}, 404),
        ("/energy/rollup", {"tz": "Mars/Olympus"}, 422),
        ("/energy/rollup", {"tz": "../../etc/passwd"}, 422),
        ("/energy/rollup", {"start": "2026-03-02T00:00:00Z", "end": "2026-03-01T00:00:00Z"}, 422),
        ("/energy/rollup", {"start": "2020-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, 422),
        ("/energy/rollup", {"by": "colour"}, 422),
        ("/energy/export.csv", {"meter": "nope"}, 404),
    ],
)
def test_bad_input_is_a_problem(
    client: TestClient, path: str, params: dict[str, str], status: int
) -> None:
    r = client.get(path, params=params)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_register_range_scan_on_both_backends(backend: str, tmp_path: Path) -> None:
    for store, _url in open_test_store(backend, tmp_path):
        store.register_sensors([SensorSpec(id="m1", quantity="energy", unit="kWh")])
        base = T0.timestamp()
        items = [{"sensor": "m1", "t": (T0 + timedelta(hours=h)).isoformat(), "value": float(h)}
                 for h in (5, 1, 3, 2, 4)]  # fmt: skip
        store.ingest(items, "test")
        repo = MeterReadingRepository(store.engine)
        got = repo.register("m1", int((base + 2 * 3600) * 1e6), int((base + 4 * 3600) * 1e6))
        assert got == [(base + h * 3600, float(h)) for h in (2, 3, 4)]
