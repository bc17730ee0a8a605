"""A storey's plan as GeoJSON, and a building's plans as a GeoPackage, for GIS tools.

Coordinates are the model's local metres, or WGS84 (lon, lat) through ``twin.geo`` when the
model is georeferenced. Asking for WGS84 on a model without georeferencing is an error rather
than a silent fallback: a GIS that draws local metres as degrees puts the hospital in the ocean.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from twin.errors import InvalidInput
from twin.model import Element, Space, Twin

__all__ = ["plan_features", "plan_geojson", "write_geopackage"]

Crs = Literal["local", "wgs84", "map"]


def _reprojector(twin: Twin, crs: Crs) -> Any:
    """None for local metres; else a function mapping an (n, 2) array of local XY to ``crs``:
    ``wgs84`` (lon, lat) or ``map`` (eastings, northings in the model's projected CRS, the frame
    GIS layers of the site are drawn in; needs an IfcMapConversion with a named CRS)."""
    if crs == "local":
        return None
    if crs not in ("wgs84", "map"):
        raise InvalidInput(f"crs must be 'local', 'wgs84' or 'map', not {crs!r}")
    from twin.geo import to_map, to_wgs84

    convert = to_wgs84 if crs == "wgs84" else to_map
    if convert(twin.georef, 0.0, 0.0) is None or (crs == "map" and not twin.georef.crs):
        raise InvalidInput(
            f"the model {twin.source.path} "
            f"{'has no map conversion' if crs == 'map' else 'is not georeferenced'}; use crs=local",
            georeferencing=twin.georef.mode,
        )

    def project(coords: Any) -> Any:
        import numpy as np

        out = [convert(twin.georef, float(x), float(y)) for x, y in coords]
        return np.array(out, dtype=float)

    return project


def _props(p: Space | Element, twin: Twin) -> dict[str, Any]:
    storey = twin.storeys.get(p.storey) if p.storey else None
    if isinstance(p, Space):
        return {
            "guid": p.guid,
            "kind": "space",
            "name": p.long_name or p.name,
            "number": p.number,
            "criticality": p.criticality,
            "storey": p.storey,
            "storey_name": storey.name if storey else None,
            "model": twin.model_of(p.guid),
        }
    return {
        "guid": p.guid,
        "kind": p.kind,
        "name": p.name,
        "number": None,
        "criticality": None,
        "storey": p.storey,
        "storey_name": storey.name if storey else None,
        "model": twin.model_of(p.guid),  # discipline model in a federated building, else None
    }


def plan_features(
    twin: Twin, storey_guid: str, *, crs: Crs = "local"
) -> list[tuple[dict[str, Any], BaseGeometry]]:
    """(properties, geometry) pairs of a storey's spaces then elements, in ``crs``."""
    twin.storey(storey_guid)
    project = _reprojector(twin, crs)
    found: list[tuple[dict[str, Any], BaseGeometry]] = []
    spaces = sorted(
        (s for s in twin.spaces.values() if s.storey == storey_guid), key=lambda s: s.number
    )
    prods: list[Space | Element] = [*spaces]
    prods += sorted(
        (e for e in twin.elements.values() if e.storey == storey_guid), key=lambda e: e.guid
    )
    for p in prods:
        geom = p.footprint
        if geom is None or geom.is_empty:
            continue
        if project is not None:
            geom = shapely.transform(geom, project)
        found.append((_props(p, twin), geom))
    return found


def plan_geojson(twin: Twin, storey_guid: str, *, crs: Crs = "local") -> dict[str, Any]:
    """A GeoJSON FeatureCollection of a storey (spaces first), in local metres, WGS84 or the map
    CRS (RFC 7946 wants WGS84; ``map`` is for GIS tools that read the ``crs`` property)."""
    feats = [
        {"type": "Feature", "id": props["guid"], "properties": props, "geometry": mapping(geom)}
        for props, geom in plan_features(twin, storey_guid, crs=crs)
    ]
    out: dict[str, Any] = {"type": "FeatureCollection", "features": feats}
    storey = twin.storeys[storey_guid]
    out["properties"] = {"storey": storey.guid, "storey_name": storey.name, "crs": crs}
    if crs == "local":
        out["properties"]["units"] = "m"
    elif crs == "map":
        out["properties"]["crs_name"] = twin.georef.crs
        out["properties"]["units"] = "m"
    return out


def write_geopackage(twin: Twin, path: str | Path, *, crs: Crs = "local") -> Path:
    """Write layers ``spaces`` and ``elements`` (with a ``storey`` column) for every storey.

    Local coordinates are written without a CRS (engineering metres); WGS84 as EPSG:4326; ``map``
    in the model's projected CRS (e.g. EPSG:25833).
    """
    import geopandas as gpd

    rows: dict[str, list[dict[str, Any]]] = {"spaces": [], "elements": []}
    for sg in twin.storeys:
        for props, geom in plan_features(twin, sg, crs=crs):
            layer = "spaces" if props["kind"] == "space" else "elements"
            rows[layer].append({**props, "geometry": geom})
    out = Path(path)
    if out.exists():
        out.unlink()
    epsg = {"wgs84": "EPSG:4326", "map": twin.georef.crs}.get(crs)
    for layer, items in rows.items():
        if not items:
            continue
        frame = gpd.GeoDataFrame(items, geometry="geometry", crs=epsg)
        frame.to_file(out, layer=layer, driver="GPKG")
    return out
