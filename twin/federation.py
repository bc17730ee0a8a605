"""Discipline models of one building assembled into one twin: a pure function of their twins.

Real projects split a building into models per discipline (architecture, HVAC, plumbing,
electrical). They share the spatial structure (the IfcProject, IfcSite, IfcBuilding and
IfcBuildingStorey GlobalIds) and carry their own products. :func:`federate` builds the building
those files describe together, without touching any of them (twins stay immutable snapshots):

* one spatial tree: the primary model's (the one with the most rooms); a storey of another model
  is the storey with the same GlobalId, else the primary's storey of the same building within
  :data:`STOREY_TOLERANCE` of its elevation (said so in ``assumptions``), else a storey of its own;
* rooms from whichever model has them;
* every product that no IFC relation puts in a room is located in the federated rooms by
  geometry (``space_inferred``), the primary model's rooms first;
* ports, connections and systems side by side, so each discipline's networks stay its own;
* ``origin`` maps each product, port and system to the model it came from, so exports and
  clients can filter by discipline, and unloading one model removes only what it brought.

Products present in several models with the same class, name and box (reference objects such as
an "origin" marker or a chimney copied into every discipline model) are taken once, from the
first model that has them.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from twin.ifc.containment import SpaceFinder, space_query
from twin.kinds import DISTRIBUTION_KINDS, count_kinds
from twin.model import (
    Building,
    Element,
    QualityReport,
    SourceInfo,
    Space,
    SpaceBoundary,
    Storey,
    Twin,
)
from twin.reframe import frame_shift, moved

__all__ = ["NEAR_ROOM", "STOREY_TOLERANCE", "Federated", "federate", "federation_id"]

log = logging.getLogger(__name__)
V = TypeVar("V")

#: Storeys of two models without a shared GlobalId are one storey when their elevations differ by
#: at most this (metres): exports of one building round levels differently, never by a storey.
STOREY_TOLERANCE = 0.3
#: A product of another discipline outside every room's net footprint (in a wall recess, a
#: shaft) is put in the nearest room whose footprint is at most this far (metres) in plan.
NEAR_ROOM = 0.5


@dataclass(frozen=True, slots=True)
class Federated:
    """A federated twin and what assembling it assumed."""

    twin: Twin
    assumptions: tuple[str, ...]


def federation_id(model_ids: Iterable[str]) -> str:
    """A sha256-like hex digest naming one federation of models (the primary first)."""
    return hashlib.sha256(("federation:" + "|".join(model_ids)).encode()).hexdigest()


def _primary_first(members: Sequence[tuple[str, Twin]]) -> list[tuple[str, Twin]]:
    """The model with the most rooms leads (ties: the first served): its tree is the building's."""
    best = max(range(len(members)), key=lambda i: (len(members[i][1].spaces), -i))
    return [members[best], *(m for i, m in enumerate(members) if i != best)]


class _Tree:
    """The federated spatial tree, grown one model at a time."""

    def __init__(self, primary: Twin, building: str | None) -> None:
        self.sites = dict(primary.sites)
        self.buildings = dict(primary.buildings)
        self.storeys = dict(primary.storeys)
        self.target = building if building in self.buildings else next(iter(self.buildings), None)
        self.notes: list[str] = []

    def building_map(self, mid: str, twin: Twin) -> dict[str, str]:
        """Each building of ``twin`` -> the federated building it is."""
        out: dict[str, str] = {}
        for b in twin.buildings.values():
            if b.guid in self.buildings or self.target is None:
                out[b.guid] = b.guid
                self.buildings.setdefault(b.guid, replace(b, storeys=()))
            else:
                out[b.guid] = self.target
                self.notes.append(
                    f"model {mid}: building {b.name or b.guid!r} ({b.guid}) federated into "
                    f"{self.buildings[self.target].name or self.target!r} ({self.target})"
                )
        return out

    def storey_map(self, mid: str, twin: Twin, buildings: Mapping[str, str]) -> dict[str, str]:
        """Each storey of ``twin`` -> the federated storey (by GlobalId, else by elevation)."""
        out: dict[str, str] = {}
        for s in twin.storeys.values():
            if s.guid in self.storeys:
                out[s.guid] = s.guid
                continue
            b = buildings.get(s.building or "", s.building)
            near = [
                t
                for t in self.storeys.values()
                if t.building == b and abs(t.elevation - s.elevation) <= STOREY_TOLERANCE
            ]
            if near:
                match = min(near, key=lambda t: abs(t.elevation - s.elevation))
                out[s.guid] = match.guid
                self.notes.append(
                    f"model {mid}: storey {s.name!r} ({s.guid}, {s.elevation:.2f} m) matched by "
                    f"elevation to {match.name!r} ({match.guid}, {match.elevation:.2f} m)"
                )
            else:
                out[s.guid] = s.guid
                self.storeys[s.guid] = replace(s, building=b)
        return out

    def finished(self) -> tuple[dict[str, Building], dict[str, Storey]]:
        """Buildings with their storeys re-ordered by elevation, storeys re-indexed."""
        storeys: dict[str, Storey] = {}
        buildings: dict[str, Building] = {}
        for g, b in self.buildings.items():
            mine = sorted(
                (s for s in self.storeys.values() if s.building == g), key=lambda s: s.elevation
            )
            buildings[g] = replace(b, storeys=tuple(s.guid for s in mine))
            storeys.update({s.guid: replace(s, index=i) for i, s in enumerate(mine)})
        storeys.update({g: s for g, s in self.storeys.items() if g not in storeys})
        return buildings, storeys


def federate(members: Sequence[tuple[str, Twin]], *, building: str | None = None) -> Federated:
    """One twin of the building the ``(model id, twin)`` pairs describe together.

    ``building`` names the building (GlobalId) that models with unrelated GlobalIds join; by
    default the primary model's first building. A single member is returned as it is."""
    if len(members) == 1:
        return Federated(members[0][1], ())
    ordered = _primary_first(members)
    pmid, primary = ordered[0]
    tree = _Tree(primary, building)
    origin: dict[str, str] = {}
    spaces: dict[str, Space] = {}
    elements: dict[str, Element] = {}
    notes: list[str] = [f"federated building: rooms and spatial tree of model {pmid}"]
    for mid, t in ordered:
        if mid != pmid:
            t, placed = _placed(primary, t)
            notes.append(f"model {mid}: {placed}")
        bmap = tree.building_map(mid, t)
        smap = tree.storey_map(mid, t, bmap)
        for g, sp in t.spaces.items():
            if g not in spaces:
                spaces[g] = _respaced(sp, smap, bmap)
                origin[g] = mid
        for g, el in t.elements.items():
            if g not in elements:
                elements[g] = replace(
                    el, storey=smap.get(el.storey, el.storey) if el.storey else None
                )
                origin[g] = mid
        for table in (t.systems, t.ports):
            for g in table:
                origin.setdefault(g, mid)
    located = _locate_in_rooms(elements, spaces, primary)
    notes.append(
        f"{located} product(s) without a room relation located in the federated rooms by "
        "geometry (space_inferred)"
    )
    buildings, storeys = tree.finished()
    twins = [t for _, t in ordered]
    fed = Twin(
        source=_source(ordered),
        georef=primary.georef,
        sites={**{g: s for t in reversed(twins) for g, s in t.sites.items()}, **tree.sites},
        buildings=buildings,
        storeys=storeys,
        spaces=spaces,
        elements=elements,
        ports=_union(t.ports for t in twins),
        connections=tuple({c.guid: c for t in twins for c in t.connections}.values()),
        systems=_union(t.systems for t in twins),
        space_boundaries=_boundaries(twins),
        meshes=_union(t.meshes for t in twins),
        quality=_quality(ordered, storeys, spaces, elements, [*tree.notes, *notes]),
        ingest_seconds=sum(t.ingest_seconds for t in twins),
        members=tuple(mid for mid, _ in ordered),
        origin=origin,
    )
    return Federated(fed, (*notes[:1], *tree.notes, *notes[1:]))


def _respaced(sp: Space, smap: Mapping[str, str], bmap: Mapping[str, str]) -> Space:
    storey = smap.get(sp.storey, sp.storey) if sp.storey else None
    building = bmap.get(sp.building, sp.building) if sp.building else None
    if storey == sp.storey and building == sp.building:
        return sp
    return replace(sp, storey=storey, building=building)


def _locate_in_rooms(
    elements: dict[str, Element], spaces: Mapping[str, Space], primary: Twin
) -> int:
    """Put the other models' roomless products in the federated rooms by geometry.

    The primary's rooms are tried first; a distribution product (terminal, duct, pipe, ...) just
    outside every room's net footprint goes to the nearest room within :data:`NEAR_ROOM`. The
    primary's own products were placed at its ingest and stay as they are, as do products an
    IFC relation puts in a room. Returns how many were located."""
    pending = [
        g
        for g, e in elements.items()
        if e.space is None and e.bbox is not None and g not in primary.elements
    ]
    first = [s for g, s in spaces.items() if g in primary.spaces]
    rest = [s for g, s in spaces.items() if g not in primary.spaces]
    n = 0
    for pool in (first, rest):
        if not pending or not pool:
            continue
        finder = SpaceFinder(pool)
        queries = [space_query(elements[g].bbox, elements[g].storey) for g in pending]  # type: ignore[arg-type]
        found = finder.find_near(queries, NEAR_ROOM)
        inside = finder.find_many(queries)
        left = []
        for k, g in enumerate(pending):
            sp = inside[k] or (found[k] if elements[g].kind in DISTRIBUTION_KINDS else None)
            if sp is None:
                left.append(g)
            else:
                elements[g] = replace(elements[g], space=sp, space_inferred=True)
                n += 1
        pending = left
    return n


def _placed(primary: Twin, other: Twin) -> tuple[Twin, str]:
    """``other`` in the primary's frame, and how it got there.

    Two map conversions to one CRS place a model exactly (:mod:`twin.reframe`); otherwise the
    model is taken as it is (shared coordinates), and where both sites give latitude/longitude
    their distance is said, so a misplaced discipline model is visible, not silently moved."""
    a, b = primary.georef, other.georef
    if a.mode == "map_conversion" and b.mode == "map_conversion" and a.crs == b.crs:
        shift = frame_shift(b, a)
        if shift is None:
            return other, "same map conversion as the primary model: shared coordinates"
        return moved(other, shift), shift.describe()
    if a.mode == "map_conversion" and b.mode == "map_conversion":
        return other, f"map conversions to different CRSs ({b.crs} vs {a.crs}): not moved"
    if a.latitude is not None and b.latitude is not None and a.longitude and b.longitude:
        dy = math.radians(b.latitude - a.latitude) * 6_371_000.0
        dx = math.radians(b.longitude - a.longitude) * 6_371_000.0
        dx *= math.cos(math.radians(a.latitude))
        return other, (
            f"site origins {math.hypot(dx, dy):.2f} m apart by latitude/longitude: placed in "
            "shared coordinates"
        )
    return other, "placed in shared coordinates (no common georeferencing to place it by)"


def _union(tables: Iterable[Mapping[str, V]]) -> dict[str, V]:
    out: dict[str, V] = {}
    for table in tables:
        for g, v in table.items():
            out.setdefault(g, v)
    return out


def _boundaries(twins: Sequence[Twin]) -> tuple[SpaceBoundary, ...]:
    return tuple({b.guid: b for t in reversed(twins) for b in t.space_boundaries}.values())


def _source(ordered: Sequence[tuple[str, Twin]]) -> SourceInfo:
    p = ordered[0][1].source
    return SourceInfo(
        path=" + ".join(t.source.path for _, t in ordered),
        sha256=federation_id(mid for mid, _ in ordered),
        schema=p.schema,
        length_unit_to_m=p.length_unit_to_m,
        bytes=sum(t.source.bytes for _, t in ordered),
    )


def _quality(
    ordered: Sequence[tuple[str, Twin]],
    storeys: Mapping[str, Storey],
    spaces: Mapping[str, Space],
    elements: Mapping[str, Element],
    notes: Sequence[str],
) -> QualityReport:
    """The members' reports joined; counts recounted so shared products count once."""
    reports = [t.quality for _, t in ordered]
    counts, other = count_kinds(
        (e.kind for e in elements.values()), storeys=len(storeys), spaces=len(spaces)
    )
    with_ports = {g for r in reports for g in r.distribution_without_ports}
    return replace(
        reports[0],
        counts=counts,
        spaces_without_geometry=_joined(r.spaces_without_geometry for r in reports),
        spaces_located_by_fallback=_joined(r.spaces_located_by_fallback for r in reports),
        elements_without_storey=tuple(g for g, e in elements.items() if e.storey is None),
        elements_located_by_geometry=tuple(
            g for g, e in elements.items() if e.space_inferred or e.storey_inferred
        ),
        distribution_without_ports=tuple(g for g in elements if g in with_ports),
        area_checks={k: v for r in reports for k, v in r.area_checks.items()},
        warnings=(
            *notes,
            *(f"model {mid}: {w}" for mid, t in ordered for w in t.quality.warnings),
        ),
        area_bases={k: v for r in reports for k, v in r.area_bases.items()},
        other_classes=other,
    )


def _joined(parts: Iterable[Iterable[str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(g for p in parts for g in p))
