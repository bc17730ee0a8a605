"""Georeferencing of the demo hospital: IfcMapConversion to ETRS89 / UTM 33N (EPSG:25833).

The local origin sits at Charité Campus Mitte, Berlin; the building's x axis is rotated 17.5
degrees anticlockwise from grid east. Map coordinates of the origin are computed with pyproj
from the WGS84 position, so the parameters and the known point agree by construction.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from pyproj import Transformer

__all__ = ["CRS", "georef_params", "known_point", "write_georef"]

CRS = "EPSG:25833"
_ORIGIN_LONLAT = (13.3775, 52.5256)
_ROTATION_DEG = 17.5
_ORTHOGONAL_HEIGHT = 34.0


@lru_cache(maxsize=1)
def _transformers() -> tuple[Transformer, Transformer]:
    fwd = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    inv = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    return fwd, inv


def georef_params() -> dict[str, Any]:
    """The map conversion parameters (rounded to the millimetre, so files are stable)."""
    e, n = _transformers()[0].transform(*_ORIGIN_LONLAT)
    angle = math.radians(_ROTATION_DEG)
    return {
        "crs": CRS,
        "eastings": round(e, 3),
        "northings": round(n, 3),
        "orthogonal_height": _ORTHOGONAL_HEIGHT,
        "x_axis_abscissa": round(math.cos(angle), 9),
        "x_axis_ordinate": round(math.sin(angle), 9),
        "scale": 1.0,
    }


def known_point(local: tuple[float, float, float]) -> dict[str, Any]:
    """A local point with its map and WGS84 coordinates, for georeferencing tests."""
    p = georef_params()
    a, b, s = p["x_axis_abscissa"], p["x_axis_ordinate"], p["scale"]
    x, y, _z = local
    e = p["eastings"] + s * (a * x - b * y)
    n = p["northings"] + s * (b * x + a * y)
    lon, lat = _transformers()[1].transform(e, n)
    return {"local": list(local), "map": [e, n], "wgs84": [lon, lat]}


def _dms(value: float) -> tuple[int, int, int, int]:
    """Decimal degrees to IfcCompoundPlaneAngleMeasure (all parts carry the sign)."""
    sign = -1 if value < 0 else 1
    micro = round(abs(value) * 3600 * 1_000_000)
    deg, rest = divmod(micro, 3600 * 1_000_000)
    minutes, rest = divmod(rest, 60 * 1_000_000)
    sec, millionths = divmod(rest, 1_000_000)
    return (sign * deg, sign * minutes, sign * sec, sign * millionths)


def write_georef(
    f: Any, context: Any, length_unit: Any, site: Any, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """IfcProjectedCRS + IfcMapConversion on the model context; site lat/lon of the origin.
    ``params`` (as :func:`georef_params` gives them) places another building of the campus."""
    p = params or georef_params()
    crs = f.createIfcProjectedCRS(
        CRS, "ETRS89 / UTM zone 33N", "ETRS89", None, "UTM", "33N", length_unit
    )
    f.createIfcMapConversion(
        context,
        crs,
        p["eastings"],
        p["northings"],
        p["orthogonal_height"],
        p["x_axis_abscissa"],
        p["x_axis_ordinate"],
        p["scale"],
    )
    lon, lat = _transformers()[1].transform(p["eastings"], p["northings"])  # the local origin
    site.RefLatitude = _dms(lat)
    site.RefLongitude = _dms(lon)
    site.RefElevation = p["orthogonal_height"]
    return p
