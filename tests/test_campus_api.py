"""The campus over HTTP (issue 17): GET /campus, GET /campus.geojson (WGS84 and the map CRS),
POST /campus/route (bridge, a stored scenario closing it, cart), on the demo campus.

Truth: the footprints' and paths' coordinates are checked against the models' map conversions
read with ifcopenshell and the footpaths GeoJSON itself, not through the code under test.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import ifcopenshell
import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer
from shapely.geometry import Point, shape


@pytest.fixture(scope="module")
def client(
    demo_campus: Path, twin_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    from api.app import create_app
    from api.settings import Settings

    tmp = tmp_path_factory.mktemp("campus-api")
    settings = Settings(
        campus=demo_campus / "campus.json",
        cache_dir=twin_cache_dir,
        store_url=f"sqlite:///{tmp}/live.db",
        upload_dir=tmp / "uploads",
        warm_up=False,
    )
    with TestClient(create_app(settings)) as c:
        yield c


def _map_origin(path: Path) -> tuple[float, float]:
    f = ifcopenshell.open(str(path))
    (mc,) = f.by_type("IfcMapConversion")
    return float(mc.Eastings), float(mc.Northings)


def test_campus_overview(client: TestClient, demo_campus: Path) -> None:
    doc = json.loads((demo_campus / "campus.json").read_text())
    r = client.get("/campus")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["crs"] == doc["crs"]
    assert [b["key"] for b in body["buildings"]] == [m["key"] for m in doc["models"]]
    for b in body["buildings"]:
        fp = shape(b["footprint"])
        # each model's own map origin (IfcMapConversion read with ifcopenshell) is a corner of
        # its building: within a metre of the footprint drawn from the twin
        e, n = _map_origin(demo_campus / f"{b['key']}.ifc")
        assert fp.distance(Point(e, n)) < 1.0
        assert fp.area > 100
        lon, lat = shape(b["footprint_wgs84"]).centroid.coords[0]
        assert 13.0 < lon < 14.0 and 52.0 < lat < 53.0
        assert b["alarms"] == 0 and b["tickets"] == 0
        assert b["entrances"]
    assert {c["id"] for c in body["connections"]} == {c["id"] for c in doc["connections"]}
    gj = json.loads((demo_campus / doc["footpaths"]).read_text())
    assert len(body["paths"]) == len(gj["features"])
    assert body["has_paths"] and body["technicians_outdoors"] == []


def test_campus_geojson_in_wgs84_and_map_crs(client: TestClient, demo_campus: Path) -> None:
    gj = json.loads((demo_campus / "footpaths.geojson").read_text())
    r = client.get("/campus.geojson")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    wgs = r.json()
    paths = [f for f in wgs["features"] if f["properties"]["kind"] == "path"]
    # the WGS84 answer gives the input's coordinates back (a pyproj round trip, < 1e-7 deg)
    src = {f["properties"]["name"]: f["geometry"]["coordinates"] for f in gj["features"]}
    for f in paths:
        want = src[f["properties"]["name"]]
        got = f["geometry"]["coordinates"]
        assert len(got) == len(want)
        for (a, b), (c, d) in zip(got, want, strict=True):
            assert abs(a - c) < 1e-7 and abs(b - d) < 1e-7
    crs = json.loads((demo_campus / "campus.json").read_text())["crs"]
    m = client.get("/campus.geojson", params={"crs": crs}).json()
    assert m["crs"]["properties"]["name"].endswith(crs.split(":")[1])
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    mp = {
        f["properties"]["name"]: f["geometry"]["coordinates"]
        for f in m["features"]
        if f["properties"]["kind"] == "path"
    }
    for name, coords in src.items():
        for (lon, lat), (e, n) in zip(coords, mp[name], strict=True):
            ee, nn = fwd.transform(lon, lat)
            assert math.dist((e, n), (ee, nn)) < 1e-3
    kinds = {f["properties"]["kind"] for f in m["features"]}
    assert {"building", "path", "bridge", "tunnel"} <= kinds
    bad = client.get("/campus.geojson", params={"crs": "EPSG:3857"})
    assert bad.status_code == 400 or bad.status_code == 422


def _room(client: TestClient, key: str, word: str, level: int) -> str:
    b = next(b for b in client.get("/campus").json()["buildings"] if b["key"] == key)
    storeys = client.get(f"/buildings/{b['guid']}/storeys").json()
    st = sorted(storeys, key=lambda s: s["elevation"])[level]
    spaces = client.get(f"/storeys/{st['guid']}/spaces").json()
    hits = sorted(
        s["guid"]
        for s in spaces
        if word in f"{s.get('category', '')} {s.get('long_name', '')}".lower()
    )
    assert hits, (key, word, level)
    return hits[0]


def test_campus_route_bridge_scenario_and_cart(client: TestClient, demo_campus: Path) -> None:
    ward = _room(client, "tower", "ward", 1)
    consult = _room(client, "outpatient", "consult", 1)
    r = client.post("/campus/route", json={"start": ward, "goal": consult})
    assert r.status_code == 200, r.text
    body = r.json()
    kinds = [leg["kind"] for leg in body["legs"]]
    assert "bridge" in kinds and body["buildings"] == ["tower", "outpatient"]
    assert body["steps"][0]["building"] == "tower" and body["steps"][-1]["building"] == "outpatient"
    assert all(len(leg["line_wgs84"]) == len(leg["line"]) for leg in body["legs"])
    # a stored scenario closing the bridge's room in the tower closes the bridge
    doc = json.loads((demo_campus / "campus.json").read_text())
    bridge = next(c for c in doc["connections"] if c["kind"] == "bridge")
    sc = client.post(
        "/scenarios", json={"name": "bridge works", "closed_spaces": [bridge["a"]["space"]]}
    )
    assert sc.status_code in (200, 201), sc.text
    closed = client.post(
        "/campus/route", json={"start": ward, "goal": consult, "scenario": sc.json()["id"]}
    ).json()
    kinds = [leg["kind"] for leg in closed["legs"]]
    assert "bridge" not in kinds and "outdoor" in kinds
    assert closed["eta_s"] > body["eta_s"]
    by_id = client.post(
        "/campus/route", json={"start": ward, "goal": consult, "closed": [bridge["id"]]}
    ).json()
    assert by_id["eta_s"] == pytest.approx(closed["eta_s"])
    # a cart on the steps' ends never takes them
    steps = next(f for f in client.get("/campus").json()["paths"] if f["steps"])
    a, b = steps["line"][0], steps["line"][-1]
    cart = client.post(
        "/campus/route",
        json={"start": {"map": [*a, 34.0]}, "goal": {"map": [*b, 34.0]}, "profile": "cart"},
    )
    assert cart.status_code == 200, cart.text
    assert "Garden steps" not in json.dumps(cart.json()["legs"])
    walk = client.post(
        "/campus/route", json={"start": {"map": [*a, 34.0]}, "goal": {"map": [*b, 34.0]}}
    ).json()
    assert cart.json()["eta_s"] > walk["eta_s"]
    # problems
    assert client.post("/campus/route", json={"start": ward, "goal": "nope"}).status_code == 404
    assert (
        client.post(
            "/campus/route", json={"start": ward, "goal": consult, "closed": ["bridge-9"]}
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/campus/route", json={"start": {"building": "tower"}, "goal": consult}
        ).status_code
        == 422
    )


def test_no_campus_is_404(hospital_api) -> None:  # type: ignore[no-untyped-def]
    with hospital_api() as c:
        r = c.get("/campus")
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("application/problem+json")
