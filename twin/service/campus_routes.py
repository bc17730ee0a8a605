"""A served campus site: the buildings of a campus file, their outdoor paths and connections,
routes and technician times across buildings, and the site overview the command centre maps.

The campus file (:mod:`twin.campus_file`) names the models; they are served like any other
(:class:`twin.service.campus.Campus`, one twin per building) and each keeps its own navigation
graph (:func:`twin.service.derived.navigation_of`). The campus graph over them
(:mod:`twin.navigation.campus_graph`) is built once and rebuilt only when a served model of the
site changes (a revision), so requests share it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, mapping
from shapely.geometry.base import BaseGeometry

from twin.campus_file import CampusFile, load_campus_file
from twin.errors import InvalidInput, NoRoute, NotFound
from twin.geo import map_to_wgs84
from twin.live.records import Technician
from twin.live.store import LiveStore
from twin.model import Twin
from twin.navigation.campus_graph import (
    BuildingPart,
    CampusGraph,
    CampusPlace,
    CampusRoute,
    build_campus_graph,
    campus_route,
    campus_times,
)
from twin.navigation.footpaths import load_footpaths
from twin.navigation.navgraph import Restrictions
from twin.navigation.routes import resolve
from twin.scenario import scenario_from_dict
from twin.service.campus import Campus, serve_files
from twin.service.derived import navigation_of

__all__ = ["Site", "load_site", "site_geojson", "site_overview"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Built:
    ids: tuple[str, ...]
    graph: CampusGraph


class Site:
    """The campus file's buildings as served, by campus key, and their campus graph."""

    def __init__(self, campus: Campus, file: CampusFile, models: Mapping[str, str]) -> None:
        self.campus = campus
        self.file = file
        self._models = dict(models)  # key -> model id
        self._built: _Built | None = None
        self._lock = threading.Lock()

    @property
    def keys(self) -> list[str]:
        return [m.key for m in self.file.models]

    def twin(self, key: str) -> Twin:
        try:
            return self.campus.served(self._models[key])
        except KeyError:
            raise NotFound(f"no building {key!r} on the campus", building=key) from None

    def key_of(self, twin: Twin) -> str | None:
        for key in self._models:
            if self.twin(key) is twin:
                return key
        return None

    def key_of_guid(self, guid: str) -> str | None:
        """The campus key of the building holding a GlobalId (None when not on the campus)."""
        try:
            return self.key_of(self.campus.twin_of(guid))
        except NotFound:
            return None

    def graph(self) -> CampusGraph:
        """The campus graph, built on first use and whenever a site model was replaced."""
        ids = tuple(Campus.model_id(self.twin(k)) for k in self.keys)
        built = self._built
        if built is not None and built.ids == ids:
            return built.graph
        with self._lock:
            built = self._built
            if built is not None and built.ids == ids:
                return built.graph
            t0 = time.perf_counter()
            parts = []
            for k in self.keys:
                tw = self.twin(k)
                name = next(iter(tw.buildings.values())).name if tw.buildings else k
                parts.append(BuildingPart(k, name or k, navigation_of(self.campus, tw), tw.georef))
            paths = self.file.footpaths
            footpaths = load_footpaths(paths, self.file.crs) if paths and paths.exists() else None
            g = build_campus_graph(
                parts,
                crs=self.file.crs,
                footpaths=footpaths,
                connections=self.file.connections,
                source=paths.name if paths else "",
            )
            if footpaths is not None:
                g.footpaths = list(footpaths)
            for w in g.warnings:
                log.warning("%s", w)
            log.info(
                "campus %s: graph of %d buildings, %d nodes, %d edges, %d gateways in %.2f s",
                self.file.name,
                len(parts),
                len(g.nodes),
                len(g.edges),
                len(g.gateways),
                time.perf_counter() - t0,
            )
            self._built = _Built(ids, g)
            return g

    # -- places ---------------------------------------------------------------------------
    def place(
        self,
        ref: str | None = None,
        *,
        building: str | None = None,
        point: Sequence[float] | None = None,
        map_point: Sequence[float] | None = None,
    ) -> CampusPlace:
        """A route end: a GlobalId anywhere on the campus, a point in a building's own frame
        (``building`` key + ``point``), or a map point (E, N[, H]) outdoors or in a building."""
        if ref is not None:
            key = self.key_of_guid(ref)
            if key is None:
                raise NotFound(f"no room or element {ref!r} on the campus", guid=ref)
            return CampusPlace(key, ref)
        if map_point is not None:
            vals = [float(v) for v in map_point]
            if len(vals) not in (2, 3) or not all(math.isfinite(v) for v in vals):
                raise InvalidInput("a map point is [E, N] or [E, N, H] in the campus CRS")
            xyz = (vals[0], vals[1], vals[2] if len(vals) == 3 else math.nan)
            return self._from_map(xyz)
        if building is not None and point is not None:
            key = self._key(building)
            vals = [float(v) for v in point]
            if len(vals) != 3:
                raise InvalidInput("a point is [x, y, z] in the building's own metres")
            return CampusPlace(key, vals)
        raise InvalidInput("give a GlobalId, a building and a point, or a map point")

    def _key(self, building: str) -> str:
        if building in self._models:
            return building
        key = self.key_of_guid(building)
        if key is None:
            raise NotFound(f"no building {building!r} on the campus", building=building)
        return key

    def _from_map(self, xyz: tuple[float, float, float]) -> CampusPlace:
        """Inside a building's room when one holds the point (at the height given, or on the
        ground storey), else outdoors."""
        g = self.graph()
        e, n, h = xyz
        for key, fp in g.footprints.items():
            if fp.is_empty or not fp.buffer(0.5).contains(Point(e, n)):
                continue
            part = g.parts[key]
            z = h - part.georef.orthogonal_height if math.isfinite(h) else _ground_z(part)
            local = list(part.from_map(e, n, z + part.georef.orthogonal_height))
            try:
                resolve(part.nav, local)
            except (NotFound, NoRoute):
                continue
            return CampusPlace(key, local)
        return CampusPlace(map=(e, n, h if math.isfinite(h) else 0.0))

    def technician_place(self, tech: Technician) -> CampusPlace | str:
        """Where a technician is on the campus, or why that is not known. A reported point is
        in its building's frame (``building``, else the building of its room); a point in no
        room of that building is outdoors."""
        key = None
        for guid in (tech.building, tech.space, tech.storey):
            if guid and (key := self.key_of_guid(guid)):
                break
        if key is None:
            return (
                "position unknown"
                if tech.space is None and tech.position is None
                else ("position not on the campus")
            )
        if tech.position is not None:
            part = self.graph().parts[key]
            try:
                resolve(part.nav, list(tech.position))
                return CampusPlace(key, list(tech.position))
            except (NotFound, NoRoute):
                return CampusPlace(map=part.to_map(*tech.position))
        if tech.space is not None:
            return CampusPlace(key, tech.space)
        return "position unknown"

    # -- routes -------------------------------------------------------------------------------
    def route(
        self,
        start: CampusPlace,
        goal: CampusPlace,
        *,
        profile: str = "walking",
        restrictions: Restrictions | None = None,
        closed: Sequence[str] = (),
        covered_preferred: bool = False,
    ) -> CampusRoute:
        g = self.graph()
        known = set(g.connections) | {fp.id for fp in g.footpaths}
        unknown = [c for c in closed if c not in known]
        if unknown:
            raise InvalidInput(f"unknown connections or paths to close: {unknown}")
        return campus_route(
            g,
            start,
            goal,
            profile=profile,
            restrictions=restrictions,
            closed=frozenset(closed),
            covered_preferred=covered_preferred,
        )

    def times(
        self,
        target: CampusPlace,
        places: Sequence[CampusPlace | None],
        *,
        profile: str = "walking",
        restrictions: Restrictions | None = None,
        closed: Sequence[str] = (),
    ) -> list[float]:
        return campus_times(
            self.graph(),
            target,
            places,
            profile=profile,
            restrictions=restrictions,
            closed=frozenset(closed),
        )

    def scenario_closures(
        self, store: LiveStore, scenario_id: int
    ) -> tuple[Restrictions, list[str]]:
        """A stored scenario's closures: rooms, doors, lifts and stairs inside the buildings,
        and the bridges/tunnels it closes (by id in ``closed_connections`` or ``closed_spaces``,
        or by closing a connection's end room)."""
        doc = store.scenarios.get(scenario_id).document
        sc = scenario_from_dict(doc)
        g = self.graph()
        named = set(sc.closed_spaces) | set(doc.get("closed_connections") or [])
        conns = sorted(c for c in named if c in g.connections)
        r = Restrictions.of(
            [s for s in sc.closed_spaces if s not in g.connections],
            sc.closed_doors,
            sc.out_of_service,
        )
        return r, conns


def _ground_z(part: BuildingPart) -> float:
    tw = part.nav.twin
    els = [s.elevation for s in tw.storeys.values()]
    ground = min((z for z in els if z >= -0.5), default=min(els, default=0.0))
    return ground + 1.0


def load_site(campus: Campus, path: Path, *, cache_dir: Path | None = None) -> Site:
    """Serve the campus file's models (each its own building) and hold them as a site."""
    file = load_campus_file(path)
    models: dict[str, str] = {}
    for m in file.models:
        if not m.file.exists():
            raise NotFound(f"campus model {m.key}: no file {m.file}", file=str(m.file))
        adm = serve_files(campus, [m.file], cache_dir=cache_dir)[0]
        models[m.key] = adm.model_id
    site = Site(campus, file, models)
    log.info("campus %s: %d models from %s", file.name, len(models), path)
    return site


# -- overview ---------------------------------------------------------------------------------


def _wgs(crs: str, geom: BaseGeometry) -> BaseGeometry:
    def fn(xy: np.ndarray) -> np.ndarray:
        return np.array([map_to_wgs84(crs, float(x), float(y)) for x, y in xy])

    return shapely.transform(geom, fn)


def _placement(tw: Twin) -> dict[str, Any] | None:
    """Where the building's own metres (its scene.glb, Z up) sit on the map: its
    IfcMapConversion as E/N/H of the local origin, the x axis's direction (cos, sin from grid
    east, and in degrees counter-clockwise) and the scale; ``ground``: the map height of its
    ground storey (the lowest storey at or above -0.5 m). A map point of a local (x, y, z) is
    (E + s (cos x - sin y), N + s (sin x + cos y), H + z), as :func:`twin.geo.to_map`."""
    geo = tw.georef
    if geo.mode != "map_conversion":
        return None
    norm = math.hypot(geo.x_axis_abscissa, geo.x_axis_ordinate) or 1.0
    cos, sin = geo.x_axis_abscissa / norm, geo.x_axis_ordinate / norm
    els = [s.elevation for s in tw.storeys.values()]
    ground = min((z for z in els if z >= -0.5), default=min(els, default=0.0))
    return {
        "eastings": geo.eastings,
        "northings": geo.northings,
        "height": geo.orthogonal_height,
        "x_axis": [cos, sin],
        "rotation_deg": math.degrees(math.atan2(sin, cos)),
        "scale": geo.scale or 1.0,
        "ground": geo.orthogonal_height + ground,
    }


def site_overview(site: Site, store: LiveStore | None) -> dict[str, Any]:
    """Buildings (footprints from the georeferencing, counts of active alarms and open
    tickets), paths, connections and the technicians outdoors, in the map CRS with WGS84."""
    g = site.graph()
    crs = g.crs
    buildings = []
    for key in site.keys:
        tw = site.twin(key)
        part = g.parts[key]
        guid = next(iter(tw.buildings), None)
        fp = g.footprints[key]
        alarms = tickets = 0
        if store is not None and guid is not None:
            alarms = len(store.alarms(state="active", building=guid, limit=10_000))
            tickets = len(store.tickets.list(open_only=True, building=guid, limit=10_000))
        c = fp.centroid if not fp.is_empty else None
        buildings.append(
            {
                "key": key,
                "name": part.name,
                "guid": guid,
                "model": Campus.model_id(tw),
                "storeys": len(tw.storeys),
                "spaces": len(tw.spaces),
                "footprint": mapping(fp) if not fp.is_empty else None,
                "footprint_wgs84": mapping(_wgs(crs, fp)) if not fp.is_empty else None,
                "centre": [c.x, c.y] if c is not None else None,
                "placement": _placement(tw),
                "entrances": [
                    {"guid": gw.ref, "name": gw.label, "point": list(gw.xyz)}
                    for gw in g.gateways
                    if gw.building == key and gw.kind == "entrance"
                ],
                "alarms": alarms,
                "tickets": tickets,
            }
        )
    paths = []
    seen: set[str] = set()
    for e in g.edges:
        if e.kind not in ("path", "ground") or (e.kind == "path" and e.ref in seen):
            continue
        if e.kind == "path":
            seen.add(e.ref)
            fp = next(f for f in g.footpaths if f.id == e.ref)
            line = list(fp.line)
            props = {
                "id": fp.id,
                "name": fp.name,
                "highway": fp.highway,
                "covered": fp.covered,
                "steps": fp.steps,
                "wheelchair": fp.wheelchair,
            }
        else:
            line = list(e.line)
            props = {
                "id": f"ground-{e.a}-{e.b}",
                "name": "",
                "highway": "ground",
                "covered": False,
                "steps": False,
                "wheelchair": None,
            }
        paths.append(
            {
                **props,
                "line": [list(p) for p in line],
                "line_wgs84": [list(map_to_wgs84(crs, *p)) for p in line],
            }
        )
    conns = []
    for cid, c in g.connections.items():
        ends = [gw for gw in g.gateways if gw.kind == "connection" and gw.ref.startswith(cid + ":")]
        conns.append(
            {
                "id": cid,
                "kind": c.kind,
                "name": c.name,
                "a": {"building": c.a.model, "storey": c.a.storey, "space": c.a.space},
                "b": {"building": c.b.model, "storey": c.b.storey, "space": c.b.space},
                "line": [list(gw.xyz) for gw in ends],
                "line_wgs84": [list(map_to_wgs84(crs, gw.xyz[0], gw.xyz[1])) for gw in ends],
                "length_m": next(e.length_m for e in g.edges if e.ref == cid),
                "covered": c.covered,
                "wheelchair": c.wheelchair,
                "steps": c.steps,
            }
        )
    outdoors = []
    if store is not None:
        for t in store.technicians.list(available=False):
            pl = site.technician_place(t)
            if isinstance(pl, CampusPlace) and pl.map is not None:
                east, north, h = pl.map
                outdoors.append(
                    {
                        "id": t.id,
                        "name": t.name,
                        "shift": t.shift,
                        "point": [east, north, h],
                        "wgs84": list(map_to_wgs84(crs, east, north)),
                    }
                )
    b = [fp.bounds for fp in g.footprints.values() if not fp.is_empty]
    bounds = (
        [min(x[0] for x in b), min(x[1] for x in b), max(x[2] for x in b), max(x[3] for x in b)]
        if b
        else None
    )
    return {
        "name": site.file.name,
        "crs": crs,
        "bounds": bounds,
        "buildings": buildings,
        "paths": paths,
        "connections": conns,
        "technicians_outdoors": outdoors,
        "has_paths": g.has_paths,
        "assumptions": list(g.assumptions),
        "warnings": list(g.warnings),
    }


def site_geojson(site: Site, store: LiveStore | None, *, crs: str = "EPSG:4326") -> dict[str, Any]:
    """The campus as a GeoJSON FeatureCollection: building footprints, paths, connections and
    technicians outdoors; in WGS84 (RFC 7946) or in the campus map CRS (named in ``crs``)."""
    ov = site_overview(site, store)
    wgs = crs.upper() in ("EPSG:4326", "WGS84", "CRS84", "OGC:CRS84")
    if not wgs and crs != ov["crs"]:
        raise InvalidInput(f"crs must be EPSG:4326 or the campus CRS {ov['crs']}; got {crs!r}")
    feats: list[dict[str, Any]] = []
    for b in ov["buildings"]:
        geom = b["footprint_wgs84" if wgs else "footprint"]
        props = {k: b[k] for k in ("key", "name", "guid", "model", "alarms", "tickets")}
        feats.append(
            {"type": "Feature", "geometry": geom, "properties": {"kind": "building", **props}}
        )
    for p in ov["paths"]:
        line = p["line_wgs84" if wgs else "line"]
        props = {k: v for k, v in p.items() if not k.startswith("line")}
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {"kind": "path", **props},
            }
        )
    for c in ov["connections"]:
        line = c["line_wgs84" if wgs else "line"]
        props = {
            k: c[k] for k in ("id", "kind", "name", "length_m", "covered", "wheelchair", "steps")
        }
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {"kind": c["kind"], **props, "connection": True},
            }
        )
    for t in ov["technicians_outdoors"]:
        pt = t["wgs84"] if wgs else t["point"][:2]
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": pt},
                "properties": {"kind": "technician", "id": t["id"], "name": t["name"]},
            }
        )
    doc: dict[str, Any] = {"type": "FeatureCollection", "name": ov["name"], "features": feats}
    if not wgs:
        code = ov["crs"].split(":")[-1]
        doc["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{code}"}}
    return doc
