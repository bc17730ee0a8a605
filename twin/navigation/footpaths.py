"""Outdoor paths from GeoJSON: a campus's footpaths, or a real site's paths exported from
OpenStreetMap or a GIS.

The input is a GeoJSON FeatureCollection of LineStrings (MultiLineStrings are split) whose
properties carry OSM tags, flat (overpass turbo, osmtogeojson, QGIS) or under ``tags``:
``highway`` (footway, path, pedestrian, service, steps, ...), ``covered``, ``wheelchair``,
``name``. Coordinates are WGS84 longitude/latitude (RFC 7946); a GIS export in the site's map CRS
is read too when it names it in the legacy ``crs`` member
(``{"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}}``).

What a path allows follows the OSM tags: ``highway=steps`` (or ``step_count``) has steps, so no
cart and no wheelchair; ``wheelchair=no`` keeps wheelchairs off; ``foot=no``, ``access=no`` or
``access=private`` without ``foot=yes`` leave the path out (nobody walks it); ``covered=yes``,
``tunnel=yes``, ``tunnel=building_passage`` or ``indoor=yes`` count as covered.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twin.errors import InvalidInput
from twin.geo import map_to_wgs84, wgs84_to_map

__all__ = ["Footpath", "load_footpaths", "parse_footpaths"]

XY = tuple[float, float]

#: highway values a person walks along (roads too: a service road is the way to a plant room)
WALKABLE = frozenset(
    {
        "footway",
        "path",
        "pedestrian",
        "steps",
        "service",
        "living_street",
        "residential",
        "track",
        "cycleway",
        "corridor",
        "unclassified",
        "platform",
        "bridleway",
        "road",
        "tertiary",
        "secondary",
    }
)


@dataclass(frozen=True, slots=True)
class Footpath:
    """One outdoor path in map coordinates (metres in the campus CRS)."""

    id: str
    name: str
    highway: str
    line: tuple[XY, ...]
    covered: bool
    steps: bool
    wheelchair: bool | None  # None: the data does not say

    @property
    def length_m(self) -> float:
        return sum(math.dist(a, b) for a, b in zip(self.line, self.line[1:], strict=False))

    def allows(self, profile: str) -> bool:
        """Whether a walker of ``profile`` may use the path (carts: no steps; wheelchairs:
        no steps and not ``wheelchair=no``)."""
        if profile == "cart":
            return not self.steps
        if profile == "wheelchair":
            return not self.steps and self.wheelchair is not False
        return True


def _yes(v: Any) -> bool:
    return str(v).strip().lower() in ("yes", "true", "1", "building_passage")


_EPSG = re.compile(r"EPSG:{1,2}(\d+)", re.IGNORECASE)


def _source_crs(doc: Mapping[str, Any]) -> str | None:
    """The legacy GeoJSON ``crs`` member's CRS (None: WGS84, as RFC 7946 says)."""
    crs = doc.get("crs")
    if not isinstance(crs, Mapping):
        return None
    props = crs.get("properties")
    name = props.get("name") if isinstance(props, Mapping) else None
    if not isinstance(name, str):
        return None
    if "CRS84" in name.upper():
        return None
    m = _EPSG.search(name)
    if m is None:
        raise InvalidInput(f"footpaths: unknown crs {name!r} (give EPSG codes or WGS84)")
    return None if m.group(1) == "4326" else f"EPSG:{m.group(1)}"


def _lines(geom: Any) -> list[list[Any]]:
    if not isinstance(geom, Mapping):
        return []
    if geom.get("type") == "LineString":
        return [geom.get("coordinates") or []]
    if geom.get("type") == "MultiLineString":
        return list(geom.get("coordinates") or [])
    return []


def parse_footpaths(doc: Any, crs: str) -> list[Footpath]:
    """The walkable LineStrings of a GeoJSON FeatureCollection, in map CRS ``crs``."""
    if not isinstance(doc, Mapping) or doc.get("type") != "FeatureCollection":
        raise InvalidInput("footpaths: a GeoJSON FeatureCollection is needed")
    src = _source_crs(doc)
    out: list[Footpath] = []
    for i, feat in enumerate(doc.get("features") or []):
        if not isinstance(feat, Mapping):
            continue
        props = feat.get("properties") or {}
        if not isinstance(props, Mapping):
            props = {}
        nested = props.get("tags")
        tags = {**props, **nested} if isinstance(nested, Mapping) else dict(props)
        highway = str(tags.get("highway") or "footway")
        foot = str(tags.get("foot") or "").lower()
        access = str(tags.get("access") or "").lower()
        if highway not in WALKABLE and foot not in ("yes", "designated"):
            continue
        if foot == "no" or (access in ("no", "private") and foot not in ("yes", "designated")):
            continue
        wc = str(tags.get("wheelchair") or "").lower()
        steps = highway == "steps" or bool(tags.get("step_count"))
        base = str(feat.get("id") or props.get("@id") or props.get("id") or f"path-{i}")
        for j, coords in enumerate(_lines(feat.get("geometry"))):
            pts: list[XY] = []
            for c in coords:
                try:
                    x, y = float(c[0]), float(c[1])
                except (TypeError, ValueError, IndexError):
                    raise InvalidInput(f"footpaths: feature {base} has a bad coordinate") from None
                if src is None:
                    if not (-180 <= x <= 180 and -90 <= y <= 90):
                        raise InvalidInput(
                            f"footpaths: feature {base} is not WGS84 lon/lat ({x}, {y}); "
                            "name the CRS in the 'crs' member or reproject"
                        )
                    e, n = wgs84_to_map(crs, x, y)
                elif src == crs:
                    e, n = x, y
                else:
                    e, n = wgs84_to_map(crs, *map_to_wgs84(src, x, y))
                if not pts or math.dist(pts[-1], (e, n)) > 1e-3:
                    pts.append((e, n))
            if len(pts) < 2:
                continue
            out.append(
                Footpath(
                    base if j == 0 else f"{base}#{j}",
                    str(tags.get("name") or ""),
                    highway,
                    tuple(pts),
                    any(_yes(tags.get(k)) for k in ("covered", "tunnel", "indoor")),
                    steps,
                    None if wc in ("", "unknown") else wc != "no",
                )
            )
    return out


def load_footpaths(path: Path, crs: str) -> list[Footpath]:
    """:func:`parse_footpaths` of a file."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"footpaths {path}: {exc}") from None
    return parse_footpaths(doc, crs)
