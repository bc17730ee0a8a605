"""Walking paths that stay inside one room.

A straight line between two doors of an L-shaped corridor cuts through a wall; a technician
walks around the corner. Inside one space footprint the shortest path bends only at reflex
corners of the polygon (a classic visibility-graph fact), so a :class:`Walkway` precomputes the
reflex corners, which of them see each other and their all-pairs distances once per space; a
path between two points is then the best of "straight, if visible" and "to a visible corner,
along corners, from a visible corner".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient
from shapely.ops import nearest_points
from shapely.prepared import PreparedGeometry, prep

__all__ = ["Walkway", "inside_point", "largest_polygon", "snap_inside"]

XY = tuple[float, float]

#: Tolerance of the "stays inside" test: a path that grazes a corner is still inside.
_SLACK = 0.02
#: Corners closer than this to each other are merged by simplification.
_SIMPLIFY = 0.02


def largest_polygon(geom: BaseGeometry | None) -> Polygon | None:
    """The biggest polygon of a footprint (a room drawn as several pieces walks in its main one)."""
    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, Polygon):
        return geom
    polys = [g for g in getattr(geom, "geoms", ()) if isinstance(g, Polygon)]
    if not polys:
        return None
    return max(polys, key=lambda p: p.area)


def inside_point(poly: Polygon) -> XY:
    """A point a person would stand on: the centroid where it lies inside, else a point inside."""
    c = poly.centroid
    if poly.contains(c):
        return (c.x, c.y)
    p = poly.representative_point()
    return (p.x, p.y)


def snap_inside(poly: Polygon, xy: XY, *, depth: float = 0.1) -> XY:
    """The point of ``poly`` nearest to ``xy``, pushed ``depth`` metres inside.

    A door's centre lies in the wall, outside both rooms it joins: the walker steps from the
    door to the nearest floor point of each room.
    """
    pt = Point(xy)
    if poly.contains(pt) and poly.exterior.distance(pt) >= depth * 0.5:
        return xy
    inner = poly.buffer(-depth)
    target = inner if (not inner.is_empty and inner.area > 0.05 * poly.area) else poly
    near = nearest_points(target, pt)[0]
    return (near.x, near.y)


def _reflex_corners(poly: Polygon) -> list[XY]:
    """Corners where the free space turns away: the only places a shortest path bends."""
    poly = orient(poly, 1.0)  # exterior CCW, holes CW: free space always on the left
    out: list[XY] = []
    for ring in (poly.exterior, *poly.interiors):
        pts = list(ring.coords)[:-1]
        n = len(pts)
        if n < 3:
            continue
        for i in range(n):
            ax, ay = pts[i - 1]
            bx, by = pts[i]
            cx, cy = pts[(i + 1) % n]
            cross = (bx - ax) * (cy - by) - (by - ay) * (cx - bx)
            if cross < -1e-9:
                out.append((bx, by))
    return out


@dataclass
class Walkway:
    """Shortest walking paths inside one polygon."""

    polygon: Polygon
    corners: list[XY] = field(init=False)
    _prepared: PreparedGeometry = field(init=False, repr=False)
    _dist: list[list[float]] = field(init=False, repr=False)
    _pred: list[list[int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        simple = self.polygon.simplify(_SIMPLIFY, preserve_topology=True)
        if isinstance(simple, Polygon) and not simple.is_empty:
            self.polygon = simple
        self._prepared = prep(self.polygon.buffer(_SLACK))
        self.corners = _reflex_corners(self.polygon)
        self._all_pairs()

    def visible(self, a: XY, b: XY) -> bool:
        if a == b:
            return True
        return bool(self._prepared.covers(LineString([a, b])))

    def _all_pairs(self) -> None:
        """All-pairs shortest walks over the corner visibility graph (scipy's csgraph; rooms
        have few reflex corners): ``_dist[i][j]`` metres, ``_pred[j][i]`` the corner after
        ``i`` on the walk from ``i`` to ``j`` (the predecessor of ``i`` seen from ``j``)."""
        n = len(self.corners)
        rows: list[int] = []
        cols: list[int] = []
        lengths: list[float] = []
        for i in range(n):
            for j in range(i + 1, n):
                if self.visible(self.corners[i], self.corners[j]):
                    rows.append(i)
                    cols.append(j)
                    lengths.append(math.dist(self.corners[i], self.corners[j]))
        if n == 0:
            self._dist, self._pred = [], []
            return
        graph = csr_matrix((lengths, (rows, cols)), shape=(n, n))
        dist, pred = shortest_path(graph, directed=False, return_predecessors=True)
        self._dist, self._pred = dist.tolist(), pred.tolist()

    def _seen(self, p: XY) -> list[int]:
        return [i for i, c in enumerate(self.corners) if self.visible(p, c)]

    def path(self, a: XY, b: XY) -> tuple[float, list[XY]]:
        """Length and polyline of the shortest walk from ``a`` to ``b`` inside the room.

        Falls back to the straight line when no corner chain joins them (a point outside the
        footprint, or a sliver the simplification cut off); callers that need to know check
        :meth:`visible`.
        """
        if self.visible(a, b):
            return math.dist(a, b), [a, b]
        seen_a, seen_b = self._seen(a), self._seen(b)
        best, best_pair = math.inf, (-1, -1)
        for i in seen_a:
            da = math.dist(a, self.corners[i])
            row = self._dist[i]
            for j in seen_b:
                total = da + row[j] + math.dist(self.corners[j], b)
                if total < best:
                    best, best_pair = total, (i, j)
        if best_pair[0] < 0:
            return math.dist(a, b), [a, b]
        i, j = best_pair
        pts = [a, self.corners[i]]
        while i != j:
            i = self._pred[j][i]
            pts.append(self.corners[i])
        pts.append(b)
        return best, pts

    def pairwise(self, points: Sequence[XY]) -> dict[tuple[int, int], tuple[float, list[XY]]]:
        """Paths between every pair of points (``i < j``), for a room's doors and landings."""
        out: dict[tuple[int, int], tuple[float, list[XY]]] = {}
        for i in range(len(points)):
            for j in range(i + 1, len(points)):
                out[(i, j)] = self.path(points[i], points[j])
        return out
