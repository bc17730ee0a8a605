"""The web viewer in a real browser (Debian chromium driven by Playwright).

One API server (a subprocess on a free port) and one chromium per module, serving the small demo
hospital, or the shared FZK-Haus while the hospital generator is not importable; a fresh browser
context per test. Checks that need an endpoint skip with the reason while the server does not
document it. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from tests.browser_support import chromium, get_json, send_json, serve_api, watched_page
from tests.conftest import SHARED_IFC, require

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def truth(request: pytest.FixtureRequest) -> dict[str, Any] | None:
    """The small hospital's known answers, or None while its generator is not importable."""
    try:
        import models_ifc.hospital  # noqa: F401
    except ImportError:
        return None
    return dict(request.getfixturevalue("small_hospital_truth"))


def _model(request: pytest.FixtureRequest, truth: dict[str, Any] | None) -> Path:
    """The small hospital once its generator exists; the shared FZK-Haus until then."""
    if truth is None:
        path = SHARED_IFC / "AC20-FZK-Haus.ifc"
        require(path.exists(), f"neither the demo hospital generator nor {path} is available")
        return path
    return Path(request.getfixturevalue("small_hospital"))


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest,
    truth: dict[str, Any] | None,
    twin_cache_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    model = _model(request, truth)
    with serve_api([model], twin_cache_dir, tmp_path_factory.mktemp("viewer")) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture()
def page(browser: Any, server: str) -> Iterator[Any]:
    """A 1366x768 page on the viewer that fails the test on any console error."""
    with watched_page(browser, server) as (pg, errors):
        yield pg
    assert errors == [], f"console errors: {errors}"


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _paths(server: str) -> set[str]:
    return set(get_json(f"{server}/openapi.json")["paths"])


def _storey_with_rooms(server: str) -> tuple[str, dict[str, Any]]:
    building = get_json(f"{server}/buildings")[0]["guid"]
    storeys = get_json(f"{server}/buildings/{building}/storeys")
    best = max(storeys, key=lambda s: s["spaces"])
    return building, best


def _click_shape(page: Any, guid: str) -> None:
    """Click a room or element on the plan as a user would, and wait for its panel."""
    page.focus("#plan")
    page.keyboard.press("0")  # fit: every shape is on screen
    page.locator(f'#plan [data-guid="{guid}"]').first.click(force=True)
    page.wait_for_selector(f'#sel-title[data-guid="{guid}"]', timeout=10_000)


def _open(page: Any, server: str, building: str, storey: str, view: str = "plan") -> None:
    page.goto(f"/viewer/?test=1#view={view}&building={building}&storey={storey}")
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
    page.wait_for_selector("#plan[data-ready='1']", state="attached", timeout=10_000)


def test_plan_renders_rooms_and_click_opens_panel(
    page: Any, server: str, truth: dict[str, Any] | None, artifacts: Path
) -> None:
    building, storey = _storey_with_rooms(server)
    spaces = get_json(f"{server}/storeys/{storey['guid']}/spaces")
    _open(page, server, building, storey["guid"])
    rooms = page.locator('#plan [data-kind="space"]')
    if truth is not None:
        expected = sum(1 for s in truth["spaces"].values() if s["storey"] == storey["guid"])
        assert expected > 0
    else:
        expected = len(spaces)
    assert rooms.count() == expected == storey["spaces"]
    page.screenshot(path=str(artifacts / "viewer_plan.png"))
    # a room whose centre is not covered by an element symbol, clicked where a user would
    hit = page.evaluate(
        """() => {
          for (const r of document.querySelectorAll('#plan [data-kind="space"]')) {
            const b = r.getBoundingClientRect();
            const x = b.left + b.width / 2, y = b.top + b.height / 2;
            if (document.elementFromPoint(x, y)?.closest('[data-guid]') === r)
              return {guid: r.dataset.guid, x, y};
          }
          return null;
        }"""
    )
    assert hit is not None, "no room can be clicked at its centre"
    target = next(s for s in spaces if s["guid"] == hit["guid"])
    page.mouse.click(hit["x"], hit["y"])
    title = page.locator("#sel-title")
    title.wait_for(timeout=10_000)
    assert target["number"] in title.inner_text()
    assert f"sel={target['guid']}" in unquote(page.url)  # a GlobalId may hold "$" (%24)
    page.screenshot(path=str(artifacts / "viewer_panel.png"))
    # a link with the selection reopens the same room
    page.goto(page.url)
    page.reload()
    page.wait_for_selector("#sel-title", timeout=10_000)
    assert target["number"] in page.locator("#sel-title").inner_text()


def test_keyboard_zoom_and_search(page: Any, server: str) -> None:
    building, storey = _storey_with_rooms(server)
    spaces = get_json(f"{server}/storeys/{storey['guid']}/spaces")
    _open(page, server, building, storey["guid"])
    before = page.locator("#plan > svg").get_attribute("viewBox")
    page.focus("#plan")
    page.keyboard.press("+")
    page.keyboard.press("ArrowRight")
    after = page.locator("#plan > svg").get_attribute("viewBox")
    assert before != after
    assert "m" in page.locator("#scalebar").text_content() or ""
    room = spaces[0]
    page.fill("#search-q", room["number"] or room["name"])
    page.wait_for_selector("#search-results li", timeout=5_000)
    page.keyboard.press("Enter")
    page.wait_for_selector("#sel-title", timeout=10_000)
    assert page.locator("#sel-title").get_attribute("data-guid") is not None


CANVAS_SHARE_JS = """() => {
  const c = document.querySelector('#scene canvas');
  const g = document.createElement('canvas'); g.width = c.width; g.height = c.height;
  const x = g.getContext('2d'); x.drawImage(c, 0, 0);
  const d = x.getImageData(0, 0, g.width, g.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4)
    if (Math.abs(d[i] - 0x1b) + Math.abs(d[i+1] - 0x23) + Math.abs(d[i+2] - 0x30) > 30) n++;
  return n / (d.length / 4);
}"""


def _open_3d(page: Any, server: str) -> tuple[str, dict[str, Any]]:
    building, storey = _storey_with_rooms(server)
    _open(page, server, building, storey["guid"], view="3d")
    page.wait_for_selector("#scene[data-ready='1']", state="attached", timeout=60_000)
    return building, storey


def test_3d_streams_storeys_renders_and_picks(page: Any, server: str, artifacts: Path) -> None:
    building, storey = _open_3d(page, server)
    storeys = get_json(f"{server}/buildings/{building}/storeys")
    glbs = page.evaluate(
        "() => performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(u => u.includes('/scene.glb'))"
    )
    # one merged request per storey, the current storey first, pipes and fittings left out
    assert len(glbs) == len(storeys)
    assert all("layout=merged" in u and "exclude=segment" in u for u in glbs)
    assert f"storey={storey['guid']}" in glbs[0]
    first = page.evaluate("() => performance.getEntriesByName('scene-first').pop()?.duration")
    whole = page.evaluate("() => performance.getEntriesByName('scene-load').pop()?.duration")
    assert 0 < first <= whole
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "viewer_3d.png"))
    share = page.evaluate(CANVAS_SHARE_JS)
    assert share > 0.05, f"only {share:.1%} of the 3D canvas differs from the background"
    # click the middle of the building: the panel opens on the product the ray met first
    box = page.locator("#scene canvas").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    picked = page.evaluate("([x, y]) => window.twinDebug.scene3d.pickAt(x, y)", [x, y])
    assert picked is not None, "nothing under the centre of the 3D view"
    page.mouse.click(x, y)
    page.wait_for_selector(f'#sel-title[data-guid="{picked["guid"]}"]', timeout=10_000)
    assert f"sel={picked['guid']}" in unquote(page.url)
    # the second pass brings pipes and fittings, one request per storey
    page.check("#detail")
    page.wait_for_selector("#scene[data-detail='1']", state="attached", timeout=60_000)
    detail = page.evaluate(
        "() => performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(u => u.includes('/scene.glb') && u.includes('kinds=segment'))"
    )
    assert len(detail) == len(storeys)
    pipes = get_json(f"{server}/elements?building={building}&kind=segment&limit=1")["total"]
    held = page.evaluate("() => window.twinDebug.scene3d.held('segment')")
    assert held == pipes > 0


def test_reading_and_alarm_live(page: Any, server: str, artifacts: Path) -> None:
    paths = _paths(server)
    missing = {"/readings", "/sensors", "/events", "/alarms"} - paths
    if missing:
        pytest.fail(f"live endpoints not served: {sorted(missing)}")
    sensors = get_json(f"{server}/sensors")
    sensors = sensors if isinstance(sensors, list) else sensors.get("items", [])
    sensor = next((s for s in sensors if s.get("space") and s.get("upper") is not None), None)
    if sensor is None:
        pytest.fail("the served model has no room sensor with an upper limit")
    space = get_json(f"{server}/spaces/{sensor['space']}")
    _open(page, server, space["building"], space["storey"])
    page.locator(f'#plan [data-guid="{space["guid"]}"]').first.click()
    page.wait_for_selector("#sel-sensors", timeout=10_000)
    page.wait_for_selector("#live-status.on", timeout=10_000)
    value = round(float(sensor["upper"]) + 10.5, 1)  # above the limit: raises an alarm
    body = json.dumps(
        [
            {
                "sensor": sensor["id"],
                "t": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "value": value,
                "unit": sensor.get("unit", ""),
            }
        ]
    ).encode()
    req = urllib.request.Request(
        f"{server}/readings", body, {"Content-Type": "application/json"}, method="POST"
    )
    urllib.request.urlopen(req, timeout=10).read()
    page.wait_for_function(
        "v => document.querySelector('#sel-sensors').innerText.includes(v)",
        arg=f"{value:.0f}" if value >= 100 else f"{value:.1f}",
        timeout=10_000,
    )
    page.wait_for_selector("#sel-alarms .alarm-item", timeout=10_000)
    page.wait_for_selector("#plan .alarm", timeout=10_000)
    page.screenshot(path=str(artifacts / "viewer_alarm.png"))


def _rooms_at_centre(page: Any) -> list[dict[str, Any]]:
    """Rooms whose centre on screen is the room itself (no symbol over it): where a user clicks."""
    page.focus("#plan")
    page.keyboard.press("0")  # fit: every shape is on screen
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('#plan [data-kind="space"]')].map((r) => {
              const b = r.getBoundingClientRect();
              const x = b.left + b.width / 2, y = b.top + b.height / 2;
              return document.elementFromPoint(x, y)?.closest('[data-guid]') === r
                ? {guid: r.dataset.guid, x, y} : null;
            }).filter(Boolean)"""
        )
    )


def test_route_drawn(page: Any, server: str, artifacts: Path) -> None:
    if "/routes" not in _paths(server):
        pytest.fail("GET /routes is not served")
    building, storey = _storey_with_rooms(server)
    spaces = {s["guid"]: s for s in get_json(f"{server}/storeys/{storey['guid']}/spaces")}
    _open(page, server, building, storey["guid"])
    rooms = _rooms_at_centre(page)
    assert len(rooms) >= 2, "fewer than two rooms can be clicked at their centre"
    dest, start = rooms[-1], rooms[0]
    # what a user does: click the destination room, "Route here", from "me", click where I am
    page.mouse.click(dest["x"], dest["y"])
    page.wait_for_selector(f'#sel-title[data-guid="{dest["guid"]}"]', timeout=10_000)
    page.click("#sel-actions button[data-action='route']")
    page.select_option("#route-from", "me")
    page.click("#route-go")
    page.wait_for_selector("#route-pick", timeout=10_000)
    page.mouse.click(start["x"], start["y"])
    page.wait_for_selector("#plan .route", state="attached", timeout=15_000)
    # the Layers box names the drawn route by room, and its x clears it
    named = page.locator("#layer-route-name").inner_text()
    assert named.startswith("From me") and spaces[dest["guid"]]["number"] in named
    assert dest["guid"] not in named
    page.screenshot(path=str(artifacts / "viewer_route.png"))
    page.click("#layer-route-clear")
    page.wait_for_selector("#plan .route", state="detached", timeout=5_000)
    assert page.locator("#layer-route-name").inner_text().startswith("none")


def test_technician_positions_live(page: Any, server: str, artifacts: Path) -> None:
    missing = {"/technicians", "/technicians/{technician_id}/position", "/events"} - _paths(server)
    if missing:
        pytest.fail(f"technician endpoints not served: {sorted(missing)}")
    building, storey = _storey_with_rooms(server)
    spaces = get_json(f"{server}/storeys/{storey['guid']}/spaces")
    a, b = spaces[0]["guid"], spaces[-1]["guid"]
    tech = f"tech-viewer-{int(time.time() * 1000) % 100000}"
    send_json(f"{server}/technicians", {"id": tech, "name": "Vera Viewer", "skills": ["general"]})
    _open(page, server, building, storey["guid"])
    page.wait_for_selector("#live-status.on", timeout=10_000)
    marker = f'#plan [data-technician="{tech}"]'
    assert page.locator(marker).count() == 0  # no position yet
    for room in (a, b):  # placed, then moved: both arrive over SSE without a reload
        send_json(f"{server}/technicians/{tech}/position", {"space": room}, method="PUT")
        page.wait_for_selector(f'{marker}[data-space="{room}"]', state="attached", timeout=10_000)
        dot = page.locator(f"{marker} circle").bounding_box()
        shape = page.locator(f'#plan [data-kind="space"][data-guid="{room}"]').bounding_box()
        cx, cy = dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2
        assert shape["x"] <= cx <= shape["x"] + shape["width"]
        assert shape["y"] <= cy <= shape["y"] + shape["height"]
    assert page.locator(marker).count() == 1
    page.screenshot(path=str(artifacts / "viewer_technician.png"))
    page.uncheck("#layer-technicians")
    assert page.locator(marker).count() == 0


def test_fault_trace_layer(page: Any, server: str, artifacts: Path) -> None:
    if "/elements/{guid}/upstream" not in _paths(server):
        pytest.fail("GET /elements/{guid}/upstream is not served")
    building, storey = _storey_with_rooms(server)
    st = storey["guid"]
    found = get_json(f"{server}/elements?storey={st}&kind=terminal&limit=50")["items"]
    here = {e["guid"] for e in get_json(f"{server}/elements?storey={st}&limit=5000")["items"]}
    best: tuple[str, set[str]] | None = None
    for e in found:
        steps = get_json(f"{server}/elements/{e['guid']}/upstream")["steps"]
        on_storey = {s["guid"] for s in steps} & here
        if len(on_storey) >= 3:
            best = (e["guid"], on_storey)
            break
    assert best is not None, "no terminal on the storey with a traceable feed"
    fault, expected = best
    _open(page, server, building, st)
    # the faulty element clicked on the plan, then "Trace upstream" in its actions: no id typed
    _click_shape(page, fault)
    page.click("#sel-actions button[data-action='upstream']")
    page.wait_for_selector("#trace-summary", timeout=15_000)
    drawn = set(page.eval_on_selector_all("#plan .traced", "els => els.map(e => e.dataset.guid)"))
    assert fault in drawn
    assert drawn <= expected and len(drawn) >= 3
    name = get_json(f"{server}/elements/{fault}")["name"]
    assert page.locator("#layer-trace-name").inner_text() == f"Upstream of {name}"
    page.screenshot(path=str(artifacts / "viewer_trace.png"))
    page.click("#layer-trace-clear")
    assert page.locator("#plan .traced").count() == 0


def test_scenario_layer_plan_and_3d(page: Any, server: str, artifacts: Path) -> None:
    if not {"/scenarios", "/buildings/{guid}/scene-colors"} <= _paths(server):
        pytest.fail("scenarios or scene-colors not served")
    building, storey = _storey_with_rooms(server)
    spaces = get_json(f"{server}/storeys/{storey['guid']}/spaces")
    closed = spaces[len(spaces) // 2]["guid"]
    label = f"viewer test works {time.time_ns()}"
    sc = send_json(
        f"{server}/scenarios", {"name": label, "building": building, "closed_spaces": [closed]}
    )
    _open(page, server, building, storey["guid"])
    # picked by its name from the stored scenarios; picking it turns the layer on
    page.select_option("#layer-scenario-v", label=label)
    assert page.is_checked("#layer-scenario")
    page.wait_for_selector(
        f'#plan .layer-scenario [data-guid="{closed}"]', state="attached", timeout=15_000
    )
    page.screenshot(path=str(artifacts / "viewer_scenario_plan.png"))
    colours = get_json(f"{server}/buildings/{building}/scene-colors?scenario={sc['id']}")["colors"]
    assert closed in colours
    page.click("#tab-3d")
    page.wait_for_selector("#scene[data-ready='1']", state="attached", timeout=60_000)
    tinted = page.wait_for_function(
        "(g) => { const t = window.twinDebug.scene3d.tinted(); return t.includes(g) ? t : false; }",
        arg=closed,
        timeout=15_000,
    ).json_value()
    assert set(tinted) <= set(colours)
    page.screenshot(path=str(artifacts / "viewer_scenario_3d.png"))


def test_heat_map_layer_with_legend(page: Any, server: str, artifacts: Path) -> None:
    if not {"/sensors", "/readings"} <= _paths(server):
        pytest.fail("sensors or readings not served")
    building, storey = _storey_with_rooms(server)
    st = storey["guid"]
    sensors = get_json(f"{server}/sensors?storey={st}&quantity=temperature")
    sensors = [s for s in sensors if s.get("space")][:6]
    assert len(sensors) >= 2, "the storey has too few room temperature sensors"
    readings, by_space = [], {}
    for i, s in enumerate(sensors):
        lo = s["lower"] if s.get("lower") is not None else 18.0
        v = round(lo + 0.5 + i * 0.7, 1)  # inside the limits: no alarms
        readings.append({"sensor": s["id"], "t": _now(), "value": v, "unit": s["unit"]})
        by_space.setdefault(s["space"], []).append(v)
    send_json(f"{server}/readings", readings)
    means = {k: sum(v) / len(v) for k, v in by_space.items()}
    _open(page, server, building, st)
    page.select_option("#layer-heat-v", "temperature")
    page.check("#layer-heat")
    layer = '#plan [data-overlay="sensor:temperature"]'
    page.wait_for_selector(f"{layer} path[data-guid]", state="attached", timeout=15_000)
    filled = set(
        page.eval_on_selector_all(f"{layer} path[data-guid]", "e => e.map(x => x.dataset.guid)")
    )
    assert set(means) <= filled
    legend = page.locator("#legend")
    assert legend.is_visible()
    text = legend.inner_text()
    assert "temperature" in text
    live_all = get_json(f"{server}/sensors?storey={st}&quantity=temperature")
    vals: dict[str, list[float]] = {}
    for s in live_all:
        if s.get("space") and s.get("last_value") is not None:
            vals.setdefault(s["space"], []).append(s["last_value"])
    room_means = [sum(v) / len(v) for v in vals.values()]
    assert f"{min(room_means):.1f}" in legend.locator(".lo").inner_text()
    assert f"{max(room_means):.1f}" in legend.locator(".hi").inner_text()
    assert legend.locator(".rooms").inner_text().startswith(str(len(filled)))
    # one overlay at a time: the alarms overlay unticks the heat map and hides its legend
    if page.locator("#layer-alarms").count():
        page.check("#layer-alarms")
        assert not page.is_checked("#layer-heat")
        page.wait_for_selector("#legend", state="hidden", timeout=10_000)
    page.screenshot(path=str(artifacts / "viewer_heatmap.png"))


@pytest.mark.parametrize("size", [(1366, 768), (3840, 2160)], ids=["laptop", "wall"])
def test_layout_fits_laptop_and_wall_display(
    browser: Any, server: str, artifacts: Path, size: tuple[int, int]
) -> None:
    """No page scrolling; the plan takes most of the screen; search, layers, tickets in view."""
    width, height = size
    ctx = browser.new_context(viewport={"width": width, "height": height}, base_url=server)
    pg = ctx.new_page()
    try:
        building, storey = _storey_with_rooms(server)
        _open(pg, server, building, storey["guid"])
        box = pg.evaluate(
            """() => {
              const r = (id) => { const b = document.getElementById(id).getBoundingClientRect();
                                  return [b.left, b.top, b.right, b.bottom]; };
              const d = document.documentElement;
              return {scroll: [d.scrollWidth, d.scrollHeight], stage: r('stage'),
                      search: r('search-q'), layers: r('layers'), tickets: r('tickets-h')};
            }"""
        )
        assert box["scroll"][0] <= width and box["scroll"][1] <= height, box
        left, top, right, bottom = box["stage"]
        assert (right - left) * (bottom - top) >= 0.5 * width * height, box
        for name in ("search", "layers", "tickets"):
            x0, y0, x1, y1 = box[name]
            assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, (name, box)
        pg.screenshot(path=str(artifacts / f"viewer_layout_{width}x{height}.png"))
    finally:
        ctx.close()


def test_3d_isolate_explode_and_fly_to_a_search_hit(page: Any, server: str) -> None:
    """Storeys can be isolated and exploded; choosing a room on another storey from the search
    flies the camera to it."""
    building, storey = _open_3d(page, server)
    js = "() => window.twinDebug.scene3d.arrangement()"
    page.check("#isolate")
    shown = page.evaluate(js)
    assert [s["guid"] for s in shown if s["visible"]] == [storey["guid"]]
    page.uncheck("#isolate")
    page.check("#explode")
    shown = page.evaluate(js)
    assert all(s["visible"] for s in shown) and len({s["y"] for s in shown}) == len(shown) > 1
    page.uncheck("#explode")

    others = [s for s in get_json(f"{server}/buildings/{building}/storeys") if s["spaces"]]
    other = next(s for s in others if s["guid"] != storey["guid"])
    room = get_json(f"{server}/storeys/{other['guid']}/spaces")[0]
    page.fill("#search-q", room["number"])
    page.wait_for_selector("#search-results li", timeout=10_000)
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#sel-title[data-guid="{room["guid"]}"]', timeout=10_000)
    b = get_json(f"{server}/spaces/{room['guid']}")["bbox"]
    centre = [(b[i] + b[i + 3]) / 2 for i in range(3)]
    before = page.evaluate("() => window.twinDebug.scene3d.lookingAt()")
    landed = """(c) => {
      const t = window.twinDebug.scene3d.lookingAt();
      return t !== null && Math.max(...t.map((v, i) => Math.abs(v - c[i]))) < 0.5;
    }"""
    try:
        page.wait_for_function(landed, arg=centre, timeout=10_000)
    except Exception:
        now = page.evaluate("() => window.twinDebug.scene3d.lookingAt()")
        pytest.fail(f"camera looks at {now} (before {before}), not at the room centre {centre}")


def test_debug_surface_only_with_the_test_flag(browser: Any, server: str) -> None:
    """Production pages carry no test hooks: window.twinDebug (and debug.js) exist only with
    ?test=1, and a plain page does not load three.js before the 3D view opens."""
    building, storey = _storey_with_rooms(server)
    with watched_page(browser, server) as (pg, errors):
        pg.goto(f"/viewer/#view=plan&building={building}&storey={storey['guid']}")
        pg.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
        assert pg.evaluate("() => typeof window.twinDebug") == "undefined"
        loaded = pg.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
        assert not [u for u in loaded if u.endswith("/debug.js") or "/three" in u], loaded
        pg.goto(f"/viewer/?test=1#view=plan&building={building}&storey={storey['guid']}")
        pg.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
        surface = pg.evaluate("() => Object.keys(window.twinDebug.scene3d).sort()")
        assert {"arrangement", "held", "lookingAt", "pickAt", "tinted", "timings"} <= set(surface)
        # before the 3D view opens there is no scene: the surface answers "nothing", not an error
        assert pg.evaluate("() => window.twinDebug.scene3d.arrangement()") == []
    assert errors == [], errors


# a text box that asks for an identifier: what issue 13 says nobody should have to type
_ASKS_FOR_ID = r"""() => {
  const re = /GlobalId|guid|\bid\b/i;
  const out = [];
  const boxes = document.querySelectorAll(
    'input:not([type=checkbox]):not([type=radio]):not([type=file]):not([type=hidden])' +
    ':not([type=button]):not([type=submit]):not([type=color]):not([type=range]), textarea');
  for (const b of boxes) {
    if (!b.offsetParent && b.getClientRects().length === 0) continue;  // not visible
    const labels = [...(b.labels || [])].map((l) => l.textContent);
    const ref = (b.getAttribute('aria-labelledby') || '').split(/\s+/)
      .map((i) => document.getElementById(i)?.textContent || '');
    const said = [b.placeholder, b.getAttribute('aria-label'), b.title, ...labels, ...ref]
      .filter(Boolean);
    const name = b.id || b.name || b.tagName;
    if (said.some((t) => re.test(t))) out.push(`#${name}: ${said.join(' | ')}`);
  }
  return {asks: out, boxes: boxes.length};
}"""


def test_no_text_box_asks_for_an_id(page: Any, server: str) -> None:
    """Issue 13: nothing on the viewer's pages asks a user to type a GlobalId or an id; the
    trace, route and scenario layers are named, not typed."""
    building, storey = _storey_with_rooms(server)
    _open(page, server, building, storey["guid"])
    found = page.evaluate(_ASKS_FOR_ID)
    assert found["asks"] == [], found
    assert found["boxes"] >= 1  # the search box at least: the scan sees text boxes
    # the forms a selection opens (route, ticket, hazard, scenario) ask for none either
    room = _rooms_at_centre(page)[0]
    page.mouse.click(room["x"], room["y"])
    page.wait_for_selector(f'#sel-title[data-guid="{room["guid"]}"]', timeout=10_000)
    for action in page.eval_on_selector_all(
        "#sel-actions button[data-action]", "bs => bs.map(b => b.dataset.action)"
    ):
        if action in ("upstream", "downstream", "isolate"):
            continue  # they draw, they open no form
        page.click(f"#sel-actions button[data-action='{action}']")
        page.wait_for_timeout(300)
        found = page.evaluate(_ASKS_FOR_ID)
        assert found["asks"] == [], (action, found)
    # the Layers box names what is drawn and picks a scenario from a list: no text box in it
    assert page.locator("#layers input[type=text], #layers input:not([type])").count() == 0
    page.goto("/m")
    page.wait_for_load_state("networkidle")
    found = page.evaluate(_ASKS_FOR_ID)
    assert found["asks"] == [], found
