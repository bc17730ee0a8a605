"""Names and texts from models and clients reach the viewer as text, never as markup.

The small demo hospital is copied with markup in the names of one room (Name and LongName), its
storey, its building and one element on that storey (edited with ifcopenshell.api, as a hostile
or careless exporter would write them); then a ticket, a technician and a sensor with markup in
their title and names are sent through the API, and a reading past the sensor's limit raises an
alarm whose message carries the sensor's name. The viewer opens the room, lists tickets, shows the
technician, searches the room and the element: no handler may run (``window.__xss`` stays
unset, no ``img`` or ``script`` element appears, nothing requests ``x``) and every text is shown
literally.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import chromium, get_json, send_json, serve_api, watched_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOM_NUMBER = '<img src=x onerror="window.__xss=1">'
ROOM_NAME = '<svg onload="window.__xss=4"></svg> ward'
STOREY = '<img src=x onerror="window.__xss=5">'
BUILDING = "<img src=x onerror=window.__xss=6>"
ELEMENT = '<img src=x onerror="window.__xss=9"> valve'
TICKET = '<script>window.__xss=2</script><img src=x onerror="window.__xss=3">'
TECHNICIAN = "<img src=x onerror=window.__xss=7>"
SENSOR = '<img src=x onerror="window.__xss=8">'


def write_hostile_copy(source: Path, target: Path) -> dict[str, str]:
    """Copy the model with markup in the names; the GlobalIds of what was renamed."""
    import ifcopenshell
    import ifcopenshell.api.attribute
    import ifcopenshell.util.element

    f = ifcopenshell.open(str(source))
    by_storey: dict[int, list[Any]] = {}
    for space in f.by_type("IfcSpace"):
        storey = ifcopenshell.util.element.get_aggregate(space)
        if storey is not None and storey.is_a("IfcBuildingStorey"):
            by_storey.setdefault(storey.id(), []).append(space)
    storey = f.by_id(max(by_storey, key=lambda k: len(by_storey[k])))
    # a room with a terminal (outlet, air terminal...) in it: both get hostile names
    room, element = next(
        (space, e)
        for space in by_storey[storey.id()]
        for e in f.by_type("IfcFlowTerminal")
        if ifcopenshell.util.element.get_container(e) == space
    )
    building = ifcopenshell.util.element.get_aggregate(storey)
    edit = ifcopenshell.api.attribute.edit_attributes
    edit(f, product=room, attributes={"Name": ROOM_NUMBER, "LongName": ROOM_NAME})
    edit(f, product=storey, attributes={"Name": STOREY})
    edit(f, product=building, attributes={"Name": BUILDING})
    edit(f, product=element, attributes={"Name": ELEMENT})
    f.write(str(target))
    return {
        "room": room.GlobalId,
        "storey": storey.GlobalId,
        "building": building.GlobalId,
        "element": element.GlobalId,
    }


@pytest.fixture(scope="module")
def hostile(
    small_hospital: Path, twin_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    """The API serving the hostile copy, with the ticket, technician and alarm in place."""
    tmp = tmp_path_factory.mktemp("xss")
    ids = write_hostile_copy(small_hospital, tmp / "hostile.ifc")
    with serve_api([tmp / "hostile.ifc"], twin_cache_dir, tmp) as server:
        room = ids["room"]
        send_json(f"{server}/tickets", {"title": TICKET, "space": room})
        send_json(
            f"{server}/technicians",
            {"id": "tech-x", "name": TECHNICIAN, "skills": ["general"], "shift": "on_shift"},
        )
        send_json(f"{server}/technicians/tech-x/position", {"space": room}, method="PUT")
        send_json(
            f"{server}/sensors",
            {"id": "xss-temp", "quantity": "temperature", "unit": "degC", "space": room,
             "upper": 30.0, "name": SENSOR},
        )  # fmt: skip
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        send_json(f"{server}/readings", [{"sensor": "xss-temp", "t": now, "value": 99.0}])
        assert any(a["space"] == room for a in get_json(f"{server}/alarms?state=active"))
        yield server, ids


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


NOTHING_RAN_JS = """() => ({
  xss: window.__xss ?? null,
  img: document.querySelectorAll('img').length,
  svgInjected: document.querySelectorAll('#panel svg, #tickets svg, header svg').length,
  scripts: [...document.scripts].filter((s) => !s.src && s.type !== 'importmap').length,
})"""


def _text(page: Any, selector: str) -> str:
    return str(page.locator(selector).first.text_content() or "")


def test_names_and_texts_are_shown_literally_and_never_run(
    browser: Any, hostile: tuple[str, dict[str, str]], artifacts: Path
) -> None:
    server, ids = hostile
    with watched_page(browser, server) as (page, errors):
        page.goto(
            f"/viewer/#view=plan&building={ids['building']}&storey={ids['storey']}"
            f"&sel={ids['room']}"
        )
        page.wait_for_selector("body[data-ready='1']", state="attached", timeout=30_000)
        page.wait_for_selector("#sel-alarms .alarm-item", timeout=10_000)
        page.wait_for_selector("#sel-tickets li:not(.muted)", timeout=10_000)
        # the room panel: title, properties, its alarm (message names the sensor), its ticket
        assert ROOM_NUMBER in _text(page, "#sel-title")
        assert ROOM_NAME in _text(page, "#sel-title")
        assert SENSOR in _text(page, "#sel-alarms .alarm-item")
        assert TICKET in _text(page, "#sel-tickets")
        # ticket list, pickers, the plan's label and the technician marker
        assert TICKET in _text(page, "#tickets li[data-id]")
        assert STOREY in _text(page, f'#storey option[value="{ids["storey"]}"]')
        assert BUILDING in _text(page, f'#building option[value="{ids["building"]}"]')
        plan_labels = page.locator("#plan svg text").all_text_contents()
        assert any(ROOM_NUMBER in t for t in plan_labels)
        page.wait_for_selector("#plan .technician title", state="attached", timeout=10_000)
        assert TECHNICIAN in _text(page, "#plan .technician title")
        # search: the element by its name, then the room by its long name
        page.fill("#search-q", 'onerror="window.__xss=9')
        page.wait_for_selector("#search-results li", timeout=5_000)
        assert ELEMENT in _text(page, "#search-results li")
        page.keyboard.press("Enter")
        page.wait_for_selector(f'#sel-title[data-guid="{ids["element"]}"]', timeout=10_000)
        assert ELEMENT in _text(page, "#sel-title")
        page.fill("#search-q", "svg onload")
        page.wait_for_selector("#search-results li", timeout=5_000)
        assert ROOM_NAME in _text(page, "#search-results li")
        page.wait_for_timeout(500)  # an injected image would have failed to load by now
        page.screenshot(path=str(artifacts / "viewer_xss.png"))
        ran = page.evaluate(NOTHING_RAN_JS)
    assert ran == {"xss": None, "img": 0, "svgInjected": 0, "scripts": 0}
    assert errors == [], f"console errors or failed requests: {errors}"
