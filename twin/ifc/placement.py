"""World placements with every shared parent placement computed once.

``ifcopenshell.util.placement.get_local_placement`` walks the whole chain of
IfcLocalPlacement parents for each call; a port's chain (port -> element -> storey -> building
-> site) was recomputed for each of the 88,000 ports of the large demo hospital. Here each
IfcLocalPlacement's world matrix is memoised by entity id, so the cost per product is one
relative placement and one 4x4 product. Anything but an IfcLocalPlacement with an
IfcAxis2Placement2D/3D (grid or linear placements) falls back to ifcopenshell's own function.
"""

from __future__ import annotations

import math
from typing import Any

import ifcopenshell.util.placement
import numpy as np

from twin.ifc.fast import attr

__all__ = ["Placements"]

_Z = (0.0, 0.0, 1.0)
_X = (1.0, 0.0, 0.0)

#: Row-major 3x4 affine matrix (rotation columns x, y, z and translation) as a flat tuple: pure
#: Python arithmetic on 12 floats is several times faster than numpy on 4x4 arrays this small.
Affine = tuple[float, float, float, float, float, float, float, float, float, float, float, float]


def _ratios(direction: Any, default: tuple[float, float, float]) -> tuple[float, float, float]:
    if direction is None:
        return default
    v = [float(c) for c in attr(direction, "DirectionRatios")]
    return (v[0], v[1], v[2] if len(v) > 2 else 0.0)


def _unit(v: tuple[float, float, float]) -> tuple[float, float, float]:
    n = math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
    return (v[0] / n, v[1] / n, v[2] / n)


def _cross(a: tuple[float, float, float], b: tuple[float, float, float]) -> tuple[float, ...]:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _relative(axis: Any) -> Affine | None:
    """An IfcAxis2Placement2D/3D as an affine matrix; X projected normal to Z, as IFC says."""
    cls = axis.is_a()
    if cls not in ("IfcAxis2Placement3D", "IfcAxis2Placement2D"):
        return None
    location = attr(axis, "Location")
    coords = attr(location, "Coordinates") if location is not None else None
    if coords is None:
        return None
    o = [float(c) for c in coords] + [0.0] * (3 - len(coords))
    z = _unit(_ratios(attr(axis, "Axis"), _Z) if cls.endswith("3D") else _Z)
    y = _unit(_cross(z, _ratios(attr(axis, "RefDirection"), _X)))  # type: ignore[arg-type]
    x = _cross(y, z)
    return (x[0], y[0], z[0], o[0], x[1], y[1], z[1], o[1], x[2], y[2], z[2], o[2])


def _compose(a: Affine, b: Affine) -> Affine:
    """``a @ b`` for affine matrices."""
    return (
        a[0] * b[0] + a[1] * b[4] + a[2] * b[8],
        a[0] * b[1] + a[1] * b[5] + a[2] * b[9],
        a[0] * b[2] + a[1] * b[6] + a[2] * b[10],
        a[0] * b[3] + a[1] * b[7] + a[2] * b[11] + a[3],
        a[4] * b[0] + a[5] * b[4] + a[6] * b[8],
        a[4] * b[1] + a[5] * b[5] + a[6] * b[9],
        a[4] * b[2] + a[5] * b[6] + a[6] * b[10],
        a[4] * b[3] + a[5] * b[7] + a[6] * b[11] + a[7],
        a[8] * b[0] + a[9] * b[4] + a[10] * b[8],
        a[8] * b[1] + a[9] * b[5] + a[10] * b[9],
        a[8] * b[2] + a[9] * b[6] + a[10] * b[10],
        a[8] * b[3] + a[9] * b[7] + a[10] * b[11] + a[11],
    )


def _from_numpy(m: np.ndarray) -> Affine:
    return tuple(float(v) for v in m[:3, :4].reshape(-1))  # type: ignore[return-value]


class Placements:
    """Memoised world matrices of one model's placements (file length units)."""

    def __init__(self) -> None:
        self._world: dict[int, Affine] = {}

    def _affine(self, placement: Any) -> Affine:
        pid = placement.id()
        found = self._world.get(pid)
        if found is not None:
            return found
        rel: Affine | None = None
        if placement.is_a() == "IfcLocalPlacement":
            rel = _relative(attr(placement, "RelativePlacement"))
        if rel is None:
            world = _from_numpy(ifcopenshell.util.placement.get_local_placement(placement))
        else:
            parent = attr(placement, "PlacementRelTo")
            world = rel if parent is None else _compose(self._affine(parent), rel)
        self._world[pid] = world
        return world

    def matrix(self, placement: Any) -> np.ndarray:
        """World 4x4 matrix of an IfcObjectPlacement."""
        m = np.eye(4)
        m[:3, :4] = np.array(self._affine(placement)).reshape(3, 4)
        return m

    def point(self, product: Any, length_to_m: float) -> tuple[float, float, float] | None:
        """World position of a product's placement origin, metres (None without placement)."""
        placement = attr(product, "ObjectPlacement")
        if placement is None:
            return None
        try:
            m = self._affine(placement)
        except (AttributeError, TypeError, ValueError, RuntimeError, AssertionError):
            return None
        return (m[3] * length_to_m, m[7] * length_to_m, m[11] * length_to_m)
