"""The wall display's KPI panel and the energy chart and plan layer in a real browser (Debian
chromium, Playwright) against a served small demo hospital: the numbers drawn equal the /kpis
and /energy answers of the same server, fetched by the test itself."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.browser_support import chromium, get_json, send_json, serve_api, watched_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(
    small_hospital: Path, twin_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with serve_api([small_hospital], twin_cache_dir, tmp_path_factory.mktemp("kpis-viewer"),
                   {"TWIN_STALE_SWEEP_S": "0"}) as base:  # fmt: skip
        meters = get_json(f"{base}/energy/meters")
        end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        items = []
        for h in range(31):  # hourly registers over the last 30 hours
            t = (end - timedelta(hours=30 - h)).isoformat()
            for i, m in enumerate(meters):
                rate = 50.0 if m["parent"] is None else 5.0 + i
                items.append({"sensor": m["id"], "t": t, "value": 1000.0 + rate * h})
        send_json(f"{base}/readings", items)
        send_json(f"{base}/tickets", {"title": "Door closer", "priority": "urgent"})
        yield base


@pytest.fixture()
def page(server: str) -> Iterator[Any]:
    with chromium() as browser, watched_page(browser, server) as (pg, errors):
        pg.goto("/viewer/")
        pg.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
        yield pg
    assert errors == [], f"console errors: {errors}"


def test_kpi_panel_shows_the_kpis_answer(page: Any, server: str) -> None:
    page.wait_for_selector("#kpis[data-figures]", state="attached", timeout=15_000)
    tiles = page.eval_on_selector_all(
        "#kpis .kpi", "els => els.map(e => [e.dataset.key, e.dataset.value, e.getAttribute('href'),"
        " e.querySelector('.kpi-value').textContent])",
    )  # fmt: skip
    figures = {f["key"]: f for f in get_json(f"{server}/kpis")["figures"]}
    assert len(tiles) >= 10
    for key, value, href, _text in tiles:
        want = figures[key]
        # each figure links to the records behind it (windows move with the clock)
        same = href == want["href"] or "start=" in href
        assert same and href.split("?")[0] == want["href"].split("?")[0], key
        if key.startswith(("energy", "mtta", "mttr")):
            continue  # move with the clock between the two requests
        assert (float(value) if value else None) == want["value"], key
    shown = {k: t for k, _, _, t in tiles}
    assert shown["open_tickets"] == str(int(figures["open_tickets"]["value"])) == "1"


def test_energy_chart_and_plan_layer_match_the_api(page: Any, server: str) -> None:
    page.wait_for_selector("#energy[data-points]", state="attached", timeout=15_000)
    page.wait_for_selector("#energy .energy-chart canvas", state="attached", timeout=15_000)
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=24)
    q = urlencode({"by": "building", "period": "hour", "start": start.isoformat(),
                   "end": end.isoformat()})  # fmt: skip
    roll = get_json(f"{server}/energy/rollup?{q}")
    total = float(page.get_attribute("#energy", "data-total"))
    assert total == pytest.approx(roll["total"]) and total == pytest.approx(24 * 50.0)
    assert int(page.get_attribute("#energy", "data-points")) == 24
    # the plan layer: each coloured room carries the kWh/m² of its closest meter
    page.check("#layer-energy")
    page.wait_for_selector("#plan[data-energy-rooms]", state="attached", timeout=15_000)
    got = page.eval_on_selector_all(
        "#plan [data-energy]", "els => els.map(e => [e.dataset.guid, +e.dataset.energy])"
    )
    assert got, "no room coloured"
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    meters = {m["id"]: m for m in get_json(f"{server}/energy/meters")}
    enpi = get_json(f"{server}/energy/enpi?" + urlencode(
        {"start": midnight.isoformat(), "end": datetime.now(UTC).isoformat()}))  # fmt: skip
    per = {m["meter"]: m["per_m2"] for m in enpi["meters"]}
    for guid, value in got:
        closest = min((m for m in meters.values() if guid in m["served"]),
                      key=lambda m: len(m["served"]))  # fmt: skip
        assert math.isclose(value, per[closest["id"]], rel_tol=1e-3, abs_tol=1e-4), guid
