"""The data-quality report: what a facility team should know before trusting the twin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from twin.ifc.areas import AREA_TOLERANCE, AreaBasis
from twin.kinds import count_kinds
from twin.model import Element, Georef, Port, QualityReport, Space, Storey

__all__ = ["PORTED_KINDS", "build_quality"]

#: Kinds that carry flow and should therefore have ports.
PORTED_KINDS: frozenset[str] = frozenset(
    {"segment", "fitting", "valve", "pump", "terminal", "equipment", "meter"}
)


def build_quality(
    storeys: Mapping[str, Storey],
    spaces: Mapping[str, Space],
    elements: Mapping[str, Element],
    ports: Mapping[str, Port],
    georef: Georef,
    warnings: Sequence[str] = (),
    area_basis: Mapping[str, AreaBasis] | None = None,
) -> QualityReport:
    """Counts and data-quality findings of one model.

    ``counts`` holds only plural kind names (scripts index them blindly); products of classes
    the twin does not classify are counted by IFC class in ``other_classes``.
    ``area_checks`` pairs each declared NetFloorArea with the computed area it should equal:
    ``area_basis[guid].area`` where given (plan or height-weighted basis, times a declared factor,
    see :mod:`twin.ifc.areas`), else the footprint area; ``area_bases`` names the basis. Every
    space off by more than :data:`~twin.ifc.areas.AREA_TOLERANCE` is a warning naming the space,
    both values and the basis, and a site at a tool's default location is a warning too.
    """
    counts, other = count_kinds(
        (e.kind for e in elements.values()), storeys=len(storeys), spaces=len(spaces)
    )
    with_ports = {p.element for p in ports.values() if p.element}
    basis = area_basis or {}
    area_checks = {
        s.guid: (
            round(s.declared_area, 4),
            round(basis[s.guid].area if s.guid in basis else float(s.footprint.area), 4),
        )
        for s in spaces.values()
        if s.declared_area is not None and s.footprint is not None
    }
    bases = {g: basis[g].basis if g in basis else "plan" for g in area_checks}
    notes = [*warnings, *_georef_notes(georef), *_area_notes(basis)]
    notes += _area_mismatches(spaces, area_checks, basis)
    return QualityReport(
        counts=counts,
        spaces_without_geometry=tuple(g for g, s in spaces.items() if s.geometry_source != "solid"),
        spaces_located_by_fallback=tuple(
            g for g, s in spaces.items() if s.geometry_source in ("boundaries", "placement")
        ),
        elements_without_storey=tuple(g for g, e in elements.items() if e.storey is None),
        elements_located_by_geometry=tuple(
            g for g, e in elements.items() if e.space_inferred or e.storey_inferred
        ),
        distribution_without_ports=tuple(
            g for g, e in elements.items() if e.kind in PORTED_KINDS and g not in with_ports
        ),
        area_checks=area_checks,
        georeferencing=georef.mode,
        warnings=tuple(notes),
        area_bases=bases,
        other_classes=other,
    )


def _georef_notes(georef: Georef) -> list[str]:
    """Why a model with site coordinates is not georeferenced (a tool's default location)."""
    if georef.mode != "none":
        return []
    return [f"georeferencing: {a}" for a in georef.assumptions]


def _area_mismatches(
    spaces: Mapping[str, Space],
    checks: Mapping[str, tuple[float, float]],
    basis: Mapping[str, AreaBasis],
) -> list[str]:
    """One warning per space whose declared area is off the computed one by more than 2 %."""
    out = []
    for guid, (declared, computed) in checks.items():
        if computed <= 0 or abs(declared - computed) <= AREA_TOLERANCE * computed:
            continue
        b = basis.get(guid)
        how = "plan basis (footprint)"
        if b is not None and b.height_weighted:
            how = "height-weighted basis (WoFlV 0.5*(A(1 m)+A(2 m)))"
        if b is not None and b.factor is not None:
            how += f" x declared factor {b.factor:g}"
        space = spaces[guid]
        out.append(
            f"area: space {space.label!r} ({guid}) declares NetFloorArea {declared:.2f} m2, "
            f"computed {computed:.2f} m2 on the {how}: "
            f"{100.0 * (declared - computed) / computed:+.1f} %"
        )
    return out


def _area_notes(basis: Mapping[str, AreaBasis]) -> list[str]:
    weighted = sum(1 for b in basis.values() if b.height_weighted)
    factored = sorted({b.factor for b in basis.values() if b.factor is not None})
    notes = []
    if weighted:
        notes.append(
            f"area_checks: {weighted} space(s) with varying clear height compared with the "
            "WoFlV height-weighted area 0.5*(A(1 m)+A(2 m)), not the footprint, because the "
            "model names that rule or declares an area below the plan area and near it"
        )
    if factored:
        notes.append(
            "area_checks: the room-area factor the model declares was applied "
            f"({', '.join(f'{f:g}' for f in factored)})"
        )
    return notes
