"""The data-quality report: what a facility team should know before trusting the twin."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from twin.ifc.areas import AreaBasis
from twin.kinds import CORE_KINDS, plural
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

    ``area_checks`` pairs each declared NetFloorArea with the computed area it should equal:
    ``area_basis[guid].area`` where given (height-weighted and/or declared-factor area, see
    :mod:`twin.ifc.areas`), else the footprint area. The rules applied are named in ``warnings``.
    """
    counts: Counter[str] = Counter({plural(k): 0 for k in CORE_KINDS})
    counts[plural("storey")] = len(storeys)
    counts[plural("space")] = len(spaces)
    for el in elements.values():
        counts[plural(el.kind)] += 1
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
    notes = list(warnings) + _area_notes(basis)
    return QualityReport(
        counts=dict(counts),
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
    )


def _area_notes(basis: Mapping[str, AreaBasis]) -> list[str]:
    weighted = sum(1 for b in basis.values() if b.height_weighted)
    factored = sorted({b.factor for b in basis.values() if b.factor is not None})
    notes = []
    if weighted:
        notes.append(
            f"area_checks: {weighted} space(s) with varying clear height compared with the "
            "WoFlV height-weighted area 0.5*(A(1 m)+A(2 m)), not the footprint"
        )
    if factored:
        notes.append(
            "area_checks: the room-area factor the model declares was applied "
            f"({', '.join(f'{f:g}' for f in factored)})"
        )
    return notes
