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


OVERLAP_JS = """([a, b]) => {
  const r = (s) => document.querySelector(s).getBoundingClientRect();
  const p = r(a), q = r(b);
  return Math.max(0, Math.min(p.right, q.right) - Math.max(p.left, q.left))
       * Math.max(0, Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top));
}"""


def _rgb(css: str) -> tuple[int, ...]:
    """'rgb(1, 2, 3)' or '#010203' as a tuple."""
    if css.startswith("#"):
        return tuple(int(css[i : i + 2], 16) for i in (1, 3, 5))
    return tuple(int(x) for x in re.findall(r"\d+", css)[:3])


def test_legend_from_one_palette_and_collapsible_layers(
    page: Any, server: str, artifacts: Path
) -> None:
    building, storey = _storey(server)
    rooms = get_json(f"{server}/storeys/{storey['guid']}/spaces")
    room = rooms[len(rooms) // 2]["guid"]
    send_json(f"{server}/tickets", {"title": "Door sticks", "priority": "normal", "space": room})
    _open(page, building, storey["guid"])
    page.wait_for_selector(f'#plan [data-guid="{room}"].ticket', state="attached", timeout=10_000)
    entry = page.locator('#key li[data-state="ticket"]')
    entry.wait_for(timeout=10_000)
    assert "ticket" in entry.inner_text().lower()
    swatch = entry.locator(".swatch").evaluate("e => getComputedStyle(e).backgroundColor")
    fill = page.locator(f'#plan [data-guid="{room}"].ticket').first.evaluate(
        "e => getComputedStyle(e).fill"
    )
    assert _rgb(swatch) == _rgb(fill)  # the legend shows the colour the plan uses
    # alarm and ticket colours are told apart (issue 13: orange vs pink were nearly the same)
    colours = page.evaluate(
        "() => ['alarm', 'ticket', 'selected', 'technician'].map(s =>"
        " getComputedStyle(document.documentElement).getPropertyValue('--state-' + s).trim())"
    )
    rgb = [_rgb(c) for c in colours]
    assert all(
        sum(abs(x - y) for x, y in zip(a, b, strict=True)) > 100
        for i, a in enumerate(rgb)
        for b in rgb[i + 1 :]
    ), colours
    # nothing not shown is in the legend: no alarm is active on this fresh server
    assert page.locator('#key li[data-state="alarm"]').count() == 0
    # the Layers box collapses, and it never covers the plan's north arrow
    assert page.locator("#layer-technicians").is_visible()
    page.click("#layers > summary")
    assert not page.locator("#layer-technicians").is_visible()
    page.click("#layers > summary")
    assert page.locator("#layer-technicians").is_visible()
    if page.locator("#plan .north-arrow").count():
        assert page.evaluate(OVERLAP_JS, ["#layers", "#plan .north-arrow"]) == 0
    assert page.evaluate(OVERLAP_JS, ["#layers", "#stage"]) == 0
    page.screenshot(path=str(artifacts / "viewer_legend.png"))


def test_phone_layout_leaves_the_plan_visible(browser: Any, server: str, artifacts: Path) -> None:
    """At 390x844 no panel covers the plan: the stage is in view, nothing overlaps it but the
    plan's own tools, and it keeps most of the width and a large share of the screen."""
    width, height = 390, 844
    ctx = browser.new_context(
        viewport={"width": width, "height": height}, base_url=server, is_mobile=True
    )
    pg = ctx.new_page()
    try:
        building, storey = _storey(server)
        _open(pg, building, storey["guid"])
        box = pg.evaluate(
            """() => {
              const r = (e) => { const b = e.getBoundingClientRect();
                                 return [b.left, b.top, b.right, b.bottom]; };
              const d = document.documentElement;
              const stage = document.getElementById('stage');
              // what covers the stage: visible elements outside it drawn over it
              const over = [...document.querySelectorAll('#layers, #key, #panel, .bar, #legend')]
                .filter(e => e.offsetParent !== null).map(e => [e.id || e.className, r(e)]);
              return {scroll: [d.scrollWidth, d.scrollHeight], stage: r(stage), over,
                      layersOpen: document.getElementById('layers').open};
            }"""
        )
        assert box["scroll"][0] <= width and box["scroll"][1] <= height, box
        x0, y0, x1, y1 = box["stage"]
        assert x1 - x0 >= width - 1, box
        covered = 0.0
        for _name, (a0, b0, a1, b1) in box["over"]:
            covered += max(0, min(x1, a1) - max(x0, a0)) * max(0, min(y1, b1) - max(y0, b0))
        visible = (x1 - x0) * (y1 - y0) - covered
        assert covered == 0, box
        assert visible >= 0.45 * width * height, (visible / (width * height), box)
        assert box["layersOpen"] is False  # collapsed on a phone; one tap opens it
        pg.screenshot(path=str(artifacts / "viewer_layout_390x844.png"))
    finally:
        ctx.close()


def test_3d_disposes_the_old_building(
    browser: Any,
    small_hospital: Path,
    twin_cache_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Going from one building to another and back leaves as many GPU geometries as the first
    visit: the old building's geometries and materials are freed, not kept behind."""
    from tests.conftest import SHARED_IFC, require

    fzk = SHARED_IFC / "AC20-FZK-Haus.ifc"
    require(fzk.exists(), f"{fzk} not available")
    store = tmp_path_factory.mktemp("viewer-two")
    with (
        serve_api([small_hospital, fzk], twin_cache_dir, store) as base,
        watched_page(browser, base) as (pg, errors),
    ):
        buildings = [b["guid"] for b in get_json(f"{base}/buildings")]
        assert len(buildings) == 2
        a, b = buildings
        pg.goto(f"/viewer/?test=1#view=3d&building={a}")
        ready = "#scene[data-ready='1']"
        pg.wait_for_selector(ready, state="attached", timeout=60_000)
        first = pg.evaluate("() => window.twinDebug.scene3d.memory()")
        assert first["geometries"] > 0
        for guid in (b, a):
            pg.select_option("#building", guid)
            pg.wait_for_function(
                "() => document.querySelector('#scene').dataset.ready === ''", timeout=10_000
            )
            pg.wait_for_selector(ready, state="attached", timeout=60_000)
        again = pg.evaluate("() => window.twinDebug.scene3d.memory()")
        assert again["geometries"] <= first["geometries"] * 1.1, (first, again)
        assert again["objects"] <= first["objects"] * 1.1, (first, again)
    assert errors == [], errors
