"""Outdoor walks between a site's entrances, so buildings (or dwellings) joined only outside
are still routable: Duplex_A's two dwellings share no door.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from shapely.geometry import Point, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from twin.ifc.doors import PROBES, DoorLink, door_frame, plan_footprint
from twin.model import Element, Space, Twin
from twin.navigation.navgraph import XY, Edge, NavGraph
from twin.navigation.spanner import greedy_spanner
from twin.navigation.walkways import Walkway, largest_polygon, snap_inside

__all__ = [
    "GROUND_LEVEL",
    "OUTDOOR_REACH",
    "ground_entrances",
    "is_external",
    "link_entrances",
    "opens_outdoors",
    "site_ground",
]

#: An entrance joins the outdoor walk when the outside is within this of its centre (metres).
OUTDOOR_REACH = 0.6
#: A door opens onto site ground whose top lies within this of the door's bottom (metres).
GROUND_LEVEL = 0.6


def is_external(space: Space) -> bool:
    """An outdoor space of the model (a yard, a terrace): ``Pset_SpaceCommon.IsExternal``, which
    ingest also sets from IfcSpace PredefinedType / InteriorOrExteriorSpace EXTERNAL."""
    v = space.psets.get("Pset_SpaceCommon", {}).get("IsExternal")
    return v is True or str(v).strip().lower() in ("true", ".t.", "yes", "1")


def site_ground(tw: Twin) -> dict[str, tuple[BaseGeometry, float]]:
    """The walkable ground the model's sites contain (paving, footpaths, yards:
    ``Site.ground``, read by :func:`twin.ifc.spatial.walkable_site_elements`): element guid ->
    (plan footprint, top height). Elements without geometry are left out."""
    out: dict[str, tuple[BaseGeometry, float]] = {}
    for site in tw.sites.values():
        for g in getattr(site, "ground", ()):  # an entry cached before Site.ground: none
            el = tw.elements.get(g)
            fp = plan_footprint(el) if el is not None else None
            if el is None or fp is None or el.bbox is None or fp.area <= 0:
                continue
            out[g] = (fp, el.bbox[5])
    return out


def _at_grade(tw: Twin, space: Space) -> bool:
    """On its building's lowest storey (+1.5 m): a yard, not a roof terrace."""
    st = tw.storeys.get(space.storey or "")
    if st is None:
        return False
    low = min(s.elevation for s in tw.storeys.values() if s.building == st.building)
    return st.elevation <= low + 1.5


def opens_outdoors(
    tw: Twin,
    door: Element,
    link: DoorLink,
    ground: dict[str, tuple[BaseGeometry, float]],
) -> bool:
    """A door that leads outdoors besides the model's declared entrances: between an indoor
    space and an outdoor one at grade (an IfcSpace EXTERNAL: a yard, not a roof terrace), or
    with one side in no space where that side lies on walkable site ground at the door's level
    (a paved yard slab of the site)."""
    if link.entrance:
        return True
    spaces = [tw.spaces[g] for g in link.spaces if g in tw.spaces]
    if len(spaces) == 2:
        yard = [s for s in spaces if is_external(s)]
        return len(yard) == 1 and _at_grade(tw, yard[0])
    if not ground or len(spaces) != 1 or is_external(spaces[0]) or None not in link.sides:
        return False
    frame = door_frame(door, tw.elements.get(door.fills or ""))
    if frame is None or door.bbox is None:
        return False
    (cx, cy), (nx, ny), _, depth = frame
    for side, sign in zip(link.sides, (1.0, -1.0), strict=True):
        if side is not None:
            continue
        d = sign * (depth / 2 + PROBES[-1])
        p = Point(cx + d * nx, cy + d * ny)
        for fp, top in ground.values():
            if abs(top - door.bbox[2]) <= GROUND_LEVEL and fp.distance(p) <= PROBES[0]:
                return True
    return False


def link_entrances(nav: NavGraph, polys: Mapping[str, Polygon], stretch: float | None) -> None:
    """Add ``outdoor`` edges between the entrances of each site (see :class:`_Outdoor`) to
    ``nav``, whose walkable room footprints are ``polys`` (space guid -> polygon)."""
    _Outdoor(nav, polys).link(stretch)


def ground_entrances(nav: NavGraph) -> dict[str | None, list[int]]:
    """Entrance door nodes on the lowest entrance level of each site (upper-storey doors that
    open into a single room are balconies or unmodelled rooms, not ways out), by site guid."""
    tw = nav.twin
    groups: dict[str | None, list[int]] = {}
    for n in nav.nodes:
        if n.kind != "door" or not n.entrance:
            continue
        st = tw.storeys.get(n.storey or "")
        bld = tw.buildings.get(st.building or "") if st else None
        site = (bld.site or bld.guid) if bld else None
        groups.setdefault(site, []).append(n.id)
    for site, ids in groups.items():
        low = min(nav.nodes[i].xyz[2] for i in ids)
        groups[site] = [i for i in ids if nav.nodes[i].xyz[2] <= low + 1.5]
    return groups


class _Outdoor:
    """Walks between a site's entrances outside the building: a :class:`Walkway` over the
    ground around the entrances' storeys' footprint (rooms and walls, grown a little so the
    path keeps off the facade), so a walk from one wing's door to another goes round corners,
    never through the building."""

    #: ground modelled around the building (metres)
    MARGIN = 25.0
    #: the path keeps this far off the facade (metres)
    CLEAR = 0.3

    def __init__(self, nav: NavGraph, polys: Mapping[str, Polygon]) -> None:
        self.nav = nav
        self.tw = nav.twin
        self.polys = polys

    def entrances(self) -> dict[str | None, list[int]]:
        """Sites with two or more ground entrances (:func:`ground_entrances`)."""
        return {k: v for k, v in ground_entrances(self.nav).items() if len(v) >= 2}

    def ground(self, storeys: set[str | None]) -> Polygon | None:
        parts = [
            p
            for g, p in self.polys.items()
            if self.tw.spaces[g].storey in storeys and not is_external(self.tw.spaces[g])
        ]
        parts += [
            fp
            for w in self.tw.elements_of_kind("wall")
            if w.storey in storeys and (fp := plan_footprint(w)) is not None
        ]
        if not parts:
            return None
        built = unary_union(parts).buffer(self.CLEAR, join_style="mitre").simplify(0.05)
        x0, y0, x1, y1 = built.bounds
        m = self.MARGIN
        free = box(x0 - m, y0 - m, x1 + m, y1 + m).difference(built)
        return largest_polygon(free)

    def link(self, stretch: float | None) -> None:
        nav = self.nav
        for ids in self.entrances().values():
            free = self.ground({nav.nodes[i].storey for i in ids})
            if free is None:
                continue
            ww = Walkway(free)
            outs: list[tuple[int, XY]] = []
            for i in ids:
                pxy = nav.nodes[i].xyz[:2]
                entry = snap_inside(ww.polygon, pxy)
                if math.dist(pxy, entry) <= OUTDOOR_REACH + self.CLEAR:
                    outs.append((i, entry))
            cands = []
            for i in range(len(outs)):
                for j in range(i + 1, len(outs)):
                    (na, ea), (nb, eb) = outs[i], outs[j]
                    length, pts = ww.path(ea, eb)
                    pa, pb = nav.nodes[na].xyz[:2], nav.nodes[nb].xyz[:2]
                    total = length + math.dist(pa, ea) + math.dist(eb, pb)
                    cands.append((total, i, j, [pa, *pts, pb]))
            kept = cands if stretch is None else greedy_spanner(len(outs), cands, stretch)
            for total, i, j, path in kept:
                nav.add_edge(
                    Edge(outs[i][0], outs[j][0], "outdoor", total, None, None, 0, tuple(path))
                )
            if kept:
                nav.outdoor_ground = ww.polygon
