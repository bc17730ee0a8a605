"""The area a declared NetFloorArea should be compared with, and the rule that gives it.

A space's footprint is its plain plan section (:func:`twin.ifc.geometry.footprint_union`). A
declared NetFloorArea is usually that plan area, sometimes not: German authoring tools may
declare the *living area* of the Wohnflächenverordnung (WoFlV 2004, par. 4), which counts the
floor area where the clear height is at least 2 m in full, where it is between 1 m and 2 m by
half, and below 1 m not at all. With ``A(h)`` the plan area where the clear height is at least
``h`` (the horizontal section of the space solid ``h`` above its floor), that area is
``0.5 * (A(1 m) + A(2 m))``.

Which basis a space is held against (``AreaBasis.basis``):

- ``plan``: the footprint. The default, and always for a space whose clear height does not vary
  over its plan (SampleHouse's 1.0 m high roof space declares its full 76.47 m2 footprint).
- ``height_weighted``: the WoFlV area, only for a space whose clear height varies *and* either
  the model names the rule (:data:`AREA_RULE_PROPERTIES`: a positive under-roof deduction, or a
  property value naming the WoFlV) or the declared area is below the plan area and nearer the
  weighted area than the plan area. A model that declares plan areas for its attics (a real
  5-storey institute: all 82 spaces, attics included) is therefore compared on plan, not
  reported 50-64 % off.

Measured on the shared AC20-FZK-Haus attic ("Galerie", sloped roof): footprint 107.16 m2,
``A(1 m)`` 94.26 m2, ``A(2 m)`` 54.77 m2, weighted 74.51 m2, declared 74.509 m2 (ArchiCAD's own
"Abzugsfläche unter Dach" is 32.65 m2 = 107.16 - 74.51, so the model names the rule too).

Some models also declare a room-area factor, ArchiCAD's zone parameter "Raumfläche Faktor"
(0.97 in AC20: the 3 % plaster deduction of the old II. BV par. 43(3)); the declared
NetFloorArea is the area above times that factor, so the comparison applies it on either
basis. A factor of 0 or 1, or none, means no reduction (AC20's kitchen declares 0 and its full
plan area).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from twin.ifc.geometry import section_area
from twin.model import Mesh

__all__ = [
    "AREA_FACTOR_PROPERTIES",
    "AREA_RULE_PROPERTIES",
    "AREA_RULE_TEXTS",
    "AREA_TOLERANCE",
    "AreaBasis",
    "declared_area_factor",
    "height_weighted_area",
    "named_area_rule",
    "net_area_basis",
]

#: Property names under which authoring tools declare a room-area reduction factor.
AREA_FACTOR_PROPERTIES: tuple[str, ...] = ("Raumfläche Faktor",)

#: Properties whose positive value says the tool deducted low-ceiling floor area, i.e. the
#: model itself applies the height-weighted rule (ArchiCAD zone stamps, German edition).
AREA_RULE_PROPERTIES: tuple[str, ...] = ("Abzugsfläche unter Dach", "Niedrige Abzugsfläche")

#: Text that, found in any property value of a space, names the height-weighted rule.
AREA_RULE_TEXTS: tuple[str, ...] = ("woflv", "wohnflächenverordnung")

#: Relative difference between declared and computed area beyond which a space is reported.
AREA_TOLERANCE = 0.02

_VARIES = 0.005  # relative plan-area change between floor and top that counts as "height varies"
_PROBE = 0.02  # m above the floor / below the top where the extreme sections are taken

Basis = Literal["plan", "height_weighted"]


@dataclass(frozen=True, slots=True)
class AreaBasis:
    """The computed area to hold a declared NetFloorArea against, and how it was obtained."""

    area: float  # m2, on ``basis``, times ``factor`` where declared
    height_weighted: bool  # WoFlV weighting applied
    factor: float | None  # declared room-area factor applied, if any
    plan_area: float | None = None  # footprint times factor (m2)
    reason: str = ""  # why this basis was chosen, in words

    @property
    def basis(self) -> Basis:
        return "height_weighted" if self.height_weighted else "plan"


def declared_area_factor(psets: Mapping[str, Mapping[str, object]]) -> float | None:
    """A room-area factor the model declares (0 < f < 1), else None."""
    for pset in psets.values():
        for name in AREA_FACTOR_PROPERTIES:
            value = pset.get(name)
            if isinstance(value, int | float) and 0.0 < float(value) < 1.0:
                return float(value)
    return None


def named_area_rule(psets: Mapping[str, Mapping[str, object]]) -> str | None:
    """The property by which the model says it applies the height-weighted rule, else None."""
    for pset_name, pset in psets.items():
        for name, value in pset.items():
            if name in AREA_RULE_PROPERTIES and isinstance(value, int | float) and value > 0:
                return f"{pset_name}.{name} = {float(value):g}"
            if isinstance(value, str) and any(t in value.lower() for t in AREA_RULE_TEXTS):
                return f"{pset_name}.{name} = {value!r}"
    return None


def height_weighted_area(mesh: Mesh | None) -> float | None:
    """``0.5 * (A(1 m) + A(2 m))`` of a space whose clear height varies over its plan; None for
    a flat-ceilinged space or one without a mesh (the weighting is then meaningless)."""
    if mesh is None or not len(mesh.faces):
        return None
    z0 = float(mesh.vertices[:, 2].min())
    z1 = float(mesh.vertices[:, 2].max())
    if z1 - z0 <= 2 * _PROBE:
        return None
    bottom = section_area(mesh, z0 + _PROBE)
    top = section_area(mesh, z1 - _PROBE)
    if bottom <= 0 or abs(bottom - top) <= _VARIES * bottom:
        return None
    return 0.5 * (section_area(mesh, z0 + 1.0) + section_area(mesh, z0 + 2.0))


def net_area_basis(
    mesh: Mesh | None,
    footprint_area: float,
    psets: Mapping[str, Mapping[str, object]],
    declared: float | None = None,
) -> AreaBasis:
    """The area comparable with a ``declared`` NetFloorArea (see the module doc for the rule)."""
    factor = declared_area_factor(psets)
    scale = factor if factor is not None else 1.0
    plan = footprint_area * scale
    raw = height_weighted_area(mesh)
    if raw is None:
        return AreaBasis(plan, False, factor, plan, "clear height does not vary: plan area")
    weighted = raw * scale
    named = named_area_rule(psets)
    if named is not None:
        return AreaBasis(weighted, True, factor, plan, f"the model names the rule ({named})")
    if declared is not None and declared < plan and abs(declared - weighted) < plan - declared:
        reason = "declared area below the plan area and nearer the height-weighted area"
        return AreaBasis(weighted, True, factor, plan, reason)
    return AreaBasis(plan, False, factor, plan, "declared area not explained by height weighting")
