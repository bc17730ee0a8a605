"""Which spaces a door opens into, and whether it leads out of the building.

A door's space boundaries (IfcRelSpaceBoundary naming the door) say which rooms it joins; many
exports have none, and some name three rooms for one door (a door near a corner is bounded by
the hallway too). Where the model does not say, or says too much, the door is *probed*: a few
points on either side of its leaf, along its normal (the short axis of its plan footprint: a
closed leaf is wide and thin), within its width, at :data:`PROBES` metres beyond the leaf. The
space that holds most probes on a side is the room on that side; nothing on a side means the
outside (or a room the model does not have). Taking the nearest rooms within a reach instead
joined a toilet cubicle's door to the office behind the restroom wall.

A door is an *entrance* only where one side is outside every space of the building **and** the
model says it is external: ``IsExternal`` on the door (Pset_DoorCommon or any property set), an
``IsExternal`` wall it fills, or an EXTERNAL space boundary of the door. A door that opens on one
side only and is not external, or on no side, is linked to what its probes found (never to a
guessed room) and named in the data-quality report (:func:`door_notes`).

Pure functions over the model types, so the ingest (quality report) and the navigation graph
share one answer.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry

from twin.model import Element, Space, SpaceBoundary

__all__ = [
    "PROBES",
    "DoorLink",
    "door_frame",
    "door_notes",
    "is_true",
    "link_doors",
    "plan_footprint",
]

XY = tuple[float, float]

#: How far beyond the leaf faces a door is probed on each side (metres).
PROBES = (0.3, 0.6)
#: A space is at a door's level when the door's sill lies within its height range (+ this slack).
LEVEL_SLACK = 0.5
#: A footprint this much longer than deep shows which way a door faces; squarer ones (a leaf
#: modelled open) take the orientation of the wall they fill.
THIN = 1.4


@dataclass(frozen=True, slots=True)
class DoorLink:
    """What one door joins. ``spaces``: 0-2 space guids (declared, else probed); ``sides``:
    the space probed on each side of the leaf (None: outside every space);
    ``inferred``: some link comes from geometry; ``problem``: why the door links nothing
    sensible (for the quality report), else None."""

    door: str
    spaces: tuple[str, ...]
    sides: tuple[str | None, str | None]
    inferred: bool
    external: bool
    entrance: bool
    problem: str | None = None


def is_true(value: object) -> bool:
    """An IFC boolean/logical property as stored (bool, or text from some exporters)."""
    return value is True or (isinstance(value, str) and value.strip().upper() in ("TRUE", "T"))


def _marked_external(el: Element | None) -> bool:
    return el is not None and any(is_true(p.get("IsExternal")) for p in el.psets.values())


def plan_footprint(el: Element) -> BaseGeometry | None:
    """The element's plan footprint, else its box in plan (None without either)."""
    if el.footprint is not None and not el.footprint.is_empty:
        return el.footprint
    if el.bbox is not None:
        b = el.bbox
        return box(b[0], b[1], max(b[3], b[0] + 1e-3), max(b[4], b[1] + 1e-3))
    return None


def _axes(geom: BaseGeometry) -> tuple[XY, XY, float, float] | None:
    """Centre, unit long axis, long and short side of the minimum rotated rectangle."""
    rect = shapely.minimum_rotated_rectangle(geom)
    if not isinstance(rect, Polygon):
        return None
    p = list(rect.exterior.coords)
    e0 = (p[1][0] - p[0][0], p[1][1] - p[0][1])
    e1 = (p[2][0] - p[1][0], p[2][1] - p[1][1])
    l0, l1 = math.hypot(*e0), math.hypot(*e1)
    if max(l0, l1) < 1e-6:
        return None
    long_e, long_l, short_l = (e0, l0, l1) if l0 >= l1 else (e1, l1, l0)
    c = rect.centroid
    return (c.x, c.y), (long_e[0] / long_l, long_e[1] / long_l), long_l, short_l


def door_frame(door: Element, wall: Element | None) -> tuple[XY, XY, float, float] | None:
    """(centre, unit normal, width, depth) of a door in plan, or None without geometry."""
    fp = plan_footprint(door)
    if fp is None:
        return None
    own = _axes(fp)
    if own is None:
        return None
    centre, u, width, depth = own
    if width < THIN * depth and wall is not None and (wfp := plan_footprint(wall)) is not None:
        w = _axes(wfp)
        if w is not None and w[2] >= THIN * w[3]:
            u = w[1]  # the leaf lies along the wall
    return centre, (-u[1], u[0]), width, depth


class _Rooms:
    """Point-in-space lookup over the spaces at a door's level."""

    def __init__(self, spaces: Mapping[str, Space]) -> None:
        self.items = [
            s for s in spaces.values() if s.footprint is not None and not s.footprint.is_empty
        ]
        self.tree = shapely.STRtree([s.footprint for s in self.items]) if self.items else None

    def at(self, pts: Sequence[XY], door: Element) -> str | None:
        """The space holding most of ``pts`` at the door's level (None: outside every space)."""
        if self.tree is None:
            return None
        sill = door.bbox[2] + 0.3 if door.bbox is not None else None
        qi, si = self.tree.query(shapely.points(list(pts)), predicate="intersects")
        votes: Counter[str] = Counter()
        for j in set(zip(qi.tolist(), si.tolist(), strict=True)):
            s = self.items[j[1]]
            b = s.bbox
            if sill is not None and b is not None:
                if not (b[2] - LEVEL_SLACK <= sill <= b[5]):
                    continue
            elif door.storey and s.storey and door.storey != s.storey:
                continue
            votes[s.guid] += 1
        if not votes:
            return None
        return votes.most_common(1)[0][0]


def _probe(rooms: _Rooms, door: Element, frame: tuple[XY, XY, float, float]) -> list[str | None]:
    (cx, cy), (nx, ny), width, depth = frame
    ux, uy = ny, -nx
    out: list[str | None] = []
    for sign in (1.0, -1.0):
        pts = []
        for reach in PROBES:
            d = sign * (depth / 2 + reach)
            for t in (-0.25 * width, 0.0, 0.25 * width):
                pts.append((cx + d * nx + t * ux, cy + d * ny + t * uy))
        out.append(rooms.at(pts, door))
    return out


def _declared(
    boundaries: Iterable[SpaceBoundary], spaces: Mapping[str, Space]
) -> tuple[dict[str, list[str]], set[str]]:
    """Element guid -> spaces its boundaries name (in order), and elements with an EXTERNAL one."""
    spaces_of: dict[str, list[str]] = {}
    external: set[str] = set()
    for sb in boundaries:
        if sb.element is None or sb.space not in spaces:
            continue
        lst = spaces_of.setdefault(sb.element, [])
        if sb.space not in lst:
            lst.append(sb.space)
        if sb.external:
            external.add(sb.element)
    return spaces_of, external


def link_doors(
    spaces: Mapping[str, Space],
    elements: Mapping[str, Element],
    boundaries: Iterable[SpaceBoundary],
) -> dict[str, DoorLink]:
    """A :class:`DoorLink` for every door (see the module doc for the rules)."""
    declared, ext_bounds = _declared(boundaries, spaces)
    rooms: _Rooms | None = None
    out: dict[str, DoorLink] = {}
    for door in elements.values():
        if door.kind != "door":
            continue
        wall = elements.get(door.fills or "")
        external = _marked_external(door) or _marked_external(wall) or door.guid in ext_bounds
        named = declared.get(door.guid, [])
        frame = door_frame(door, wall) if len(named) != 2 else None
        sides: list[str | None] = [None, None]
        if frame is not None:
            rooms = rooms or _Rooms(spaces)
            sides = _probe(rooms, door, frame)
        out[door.guid] = _decide(door, named, sides, frame is not None, external)
    return out


def _decide(
    door: Element,
    named: list[str],
    sides: list[str | None],
    probed: bool,
    external: bool,
) -> DoorLink:
    """Declared spaces where the model names one or two; probes settle three or more and fill
    a side the model left out; with nothing declared the probes alone decide."""
    found = [g for g in dict.fromkeys(sides) if g is not None]
    side_pair = (sides[0], sides[1])
    if len(named) == 2:
        return DoorLink(door.guid, tuple(named), side_pair, False, external, False)
    inferred = True
    if len(named) > 2:
        hit = [g for g in found if g in named]
        linked = hit or named[:2]
    elif len(named) == 1:
        linked = [named[0], *(g for g in found if g != named[0])][:2]
        inferred = len(linked) > 1
    else:
        linked = found
    one_side_open = probed and (None in sides) and len(linked) == 1
    if not probed and len(named) == 1:
        one_side_open = True  # no geometry to probe: the model's single room is all we know
    entrance = one_side_open and external
    problem = None
    label = f"door {door.name!r} ({door.guid})" if door.name else f"door {door.guid}"
    if not linked:
        problem = f"{label}: opens into no space on either side; not linked"
        if not probed:
            problem = f"{label}: no geometry and no space boundaries; not linked"
    elif one_side_open and not external:
        problem = (
            f"{label}: one side lies in no space and the door is not external "
            "(IsExternal on the door or its wall, or an EXTERNAL boundary): "
            "not taken as an entrance"
        )
    elif probed and sides[0] is not None and sides[0] == sides[1] and len(linked) == 1:
        problem = f"{label}: both sides lie in the same space (a cubicle or an unmodelled room)"
    return DoorLink(door.guid, tuple(linked), side_pair, inferred, external, entrance, problem)


def door_notes(links: Mapping[str, DoorLink]) -> list[str]:
    """Quality-report lines for doors that link nothing sensible (see :class:`DoorLink`)."""
    return [f"navigation: {link.problem}" for link in links.values() if link.problem]
