"""The whole campus in 3D (issue 17, viewer/js/campus3d.js) in chromium, on the demo campus served
with ``TWIN_CAMPUS``: every building's scene.glb placed by its own georeferencing into one
map-aligned scene. Truth comes from the IFC files read with ifcopenshell (IfcMapConversion,
placements, the bridge and tunnel spaces' outlines) and this file's own map arithmetic; the
scene's side is read through the ``?test=1`` debug surface (``twinDebug.campus3d``: model points
and drawn triangles through the scene's world transforms). The bridge's far end in the tower model
and the outpatient block's door meet within 5 cm in the scene, and so do each tunnel's end in the
energy centre and its building's plant-room door; no console error, no request leaves localhost."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.util.placement
import numpy as np
import pytest

from tests.browser_support import chromium, get_json, send_json, serve_api, watched_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOL = 0.05  # the "line up within 5 cm"


@pytest.fixture(scope="module")
def server(
    demo_campus: Path, twin_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    settings = {"TWIN_CAMPUS": str(demo_campus / "campus.json"), "TWIN_WARM_UP": "false"}
    with serve_api([], twin_cache_dir, tmp_path_factory.mktemp("campus-3d"), settings) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _conversion(f: ifcopenshell.file) -> Any:
    (mc,) = f.by_type("IfcMapConversion")
    return mc


def _to_map(f: ifcopenshell.file, p: np.ndarray) -> np.ndarray:
    """Local (world) metres of one model to [E, N, H] under its own IfcMapConversion."""
    mc = _conversion(f)
    a, b = float(mc.XAxisAbscissa), float(mc.XAxisOrdinate)
    norm = math.hypot(a, b)
    a, b, s = a / norm, b / norm, float(mc.Scale or 1.0)
    x, y, z = (float(v) for v in p)
    return np.array(
        [
            mc.Eastings + s * (a * x - b * y),
            mc.Northings + s * (b * x + a * y),
            mc.OrthogonalHeight + z,
        ]
    )


def _origin(product: Any) -> np.ndarray:
    m = np.asarray(ifcopenshell.util.placement.get_local_placement(product.ObjectPlacement))
    return m[:3, 3]


def _outline(space: Any) -> list[np.ndarray]:
    """The space's extruded polyline in its model's world metres (z = the space's floor)."""
    m = np.asarray(ifcopenshell.util.placement.get_local_placement(space.ObjectPlacement))
    (rep,) = space.Representation.Representations
    (solid,) = rep.Items
    pts = solid.SweptArea.OuterCurve.Points
    return [(m @ np.array([*p.Coordinates, 0.0, 1.0]))[:3] for p in pts[:-1]]


def _doors_by_space(f: ifcopenshell.file) -> dict[str, list[str]]:
    pairs: dict[str, list[str]] = {}
    for rel in f.by_type("IfcRelSpaceBoundary"):
        el = rel.RelatedBuildingElement
        if el is not None and el.is_a("IfcDoor"):
            pairs.setdefault(el.GlobalId, []).append(rel.RelatingSpace.GlobalId)
    return pairs


def _bridge_ends(
    models: dict[str, ifcopenshell.file], file: dict[str, Any]
) -> tuple[np.ndarray, Any]:
    """The bridge space's far edge (tower metres) and the outpatient block's level-1 door that
    opens onto nothing in its own model."""
    (bridge,) = [c for c in file["connections"] if c["kind"] == "bridge"]
    tower, outpatient = models[bridge["a"]["model"]], models[bridge["b"]["model"]]
    space = tower.by_guid(bridge["a"]["space"])
    (tower_door,) = [
        tower.by_guid(d) for d, sp in _doors_by_space(tower).items() if space.GlobalId in sp
    ]
    door_at = _origin(tower_door)
    far = sorted(_outline(space), key=lambda p: -float(np.linalg.norm(p[:2] - door_at[:2])))[:2]
    storey = next(s for s in outpatient.by_type("IfcBuildingStorey") if s.Name == "Level 1")
    (outside,) = [
        outpatient.by_guid(d)
        for d, sp in _doors_by_space(outpatient).items()
        if len(sp) == 1
        and outpatient.by_guid(d).ContainedInStructure[0].RelatingStructure == storey
    ]
    return (far[0] + far[1]) / 2, outside


def test_campus_in_3d(browser: Any, server: str, demo_campus: Path) -> None:
    file = json.loads((demo_campus / "campus.json").read_text())
    models = {m["key"]: ifcopenshell.open(str(demo_campus / m["file"])) for m in file["models"]}
    campus = get_json(f"{server}/campus")
    by_key = {b["key"]: b for b in campus["buildings"]}
    assert set(by_key) == set(models)
    # /campus says where each building's own frame sits: its IfcMapConversion
    for key, f in models.items():
        mc, pl = _conversion(f), by_key[key]["placement"]
        assert abs(pl["eastings"] - mc.Eastings) < 1e-6
        assert abs(pl["northings"] - mc.Northings) < 1e-6
        assert abs(pl["height"] - mc.OrthogonalHeight) < 1e-6
        angle = math.degrees(math.atan2(mc.XAxisOrdinate, mc.XAxisAbscissa))
        assert abs(pl["rotation_deg"] - angle) < 1e-9
    # a ticket in the outpatient block: its 3D label counts it
    storeys = get_json(f"{server}/buildings/{by_key['outpatient']['guid']}/storeys")
    room = get_json(f"{server}/storeys/{storeys[0]['guid']}/spaces")[0]["guid"]
    send_json(f"{server}/tickets", {"title": "Blind stuck", "space": room})

    far_mid, outpatient_door = _bridge_ends(models, file)
    with watched_page(browser, server) as (pg, errors):
        outside: list[str] = []
        pg.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
        pg.goto("/viewer/?test=1")
        pg.wait_for_selector("#campus[data-ready='1'][data-mode='map']", timeout=60_000)
        pg.click(".campus-toggle")
        pg.wait_for_selector("#campus3d[data-ready='1']", timeout=60_000)
        assert pg.get_attribute("#campus3d", "data-buildings") == str(len(models))
        dbg = "window.twinDebug.campus3d"
        origin = pg.evaluate(f"{dbg}.origin()")
        b = campus["bounds"]
        assert abs(origin[0] - (b[0] + b[2]) / 2) < 1e-6  # the view's origin: the campus centre

        def scene_map(key: str, p: np.ndarray) -> np.ndarray:
            at = pg.evaluate(f"([k, p]) => {dbg}.modelToMap(k, p)", [key, [float(v) for v in p]])
            return np.array(at)

        # the bridge: the tower's far edge and the outpatient door meet in the scene
        a = scene_map("tower", far_mid)
        door = scene_map("outpatient", _origin(outpatient_door))
        assert np.linalg.norm(a - door) < TOL
        # ... where the files' own map conversions put them (not only consistent with each other)
        assert np.linalg.norm(a - _to_map(models["tower"], far_mid)) < 0.01
        assert np.linalg.norm(door - _to_map(models["outpatient"], _origin(outpatient_door))) < 0.01
        # the door as drawn (its triangles from the outpatient block's scene.glb) is at that point
        box = pg.evaluate(f"g => {dbg}.mapBoxOf(g)", outpatient_door.GlobalId)
        assert box is not None
        lo, hi = np.array(box[:3]) - TOL, np.array(box[3:]) + TOL
        assert np.all(lo[:2] <= a[:2]) and np.all(a[:2] <= hi[:2]), (box, a.tolist())
        assert abs(a[2] - box[2]) < TOL  # the bridge's floor is the door's sill
        # the tunnels: each end in the energy centre meets its building's plant-room door
        energy = models["energy"]
        tunnels = [c for c in file["connections"] if c["kind"] == "tunnel"]
        assert len(tunnels) == 2
        for t in tunnels:
            target = models[t["b"]["model"]]
            plant = t["b"]["space"]
            (tdoor,) = [
                target.by_guid(d) for d, sp in _doors_by_space(target).items() if sp == [plant]
            ]
            door_at = scene_map(t["b"]["model"], _origin(tdoor))
            corners = [scene_map("energy", p) for p in _outline(energy.by_guid(t["a"]["space"]))]
            near = sorted(corners, key=lambda p: float(np.linalg.norm(p[:2] - door_at[:2])))
            assert np.linalg.norm((near[0] + near[1])[:2] / 2 - door_at[:2]) < TOL
        # bridges and tunnels drawn between their /campus end points
        links = pg.evaluate(f"{dbg}.links()")
        assert set(links) == {c["id"] for c in campus["connections"]}
        for c in campus["connections"]:
            ends = np.array(links[c["id"]]["ends"])
            assert links[c["id"]]["kind"] == c["kind"]
            assert np.linalg.norm(ends - np.array(c["line"])) < 0.01
        # labels: one per building, with its counts
        labels = pg.eval_on_selector_all(
            ".campus3d-label",
            "els => els.map(e => ({key: e.dataset.key, text: e.textContent}))",
        )
        assert sorted(x["key"] for x in labels) == sorted(models)
        text = {x["key"]: x["text"] for x in labels}
        assert "1 ticket" in text["outpatient"] and "no alarms" in text["tower"]
        Path("test-artifacts").mkdir(exist_ok=True)
        pg.screenshot(path=str(Path("test-artifacts") / "campus_3d.png"))
        # a click on the tower's middle enters its plans
        x, y = pg.evaluate(f"{dbg}.screenOf('tower')")
        assert pg.evaluate(f"([x, y]) => {dbg}.pickAt(x, y)", [x, y]) == "tower"
        pg.mouse.click(x, y)
        pg.wait_for_function(
            "g => document.getElementById('building').value === g && "
            "!document.getElementById('plan').hidden",
            arg=by_key["tower"]["guid"],
            timeout=30_000,
        )
        # back on the Campus tab the 3D scene is still there (not loaded again); the button
        # goes back to the map
        glbs = pg.evaluate(
            "performance.getEntriesByType('resource').filter(e => e.name.includes('scene.glb'))"
            ".length"
        )
        pg.click("#tab-campus")
        pg.wait_for_selector("#campus3d[data-ready='1']", state="visible", timeout=30_000)
        assert pg.get_attribute("#campus3d", "data-buildings") == str(len(models))
        pg.click(".campus-toggle")
        pg.wait_for_selector("#campus[data-mode='map'] .campus-map", timeout=30_000)
        assert pg.locator(".campus-building").count() == len(models)
        assert glbs == len(models) and pg.evaluate(
            "performance.getEntriesByType('resource').filter(e => e.name.includes('scene.glb'))"
            ".length"
        ) == len(models)
        assert outside == []
    assert errors == [], json.dumps(errors)
