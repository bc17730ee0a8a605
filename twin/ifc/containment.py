"""Which room a product stands in, by geometry, when no IFC relation says so.

Ingest uses it for elements contained only in a storey; federation uses it to place the
products of one discipline model (HVAC, electrical) in the rooms of another (architecture).
Both query the same point: the middle of the product's plan box, just above its bottom, so a
terminal on the floor and a duct under the ceiling both land in the room they serve.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import shapely

from twin.model import BBox, Space

__all__ = ["SpaceFinder", "space_query"]

SpaceQuery = tuple[float, float, float, str | None]
"""``(x, y, z, storey)``: a point in world metres and the storey it is known to be on."""


def space_query(bbox: BBox, storey: str | None) -> SpaceQuery:
    """The point of a product's box that decides its room."""
    return ((bbox[0] + bbox[3]) / 2, (bbox[1] + bbox[4]) / 2, bbox[2] + 0.01, storey)


class SpaceFinder:
    """Point-in-footprint lookup of spaces.

    All points are queried in one vectorised STRtree call (``find_many``): one shapely call
    per element was a measurable share of cold ingest on the large hospital.
    """

    def __init__(self, spaces: Mapping[str, Space] | Iterable[Space]) -> None:
        pool = spaces.values() if isinstance(spaces, Mapping) else spaces
        self.items = [s for s in pool if s.footprint is not None and s.footprint.area > 0]
        self.tree = shapely.STRtree([s.footprint for s in self.items]) if self.items else None

    def find_many(self, queries: list[SpaceQuery]) -> list[str | None]:
        """Space of each (x, y, z, storey); the first hit in tree order wins.

        A point is in a space when it is inside its footprint and between 0.3 m below the
        space's bottom and 0.05 m above its top (a space without a box: on the same storey)."""
        found: list[str | None] = [None] * len(queries)
        if self.tree is None or not queries:
            return found
        xy = [(q[0], q[1]) for q in queries]
        qi, si = self.tree.query(shapely.points(xy), predicate="intersects")
        for i, j in zip(qi.tolist(), si.tolist(), strict=True):
            if found[i] is None and self._in_band(self.items[j], queries[i]):
                found[i] = self.items[j].guid
        return found

    def find_near(self, queries: list[SpaceQuery], within: float) -> list[str | None]:
        """Space of each point, or of the nearest footprint within ``within`` metres in plan.

        For products that stand just outside every room's net footprint: a terminal in a wall
        recess or a riser in a shaft serves the room next to it. Same height band as
        :meth:`find_many`; inside beats near, and the nearest footprint wins."""
        found = self.find_many(queries)
        todo = [i for i, f in enumerate(found) if f is None]
        if self.tree is None or not todo:
            return found
        pts = shapely.points([(queries[i][0], queries[i][1]) for i in todo])
        qi, si = self.tree.query(pts, predicate="dwithin", distance=within)
        best: dict[int, tuple[float, str]] = {}
        for k, j in zip(qi.tolist(), si.tolist(), strict=True):
            s, i = self.items[j], todo[k]
            if not self._in_band(s, queries[i]):
                continue
            d = float(shapely.distance(pts[k], s.footprint))
            if i not in best or d < best[i][0]:
                best[i] = (d, s.guid)
        for i, (_, guid) in best.items():
            found[i] = guid
        return found

    @staticmethod
    def _in_band(s: Space, q: SpaceQuery) -> bool:
        b, z, storey = s.bbox, q[2], q[3]
        return (b is not None and b[2] - 0.3 <= z <= b[5] + 0.05) or (
            b is None and storey is not None and s.storey == storey
        )
