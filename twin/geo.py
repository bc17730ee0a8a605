"""Local twin metres to map coordinates and WGS84, from a :class:`~twin.model.Georef`.

Kept free of ifcopenshell so a cached twin answers geographic questions without the IFC
toolchain. pyproj transformers are expensive to build, so one per CRS is cached for the process.
"""

from __future__ import annotations

import functools
import math

from pyproj import Transformer

from twin.model import Georef

__all__ = ["from_map", "from_wgs84", "map_to_wgs84", "to_map", "to_wgs84", "wgs84_to_map"]

_EARTH_RADIUS = 6_378_137.0  # WGS84 semi-major axis, m: the tangent-plane approximation radius


@functools.lru_cache(maxsize=32)
def _to_wgs84(crs: str) -> Transformer:
    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True)


@functools.lru_cache(maxsize=32)
def _from_wgs84(crs: str) -> Transformer:
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def _rotation(georef: Georef) -> tuple[float, float]:
    a, b = georef.x_axis_abscissa, georef.x_axis_ordinate
    norm = math.hypot(a, b) or 1.0
    return a / norm, b / norm


def to_map(georef: Georef, x: float, y: float) -> tuple[float, float] | None:
    """Map (projected CRS) eastings/northings in metres; None unless a map conversion exists."""
    if georef.mode != "map_conversion":
        return None
    cos, sin = _rotation(georef)
    s = georef.scale
    return (
        georef.eastings + s * (cos * x - sin * y),
        georef.northings + s * (sin * x + cos * y),
    )


def to_wgs84(georef: Georef, x: float, y: float, z: float = 0.0) -> tuple[float, float] | None:
    """(lon, lat) in degrees for a world point, or None when the model is not georeferenced."""
    del z  # heights do not move a point horizontally in these transforms
    if georef.mode == "map_conversion":
        enh = to_map(georef, x, y)
        if enh is None or not georef.crs:
            return None
        lon, lat = _to_wgs84(georef.crs).transform(*enh)
        return float(lon), float(lat)
    if (
        georef.mode == "site_latlon"
        and georef.latitude is not None
        and georef.longitude is not None
    ):
        lat0 = math.radians(georef.latitude)
        lat = georef.latitude + math.degrees(y / _EARTH_RADIUS)
        lon = georef.longitude + math.degrees(x / (_EARTH_RADIUS * math.cos(lat0)))
        return lon, lat
    return None


def from_wgs84(georef: Georef, lon: float, lat: float) -> tuple[float, float] | None:
    """World (x, y) metres of a WGS84 point; None when the model is not georeferenced."""
    if georef.mode == "map_conversion" and georef.crs:
        e, n = _from_wgs84(georef.crs).transform(lon, lat)
        cos, sin = _rotation(georef)
        s = georef.scale or 1.0
        dx, dy = (e - georef.eastings) / s, (n - georef.northings) / s
        return (cos * dx + sin * dy, -sin * dx + cos * dy)
    if (
        georef.mode == "site_latlon"
        and georef.latitude is not None
        and georef.longitude is not None
    ):
        lat0 = math.radians(georef.latitude)
        y = math.radians(lat - georef.latitude) * _EARTH_RADIUS
        x = math.radians(lon - georef.longitude) * _EARTH_RADIUS * math.cos(lat0)
        return x, y
    return None


def map_to_wgs84(crs: str, e: float, n: float) -> tuple[float, float]:
    """(lon, lat) in degrees of a map point (eastings, northings) in ``crs``."""
    lon, lat = _to_wgs84(crs).transform(e, n)
    return float(lon), float(lat)


def wgs84_to_map(crs: str, lon: float, lat: float) -> tuple[float, float]:
    """(eastings, northings) in ``crs`` of a WGS84 point."""
    e, n = _from_wgs84(crs).transform(lon, lat)
    return float(e), float(n)


def from_map(georef: Georef, e: float, n: float) -> tuple[float, float] | None:
    """World (x, y) metres of a map point; None unless a map conversion exists (the inverse
    of :func:`to_map`)."""
    if georef.mode != "map_conversion":
        return None
    cos, sin = _rotation(georef)
    s = georef.scale or 1.0
    dx, dy = (e - georef.eastings) / s, (n - georef.northings) / s
    return (cos * dx + sin * dy, -sin * dx + cos * dy)
