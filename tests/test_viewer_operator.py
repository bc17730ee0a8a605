"""The operator's viewer (issue 13, command-centre side) in a real browser: the alarm inbox over
SSE, actions on a clicked element (isolate), a dispatched ticket's route, search by asset tag.

One API server (the small demo hospital, a fresh SQLite store) and one chromium for the module;
every page refuses requests that leave localhost and fails the test on a console error or an HTTP
error. Truths come from the API called separately (the isolation and the route), from networkx-free
hand checks (the route's length summed here from its points), never from the viewer's own code.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.browser_support import chromium, get_json, send_json, serve_api
from tests.samples.spatial import hand_twin
from twin.spatial.index import build_index


def test_search_finds_an_element_by_its_asset_tag() -> None:
    """An element whose IFC carries a tag number, bar code or serial number is found by it
    (the viewer's search box: "room number, name or asset tag")."""
    twin = hand_twin()
    target = next(e for e in twin.elements.values() if e.kind != "space")
    tagged = dataclasses.replace(
        target,
        psets={
            "Pset_ConstructionOccurence": {"TagNumber": "AHU-07"},
            "Pset_ManufacturerOccurrence": {"SerialNumber": "SN-4471", "BarCode": "n/a"},
        },
    )
    twin = dataclasses.replace(twin, elements={**twin.elements, target.guid: tagged})
    idx = build_index(twin)
    for needle in ("AHU-07", "ahu-07", "SN-4471"):
        hits = idx.search(needle, limit=5)
        assert hits and hits[0].guid == target.guid, (needle, hits)
    assert not idx.search("n/a", limit=5)  # a placeholder is no tag


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest, twin_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    try:
        import models_ifc.hospital  # noqa: F401
    except ImportError:
        pytest.skip("the demo hospital generator is not importable")
    model = Path(request.getfixturevalue("small_hospital"))
    with serve_api([model], twin_cache_dir, tmp_path_factory.mktemp("operator")) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture()
def page(browser: Any, server: str) -> Iterator[Any]:
    """A 1366x768 page: no request may leave localhost; no console or HTTP error."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=server)
    errors: list[str] = []
    outside: list[str] = []

    def route(r: Any) -> None:
        host = urlparse(r.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    pg = ctx.new_page()
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on(
        "response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None
    )
    try:
        yield pg
    finally:
        ctx.close()
    assert outside == [], f"requests left localhost: {outside}"
    assert errors == [], f"console errors: {errors}"


def _length(line: list[list[float]]) -> float:
    """A polyline's length, summed here point to point."""
    return sum(math.dist(a, b) for a, b in itertools.pairwise(line))


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _storeys(server: str) -> tuple[str, list[dict[str, Any]]]:
    building = get_json(f"{server}/buildings")[0]["guid"]
    return building, get_json(f"{server}/buildings/{building}/storeys")


def _open(page: Any, building: str, storey: str | None = None) -> None:
    where = f"&storey={storey}" if storey else ""
    page.goto(f"/viewer/?test=1#view=plan&building={building}{where}")
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
    page.wait_for_selector("#plan[data-ready='1']", state="attached", timeout=10_000)


@pytest.mark.browser
@pytest.mark.slow
def test_operator_critical_alarm_inbox_goes_to_storey_and_acknowledges(
    page: Any, server: str, artifacts: Path
) -> None:
    building, storeys = _storeys(server)
    sensors = [
        s for s in get_json(f"{server}/sensors") if s.get("space") and s.get("upper") is not None
    ]
    ground = storeys[0]["guid"]
    sensor = next(s for s in sensors if s["storey"] != ground)  # the alarm is not where we look
    rule = send_json(
        f"{server}/alarm-rules",
        {
            "kind": "above",
            "sensor": sensor["id"],
            "threshold": sensor["upper"] + 1,
            "severity": "critical",
        },
    )
    _open(page, building, ground)
    page.wait_for_selector("#live-status.on", timeout=10_000)
    assert page.input_value("#storey") == ground
    send_json(
        f"{server}/readings",
        [
            {
                "sensor": sensor["id"],
                "t": _now(),
                "value": sensor["upper"] + 5,
                "unit": sensor["unit"],
            }
        ],
    )

    # the inbox shows it over SSE, highest priority first, with a notice
    critical = page.locator("#inbox-list li[data-priority='critical']")
    critical.first.wait_for(timeout=10_000)
    api = get_json(f"{server}/alarm-inbox?building={building}")
    ours = next(i for i in api["items"] if i["alarm"]["rule"] == f"rule:{rule['id']}")
    alarm_id = ours["alarm"]["id"]
    assert critical.first.get_attribute("data-alarm") == str(alarm_id)
    assert page.locator("#notice").is_visible()
    assert sensor["name"] in page.locator("#notice").inner_text()
    # the viewer follows it: its storey, its room selected
    page.wait_for_function(
        "s => document.getElementById('storey').value === s", arg=sensor["storey"], timeout=10_000
    )
    page.wait_for_selector(f'#sel-title[data-guid="{sensor["space"]}"]', timeout=10_000)
    page.wait_for_selector(f'#plan [data-guid="{sensor["space"]}"].selected', state="attached")
    # the storey picker counts the storey's inbox alarms
    counts = api["by_storey"]
    option = page.locator(f'#storey option[value="{sensor["storey"]}"]')
    assert option.get_attribute("data-alarms") == str(counts[sensor["storey"]])
    assert f"{counts[sensor['storey']]} alarm" in option.inner_text()
    page.screenshot(path=str(artifacts / "viewer_operator_inbox.png"))

    # acknowledge from the inbox: the API says so
    page.click(f"#inbox-list li[data-alarm='{alarm_id}'] button[data-ack]")
    page.wait_for_selector(
        f"#inbox-list li[data-alarm='{alarm_id}'][data-state='active-acknowledged']", timeout=10_000
    )
    after = get_json(f"{server}/alarm-inbox?building={building}")
    row = next(i for i in after["items"] if i["alarm"]["id"] == alarm_id)
    assert row["inbox_state"] == "active-acknowledged"
    assert row["alarm"]["acknowledged"] is not None

    # a fresh viewer without a storey in its link opens on the most urgent open alarm
    _open(page, building)
    assert page.input_value("#storey") == sensor["storey"]
    page.wait_for_selector(f'#sel-title[data-guid="{sensor["space"]}"]', timeout=10_000)

    # shelve it with a reason and an expiry: it leaves the inbox, the API holds the shelf
    page.click(f"#inbox-list li[data-alarm='{alarm_id}'] button[data-shelve]")
    page.fill(
        f"#inbox-list li[data-alarm='{alarm_id}'] input[name=reason]", "sensor being replaced"
    )
    page.select_option(f"#inbox-list li[data-alarm='{alarm_id}'] select[name=minutes]", "240")
    page.click(f"#inbox-list li[data-alarm='{alarm_id}'] form button[type=submit]")
    page.wait_for_selector(
        f"#inbox-list li[data-alarm='{alarm_id}']", state="detached", timeout=10_000
    )
    shelf = next(s for s in get_json(f"{server}/alarm-shelves") if s["alarm"] == alarm_id)
    assert shelf["reason"] == "sensor being replaced"


def _click_shape(page: Any, guid: str) -> None:
    page.focus("#plan")
    page.keyboard.press("0")  # fit: every shape is on screen
    page.locator(f'#plan [data-guid="{guid}"]').first.click(force=True)
    page.wait_for_selector(f'#sel-title[data-guid="{guid}"]', timeout=10_000)


@pytest.mark.browser
@pytest.mark.slow
def test_click_element_isolate_lists_and_draws_the_valves(
    page: Any, server: str, artifacts: Path
) -> None:
    building, storeys = _storeys(server)
    target = answer = None
    for s in storeys:  # a terminal drawn on the plan whose isolation closes valves on its storey
        for e in get_json(f"{server}/elements?storey={s['guid']}&kind=terminal&limit=40")["items"]:
            iso = get_json(f"{server}/elements/{e['guid']}/isolation")
            if iso["possible"] and any(v["storey"] == s["guid"] for v in iso["valves"]):
                target, answer = e, iso
                break
        if target:
            break
    assert target is not None and answer is not None, "no isolatable terminal in the hospital"
    _open(page, building, target["storey"])
    _click_shape(page, target["guid"])
    page.click("#sel-actions button[data-action='isolate']")
    page.wait_for_selector("#isolation li[data-valve]", timeout=10_000)
    listed = page.eval_on_selector_all(
        "#isolation li[data-valve]", "e => e.map(x => x.dataset.valve)"
    )
    assert listed == [v["guid"] for v in answer["valves"]]
    names = page.locator("#isolation").inner_text()
    assert all(v["name"] in names for v in answer["valves"])
    assert not any(v["guid"] in names for v in answer["valves"])  # names, never GlobalIds
    here = {v["guid"] for v in answer["valves"] if v["storey"] == target["storey"]}
    drawn = set(
        page.eval_on_selector_all(
            "#plan #isolate-valves [data-guid]", "e => e.map(x => x.dataset.guid)"
        )
    )
    assert drawn == here
    # the checklist counts what is closed
    page.check(f"#isolation input[data-valve='{answer['valves'][0]['guid']}']")
    assert (
        page.locator("#isolation-progress").inner_text().startswith(f"1 of {len(answer['valves'])}")
    )
    assert page.locator('#key li[data-state="isolate"]').count() == 1
    page.screenshot(path=str(artifacts / "viewer_operator_isolate.png"))


@pytest.mark.browser
@pytest.mark.slow
def test_ticket_show_route_draws_the_dispatched_route(
    page: Any, server: str, artifacts: Path
) -> None:
    building, storeys = _storeys(server)
    storey = max(storeys, key=lambda s: s["spaces"])
    spaces = get_json(f"{server}/storeys/{storey['guid']}/spaces")
    start, goal = spaces[-1], spaces[1]
    tech = f"tech-op-{int(time.time() * 1000) % 100000}"
    send_json(f"{server}/technicians", {"id": tech, "name": "Otto Operator", "skills": ["general"]})
    send_json(f"{server}/technicians/{tech}/position", {"space": start["guid"]}, method="PUT")
    ticket = send_json(
        f"{server}/tickets", {"title": "Door sticks", "space": goal["guid"], "skill": "general"}
    )
    send_json(f"{server}/tickets/{ticket['id']}/dispatch", {"technician": tech})
    route = get_json(f"{server}/tickets/{ticket['id']}")["route"]
    assert route and route["polyline3d"]
    _open(page, building, storey["guid"])
    page.click(f"#tickets button[data-route='{ticket['id']}']")
    page.wait_for_selector("#plan .drawn-route polyline", state="attached", timeout=10_000)
    # the plan draws this storey's part of the route: its length is the API polylines' length
    pts = page.eval_on_selector_all(
        "#plan .drawn-route polyline",
        "e => e.map(p => p.getAttribute('points').trim().split(/\\s+/)"
        ".map(q => q.split(',').map(Number)))",
    )
    drawn = sum(_length(line) for line in pts)
    expect = sum(_length(line) for line in route["polylines"][storey["guid"]])
    assert drawn == pytest.approx(expect, rel=1e-3, abs=0.05)
    assert float(page.locator("#route-summary").get_attribute("data-length")) == route["length_m"]
    page.screenshot(path=str(artifacts / "viewer_operator_route_plan.png"))
    # and in 3D as a tube whose polyline is the whole route (its length the API's length_m)
    page.click("#tab-3d")
    page.wait_for_selector("#scene[data-ready='1']", state="attached", timeout=60_000)
    page.wait_for_selector("#stage[data-route-tube]", state="attached", timeout=10_000)
    tube = float(page.get_attribute("#stage", "data-route-tube"))
    by_hand = _length(route["polyline3d"])
    assert tube == pytest.approx(by_hand, abs=0.01)
    assert tube == pytest.approx(route["length_m"], abs=0.1)
    paths = page.evaluate("() => window.twinDebug.scene3d.paths()")
    assert paths["route"]["points"] == len(route["polyline3d"])
    # room labels for the selected storey only, x-ray on
    labels = page.eval_on_selector_all("#scene .room-label", "e => e.map(x => x.dataset.guid)")
    assert set(labels) == {s["guid"] for s in spaces if s.get("bbox")}
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "viewer_operator_route_3d.png"))


FIT_JS = """() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => {
  const legend = document.querySelector('#plan .layer-overlay .legend').getBoundingClientRect();
  const labels = [...document.querySelectorAll('#plan text.label[data-guid]')]
    .filter((t) => getComputedStyle(t).display !== 'none')
    .map((t) => { const r = t.getBoundingClientRect();
                  return {px: parseFloat(getComputedStyle(t).fontSize),
                          r: [r.left, r.top, r.right, r.bottom]}; });
  done({legend: [legend.left, legend.top, legend.right, legend.bottom], labels});
})))"""


@pytest.mark.browser
@pytest.mark.slow
def test_plan_labels_scale_with_zoom_and_keep_clear_of_the_legend(
    page: Any, server: str, artifacts: Path
) -> None:
    building, storeys = _storeys(server)
    storey = max(storeys, key=lambda s: s["spaces"])
    _open(page, building, storey["guid"])
    page.check("#layer-alarms")  # the server draws its severity legend into the plan
    page.wait_for_selector("#plan .layer-overlay .legend", state="attached", timeout=10_000)
    page.focus("#plan")
    seen = []
    for key, times in (("0", 1), ("+", 3), ("-", 6)):
        for _ in range(times):
            page.keyboard.press(key)
        got = page.evaluate(FIT_JS)
        lx0, ly0, lx1, ly1 = got["legend"]
        assert 0 < ly1 - ly0 < 200, got["legend"]  # a fixed screen size, not metres
        for lab in got["labels"]:
            x0, y0, x1, y1 = lab["r"]
            assert not (x0 < lx1 and x1 > lx0 and y0 < ly1 and y1 > ly0), (key, lab, got["legend"])
            assert lab["px"] <= 15.5, (key, lab)
        seen.append((got["legend"][3] - got["legend"][1], len(got["labels"])))
        if key == "+":
            page.screenshot(path=str(artifacts / "viewer_operator_labels_zoomed.png"))
    heights = [h for h, _ in seen]
    assert max(heights) - min(heights) < 2, seen  # the legend keeps its size at every zoom
    assert seen[0][1] > 0, "no room label readable at the fitted zoom"


@pytest.mark.browser
@pytest.mark.slow
def test_3d_fly_to_room_from_outside_and_technicians_on_their_storey(
    page: Any, server: str, artifacts: Path
) -> None:
    building, storeys = _storeys(server)
    with_rooms = [s for s in storeys if s["spaces"]]
    here, above = with_rooms[1], with_rooms[2]
    rooms = get_json(f"{server}/storeys/{here['guid']}/spaces")
    up = get_json(f"{server}/storeys/{above['guid']}/spaces")
    stamp = int(time.time() * 1000) % 100000
    for tid, room in ((f"tech-here-{stamp}", rooms[0]), (f"tech-above-{stamp}", up[0])):
        send_json(
            f"{server}/technicians", {"id": tid, "name": "Tess Storey", "skills": ["general"]}
        )
        send_json(f"{server}/technicians/{tid}/position", {"space": room["guid"]}, method="PUT")
    index = {s["guid"]: i for i, s in enumerate(storeys)}
    # shown: technicians on the selected storey or below it (the storeys above are ghosts)
    expect = sum(
        1
        for t in get_json(f"{server}/technicians")
        if t.get("storey") in index and index[t["storey"]] <= index[here["guid"]]
    )
    _open(page, building, here["guid"])
    page.click("#tab-3d")
    page.wait_for_selector("#scene[data-ready='1']", state="attached", timeout=60_000)
    page.wait_for_function(
        "n => document.getElementById('scene').dataset.technicians === String(n)",
        arg=expect,
        timeout=10_000,
    )
    room = rooms[len(rooms) // 2]
    page.fill("#search-q", room["number"])
    page.wait_for_selector("#search-results li", timeout=10_000)
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#sel-title[data-guid="{room["guid"]}"]', timeout=10_000)
    b = room["bbox"]
    centre = [(b[i] + b[i + 3]) / 2 for i in range(3)]
    page.wait_for_function(
        """(c) => { const t = window.twinDebug.scene3d.lookingAt();
                    return t !== null
                      && Math.max(...t.map((v, i) => Math.abs(v - c[i]))) < 0.5; }""",
        arg=centre,
        timeout=10_000,
    )
    cam = page.evaluate("() => window.twinDebug.scene3d.cameraAt()")
    inside = all(b[i] <= cam[i] <= b[i + 3] for i in range(3))
    assert not inside and cam[2] > b[5], (cam, b)  # outside the room, above its walls
    # the line of sight enters the room's box through its top, not through a side (a wall)
    k = (cam[2] - b[5]) / (cam[2] - centre[2])
    at_top = [cam[i] + k * (centre[i] - cam[i]) for i in range(2)]
    assert b[0] <= at_top[0] <= b[3] and b[1] <= at_top[1] <= b[4], (cam, at_top, b)
    canvas = page.locator("#scene canvas").bounding_box()
    hit = page.evaluate(
        "([x, y]) => window.twinDebug.scene3d.pickAt(x, y)",
        [canvas["x"] + canvas["width"] / 2, canvas["y"] + canvas["height"] / 2],
    )
    assert hit is not None and hit["kind"] not in {"wall", "door", "window"}, hit
    labels = page.eval_on_selector_all("#scene .room-label", "e => e.map(x => x.dataset.guid)")
    assert set(labels) == {s["guid"] for s in rooms if s.get("bbox")}
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "viewer_operator_flyto_3d.png"))


@pytest.mark.browser
@pytest.mark.slow
def test_add_to_scenario_goes_to_the_open_pencil_else_to_a_stored_scenario(
    page: Any, server: str
) -> None:
    building, storeys = _storeys(server)
    storey = max(storeys, key=lambda s: s["spaces"])
    rooms = get_json(f"{server}/storeys/{storey['guid']}/spaces")
    room, other = rooms[3], rooms[4]
    _open(page, building, storey["guid"])
    # no pencil open: a new stored scenario closing the room
    _click_shape(page, room["guid"])
    page.click("#sel-actions button[data-action='scenario']")
    page.fill("#scenario-name", "operator closes a room")
    page.click("#scenario-form button[type=submit]")
    page.wait_for_selector("#scenario-saved", timeout=10_000)
    sid = page.get_attribute("#scenario-saved", "data-scenario")
    stored = get_json(f"{server}/scenarios/{sid}")
    assert stored["name"] == "operator closes a room"
    assert stored["document"]["closed_spaces"] == [room["guid"]]
    # the same scenario picked from the list gains a second room
    _click_shape(page, other["guid"])
    page.click("#sel-actions button[data-action='scenario']")
    page.select_option("#scenario-pick", sid)
    page.click("#scenario-form button[type=submit]")
    page.wait_for_selector("#scenario-saved", timeout=10_000)
    doc = get_json(f"{server}/scenarios/{sid}")["document"]
    assert set(doc["closed_spaces"]) == {room["guid"], other["guid"]}
    # with the planner's pencil open, the room joins the drawing instead
    if page.locator("#pencil-toggle").count():
        before = len(get_json(f"{server}/scenarios"))
        page.click("#pencil-toggle")
        _click_shape(page, room["guid"])
        page.click("#sel-actions button[data-action='scenario']")
        page.wait_for_function(
            "() => document.getElementById('pencil-drawn').textContent"
            ".includes('1 room(s) picked')",
            timeout=10_000,
        )
        assert "being drawn" in page.locator("#action-out").inner_text()
        assert len(get_json(f"{server}/scenarios")) == before  # nothing stored behind its back
