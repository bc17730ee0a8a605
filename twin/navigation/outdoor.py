"""Outdoor walks between a site's entrances, so buildings (or dwellings) joined only outside
are still routable: Duplex_A's two dwellings share no door.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from shapely.geometry import Polygon, box
from shapely.ops import unary_union

from twin.ifc.doors import plan_footprint
from twin.navigation.navgraph import XY, Edge, NavGraph
from twin.navigation.spanner import greedy_spanner
from twin.navigation.walkways import Walkway, largest_polygon, snap_inside

__all__ = ["OUTDOOR_REACH", "ground_entrances", "link_entrances"]

#: An entrance joins the outdoor walk when the outside is within this of its centre (metres).
OUTDOOR_REACH = 0.6


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
        parts = [p for g, p in self.polys.items() if self.tw.spaces[g].storey in storeys]
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
