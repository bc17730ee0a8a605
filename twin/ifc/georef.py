"""Read how a model sits on the earth, in the twin's metres.

IfcMapConversion parameters are stored in map units and apply to project length units; the twin
works in metres, so everything is normalised here: eastings/northings/height in metres and
``scale`` = map metres per world metre. The transformation itself (pyproj) lives in ``twin.geo``
so a cached twin georeferences without ifcopenshell.
"""

from __future__ import annotations

import logging
from typing import Any

import ifcopenshell
import ifcopenshell.util.unit

from twin.geo_defaults import default_location
from twin.model import Georef

__all__ = ["read_georef"]

log = logging.getLogger(__name__)


def _dms(value: Any) -> float | None:
    """IfcCompoundPlaneAngleMeasure (deg, min, sec, millionths) to decimal degrees."""
    if not value:
        return None
    parts = [*list(value), 0, 0, 0, 0]
    deg, minutes, sec, micro = (float(p) for p in parts[:4])
    sign = -1.0 if deg < 0 or minutes < 0 or sec < 0 or micro < 0 else 1.0
    return sign * (abs(deg) + abs(minutes) / 60 + (abs(sec) + abs(micro) / 1e6) / 3600)


def _map_unit_to_m(crs: Any) -> float:
    unit = getattr(crs, "MapUnit", None)
    if unit is None:
        return 1.0
    try:
        return _unit_scale(unit)
    except (AttributeError, TypeError, ValueError):  # odd unit definitions: assume metres
        return 1.0


def _unit_scale(unit: Any) -> float:
    if unit.is_a("IfcSIUnit"):
        return float(ifcopenshell.util.unit.get_prefix_multiplier(unit.Prefix))
    if unit.is_a("IfcConversionBasedUnit"):
        factor = unit.ConversionFactor
        return float(factor.ValueComponent.wrappedValue) * _unit_scale(factor.UnitComponent)
    return 1.0


def _map_conversion(model: ifcopenshell.file, length_to_m: float) -> Georef | None:
    try:
        conversions = model.by_type("IfcMapConversion")
    except RuntimeError:  # IFC2X3
        return None
    if not conversions:
        return None
    conv = conversions[0]
    crs = conv.TargetCRS
    mu = _map_unit_to_m(crs)
    name = (crs.Name or "").strip() if crs is not None else ""
    if name and name.isdigit():
        name = f"EPSG:{name}"
    a, b = conv.XAxisAbscissa, conv.XAxisOrdinate
    if not a and not b:
        a, b = 1.0, 0.0
    assumptions: list[str] = []
    if conv.Scale is None:
        scale = 1.0  # local metres are map metres
        assumptions.append("IfcMapConversion.Scale omitted: 1 world metre = 1 map metre")
    else:
        scale = float(conv.Scale) * mu / length_to_m
    return Georef(
        mode="map_conversion",
        crs=name or None,
        eastings=float(conv.Eastings or 0.0) * mu,
        northings=float(conv.Northings or 0.0) * mu,
        orthogonal_height=float(conv.OrthogonalHeight or 0.0) * mu,
        x_axis_abscissa=float(a if a is not None else 1.0),
        x_axis_ordinate=float(b if b is not None else 0.0),
        scale=scale,
        assumptions=tuple(assumptions),
    )


def read_georef(model: ifcopenshell.file, length_to_m: float) -> Georef:
    """Georef from IfcMapConversion, else IfcSite RefLatitude/RefLongitude, else ``none``.

    A site at an authoring tool's default location (:mod:`twin.geo_defaults`, 0/0 included) is
    not a location: the answer is ``none``, and ``assumptions`` says which default it was.
    """
    georef = _map_conversion(model, length_to_m)
    if georef is not None:
        return georef
    notes: list[str] = []
    for site in model.by_type("IfcSite"):
        lat, lon = _dms(site.RefLatitude), _dms(site.RefLongitude)
        if lat is None or lon is None:
            continue
        default = default_location(lat, lon)
        if default is not None:
            notes.append(
                f"IfcSite {site.Name or site.GlobalId!r} RefLatitude/RefLongitude "
                f"{lat:.6f}, {lon:.6f}: default location, not georeferenced "
                f"({default.place}, the default of {default.tool})"
            )
            continue
        elev = float(site.RefElevation) * length_to_m if site.RefElevation is not None else None
        return Georef(
            mode="site_latlon",
            crs="EPSG:4326",
            latitude=lat,
            longitude=lon,
            elevation=elev,
            assumptions=(
                "only IfcSite RefLatitude/RefLongitude: the site origin sits at that point and "
                "the model's +Y axis points to true north (local tangent plane)",
            ),
        )
    return Georef(mode="none", assumptions=tuple(notes))
