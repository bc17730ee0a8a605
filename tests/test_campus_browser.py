"""The viewer's campus map in chromium (issue 17), on the demo campus served with
``TWIN_CAMPUS``: the viewer opens on the map; one drawn footprint per building placed as the
models' georeferencing says (west to east as their map origins, read with ifcopenshell); every
path and connection drawn; ticket counts per building and a technician outdoors from the API;
a click on a building enters its plans; no request leaves localhost (no tile service)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ifcopenshell
import pytest

from tests.browser_support import chromium, get_json, send_json, serve_api, watched_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(
    demo_campus: Path, twin_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    settings = {"TWIN_CAMPUS": str(demo_campus / "campus.json"), "TWIN_WARM_UP": "false"}
    with serve_api([], twin_cache_dir, tmp_path_factory.mktemp("campus-viewer"), settings) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _origin_e(path: Path) -> float:
    (mc,) = ifcopenshell.open(str(path)).by_type("IfcMapConversion")
    return float(mc.Eastings)


def test_campus_map(browser: Any, server: str, demo_campus: Path) -> None:
    campus = get_json(f"{server}/campus")
    by_key = {b["key"]: b for b in campus["buildings"]}
    # a ticket in the outpatient block, a technician outdoors (a tower-frame point in no room)
    spaces = get_json(f"{server}/buildings/{by_key['outpatient']['guid']}/storeys")
    room = get_json(f"{server}/storeys/{spaces[0]['guid']}/spaces")[0]["guid"]
    send_json(f"{server}/tickets", {"title": "Door closer", "space": room})
    send_json(f"{server}/technicians", {"id": "t-yard", "name": "Yard", "skills": ["general"]})
    path = next(p for p in campus["paths"] if p["highway"] == "service")
    tower_storeys = get_json(f"{server}/buildings/{by_key['tower']['guid']}/storeys")
    ground = min(tower_storeys, key=lambda s: s["elevation"])
    from shapely.geometry import Point, shape

    # the path's middle vertex in the tower's own frame (the inverse of its map conversion)
    f = ifcopenshell.open(str(demo_campus / "tower.ifc"))
    (mc,) = f.by_type("IfcMapConversion")
    e, n = path["line"][len(path["line"]) // 2]
    a, b = float(mc.XAxisAbscissa or 1.0), float(mc.XAxisOrdinate or 0.0)
    dx, dy = e - float(mc.Eastings), n - float(mc.Northings)
    local = [a * dx + b * dy, -b * dx + a * dy, 0.5]
    assert not shape(by_key["tower"]["footprint"]).contains(Point(e, n))
    send_json(
        f"{server}/technicians/t-yard/position",
        {"point": local, "storey": ground["guid"]},
        method="PUT",
    )
    with watched_page(browser, server) as (pg, errors):
        outside: list[str] = []
        pg.on(
            "request",
            lambda r: outside.append(r.url) if not r.url.startswith(server) else None,
        )
        pg.goto("/viewer/")
        pg.wait_for_selector("#campus[data-ready='1']", timeout=60_000)
        assert pg.is_visible("#campus") and not pg.is_visible("#plan")
        shapes = pg.eval_on_selector_all(
            ".campus-building",
            "els => els.map(e => ({key: e.dataset.key, guid: e.dataset.guid, "
            "tickets: +e.dataset.tickets, box: e.getBoundingClientRect().toJSON()}))",
        )
        assert sorted(s["key"] for s in shapes) == sorted(by_key)
        drawn = {s["key"]: s for s in shapes}
        assert drawn["outpatient"]["tickets"] == 1 and drawn["tower"]["tickets"] == 0
        count = pg.text_content(".campus-count[data-key='outpatient']") or ""
        assert "1 ticket" in count
        # placed by georeferencing: west-to-east order of the drawn boxes = of the map origins
        files = {k: _origin_e(demo_campus / f"{k}.ifc") for k in by_key}
        centre = {k: s["box"]["x"] + s["box"]["width"] / 2 for k, s in drawn.items()}
        assert sorted(files, key=files.get) == sorted(centre, key=centre.get)
        assert pg.locator(".campus-path").count() == len(campus["paths"])
        assert pg.locator(".campus-link").count() == len(campus["connections"])
        assert pg.locator(".campus-tech").count() == 1
        assert pg.locator(".campus-path[data-steps='true']").count() == sum(
            p["steps"] for p in campus["paths"]
        )
        Path("test-artifacts").mkdir(exist_ok=True)
        pg.screenshot(path=str(Path("test-artifacts") / "campus_map.png"))
        pg.click(".campus-building[data-key='tower']")
        pg.wait_for_function(
            "g => document.getElementById('building').value === g && "
            "!document.getElementById('plan').hidden",
            arg=by_key["tower"]["guid"],
            timeout=30_000,
        )
        pg.wait_for_selector("#plan svg", timeout=30_000)
        assert outside == []
    assert errors == [], json.dumps(errors)
