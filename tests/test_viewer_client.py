"""The viewer for the people who use it (issue 13, client side), in a real browser.

One API server serving the small demo hospital with a short SLA for ``planned`` tickets (so a
ticket is overdue seconds after it is opened), one chromium per module. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import chromium, get_json, send_json, serve_api, watched_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# planned work must be answered within 1.2 s and reached within an hour: overdue at once
SLA = {"planned": {"respond_min": 0.02, "arrive_min": 60}}


@pytest.fixture(scope="module")
def server(
    small_hospital: Path, twin_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    store = tmp_path_factory.mktemp("viewer-client")
    with serve_api([small_hospital], twin_cache_dir, store, {"TWIN_SLA": json.dumps(SLA)}) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture()
def page(browser: Any, server: str) -> Iterator[Any]:
    with watched_page(browser, server) as (pg, errors):
        yield pg
    assert errors == [], f"console errors: {errors}"


def _storey(server: str) -> tuple[str, dict[str, Any]]:
    building = get_json(f"{server}/buildings")[0]["guid"]
    storeys = get_json(f"{server}/buildings/{building}/storeys")
    return building, max(storeys, key=lambda s: s["spaces"])


def _open(page: Any, building: str, storey: str) -> None:
    page.goto(f"/viewer/#view=plan&building={building}&storey={storey}")
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
    page.wait_for_selector("#plan[data-ready='1']", state="attached", timeout=10_000)


def _seconds(text: str) -> int:
    """Seconds in a countdown such as 'respond 0h 29m 58s'."""
    m = re.search(r"(\d+)h (\d+)m (\d+)s", text)
    assert m, text
    h, mi, s = (int(x) for x in m.groups())
    return h * 3600 + mi * 60 + s


def test_ticket_list_shows_priority_and_live_sla_countdowns(
    page: Any, server: str, artifacts: Path
) -> None:
    building, storey = _storey(server)
    room = get_json(f"{server}/storeys/{storey['guid']}/spaces")[0]["guid"]
    body = {"title": "Oxygen outlet hisses", "priority": "emergency", "space": room}
    urgent = send_json(f"{server}/tickets", body)
    late = send_json(
        f"{server}/tickets", {"title": "Repaint corridor", "priority": "planned", "space": room}
    )
    assert urgent["sla"]["respond_remaining_s"] > 60  # the API's own clock, read independently
    _open(page, building, storey["guid"])
    row = page.locator(f'#tickets li[data-id="{urgent["id"]}"]')
    row.wait_for(timeout=10_000)
    assert "emergency" in row.locator(".prio").inner_text().lower()
    respond = row.locator('.sla[data-clock="respond"]')
    arrive = row.locator('.sla[data-clock="arrive"]')
    first = _seconds(respond.inner_text())
    # the countdown matches the server's due time (within the seconds the page took to open)
    assert abs(first - urgent["sla"]["respond_remaining_s"]) < 30
    assert _seconds(arrive.inner_text()) > 0
    page.wait_for_function(
        "([sel, s]) => { const m = document.querySelector(sel).textContent"
        ".match(/(\\d+)h (\\d+)m (\\d+)s/); return m && (+m[1]*3600 + +m[2]*60 + +m[3]) < s; }",
        arg=[f'#tickets li[data-id="{urgent["id"]}"] .sla[data-clock="respond"]', first],
        timeout=5_000,
    )  # it ticks without a reload
    assert "late" not in (respond.get_attribute("class") or "")
    overdue = page.locator(f'#tickets li[data-id="{late["id"]}"] .sla[data-clock="respond"]')
    page.wait_for_function(
        "sel => document.querySelector(sel)?.classList.contains('late')",
        arg=f'#tickets li[data-id="{late["id"]}"] .sla[data-clock="respond"]',
        timeout=10_000,
    )
    assert "overdue" in overdue.inner_text()
    colour = overdue.evaluate("e => getComputedStyle(e).color")
    r, g, b = (int(x) for x in re.findall(r"\d+", colour)[:3])
    assert r > 200 and g < 120 and b < 120, colour  # red
    # the arrive clock of the late ticket still runs (an hour): not red
    still = page.locator(f'#tickets li[data-id="{late["id"]}"] .sla[data-clock="arrive"]')
    assert "late" not in (still.get_attribute("class") or "")
    page.locator("#tickets").screenshot(path=str(artifacts / "viewer_tickets_sla.png"))


def test_api_docs_render_with_the_network_cut(browser: Any, server: str, artifacts: Path) -> None:
    """/docs works on an intranet: every request that leaves localhost is refused, and Swagger UI
    still draws every operation of /openapi.json."""
    from urllib.parse import urlsplit

    ops = get_json(f"{server}/openapi.json")["paths"]
    first = next(iter(ops))
    left: list[str] = []

    def gate(route: Any) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            left.append(route.request.url)
            route.abort()

    with watched_page(browser, server) as (pg, errors):
        pg.route("**/*", gate)
        pg.goto("/docs")
        pg.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
        assert pg.locator(f'.opblock-summary-path[data-path="{first}"]').count() >= 1
        title = get_json(f"{server}/openapi.json")["info"]["title"]
        assert title in pg.locator(".swagger-ui .info .title").inner_text()
        # Swagger UI parsed every operation (it draws only the sections in view)
        count = sum(1 for item in ops.values() for m in item if m != "parameters")
        assert pg.evaluate("() => ui.specSelectors.operations().size") == count > 50
        pg.screenshot(path=str(artifacts / "docs_offline.png"))
    assert left == [], f"requests that left localhost: {left}"
    assert errors == [], errors
