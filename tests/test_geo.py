"""Georeferencing: map conversion, site lat/lon and none, both directions."""

from __future__ import annotations

import math

import pytest

from twin.geo import from_wgs84, to_map, to_wgs84
from twin.model import Georef


def test_none_mode_returns_none() -> None:
    g = Georef(mode="none")
    assert to_wgs84(g, 1, 2) is None and to_map(g, 1, 2) is None and from_wgs84(g, 8, 49) is None


def test_map_conversion_helmert_and_round_trip() -> None:
    angle = math.radians(30)
    g = Georef(
        mode="map_conversion",
        crs="EPSG:25832",
        eastings=456000.0,
        northings=5430000.0,
        x_axis_abscissa=math.cos(angle),
        x_axis_ordinate=math.sin(angle),
    )
    e, n = to_map(g, 10.0, 0.0)  # type: ignore[misc]
    assert e == pytest.approx(456000 + 10 * math.cos(angle))
    assert n == pytest.approx(5430000 + 10 * math.sin(angle))
    lon, lat = to_wgs84(g, 10.0, 5.0)  # type: ignore[misc]
    assert 8.0 < lon < 9.5 and 48.5 < lat < 49.5  # UTM 32N near Karlsruhe
    x, y = from_wgs84(g, lon, lat)  # type: ignore[misc]
    assert (x, y) == pytest.approx((10.0, 5.0), abs=1e-4)


def test_site_latlon_tangent_plane() -> None:
    g = Georef(mode="site_latlon", latitude=49.0, longitude=8.4, assumptions=("tangent plane",))
    lon, lat = to_wgs84(g, 0.0, 111.32)  # type: ignore[misc]
    assert lon == pytest.approx(8.4) and lat == pytest.approx(49.001, abs=1e-5)
    x, y = from_wgs84(g, lon, lat)  # type: ignore[misc]
    assert (x, y) == pytest.approx((0.0, 111.32), abs=1e-6)


def test_pcert_lands_in_its_utm_zone(shared_twin) -> None:  # type: ignore[no-untyped-def]
    twin = shared_twin("PCERT_Building-Architecture.ifc")
    lon, lat = to_wgs84(twin.georef, 0.0, 0.0)  # type: ignore[misc]
    assert 174.0 <= lon <= 180.0 and -80.0 <= lat <= 0.0  # EPSG:32760 is UTM zone 60S
