"""A twin's geometry moved into another model's frame, by their georeferencing.

Discipline models are usually exported in shared coordinates and then need no move. Where two
models carry IfcMapConversions to the same projected CRS that differ (each export relative to
its own project base point), the conversions say exactly how one frame sits in the other: local
-> map by one model's conversion, map -> local by the other's inverse. :func:`frame_shift`
composes that into one plan similarity (rotation, scale, shift) plus a height offset, and
:func:`moved` returns a copy of the twin with every coordinate mapped (the twin itself is
untouched). Boxes are re-boxed from their four plan corners, so under a rotation they grow to
the box of the rotated box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
import shapely.affinity
from shapely.geometry.base import BaseGeometry

from twin.geo import to_map
from twin.model import BBox, Georef, Mesh, Twin

__all__ = ["Shift", "frame_shift", "moved"]

_P = TypeVar("_P")
_TOL = 0.001  # metres (and about 1e-4 rad over 10 m): a smaller shift is no shift


@dataclass(frozen=True, slots=True)
class Shift:
    """``x' = a*x + b*y + xoff``, ``y' = d*x + e*y + yoff``, ``z' = z + dz``."""

    a: float
    b: float
    d: float
    e: float
    xoff: float
    yoff: float
    dz: float

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return self.a * x + self.b * y + self.xoff, self.d * x + self.e * y + self.yoff

    def describe(self) -> str:
        rot = math.degrees(math.atan2(self.d, self.a))
        return (
            f"moved by its map conversion: ({self.xoff:+.3f}, {self.yoff:+.3f}, {self.dz:+.3f}) m, "
            f"rotated {rot:+.3f} deg"
        )


def _from_map(g: Georef, e: float, n: float) -> tuple[float, float]:
    """The inverse of :func:`twin.geo.to_map` for one conversion."""
    norm = math.hypot(g.x_axis_abscissa, g.x_axis_ordinate) or 1.0
    cos, sin = g.x_axis_abscissa / norm, g.x_axis_ordinate / norm
    s = g.scale or 1.0
    dx, dy = (e - g.eastings) / s, (n - g.northings) / s
    return cos * dx + sin * dy, -sin * dx + cos * dy


def frame_shift(src: Georef, dst: Georef) -> Shift | None:
    """How ``src``'s local frame maps into ``dst``'s, or None when both are map conversions
    that agree (shared coordinates) or when they cannot say (not both map conversions to one
    CRS)."""
    if src.mode != "map_conversion" or dst.mode != "map_conversion" or src.crs != dst.crs:
        return None
    pts = []
    for x, y in ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0)):
        en = to_map(src, x, y)
        assert en is not None  # map_conversion always maps
        pts.append(_from_map(dst, *en))
    (x0, y0), (x1, y1), (x2, y2) = pts
    shift = Shift(
        x1 - x0, x2 - x0, y1 - y0, y2 - y0, x0, y0, src.orthogonal_height - dst.orthogonal_height
    )
    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
    got = (shift.a, shift.b, shift.d, shift.e, shift.xoff, shift.yoff, shift.dz)
    if all(abs(u - v) <= _TOL for u, v in zip(got, identity, strict=True)):
        return None
    return shift


def _box(s: Shift, b: BBox | None) -> BBox | None:
    if b is None:
        return None
    corners = [s.xy(x, y) for x in (b[0], b[3]) for y in (b[1], b[4])]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return (min(xs), min(ys), b[2] + s.dz, max(xs), max(ys), b[5] + s.dz)


def _geom(s: Shift, g: BaseGeometry | None) -> BaseGeometry | None:
    if g is None:
        return None
    return shapely.affinity.affine_transform(g, [s.a, s.b, s.d, s.e, s.xoff, s.yoff])


def _mesh(s: Shift, m: Mesh) -> Mesh:
    v = m.vertices.astype(np.float64)
    out = np.empty_like(v)
    out[:, 0] = s.a * v[:, 0] + s.b * v[:, 1] + s.xoff
    out[:, 1] = s.d * v[:, 0] + s.e * v[:, 1] + s.yoff
    out[:, 2] = v[:, 2] + s.dz
    return Mesh(out.astype(m.vertices.dtype), m.faces)


def moved(twin: Twin, s: Shift) -> Twin:
    """``twin`` with storeys, rooms, elements, ports and meshes in the shifted frame."""
    return replace(
        twin,
        storeys={g: replace(t, elevation=t.elevation + s.dz) for g, t in twin.storeys.items()},
        spaces={
            g: replace(
                sp,
                footprint=_geom(s, sp.footprint),
                bbox=_box(s, sp.bbox),
                elevation=sp.elevation + s.dz if sp.elevation is not None else None,
            )
            for g, sp in twin.spaces.items()
        },
        elements={
            g: replace(e, footprint=_geom(s, e.footprint), bbox=_box(s, e.bbox))
            for g, e in twin.elements.items()
        },
        ports={
            g: replace(p, position=(*s.xy(p.position[0], p.position[1]), p.position[2] + s.dz))
            if p.position is not None
            else p
            for g, p in twin.ports.items()
        },
        meshes={g: _mesh(s, m) for g, m in twin.meshes.items()},
    )
