"""GeoJSON and GeoPackage plans: local metres, WGS84 through the georef, refusal without one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import Point, shape

from tests.samples.spatial import hand_twin
from twin.errors import InvalidInput
from twin.export.geojson import plan_geojson, write_geopackage
from twin.geo import to_wgs84
from twin.model import Georef

GEOREF = Georef("map_conversion", crs="EPSG:25832", eastings=458000.0, northings=5438000.0)


def _valid(fc: dict[str, Any]) -> None:
    json.dumps(fc)  # serialisable
    assert fc["type"] == "FeatureCollection"
    for f in fc["features"]:
        assert f["type"] == "Feature"
        geom = shape(f["geometry"])
        assert geom.is_valid and not geom.is_empty
        assert {"guid", "kind", "name", "number", "criticality"} <= set(f["properties"])


def test_local_plan() -> None:
    twin = hand_twin()
    fc = plan_geojson(twin, "S0")
    _valid(fc)
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    assert kinds[:2] == ["space", "space"] and {"wall", "door"} <= set(kinds)
    room = next(f for f in fc["features"] if f["id"] == "S0A")
    fp = twin.spaces["S0A"].footprint
    assert fp is not None and shape(room["geometry"]).area == pytest.approx(fp.area)


def test_wgs84_needs_georef() -> None:
    with pytest.raises(InvalidInput, match="not georeferenced"):
        plan_geojson(hand_twin(), "S0", crs="wgs84")


def test_wgs84_plan() -> None:
    twin = hand_twin(GEOREF)
    fc = plan_geojson(twin, "S0", crs="wgs84")
    _valid(fc)
    room = next(f for f in fc["features"] if f["id"] == "S0A")
    lon, lat = to_wgs84(GEOREF, 0.0, 0.0) or (0.0, 0.0)
    corners = room["geometry"]["coordinates"][0]
    assert any(abs(c[0] - lon) < 1e-9 and abs(c[1] - lat) < 1e-9 for c in corners)


def test_geopackage_roundtrip(tmp_path: Path) -> None:
    import geopandas as gpd

    twin = hand_twin(GEOREF)
    out = write_geopackage(twin, tmp_path / "plan.gpkg", crs="wgs84")
    spaces = gpd.read_file(out, layer="spaces")
    elements = gpd.read_file(out, layer="elements")
    assert sorted(spaces["guid"]) == sorted(twin.spaces)
    assert sorted(elements["guid"]) == sorted(twin.elements)
    assert spaces.crs is not None and spaces.crs.to_epsg() == 4326
    assert set(spaces["storey"]) == set(twin.storeys)


def test_hospital_wgs84(
    small_twin: Any, small_hospital_truth: dict[str, Any], tmp_path: Path
) -> None:
    storey = next(iter(small_twin.buildings.values())).storeys[0]
    fc = plan_geojson(small_twin, storey, crs="wgs84")
    _valid(fc)
    known = small_hospital_truth["known_point"]
    x, y = known["local"][:2]
    lon, lat = known["wgs84"]
    local = plan_geojson(small_twin, storey)
    inside = [f["id"] for f in local["features"] if shape(f["geometry"]).covers(Point(x, y))]
    assert inside, "the known point lies on the ground floor plan"
    by_id = {f["id"]: shape(f["geometry"]) for f in fc["features"]}
    # the same feature, reprojected, holds the known WGS84 point (1e-7 deg ~ 1 cm)
    assert by_id[inside[0]].distance(Point(lon, lat)) < 1e-7
    out = write_geopackage(small_twin, tmp_path / "h.gpkg")
    import geopandas as gpd

    assert len(gpd.read_file(out, layer="spaces")) == sum(
        1 for s in small_twin.spaces.values() if s.footprint is not None
    )


def test_hospital_in_its_map_crs(
    small_twin: Any, small_hospital_truth: dict[str, Any], tmp_path: Path
) -> None:
    """crs=map gives eastings/northings in the IfcMapConversion's CRS: the known point, projected
    from its WGS84 position by pyproj, lies in the same room as in local coordinates."""
    from pyproj import Transformer

    storey = next(iter(small_twin.buildings.values())).storeys[0]
    known = small_hospital_truth["known_point"]
    x, y = known["local"][:2]
    local = plan_geojson(small_twin, storey)
    room = next(f["id"] for f in local["features"] if shape(f["geometry"]).covers(Point(x, y)))
    fc = plan_geojson(small_twin, storey, crs="map")
    assert fc["properties"]["crs_name"] == small_twin.georef.crs == "EPSG:25833"
    to_map = Transformer.from_crs("EPSG:4326", small_twin.georef.crs, always_xy=True)
    e, n = to_map.transform(*known["wgs84"])
    by_id = {f["id"]: shape(f["geometry"]) for f in fc["features"]}
    assert by_id[room].distance(Point(e, n)) < 0.01  # metres
    assert shape(local["features"][0]["geometry"]).area == pytest.approx(
        by_id[local["features"][0]["id"]].area, rel=1e-6
    )  # scale 1: areas are kept

    import geopandas as gpd

    out = write_geopackage(small_twin, tmp_path / "map.gpkg", crs="map")
    assert gpd.read_file(out, layer="spaces").crs.to_epsg() == 25833


def test_map_crs_needs_a_map_conversion(shared_twin: Any) -> None:
    fzk = shared_twin("AC20-FZK-Haus.ifc")  # georeferenced by site latitude/longitude only
    storey = next(iter(fzk.storeys))
    plan_geojson(fzk, storey, crs="wgs84")
    with pytest.raises(InvalidInput, match="map conversion"):
        plan_geojson(fzk, storey, crs="map")
