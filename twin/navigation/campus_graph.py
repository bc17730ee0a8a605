"""Routes across the buildings of a campus: each building's own navigation graph, the outdoor
paths between them and the bridges and tunnels that join their storeys.

Why hierarchical: a building's graph stays as it is (built once per served twin, searched by
scipy's C Dijkstra, :mod:`twin.navigation.paths`); the campus adds a small graph on top whose
nodes are the buildings' **gateways** (ground entrance doors, the ends of each bridge and
tunnel) and the vertices of the outdoor paths. Inside a building, the time between two of its
gateways is an exact table (one one-to-all search per gateway and profile, cached per restriction
set), so a campus search is a Dijkstra over a few hundred nodes plus table look-ups, and the
route's building legs are then ordinary :func:`twin.navigation.routes.route` calls. The answer is
the exact shortest time over the composed graph (building edges + gateway tables + outdoor
edges + connections), which tests check against networkx on the same edges.

Frame: map coordinates (eastings, northings in metres, height) of the campus CRS; every building
reaches it through its own IfcMapConversion (:func:`twin.geo.to_map`).

Outdoor ground, in order of preference:

* **Paths** (:mod:`twin.navigation.footpaths`): each ground entrance snaps to the nearest path
  (within :data:`SNAP_MAX`), the snap point splitting the path; a path end that stops within
  :data:`JOIN_TOL` of another path joins it. Profiles know what each path allows (no steps for
  carts and wheelchairs, ``wheelchair=no``); ``covered_preferred`` counts uncovered metres
  :data:`COVERED_FACTOR` times in the search.
* **Outdoor ground in the models**: an IfcSpace EXTERNAL at grade (a yard) is a gateway of its
  own, snapped to the nearest path from its centre; doors into it, and doors onto walkable
  ground contained in the IfcSite (paving, :func:`twin.navigation.outdoor.site_ground`), are
  entrances of the building's graph and so gateways too. The assumptions say what was read.
* **Flat ground** without any path data: the entrances of all buildings are joined by walks on
  the ground around the footprints (a :class:`~twin.navigation.walkways.Walkway` over the campus
  box minus the buildings), today's outdoor model grown to the campus; the answer says so.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from shapely import STRtree
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from twin.campus_file import Connection
from twin.errors import InvalidInput, NoRoute, NotFound
from twin.geo import from_map, map_to_wgs84, to_map
from twin.ifc.doors import plan_footprint
from twin.model import Georef
from twin.navigation import paths
from twin.navigation.footpaths import Footpath
from twin.navigation.navgraph import NavGraph, Restrictions
from twin.navigation.navgraph import profile as profile_of
from twin.navigation.outdoor import ground_entrances, is_external, site_ground
from twin.navigation.routes import Endpoint, Place, Route, resolve, route, time_to
from twin.navigation.spanner import greedy_spanner
from twin.navigation.walkways import Walkway, largest_polygon, snap_inside

__all__ = [
    "COVERED_FACTOR",
    "JOIN_TOL",
    "SNAP_MAX",
    "BuildingPart",
    "CampusEdge",
    "CampusGraph",
    "CampusPlace",
    "CampusRoute",
    "Gateway",
    "build_campus_graph",
    "campus_route",
    "campus_times",
    "ground_yards",
    "is_external",
]

XY = tuple[float, float]
XYZ = tuple[float, float, float]

#: An entrance farther than this from every path is not linked to the paths (metres).
SNAP_MAX = 60.0
#: A path end this close to another path joins it there (metres).
JOIN_TOL = 1.0
#: With ``covered_preferred``, an uncovered metre counts this many times in the search.
COVERED_FACTOR = 3.0
#: Ground modelled around the campus's buildings without path data (metres).
GROUND_MARGIN = 30.0
#: Restricted gateway tables kept (oldest dropped).
_TABLES_KEEP = 16

EdgeKind = Literal["path", "access", "ground", "bridge", "tunnel"]


@dataclass(frozen=True)
class BuildingPart:
    """One building of the campus: its key, its navigation graph and georeferencing."""

    key: str
    name: str
    nav: NavGraph
    georef: Georef

    def to_map(self, x: float, y: float, z: float = 0.0) -> XYZ:
        got = to_map(self.georef, x, y)
        if got is None:
            raise InvalidInput(f"model {self.key} has no IfcMapConversion: it cannot be placed")
        return (got[0], got[1], z + self.georef.orthogonal_height)

    def from_map(self, e: float, n: float, h: float) -> XYZ:
        got = from_map(self.georef, e, n)
        if got is None:
            raise InvalidInput(f"model {self.key} has no IfcMapConversion: it cannot be placed")
        return (got[0], got[1], h - self.georef.orthogonal_height)


@dataclass(frozen=True)
class Gateway:
    """Where a building leg meets the campus: a ground entrance or the end of a connection."""

    node: int  # campus node
    building: str
    kind: Literal["entrance", "connection"]
    ref: str  # door GlobalId, or "<connection id>:a|b"
    label: str
    place: Place  # what route() resolves in the building
    endpoint: Endpoint
    xyz: XYZ  # map


@dataclass(frozen=True)
class CampusEdge:
    a: int
    b: int
    kind: EdgeKind
    length_m: float
    line: tuple[XY, ...]  # map E, N from a to b
    covered: bool = False
    steps: bool = False
    wheelchair: bool | None = None
    name: str = ""
    ref: str = ""  # footpath id or connection id

    def allows(self, profile: str) -> bool:
        if profile == "cart":
            return not self.steps
        if profile == "wheelchair":
            return not self.steps and self.wheelchair is not False
        return True


@dataclass(frozen=True, slots=True)
class CampusPlace:
    """A route end: a place in one building (``building`` key + a GlobalId or a local point),
    or a map point outdoors (``map`` E, N, H), snapped to the nearest outdoor edge."""

    building: str | None = None
    place: Place | None = None
    map: XYZ | None = None

    def __post_init__(self) -> None:
        if (self.building is None or self.place is None) and self.map is None:
            raise InvalidInput("a campus place is a building and a place in it, or a map point")


@dataclass
class CampusGraph:
    crs: str
    parts: dict[str, BuildingPart]
    nodes: list[XYZ] = field(default_factory=list)  # map coordinates
    node_building: list[str | None] = field(default_factory=list)  # gateways only
    edges: list[CampusEdge] = field(default_factory=list)
    adj: list[list[tuple[int, int]]] = field(default_factory=list)
    gateways: list[Gateway] = field(default_factory=list)
    gates_of: dict[str, list[int]] = field(default_factory=dict)  # building -> gateway idx
    gate_at: dict[int, int] = field(default_factory=dict)  # campus node -> gateway idx
    connections: dict[str, Connection] = field(default_factory=dict)
    footpaths: list[Footpath] = field(default_factory=list)
    footprints: dict[str, BaseGeometry] = field(default_factory=dict)  # map, per building
    has_paths: bool = False
    ground: Polygon | None = None
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cache: dict[object, object] = field(default_factory=dict, repr=False)

    def add_node(self, xyz: XYZ, building: str | None = None) -> int:
        self.nodes.append(xyz)
        self.node_building.append(building)
        self.adj.append([])
        return len(self.nodes) - 1

    def add_edge(self, e: CampusEdge) -> int:
        self.edges.append(e)
        eid = len(self.edges) - 1
        self.adj[e.a].append((e.b, eid))
        self.adj[e.b].append((e.a, eid))
        return eid

    def part(self, key: str) -> BuildingPart:
        try:
            return self.parts[key]
        except KeyError:
            raise NotFound(f"no building {key!r} on the campus", building=key) from None

    def edge_tree(self) -> tuple[list[int], STRtree]:
        got = self.cache.get("edge_tree")
        if isinstance(got, tuple):
            return got
        ids = [i for i, e in enumerate(self.edges) if e.kind in ("path", "ground", "access")]
        out = (ids, STRtree([LineString(self.edges[i].line) for i in ids]))
        self.cache["edge_tree"] = out
        return out


# -- building the graph ------------------------------------------------------------------------


def _footprint(part: BuildingPart, storeys: set[str | None] | None = None) -> BaseGeometry:
    """The building's plan outline in map coordinates: rooms and walls of every storey (or of
    ``storeys`` only: the ground walk passes under a bridge)."""
    tw = part.nav.twin
    polys: list[BaseGeometry] = [
        w.polygon
        for g, w in part.nav.walkways.items()
        if (storeys is None or tw.spaces[g].storey in storeys) and not is_external(tw.spaces[g])
    ]
    polys += [
        fp
        for w in tw.elements_of_kind("wall")
        if (storeys is None or w.storey in storeys) and (fp := plan_footprint(w)) is not None
    ]
    local = unary_union(polys).buffer(0.3, join_style="mitre").buffer(-0.3, join_style="mitre")
    local = local.simplify(0.1)

    def ring(coords: Sequence[Sequence[float]]) -> list[XY]:
        return [part.to_map(float(c[0]), float(c[1]))[:2] for c in coords]

    geoms = [local] if isinstance(local, Polygon) else list(getattr(local, "geoms", []))
    out = [
        Polygon(ring(g.exterior.coords), [ring(i.coords) for i in g.interiors])
        for g in geoms
        if isinstance(g, Polygon) and g.area > 1.0
    ]
    return unary_union(out)


def ground_yards(nav: NavGraph) -> list[int]:
    """Space nodes of the outdoor spaces at ground level (not a roof terrace): walked as outdoor
    ground, each a way out of the building onto the campus."""
    tw = nav.twin
    ground: dict[str | None, float] = {}
    for g in nav.walkways:
        s = tw.spaces[g]
        st = tw.storeys.get(s.storey or "")
        if st is not None:
            ground[st.building] = min(ground.get(st.building, math.inf), st.elevation)
    out = []
    for g in nav.walkways:
        s = tw.spaces[g]
        st = tw.storeys.get(s.storey or "")
        nid = nav.node_of(g, s.storey)
        if nid is None or st is None or not is_external(s):
            continue
        if st.elevation <= ground.get(st.building, math.inf) + 1.5:
            out.append(nid)
    return out


def _connection_place(part: BuildingPart, end: Any) -> Place:
    if end.space and end.space in part.nav.twin.spaces:
        return str(end.space)
    if end.point is None:
        raise NotFound(f"space {end.space} is not in model {part.key}", space=end.space)
    return list(part.from_map(*end.point))


class _Builder:
    def __init__(self, g: CampusGraph) -> None:
        self.g = g
        self.splits: dict[int, list[tuple[float, int]]] = {}  # segment -> (t, node)
        self.segments: list[tuple[int, int, int]] = []  # (u, v, footpath idx)

    def gateways(self, connections: Sequence[Connection]) -> None:
        g = self.g
        for key, part in g.parts.items():
            g.gates_of[key] = []
            nav = part.nav
            for ids in ground_entrances(nav).values():
                for nid in ids:
                    n = nav.nodes[nid]
                    el = nav.twin.elements.get(n.guid)
                    label = (el.name if el else "") or n.guid
                    self._gate(part, "entrance", n.guid, label, n.guid, part.to_map(*n.xyz))
            for nid in ground_yards(nav):  # an outdoor space of the model is a way out too
                n = nav.nodes[nid]
                label = nav.twin.spaces[n.guid].label or n.guid
                self._gate(part, "entrance", n.guid, label, n.guid, part.to_map(*n.xyz))
        for c in connections:
            nodes: list[int] = []
            for side, end in (("a", c.a), ("b", c.b)):
                found = g.parts.get(end.model)
                if found is None:
                    break
                part = found
                try:
                    place = _connection_place(part, end)
                    ep = resolve(part.nav, place)
                except (NotFound, NoRoute, InvalidInput) as exc:
                    g.warnings.append(f"campus: {c.id} end {side} not placed in {end.model}: {exc}")
                    break
                xyz = end.point or part.to_map(*ep.xyz)
                nodes.append(
                    self._gate(part, "connection", f"{c.id}:{side}", c.name, place, xyz, ep)
                )
            if len(nodes) != 2:
                continue
            pa, pb = g.nodes[nodes[0]], g.nodes[nodes[1]]
            length = c.length_m if c.length_m is not None else math.dist(pa[:2], pb[:2])
            g.connections[c.id] = c
            g.add_edge(
                CampusEdge(
                    nodes[0],
                    nodes[1],
                    c.kind,
                    length,
                    (pa[:2], pb[:2]),
                    c.covered,
                    c.steps,
                    c.wheelchair,
                    c.name,
                    c.id,
                )
            )

    def _gate(
        self,
        part: BuildingPart,
        kind: Literal["entrance", "connection"],
        ref: str,
        label: str,
        place: Place,
        xyz: XYZ,
        ep: Endpoint | None = None,
    ) -> int:
        g = self.g
        nid = g.add_node(xyz, part.key)
        gi = len(g.gateways)
        g.gateways.append(
            Gateway(nid, part.key, kind, ref, label, place, ep or resolve(part.nav, place), xyz)
        )
        g.gates_of[part.key].append(gi)
        g.gate_at[nid] = gi
        return nid

    # -- paths
    def paths(self, footpaths: Sequence[Footpath]) -> None:
        g = self.g
        vertex: dict[tuple[int, int], int] = {}

        def node_at(p: XY) -> int:
            k = (round(p[0] * 10), round(p[1] * 10))
            got = vertex.get(k)
            if got is None:
                got = vertex[k] = g.add_node((p[0], p[1], 0.0))
            return got

        degree: dict[int, int] = {}
        for fi, fp in enumerate(footpaths):
            ids = [node_at(p) for p in fp.line]
            for u, v in itertools.pairwise(ids):
                if u != v:
                    self.segments.append((u, v, fi))
            for end in (ids[0], ids[-1]):
                degree[end] = degree.get(end, 0) + 1
        if not self.segments:
            return
        lines = [LineString([g.nodes[u][:2], g.nodes[v][:2]]) for u, v, _ in self.segments]
        tree = STRtree(lines)
        # a path end stopping on another path (no shared vertex) joins it there
        for end, deg in degree.items():
            if deg != 1:
                continue
            p = Point(g.nodes[end][:2])
            for si in tree.query(p.buffer(JOIN_TOL)):
                u, v, _ = self.segments[int(si)]
                if end in (u, v):
                    continue
                line = lines[int(si)]
                if line.distance(p) <= JOIN_TOL and not self._touches(end, u, v):
                    self.splits.setdefault(int(si), []).append((line.project(p), end))
                    break
        # each ground entrance snaps to the nearest path
        for gw in g.gateways:
            if gw.kind != "entrance":
                continue
            p = Point(gw.xyz[:2])
            si = int(tree.nearest(p))
            d = lines[si].distance(p)
            if d > SNAP_MAX:
                g.warnings.append(
                    f"campus: entrance {gw.label} of {gw.building} is {d:.0f} m from the "
                    f"nearest path (more than {SNAP_MAX:.0f} m): not linked to the paths"
                )
                continue
            t = lines[si].project(p)
            q = lines[si].interpolate(t)
            at = g.add_node((q.x, q.y, 0.0))
            self.splits.setdefault(si, []).append((t, at))
            g.add_edge(
                CampusEdge(
                    gw.node,
                    at,
                    "access",
                    max(d, 0.0),
                    (gw.xyz[:2], (q.x, q.y)),
                    name=f"from door {gw.label}",
                )
            )
        for si, (u, v, fi) in enumerate(self.segments):
            fp = footpaths[fi]
            chain = [(0.0, u), *sorted(self.splits.get(si, [])), (lines[si].length, v)]
            for (_, a), (_, b) in itertools.pairwise(chain):
                if a == b:
                    continue
                pa, pb = g.nodes[a][:2], g.nodes[b][:2]
                g.add_edge(
                    CampusEdge(
                        a,
                        b,
                        "path",
                        math.dist(pa, pb),
                        (pa, pb),
                        fp.covered,
                        fp.steps,
                        fp.wheelchair,
                        fp.name or fp.highway,
                        fp.id,
                    )
                )
        g.has_paths = True

    def _touches(self, end: int, u: int, v: int) -> bool:
        return any(end in (a, b) for a, b, _ in self.segments if {a, b} & {u, v})

    # -- flat ground
    def ground(self) -> None:
        g = self.g
        levels: dict[str, set[str | None]] = {}
        for gw in g.gateways:
            if gw.kind == "entrance":
                levels.setdefault(gw.building, set()).add(gw.endpoint.storey)
        built = unary_union([_footprint(g.parts[k], st) for k, st in levels.items()])
        if built.is_empty:
            return
        grown = built.buffer(0.3, join_style="mitre").simplify(0.05)
        x0, y0, x1, y1 = grown.bounds
        m = GROUND_MARGIN
        free = largest_polygon(box(x0 - m, y0 - m, x1 + m, y1 + m).difference(grown))
        if free is None:
            return
        ww = Walkway(free)
        outs: list[tuple[int, XY]] = []
        for gw in g.gateways:
            if gw.kind == "entrance":
                outs.append((gw.node, snap_inside(ww.polygon, gw.xyz[:2])))
        cands = []
        for i in range(len(outs)):
            for j in range(i + 1, len(outs)):
                (na, ea), (nb, eb) = outs[i], outs[j]
                length, pts = ww.path(ea, eb)
                pa, pb = g.nodes[na][:2], g.nodes[nb][:2]
                total = length + math.dist(pa, ea) + math.dist(eb, pb)
                cands.append((total, i, j, [pa, *pts, pb]))
        for total, i, j, line in greedy_spanner(len(outs), cands, 0.01):
            g.add_edge(CampusEdge(outs[i][0], outs[j][0], "ground", total, tuple(line)))
        g.ground = ww.polygon


def build_campus_graph(
    parts: Sequence[BuildingPart],
    *,
    crs: str,
    footpaths: Sequence[Footpath] | None = None,
    connections: Sequence[Connection] = (),
    source: str = "",
) -> CampusGraph:
    """The campus graph over the buildings' navigation graphs (see the module docstring)."""
    g = CampusGraph(crs, {p.key: p for p in parts})
    for p in parts:
        if p.georef.mode != "map_conversion":
            raise InvalidInput(f"model {p.key} has no IfcMapConversion: it cannot be placed")
        if p.georef.crs and p.georef.crs != crs:
            raise InvalidInput(f"model {p.key} is in {p.georef.crs}, the campus in {crs}")
        g.footprints[p.key] = _footprint(p)
    b = _Builder(g)
    b.gateways(connections)
    if footpaths:
        b.paths(footpaths)
        g.assumptions.append(
            f"outdoor paths from {source or 'the path data'} ({len(footpaths)} paths); "
            f"entrances joined to the nearest path (up to {SNAP_MAX:.0f} m)"
        )
    else:
        b.ground()
        g.assumptions.append(
            "no outdoor path data: outdoor legs walk the flat ground around the buildings "
            "between entrance doors"
        )
    g.assumptions.append(_model_ground(parts))
    return g


def _model_ground(parts: Sequence[BuildingPart]) -> str:
    """What outdoor ground the models themselves give (yards, site paving), said once."""
    said = []
    for p in parts:
        yards = len(ground_yards(p.nav))
        paving = len(site_ground(p.nav.twin))
        if yards or paving:
            said.append(f"{p.key}: {yards} outdoor spaces, {paving} paved site elements")
    if not said:
        return (
            "no outdoor spaces (IfcSpace EXTERNAL) or paved site elements in the models: "
            "outdoor ground is the path data or the flat ground"
        )
    return (
        "outdoor ground from the models (IfcSpace EXTERNAL at grade, paving contained in the "
        "site; their doors are entrances): " + "; ".join(said)
    )


# -- searching -------------------------------------------------------------------------------


def _tables(g: CampusGraph, key: str, prof: str, r: Restrictions | None) -> list[dict[int, float]]:
    """Per gateway of building ``key``: true seconds from it to every node of the building."""
    slot = ("tables", key, prof, r or None)
    got = g.cache.get(slot)
    if isinstance(got, list):
        return got
    part = g.parts[key]
    p = profile_of(prof)
    be, bn = paths.blocked(part.nav, r)
    out = []
    for gi in g.gates_of[key]:
        src = {n: m / p.speed for n, (m, _) in g.gateways[gi].endpoint.seeds.items()}
        out.append(paths.one_to_all(part.nav, prof, src, be, bn))
    if r:
        kept = [k for k in g.cache if isinstance(k, tuple) and k[0] == "tables" and k[3]]
        for k in kept[: max(0, len(kept) - _TABLES_KEEP)]:
            del g.cache[k]
    g.cache[slot] = out
    return out


def _inside(
    g: CampusGraph, prof: str, r: Restrictions | None
) -> dict[int, list[tuple[int, float]]]:
    """Campus node of a gateway -> [(node of another gateway of its building, seconds)]."""
    slot = ("inside", prof, r or None)
    got = g.cache.get(slot)
    if isinstance(got, dict):
        return got
    speed = profile_of(prof).speed
    out: dict[int, list[tuple[int, float]]] = {}
    for key, gis in g.gates_of.items():
        tabs = _tables(g, key, prof, r)
        for i, gi in enumerate(gis):
            row = out.setdefault(g.gateways[gi].node, [])
            for gj in gis:
                if gj == gi:
                    continue
                t = time_to(tabs[i], g.gateways[gj].endpoint, speed)
                if math.isfinite(t):
                    row.append((g.gateways[gj].node, t))
    g.cache[slot] = out
    return out


def _edge_costs(g: CampusGraph, prof: str, covered: bool) -> list[float | None]:
    slot = ("costs", prof, covered)
    got = g.cache.get(slot)
    if isinstance(got, list):
        return got
    speed = profile_of(prof).speed
    out: list[float | None] = []
    for e in g.edges:
        if not e.allows(prof):
            out.append(None)
            continue
        f = COVERED_FACTOR if covered and not e.covered else 1.0
        out.append(e.length_m / speed * f)
    g.cache[slot] = out
    return out


Hop = tuple[int, str, int]  # (previous node, "edge" | "inside" | "seed", edge id or -1)


@dataclass
class _Ends:
    """Seeds of one route end: campus node -> seconds, plus the same-building shortcut."""

    place: CampusPlace
    label: str
    building: str | None
    endpoint: Endpoint | None
    seeds: dict[int, float]
    via: dict[int, tuple[int, XY]] = field(default_factory=dict)  # map end: node -> (edge, snap)


def _snap_outdoor(
    g: CampusGraph, xyz: XYZ, speed: float, prof: str
) -> tuple[dict[int, float], dict[int, tuple[int, XY]]]:
    ids, tree = g.edge_tree()
    if not ids:
        raise NoRoute("the campus has no outdoor paths or ground to start from")
    p = Point(xyz[:2])
    near: list[tuple[float, int]] = []
    for k in tree.query(p.buffer(SNAP_MAX)):
        eid = ids[int(k)]
        if g.edges[eid].allows(prof):
            near.append((LineString(g.edges[eid].line).distance(p), eid))
    dmin = min((d for d, _ in near), default=math.inf)
    best: dict[int, float] = {}
    via: dict[int, tuple[int, XY]] = {}
    for d, eid in near:
        if d > dmin + JOIN_TOL:  # the nearest edges only: nobody walks 50 m across the lawn
            continue
        e = g.edges[eid]
        line = LineString(e.line)
        t = line.project(p)
        q = line.interpolate(t)
        frac = t / line.length if line.length else 0.0
        for node, along in ((e.a, frac * e.length_m), (e.b, (1 - frac) * e.length_m)):
            s = (d + along) / speed
            if s < best.get(node, math.inf):
                best[node] = s
                via[node] = (eid, (q.x, q.y))
    if not best:
        raise NoRoute(f"map point {xyz} is more than {SNAP_MAX:.0f} m from every outdoor path")
    return best, via


def _ends(g: CampusGraph, place: CampusPlace, prof: str, r: Restrictions | None) -> _Ends:
    speed = profile_of(prof).speed
    if place.building is not None and place.place is not None:
        part = g.part(place.building)
        ep = resolve(part.nav, place.place)
        tabs = _tables(g, place.building, prof, r)
        seeds: dict[int, float] = {}
        for i, gi in enumerate(g.gates_of[place.building]):
            t = time_to(tabs[i], ep, speed)
            if math.isfinite(t):
                seeds[g.gateways[gi].node] = t
        return _Ends(place, f"{ep.label} ({place.building})", place.building, ep, seeds)
    assert place.map is not None
    e, n, _h = place.map
    seeds, via = _snap_outdoor(g, place.map, speed, prof)
    return _Ends(place, f"({e:.1f}, {n:.1f})", None, None, seeds, via)


def _dijkstra(
    g: CampusGraph,
    sources: Mapping[int, float],
    prof: str,
    r: Restrictions | None,
    closed: frozenset[str],
    covered: bool,
    stop: Callable[[int], bool] | None = None,
) -> tuple[dict[int, float], dict[int, Hop]]:
    costs = _edge_costs(g, prof, covered)
    inside = _inside(g, prof, r)
    dist: dict[int, float] = {}
    pred: dict[int, Hop] = {}
    heap = [(t, n, -1, "seed", -1) for n, t in sources.items()]
    heapq.heapify(heap)
    while heap:
        t, u, frm, how, eid = heapq.heappop(heap)
        if u in dist:
            continue
        dist[u] = t
        pred[u] = (frm, how, eid)
        if stop is not None and stop(u):
            break
        for v, e in g.adj[u]:
            c = costs[e]
            if c is None or v in dist or g.edges[e].ref in closed:
                continue
            heapq.heappush(heap, (t + c, v, u, "edge", e))
        for v, c in inside.get(u, ()):
            if v not in dist:
                heapq.heappush(heap, (t + c, v, u, "inside", -1))
    return dist, pred


@dataclass
class CampusLeg:
    kind: Literal["building", "outdoor", "bridge", "tunnel"]
    building: str | None
    length_m: float
    eta_s: float  # seconds of this leg
    text: str
    line: list[XYZ]  # map coordinates
    route: Route | None = None
    edges: list[int] = field(default_factory=list)
    covered_m: float = 0.0


@dataclass
class CampusRoute:
    profile: str
    legs: list[CampusLeg]
    length_m: float
    eta_s: float
    crs: str
    assumptions: list[str]
    buildings: list[str]
    closed: list[str] = field(default_factory=list)

    def connections(self) -> list[str]:
        return [leg.text for leg in self.legs if leg.kind in ("bridge", "tunnel")]

    def as_dict(self, wgs84: Callable[[float, float], XY] | None = None) -> dict[str, Any]:
        steps: list[dict[str, Any]] = []
        t0 = 0.0
        for leg in self.legs:
            if leg.route is not None:
                for s in leg.route.steps:
                    steps.append(
                        {
                            "kind": s.kind,
                            "guid": s.guid,
                            "name": s.name,
                            "storey": s.storey,
                            "building": leg.building,
                            "text": s.text,
                            "t_s": round(t0 + s.t_s, 1),
                        }
                    )
            else:
                steps.append(
                    {
                        "kind": leg.kind,
                        "guid": None,
                        "name": leg.text,
                        "storey": None,
                        "building": leg.building,
                        "text": leg.text,
                        "t_s": round(t0 + leg.eta_s, 1),
                    }
                )
            t0 += leg.eta_s
        legs = []
        for leg in self.legs:
            d: dict[str, Any] = {
                "kind": leg.kind,
                "building": leg.building,
                "length_m": round(leg.length_m, 2),
                "eta_s": round(leg.eta_s, 1),
                "text": leg.text,
                "covered_m": round(leg.covered_m, 1),
                "line": [[round(v, 3) for v in p] for p in leg.line],
                "route": leg.route.as_dict() if leg.route is not None else None,
            }
            if wgs84 is not None:
                d["line_wgs84"] = [[round(c, 7) for c in wgs84(p[0], p[1])] for p in leg.line]
            legs.append(d)
        return {
            "profile": self.profile,
            "length_m": round(self.length_m, 2),
            "eta_s": round(self.eta_s, 1),
            "crs": self.crs,
            "buildings": list(self.buildings),
            "legs": legs,
            "steps": steps,
            "assumptions": list(self.assumptions),
        }


def _closed_connections(
    g: CampusGraph, closed: frozenset[str], r: Restrictions | None
) -> frozenset[str]:
    """Connection ids closed by id, or by a closed space or locked door at either end."""
    shut = set(closed)
    blocked = (r.closed_spaces | r.locked_doors) if r else frozenset()
    for cid, c in g.connections.items():
        if any(end.space and end.space in blocked for end in (c.a, c.b)):
            shut.add(cid)
    return frozenset(shut)


def campus_route(
    g: CampusGraph,
    start: CampusPlace,
    goal: CampusPlace,
    *,
    profile: str = "walking",
    restrictions: Restrictions | None = None,
    closed: frozenset[str] = frozenset(),
    covered_preferred: bool = False,
) -> CampusRoute:
    """The fastest route between two places anywhere on the campus.

    ``closed``: connection ids (bridges, tunnels) or footpath ids that may not be used;
    ``restrictions`` apply inside every building (GlobalIds are unique across models); a
    connection whose end space is closed is closed too. Raises :class:`NoRoute` naming the
    closures that cut the goal off."""
    prof = profile_of(profile).name
    shut = _closed_connections(g, closed, restrictions)
    found = _search(g, start, goal, prof, restrictions, shut, covered_preferred)
    if found is None:
        raise NoRoute(_explain(g, start, goal, prof, restrictions, shut, covered_preferred))
    return _assemble(g, prof, restrictions, covered_preferred, shut, *found)


_T = -2  # the goal's virtual node


def _search(
    g: CampusGraph,
    start: CampusPlace,
    goal: CampusPlace,
    prof: str,
    r: Restrictions | None,
    shut: frozenset[str],
    covered: bool,
) -> tuple[_Ends, _Ends, list[tuple[int, str, int]], float] | None:
    a, b = _ends(g, start, prof, r), _ends(g, goal, prof, r)
    if r:
        for ep in (a.endpoint, b.endpoint):
            if ep is not None and ep.space and ep.space in r.closed_spaces:
                raise NoRoute(f"{ep.label} lies in closed space {ep.space}", space=ep.space)
    dist, pred = _dijkstra(g, a.seeds, prof, r, shut, covered)
    best, via = math.inf, -1
    for n, t in b.seeds.items():
        if n in dist and dist[n] + t < best:
            best, via = dist[n] + t, n
    direct = math.inf
    if a.building is not None and a.building == b.building and a.endpoint and b.endpoint:
        part = g.parts[a.building]
        try:
            rt = route(
                part.nav, a.place.place or "", b.place.place or "", profile=prof, restrictions=r
            )
            direct = rt.eta_s
        except NoRoute:
            pass
    if direct <= best and math.isfinite(direct):
        return a, b, [], direct
    if via < 0:
        return None
    chain: list[tuple[int, str, int]] = []
    n = via
    while n >= 0:
        frm, how, eid = pred[n]
        chain.append((n, how, eid))
        n = frm
    chain.reverse()
    return a, b, chain, best


def _assemble(
    g: CampusGraph,
    prof: str,
    r: Restrictions | None,
    covered: bool,
    shut: frozenset[str],
    a: _Ends,
    b: _Ends,
    chain: list[tuple[int, str, int]],
    best: float,
) -> CampusRoute:
    p = profile_of(prof)
    legs: list[CampusLeg] = []

    def building_leg(key: str, frm: Place, to: Place) -> None:
        part = g.parts[key]
        rt = route(part.nav, frm, to, profile=prof, restrictions=r)
        line = [part.to_map(*xyz) for xyz in rt.polyline3d]
        legs.append(
            CampusLeg(
                "building",
                key,
                rt.length_m,
                rt.eta_s,
                f"In {part.name}: {rt.steps[0].text if rt.steps else ''} -> "
                f"{rt.steps[-1].text if rt.steps else ''}",
                line,
                rt,
            )
        )

    def place_of(node: int) -> Place:
        return g.gateways[g.gate_at[node]].place

    if not chain:  # same building, direct
        assert a.building is not None and a.place.place is not None and b.place.place is not None
        building_leg(a.building, a.place.place, b.place.place)
    else:
        first = chain[0][0]
        if a.building is not None and a.place.place is not None:
            building_leg(a.building, a.place.place, place_of(first))
        elif a.place.map is not None:
            legs.append(_walk_to(g, a, first, p.speed, "Walk from your position"))
        run: list[int] = []
        for (u, _, _), (v, how, eid) in itertools.pairwise(chain):
            if how == "edge":
                run.append(eid)
                e = g.edges[eid]
                if e.kind in ("bridge", "tunnel"):
                    run.pop()
                    if run:
                        legs.append(_outdoor_leg(g, run, chain, p.speed))
                        run = []
                    legs.append(_connection_leg(g, eid, u, p.speed))
                continue
            if run:
                legs.append(_outdoor_leg(g, run, chain, p.speed))
                run = []
            key = g.gateways[g.gate_at[u]].building
            building_leg(key, place_of(u), place_of(v))
        if run:
            legs.append(_outdoor_leg(g, run, chain, p.speed))
        last = chain[-1][0]
        if b.building is not None and b.place.place is not None:
            building_leg(b.building, place_of(last), b.place.place)
        elif b.place.map is not None:
            leg = _walk_to(g, b, last, p.speed, "Walk to the destination")
            leg.line.reverse()
            legs.append(leg)
    eta = sum(leg.eta_s for leg in legs)
    length = sum(leg.length_m for leg in legs)
    assumptions = [f"walking speed {p.speed} m/s"]
    assumptions += [x for leg in legs if leg.route for x in leg.route.assumptions[1:]]
    assumptions += g.assumptions
    outdoor = [leg for leg in legs if leg.kind == "outdoor"]
    if outdoor:
        metres = sum(leg.length_m for leg in outdoor)
        cov = sum(leg.covered_m for leg in outdoor)
        assumptions.append(f"{metres:.0f} m outdoors, {cov:.0f} m of it covered")
    if covered:
        assumptions.append(
            f"covered paths preferred: an uncovered metre counts {COVERED_FACTOR:g} times in "
            "the search (the ETA is the true walking time)"
        )
    if shut:
        assumptions.append("closed: " + ", ".join(sorted(shut)))
    buildings = list(dict.fromkeys(leg.building for leg in legs if leg.building))
    return CampusRoute(
        prof, legs, length, eta, g.crs, list(dict.fromkeys(assumptions)), buildings, sorted(shut)
    )


def _walk_to(g: CampusGraph, end: _Ends, node: int, speed: float, text: str) -> CampusLeg:
    """The walk between a map point and the campus node its snap seeded: to the nearest
    point of an outdoor edge, then along that edge."""
    assert end.place.map is not None
    xyz = end.place.map
    seconds = end.seeds[node]
    eid, snap = end.via[node]
    e = g.edges[eid]
    q = g.nodes[node]
    d = seconds * speed
    covered = (d - math.dist(xyz[:2], snap)) if e.covered else 0.0
    line = [xyz, (snap[0], snap[1], xyz[2]), (q[0], q[1], xyz[2])]
    name = f" along {e.name}" if e.name else ""
    return CampusLeg(
        "outdoor", None, d, seconds, f"{text} ({d:.0f} m{name})", line, None, [eid], covered
    )


def _outdoor_leg(
    g: CampusGraph, run: list[int], chain: list[tuple[int, str, int]], speed: float
) -> CampusLeg:
    order = {n: i for i, (n, _, _) in enumerate(chain)}
    line: list[XYZ] = []
    length = covered = 0.0
    names: list[str] = []
    for eid in run:
        e = g.edges[eid]
        pts = list(e.line)
        if order.get(e.a, 0) > order.get(e.b, 0):
            pts.reverse()
        for pt in pts:
            xyz = (pt[0], pt[1], 0.0)
            if not line or line[-1][:2] != pt:
                line.append(xyz)
        length += e.length_m
        covered += e.length_m if e.covered else 0.0
        if e.kind == "path" and e.name and e.name not in names:
            names.append(e.name)
    first, last = g.edges[run[0]], g.edges[run[-1]]
    ga = g.gate_at.get(first.a if order.get(first.a, 0) < order.get(first.b, 0) else first.b)
    gb = g.gate_at.get(last.b if order.get(last.b, 0) > order.get(last.a, 0) else last.a)

    def bname(gi: int) -> str:
        return g.parts[g.gateways[gi].building].name

    def door(gi: int) -> str:
        gw = g.gateways[gi]
        yard = gw.ref in g.parts[gw.building].nav.twin.spaces
        return f"outdoor space {gw.label}" if yard else f"door {gw.label}"

    frm = f"Leave {bname(ga)} by {door(ga)} and walk" if ga is not None else "Walk"
    to = f" to {door(gb)} of {bname(gb)}" if gb is not None else ""
    via = f" along {', '.join(names[:4])}" if names else " on the ground outside"
    cov = f" ({covered:.0f} m covered)" if covered else ""
    return CampusLeg(
        "outdoor",
        None,
        length,
        length / speed,
        f"{frm} {length:.0f} m{via}{cov}{to}",
        line,
        None,
        list(run),
        covered,
    )


def _connection_leg(g: CampusGraph, eid: int, frm: int, speed: float) -> CampusLeg:
    e = g.edges[eid]
    to = e.b if frm == e.a else e.a
    ga, gb = g.gateways[g.gate_at[frm]], g.gateways[g.gate_at[to]]
    text = (
        f"Cross {e.kind} {e.name} ({e.length_m:.0f} m"
        f"{', covered' if e.covered else ''}) from {g.parts[ga.building].name} to "
        f"{g.parts[gb.building].name}"
    )
    kind: Literal["bridge", "tunnel"] = "tunnel" if e.kind == "tunnel" else "bridge"
    return CampusLeg(
        kind,
        None,
        e.length_m,
        e.length_m / speed,
        text,
        [ga.xyz, gb.xyz],
        None,
        [eid],
        e.length_m if e.covered else 0.0,
    )


def _explain(
    g: CampusGraph,
    start: CampusPlace,
    goal: CampusPlace,
    prof: str,
    r: Restrictions | None,
    shut: frozenset[str],
    covered: bool,
) -> str:
    a = _ends(g, start, prof, r).label
    b = _ends(g, goal, prof, r).label
    if shut or r:
        free = _search(g, start, goal, prof, None, frozenset(), covered)
        if free is not None:
            used = {g.edges[eid].ref for _, how, eid in free[2] if how == "edge"}
            names = sorted(used & shut)
            if r:
                names.append("restrictions inside the buildings")
            return f"no route from {a} to {b} ({prof}): cut off by " + ", ".join(names)
    if (
        prof in ("cart", "wheelchair")
        and _search(g, start, goal, "walking", r, shut, covered) is not None
    ):
        return f"no step-free route from {a} to {b}: only steps or stairs connect them"
    return f"no route from {a} to {b}: they are not connected on the campus"


def campus_times(
    g: CampusGraph,
    target: CampusPlace,
    places: Sequence[CampusPlace | None],
    *,
    profile: str = "walking",
    restrictions: Restrictions | None = None,
    closed: frozenset[str] = frozenset(),
) -> list[float]:
    """Seconds from each of ``places`` to ``target`` (inf when unreachable, nan for None): one
    campus search from the target, gateway tables inside each building, and one building
    search for those in the target's own building (dispatch across buildings)."""
    prof = profile_of(profile).name
    speed = profile_of(prof).speed
    shut = _closed_connections(g, closed, restrictions)
    t = _ends(g, target, prof, restrictions)
    dist, _ = _dijkstra(g, t.seeds, prof, restrictions, shut, False)
    same: dict[int, float] = {}
    if t.building is not None and t.endpoint is not None:
        part = g.parts[t.building]
        eps = [
            resolve(part.nav, pl.place)
            for pl in places
            if pl and pl.building == t.building and pl.place is not None
        ]
        until = {n for ep in eps for n in ep.seeds}
        be, bn = paths.blocked(part.nav, restrictions, frozenset({t.endpoint.space} - {None}))  # type: ignore[arg-type]
        src = {n: m / speed for n, (m, _) in t.endpoint.seeds.items()}
        same = paths.one_to_all(part.nav, prof, src, be, bn, until)
    out: list[float] = []
    for pl in places:
        if pl is None:
            out.append(math.nan)
            continue
        try:
            e = _ends(g, pl, prof, restrictions)
        except (NotFound, NoRoute, InvalidInput):
            out.append(math.inf)
            continue
        best = min((dist[n] + s for n, s in e.seeds.items() if n in dist), default=math.inf)
        if e.building is not None and e.building == t.building and e.endpoint is not None:
            best = min(best, time_to(same, e.endpoint, speed))
        out.append(best)
    return out


def map_wgs84(g: CampusGraph) -> Callable[[float, float], XY]:
    """A map point's (lon, lat)."""
    return lambda e, n: map_to_wgs84(g.crs, e, n)
