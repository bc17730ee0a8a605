"""The indoor navigation graph of one twin.

Walking inside a room is modelled by *portals*: doors, stair stops and lift stops. Each portal
has an entry point inside every space it opens into, and the walking time between two portals of
one space is precomputed along a path that stays inside the footprint (:mod:`walkways`), so a
route query is a plain shortest-path search over precomputed edges. Each space also has a centre
node (a walkable interior point) joined to its portals, used only where a route starts or ends.

Edge costs are stored per profile (seconds); restrictions are applied at query time by the
search skipping blocked edges (the networkx "weight returns None" idiom), never by editing the
graph, so one graph serves every query.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from typing import Literal

from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from twin.ifc.doors import link_doors, plan_footprint
from twin.model import Element, Space, Twin
from twin.navigation.navgraph import (
    OUTDOOR_FACTOR,
    PROFILES,
    STRETCH,
    XY,
    Edge,
    NavGraph,
)
from twin.navigation.outdoor import link_entrances, opens_outdoors, site_ground
from twin.navigation.paths import prepare
from twin.navigation.spanner import greedy_spanner
from twin.navigation.walkways import Walkway, inside_point, largest_polygon, snap_inside

__all__ = ["blocks_walking", "build_navigation"]

log = logging.getLogger(__name__)


#: The walking band above a storey's floor (metres): only what stands in it blocks a person; a
#: header or bulkhead wall over an open join, or a kerb below it, does not.
WALK_BAND = (0.1, 2.0)
#: A stair or lift serves a storey when the storey's floor lies within this of its Z range.
Z_SLACK = 0.5
#: Rooms closer than this with no door between are open to each other (no wall fits in it) ...
OPEN_GAP = 0.05
#: Two rooms bounded by one virtual element (an open join) are joined across at most this gap.
VIRTUAL_GAP = 1.0
#: ... when they share at least this much boundary (metres).
OPEN_MIN = 0.6
#: A room with at least this many portals (a corridor) is walked through waypoints at its
#: portals' entry points joined by a sparse spanner instead of a clique of door pairs.
WAYPOINT_MIN = 5


def _space_z(tw: Twin, s: Space) -> float:
    if s.elevation is not None:
        return s.elevation
    if s.storey is not None and s.storey in tw.storeys:
        return tw.storeys[s.storey].elevation
    return s.bbox[2] if s.bbox else 0.0


def _walkable_spaces(tw: Twin) -> dict[str, Polygon]:
    out: dict[str, Polygon] = {}
    for s in tw.spaces.values():
        poly = largest_polygon(s.footprint)
        if poly is not None and poly.area > 0.2:
            out[s.guid] = poly
    return out


def blocks_walking(tw: Twin, el: Element) -> bool:
    """Whether ``el`` stands in the walking band (:data:`WALK_BAND`) of its storey: its Z range
    overlaps it. Without a box or a storey, it blocks (the safe side)."""
    st = tw.storeys.get(el.storey or "")
    if el.bbox is None or st is None:
        return True
    lo, hi = st.elevation + WALK_BAND[0], st.elevation + WALK_BAND[1]
    return el.bbox[2] < hi and el.bbox[5] > lo


def _storeys_spanned(tw: Twin, el: Element) -> list[str]:
    """Storeys a stair or lift serves, bottom up: floors inside its Z range, else its own."""
    if el.bbox is None:
        return [el.storey] if el.storey else []
    zmin, zmax = el.bbox[2], el.bbox[5]
    own = tw.storeys.get(el.storey or "")
    building = own.building if own else None
    cands = [
        s
        for s in tw.storeys.values()
        if (building is None or s.building == building)
        and zmin - Z_SLACK <= s.elevation <= zmax + Z_SLACK
    ]
    cands.sort(key=lambda s: s.elevation)
    if len(cands) < 2 and own is not None:
        # a flight modelled on its lower storey only: it reaches the next storey up
        above = sorted(
            (
                s
                for s in tw.storeys.values()
                if s.building == own.building and s.elevation > own.elevation
            ),
            key=lambda s: s.elevation,
        )
        if above and zmax >= above[0].elevation - 1.5 and el.kind == "stair":
            cands = [own, above[0]]
    return [s.guid for s in cands]


def _landings(tw: Twin, el: Element) -> tuple[XY, XY] | None:
    """Bottom and top landing of a stair from its mesh (where its lowest and highest treads
    are): a flight overlaps several rooms in plan but is entered at its ends."""
    mesh = tw.meshes.get(el.guid)
    if mesh is None or len(mesh.vertices) < 4:
        return None
    v = mesh.vertices
    z = v[:, 2]
    if float(z.max() - z.min()) < 1.0:
        return None
    bot = v[z < z.min() + 0.25][:, :2].mean(axis=0)
    top = v[z > z.max() - 0.25][:, :2].mean(axis=0)
    return (float(bot[0]), float(bot[1])), (float(top[0]), float(top[1]))


class _Builder:
    def __init__(self, tw: Twin) -> None:
        self.tw = tw
        self.nav = NavGraph(tw)
        self.polys = _walkable_spaces(tw)
        self.portal_links: dict[str, list[tuple[int, XY, bool]]] = {}  # space -> portals

    def space_nodes(self) -> None:
        for g, poly in self.polys.items():
            s = self.tw.spaces[g]
            x, y = inside_point(poly)
            self.nav.add_node("space", g, s.storey, (x, y, _space_z(self.tw, s)))
            self.portal_links[g] = []

    def link(self, space: str, node: int, xy: XY, inferred: bool) -> None:
        entry = snap_inside(self.polys[space], xy)
        self.portal_links[space].append((node, entry, inferred))

    def doors(self) -> None:
        """Each door joins the spaces its opening passes between (:mod:`twin.ifc.doors`);
        a door that links no walkable space is left out (the quality report names it)."""
        links = link_doors(self.tw.spaces, self.tw.elements, self.tw.space_boundaries)
        ground = site_ground(self.tw)
        for door_guid, link in links.items():
            spaces = [g for g in link.spaces if g in self.polys]
            if not spaces:
                continue
            door = self.tw.elements[door_guid]
            fp = plan_footprint(door)
            c = fp.centroid if fp is not None else Point(0, 0)
            z = _space_z(self.tw, self.tw.spaces[spaces[0]])
            nid = self.nav.add_node(
                "door",
                door_guid,
                door.storey or self.tw.spaces[spaces[0]].storey,
                (c.x, c.y, z),
                entrance=opens_outdoors(self.tw, door, link, ground),
            )
            for g in spaces:
                self.link(g, nid, (c.x, c.y), link.inferred)

    def _walls(self) -> dict[str | None, BaseGeometry]:
        """Footprints of the walls that stand in the walking band, per storey, slightly grown:
        an edge along such a wall is no opening."""
        parts: dict[str | None, list[BaseGeometry]] = {}
        for w in self.tw.elements_of_kind("wall"):
            fp = plan_footprint(w)
            if fp is not None and blocks_walking(self.tw, w):
                parts.setdefault(w.storey, []).append(fp)
        return {k: unary_union(v).buffer(0.05) for k, v in parts.items()}

    def _opening(self, a: str, b: str, line: BaseGeometry, storey: str | None) -> None:
        mid = line.interpolate(0.5, normalized=True)
        z = _space_z(self.tw, self.tw.spaces[a])
        nid = self.nav.add_node("opening", f"opening:{a}:{b}", storey, (mid.x, mid.y, z))
        self.link(a, nid, (mid.x, mid.y), True)
        self.link(b, nid, (mid.x, mid.y), True)

    def _virtual_joins(self) -> set[tuple[str, str]]:
        """Pairs of rooms the model declares open to each other: both bounded by one virtual
        element (IfcVirtualElement, or a boundary marked VIRTUAL). They are joined across
        walls and gaps up to :data:`VIRTUAL_GAP` (an open doorway through a thick wall)."""
        by_element: dict[str, list[str]] = {}
        for sb in self.tw.space_boundaries:
            if not sb.physical and sb.element is not None and sb.space in self.polys:
                lst = by_element.setdefault(sb.element, [])
                if sb.space not in lst:
                    lst.append(sb.space)
        done: set[tuple[str, str]] = set()
        for guids in by_element.values():
            for a, b in itertools.combinations(sorted(guids), 2):
                sa, sb_ = self.tw.spaces[a], self.tw.spaces[b]
                pa, pb = self.polys[a], self.polys[b]
                gap = pa.distance(pb)
                if (a, b) in done or sa.storey != sb_.storey or gap > VIRTUAL_GAP:
                    continue
                shared = pa.boundary.intersection(pb.buffer(max(gap, OPEN_GAP) + 0.01))
                parts = [g for g in getattr(shared, "geoms", [shared]) if g.length > 0]
                if not parts:
                    continue
                done.add((a, b))
                self._opening(a, b, max(parts, key=lambda g: g.length), sa.storey)
        return done

    def openings(self) -> None:
        """Declared virtual joins (:meth:`_virtual_joins`), then rooms that touch with no wall
        in the walking band between them (open plan) get an opening portal at the middle of
        their longest shared edge. Where the model has virtual boundaries, only rooms that have
        one are taken as open to each other by touching."""
        virtual = {sb.space for sb in self.tw.space_boundaries if not sb.physical}
        declared = self._virtual_joins()
        by_storey: dict[str | None, list[str]] = {}
        for g in self.polys:
            by_storey.setdefault(self.tw.spaces[g].storey, []).append(g)
        walls = self._walls()
        for storey, guids in by_storey.items():
            for i, a in enumerate(guids):
                pa = self.polys[a]
                for b in guids[i + 1 :]:
                    if virtual and not (a in virtual and b in virtual):
                        continue
                    if (min(a, b), max(a, b)) in declared:
                        continue
                    pb = self.polys[b]
                    if pa.distance(pb) > OPEN_GAP:
                        continue
                    shared = pa.boundary.intersection(pb.buffer(OPEN_GAP + 0.01))
                    wall = walls.get(storey)
                    if wall is not None:
                        shared = shared.difference(wall)
                    parts = [g for g in getattr(shared, "geoms", [shared]) if g.length > 0]
                    if not parts:
                        continue
                    line = max(parts, key=lambda g: g.length)
                    if line.length < OPEN_MIN:
                        continue
                    self._opening(a, b, line, storey)

    def vertical(self, kind: Literal["stair", "lift"]) -> None:
        for el in self.tw.elements_of_kind(kind):
            storeys = _storeys_spanned(self.tw, el)
            fp = plan_footprint(el)
            if fp is None or len(storeys) < 2:
                if storeys:
                    self.nav.warnings.append(f"{kind} {el.guid} joins no two storeys")
                continue
            c = fp.centroid
            ends = _landings(self.tw, el) if kind == "stair" else None
            stops: list[int] = []
            for k, sg in enumerate(storeys):
                land = None
                if ends is not None and k in (0, len(storeys) - 1):
                    land = ends[0] if k == 0 else ends[1]
                spaces = self._spaces_at(sg, fp, el.space, land)
                if not spaces:
                    continue
                z = self.tw.storeys[sg].elevation
                x, y = land if land is not None else (c.x, c.y)
                nid = self.nav.add_node(kind, el.guid, sg, (x, y, z))
                for g in spaces:
                    self.link(g, nid, (x, y), False)
                stops.append(nid)
            pairs = (
                [(stops[i], stops[j]) for i in range(len(stops)) for j in range(i + 1, len(stops))]
                if kind == "lift"
                else list(itertools.pairwise(stops))
            )
            for a, b in pairs:
                na, nb = self.nav.nodes[a], self.nav.nodes[b]
                n_storeys = (
                    abs(
                        self.tw.storeys[nb.storey or ""].index
                        - self.tw.storeys[na.storey or ""].index
                    )
                    or 1
                )
                self.nav.add_edge(
                    Edge(
                        a,
                        b,
                        kind,
                        abs(nb.xyz[2] - na.xyz[2]) * (2.0 if kind == "stair" else 1.0),
                        None,
                        el.guid,
                        n_storeys,
                        (),
                    )
                )

    def _spaces_at(
        self, storey: str, fp: BaseGeometry, own: str | None, land: XY | None = None
    ) -> list[str]:
        on = [g for g in self.polys if self.tw.spaces[g].storey == storey]
        if land is not None and on:
            d, g = min((self.polys[g].distance(Point(land)), g) for g in on)
            if d < 1.0:
                return [g]
        hits = [g for g in on if self.polys[g].intersects(fp.buffer(0.3))]
        if own in self.polys and own in on and own not in hits:
            hits.append(own)
        if not hits and on:
            d, g = min((self.polys[g].distance(fp), g) for g in on)
            if d < 3.0:
                hits = [g]
        return hits

    def walks(self, stretch: float | None) -> None:
        for g, links in self.portal_links.items():
            if not links:
                continue
            ww = Walkway(self.polys[g])
            self.nav.walkways[g] = ww
            center = self.nav.index[(g, self.tw.spaces[g].storey)]
            self.nav.space_portals[g] = [(n, e) for n, e, _ in links]
            if stretch is not None and len(links) >= WAYPOINT_MIN:
                self._corridor(g, ww, center, links, stretch)
            else:
                self._clique(g, ww, center, links)

    def _clique(self, g: str, ww: Walkway, center: int, links: list[tuple[int, XY, bool]]) -> None:
        """The centre to every portal and every pair of portals of a small room."""
        cxy = self.nav.nodes[center].xyz[:2]
        for n, entry, inferred in links:
            length, pts = ww.path(cxy, entry)
            pxy = self.nav.nodes[n].xyz[:2]
            total = length + math.dist(entry, pxy)
            self.nav.add_edge(Edge(center, n, "walk", total, g, None, 0, (*pts, pxy), inferred))
        for i in range(len(links)):
            for j in range(i + 1, len(links)):
                (na, ea, ia), (nb, eb, ib) = links[i], links[j]
                if na == nb:
                    continue
                length, pts = ww.path(ea, eb)
                pa, pb = self.nav.nodes[na].xyz[:2], self.nav.nodes[nb].xyz[:2]
                total = length + math.dist(pa, ea) + math.dist(eb, pb)
                self.nav.add_edge(Edge(na, nb, "walk", total, g, None, 0, (pa, *pts, pb), ia or ib))

    def _corridor(
        self,
        g: str,
        ww: Walkway,
        center: int,
        links: list[tuple[int, XY, bool]],
        stretch: float,
    ) -> None:
        """A waypoint at each portal's entry point (a step from the portal) and a greedy
        spanner over the waypoints and the room's centre: walks between them are true
        in-footprint paths, and any two are joined by kept edges at most ``1 + stretch`` times
        their direct walk. A door then touches only its waypoint, so a search settles an
        office behind it without the heap (see :mod:`twin.navigation.paths`)."""
        z = self.nav.nodes[links[0][0]].xyz[2]
        storey = self.tw.spaces[g].storey
        ways: list[int] = [center]
        pts_xy: list[XY] = [self.nav.nodes[center].xyz[:2]]
        for k, (n, entry, inferred) in enumerate(links):
            w = self.nav.add_node("waypoint", f"waypoint:{g}:{k}", storey, (*entry, z))
            pxy = self.nav.nodes[n].xyz[:2]
            d = math.dist(pxy, entry)
            self.nav.add_edge(Edge(w, n, "walk", d, g, None, 0, (entry, pxy), inferred))
            ways.append(w)
            pts_xy.append(entry)
        cands = []
        for i in range(len(ways)):
            for j in range(i + 1, len(ways)):
                length, pts = ww.path(pts_xy[i], pts_xy[j])
                cands.append((length, i, j, pts))
        for length, i, j, pts in greedy_spanner(len(ways), cands, stretch):
            self.nav.add_edge(Edge(ways[i], ways[j], "walk", length, g, None, 0, tuple(pts), False))


def _costs(nav: NavGraph) -> None:
    for name, p in PROFILES.items():
        out: list[float | None] = []
        for e in nav.edges:
            if e.kind == "walk":
                out.append(e.length_m / p.speed)
            elif e.kind == "outdoor":
                out.append(OUTDOOR_FACTOR * e.length_m / p.speed)
            elif e.kind == "stair":
                out.append(
                    None if p.stair_s_per_storey is None else p.stair_s_per_storey * e.storeys
                )
            else:
                out.append(p.lift_wait_s + p.lift_s_per_storey * e.storeys)
        nav.costs[name] = out


def build_navigation(twin: Twin, *, stretch: float | None = STRETCH) -> NavGraph:
    """The navigation graph of ``twin`` (a service shares it through ``navigation_of`` in
    ``twin.service.derived``).

    ``stretch`` bounds how much longer a walk through a corridor may be than the straight
    in-footprint walk (see :data:`STRETCH`); ``None`` joins every pair of portals directly
    (exact, but a corridor with 48 doors then has 1,128 edges).
    """
    t0 = time.perf_counter()
    b = _Builder(twin)
    b.nav.stretch = stretch
    b.space_nodes()
    b.doors()
    b.openings()
    b.vertical("stair")
    b.vertical("lift")
    b.walks(stretch)
    link_entrances(b.nav, b.polys, stretch)
    _costs(b.nav)
    prepare(b.nav)
    b.nav.build_seconds = time.perf_counter() - t0
    log.info(
        "navigation graph: %d nodes, %d edges in %.2fs",
        len(b.nav.nodes),
        len(b.nav.edges),
        b.nav.build_seconds,
    )
    return b.nav
