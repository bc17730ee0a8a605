"""World placements with every shared parent placement computed once.

``ifcopenshell.util.placement.get_local_placement`` walks the whole chain of
IfcLocalPlacement parents for each call; a port's chain (port -> element -> storey -> building
-> site) was recomputed for each of the 88,000 ports of the large demo hospital. Here each
IfcLocalPlacement's world matrix is memoised by entity id, so the cost per product is one
relative placement and one 4x4 product. Anything but an IfcLocalPlacement with an
IfcAxis2Placement2D/3D (grid or linear placements) falls back to ifcopenshell's own function.
"""

from __future__ import annotations

from typing import Any

import ifcopenshell.util.placement
import numpy as np

from twin.ifc.fast import attr

__all__ = ["Placements"]

_Z = (0.0, 0.0, 1.0)
_X = (1.0, 0.0, 0.0)


def _ratios(direction: Any, default: tuple[float, float, float]) -> tuple[float, ...]:
    if direction is None:
        return default
    values = tuple(float(v) for v in attr(direction, "DirectionRatios"))
    return (*values, 0.0) if len(values) == 2 else values


def _relative(axis: Any) -> np.ndarray | None:
    cls = axis.is_a()
    if cls not in ("IfcAxis2Placement3D", "IfcAxis2Placement2D"):
        return None
    location = attr(axis, "Location")
    coords = attr(location, "Coordinates") if location is not None else None
    if coords is None:
        return None
    o = tuple(float(c) for c in coords) + (0.0,) * (3 - len(coords))
    z = np.array(_ratios(attr(axis, "Axis"), _Z) if cls.endswith("3D") else _Z)
    x = np.array(_ratios(attr(axis, "RefDirection"), _X))
    z = z / np.linalg.norm(z)
    y = np.cross(z, x)
    y = y / np.linalg.norm(y)
    x = np.cross(y, z)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = x, y, z, o
    return m


class Placements:
    """Memoised world matrices of one model's placements (file length units)."""

    def __init__(self) -> None:
        self._world: dict[int, np.ndarray] = {}

    def matrix(self, placement: Any) -> np.ndarray:
        """World 4x4 matrix of an IfcObjectPlacement."""
        pid = placement.id()
        found = self._world.get(pid)
        if found is not None:
            return found
        rel: np.ndarray | None = None
        if placement.is_a() == "IfcLocalPlacement":
            rel = _relative(attr(placement, "RelativePlacement"))
        if rel is None:
            world = ifcopenshell.util.placement.get_local_placement(placement)
        else:
            parent = attr(placement, "PlacementRelTo")
            world = rel if parent is None else self.matrix(parent) @ rel
        self._world[pid] = world
        return world

    def point(self, product: Any, length_to_m: float) -> tuple[float, float, float] | None:
        """World position of a product's placement origin, metres (None without placement)."""
        placement = attr(product, "ObjectPlacement")
        if placement is None:
            return None
        try:
            m = self.matrix(placement)
        except (AttributeError, TypeError, ValueError, RuntimeError, AssertionError):
            return None
        return (
            float(m[0, 3]) * length_to_m,
            float(m[1, 3]) * length_to_m,
            float(m[2, 3]) * length_to_m,
        )
