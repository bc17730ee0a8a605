"""Export endpoints over HTTP on the small demo hospital: SVG, GeoJSON, GeoPackage, GLB."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module")
def client(hospital_api: Any) -> Iterator[Any]:
    from twin.export.plan_svg import PolylineLayer

    def route_layer(request: Any, twin: Any, storey: str, value: str) -> PolylineLayer:
        if value == "boom":
            raise RuntimeError("no route service")
        return PolylineLayer([[(0.0, 0.0), (float(value), 0.0)]])

    with hospital_api() as c:
        c.app.state.plan_layers["route"] = route_layer
        yield c


def test_plan_svg(client: Any, small_hospital_truth: dict[str, Any]) -> None:
    storey = small_hospital_truth["storeys"][0]["guid"]
    rooms = [g for g, s in small_hospital_truth["spaces"].items() if s["storey"] == storey]
    r = client.get(f"/storeys/{storey}/plan.svg", params={"highlight": rooms[0], "route": "7"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(r.text)
    shapes = [e for e in root.iter() if e.get("data-kind") == "space"]
    assert sorted(e.get("data-guid") or "" for e in shapes) == sorted(rooms)
    assert any(
        e.get("data-highlight") == "1" and e.get("data-guid") == rooms[0] for e in root.iter()
    )
    assert any(e.tag.endswith("polyline") for e in root.iter())


@pytest.mark.parametrize(
    ("params", "name"), [({"scenario": "x"}, "scenario"), ({"route": "boom"}, "route")]
)
def test_plan_svg_bad_layer(
    client: Any, small_hospital_truth: dict[str, Any], params: dict[str, str], name: str
) -> None:
    storey = small_hospital_truth["storeys"][0]["guid"]
    r = client.get(f"/storeys/{storey}/plan.svg", params=params)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert name in r.json()["detail"]


def test_plan_svg_unknown_storey(client: Any) -> None:
    r = client.get("/storeys/nope/plan.svg")
    assert r.status_code == 404 and r.json()["status"] == 404


def test_plan_geojson(client: Any, small_hospital_truth: dict[str, Any]) -> None:
    storey = small_hospital_truth["storeys"][0]["guid"]
    local = client.get(f"/storeys/{storey}/plan.geojson").json()
    r = client.get(f"/storeys/{storey}/plan.geojson", params={"crs": "wgs84"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    wgs = r.json()
    assert [f["id"] for f in wgs["features"]] == [f["id"] for f in local["features"]]
    lon, lat = small_hospital_truth["known_point"]["wgs84"]
    x, y = wgs["features"][0]["geometry"]["coordinates"][0][0]
    assert abs(x - lon) < 0.01 and abs(y - lat) < 0.01
    assert client.get(f"/storeys/{storey}/plan.geojson", params={"crs": "utm"}).status_code == 422


def test_plan_gpkg(client: Any, small_hospital_truth: dict[str, Any], tmp_path: Path) -> None:
    import geopandas as gpd

    r = client.get(f"/buildings/{small_hospital_truth['building']}/plan.gpkg")
    assert r.status_code == 200
    out = tmp_path / "p.gpkg"
    out.write_bytes(r.content)
    spaces = gpd.read_file(out, layer="spaces")
    assert set(spaces["guid"]) == set(small_hospital_truth["spaces"])


def test_scene_glb(client: Any, small_hospital_truth: dict[str, Any]) -> None:
    import trimesh

    b = small_hospital_truth["building"]
    storey = small_hospital_truth["storeys"][1]["guid"]
    r = client.get(f"/buildings/{b}/scene.glb", params={"storey": storey})
    assert r.status_code == 200 and r.headers["content-type"] == "model/gltf-binary"
    etag = r.headers["etag"]
    again = client.get(
        f"/buildings/{b}/scene.glb", params={"storey": storey}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    scene: Any = trimesh.load(io.BytesIO(r.content), file_type="glb")
    names = set(scene.graph.nodes)
    assert f"storey:{storey}" in names
    rooms = {g for g, s in small_hospital_truth["spaces"].items() if s["storey"] == storey}
    assert rooms <= names
    # Y up: the storey's rooms sit between its floor and the next floor along Y
    elev = small_hospital_truth["storeys"][1]["elevation"]
    top = small_hospital_truth["storeys"][2]["elevation"]
    r = client.get(f"/buildings/{b}/scene.glb", params={"storey": storey, "kinds": "space"})
    rooms_only: Any = trimesh.load(io.BytesIO(r.content), file_type="glb")
    (_, y0, _), (_, y1, _) = rooms_only.bounds
    assert elev - 0.1 <= y0 < y1 <= top + 0.1
    assert client.get(f"/buildings/{b}/scene.glb", params={"storey": "nope"}).status_code == 404


def test_openapi_documents_exports(client: Any) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for p in (
        "/storeys/{guid}/plan.svg",
        "/storeys/{guid}/plan.geojson",
        "/buildings/{guid}/plan.gpkg",
        "/buildings/{guid}/scene.glb",
    ):
        op = paths[p]["get"]
        assert {"200", "404", "422"} <= set(op["responses"]), p
