"""The area a declared NetFloorArea should be compared with, and the rule that gives it.

A space's footprint is its plain plan section (:func:`twin.ifc.geometry.footprint_union`). A
declared NetFloorArea is not always that: German authoring tools declare the *living area* of
the Wohnflächenverordnung (WoFlV 2004, par. 4), which counts the floor area where the clear
height is at least 2 m in full, where it is between 1 m and 2 m by half, and below 1 m not at
all. With ``A(h)`` the plan area where the clear height is at least ``h`` (the horizontal
section of the space solid ``h`` above its floor), that area is ``0.5 * (A(1 m) + A(2 m))``.

Measured on the shared AC20-FZK-Haus attic ("Galerie", sloped roof): footprint 107.16 m2,
``A(1 m)`` 94.26 m2, ``A(2 m)`` 54.77 m2, weighted 74.51 m2, declared 74.509 m2 (ArchiCAD's own
"Abzugsfläche unter Dach" is 32.65 m2 = 107.16 - 74.51). The rule is applied only to spaces whose
clear height varies over their plan: a flat-ceilinged space keeps its footprint (SampleHouse's
1.0 m high roof space declares its full 76.47 m2 footprint).

Some models also declare a room-area factor, ArchiCAD's zone parameter "Raumfläche Faktor"
(0.97 in AC20: the 3 % plaster deduction of the old II. BV par. 43(3)); the declared
NetFloorArea is the area above times that factor, so the comparison applies it too. A factor
of 0 or 1, or none, means no reduction (AC20's kitchen declares 0 and its full plan area).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from twin.ifc.geometry import section_area
from twin.model import Mesh

__all__ = ["AREA_FACTOR_PROPERTIES", "AreaBasis", "declared_area_factor", "net_area_basis"]

#: Property names under which authoring tools declare a room-area reduction factor.
AREA_FACTOR_PROPERTIES: tuple[str, ...] = ("Raumfläche Faktor",)

_VARIES = 0.005  # relative plan-area change between floor and top that counts as "height varies"
_PROBE = 0.02  # m above the floor / below the top where the extreme sections are taken


@dataclass(frozen=True, slots=True)
class AreaBasis:
    """The computed area to hold a declared NetFloorArea against, and how it was obtained."""

    area: float  # m2
    height_weighted: bool  # WoFlV weighting applied (the space's clear height varies)
    factor: float | None  # declared room-area factor applied, if any


def declared_area_factor(psets: Mapping[str, Mapping[str, object]]) -> float | None:
    """A room-area factor the model declares (0 < f < 1), else None."""
    for pset in psets.values():
        for name in AREA_FACTOR_PROPERTIES:
            value = pset.get(name)
            if isinstance(value, int | float) and 0.0 < float(value) < 1.0:
                return float(value)
    return None


def net_area_basis(
    mesh: Mesh | None, footprint_area: float, psets: Mapping[str, Mapping[str, object]]
) -> AreaBasis:
    """The area comparable with a declared NetFloorArea (see the module doc for the rule)."""
    area, weighted = footprint_area, False
    if mesh is not None and len(mesh.faces):
        z0 = float(mesh.vertices[:, 2].min())
        z1 = float(mesh.vertices[:, 2].max())
        if z1 - z0 > 2 * _PROBE:
            bottom = section_area(mesh, z0 + _PROBE)
            top = section_area(mesh, z1 - _PROBE)
            if bottom > 0 and abs(bottom - top) > _VARIES * bottom:
                area = 0.5 * (section_area(mesh, z0 + 1.0) + section_area(mesh, z0 + 2.0))
                weighted = True
    factor = declared_area_factor(psets)
    if factor is not None:
        area *= factor
    return AreaBasis(area=area, height_weighted=weighted, factor=factor)
