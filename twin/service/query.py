"""Campus-wide lookups the API and the CLI share: filters, locate and search across twins.

Each twin's spatial index is derived once through the campus cache; these functions only combine
the per-twin answers, so the API stays a thin adapter.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from twin.errors import InvalidInput
from twin.geo import to_wgs84
from twin.model import BBox, Element, Twin
from twin.service.campus import Campus
from twin.service.derived import spatial_index

__all__ = ["Found", "Located", "filter_elements", "locate", "parse_bbox", "search"]


@dataclass(frozen=True, slots=True)
class Located:
    point: tuple[float, float, float]
    building: str | None
    storey: str | None
    space: str | None
    space_number: str | None
    wgs84: tuple[float, float] | None


def locate(campus: Campus, x: float, y: float, z: float, *, building: str | None = None) -> Located:
    """Which storey and room a point is in; the first building that places it on a storey wins."""
    twins = [campus.building(building)[0]] if building else list(campus)
    for twin in twins:
        hit = spatial_index(campus, twin).locate(x, y, z)
        if hit is None or hit.storey is None:
            continue
        storey = twin.storeys[hit.storey]
        space = twin.spaces.get(hit.space) if hit.space else None
        return Located(
            (x, y, z),
            storey.building,
            storey.guid,
            space.guid if space else None,
            space.number if space else None,
            to_wgs84(twin.georef, x, y),
        )
    return Located((x, y, z), None, None, None, None, None)


def parse_bbox(text: str) -> BBox:
    """``xmin,ymin,xmax,ymax`` (all heights) or ``xmin,ymin,zmin,xmax,ymax,zmax``."""
    try:
        v = [float(p) for p in text.split(",")]
    except ValueError:
        raise InvalidInput(f"bbox {text!r} is not a list of numbers") from None
    if len(v) == 4:
        return (v[0], v[1], -1e9, v[2], v[3], 1e9)
    if len(v) == 6:
        return (v[0], v[1], v[2], v[3], v[4], v[5])
    raise InvalidInput(f"bbox takes 4 or 6 numbers, got {len(v)}")


def filter_elements(
    campus: Campus,
    *,
    building: str | None = None,
    kinds: Collection[str] = (),
    storey: str | None = None,
    space: str | None = None,
    bbox: BBox | None = None,
    system: str | None = None,
    text: str | None = None,
) -> list[Element]:
    """Elements matching every given filter, in a stable order (storey, kind, name)."""
    if building:
        twins: Sequence[Twin] = [campus.building(building)[0]]
    elif storey or space or system:
        twins = [campus.twin_of(storey or space or system or "")]
    else:
        twins = list(campus)
    wanted = set(kinds)
    needle = text.lower() if text else None
    found: list[Element] = []
    for twin in twins:
        if storey:
            twin.storey(storey)
        if space:
            twin.space(space)
        pool: Collection[Element]
        if bbox is not None:
            pool = spatial_index(campus, twin).elements_in_box(bbox, kinds=wanted or None)
        else:
            pool = list(twin.elements.values())
        for e in pool:
            if wanted and e.kind not in wanted:
                continue
            if building and e.storey and twin.storeys[e.storey].building != building:
                continue
            if storey and e.storey != storey:
                continue
            if space and e.space != space:
                continue
            if system and system not in e.systems:
                continue
            if needle and not _matches(e, needle):
                continue
            found.append(e)
    return sorted(found, key=lambda e: (e.storey or "", e.kind, e.name, e.guid))


def _matches(e: Element, needle: str) -> bool:
    return (
        needle in e.name.lower()
        or needle in e.type_name.lower()
        or needle == e.guid.lower()
        or needle in e.object_type.lower()
    )


@dataclass(frozen=True, slots=True)
class Found:
    """One search hit across the campus."""

    guid: str
    kind: str
    label: str
    storey: str | None
    building: str | None
    score: float


def search(campus: Campus, text: str, *, limit: int = 20) -> list[Found]:
    """Rooms and elements matching ``text`` (room number, name, GlobalId) in every twin, best first.

    Each twin's index ranks its own hits; hits are merged by score so a room number that exists in
    two buildings lists both.
    """
    needle = text.strip()
    if not needle:
        raise InvalidInput("search text is empty")
    hits: list[Found] = []
    for twin in campus:
        for h in spatial_index(campus, twin).search(needle, limit=limit):
            hits.append(Found(h.guid, h.kind, h.label, h.storey, h.building, float(h.score)))
    hits.sort(key=lambda h: (-h.score, h.label, h.guid))
    return hits[:limit]
