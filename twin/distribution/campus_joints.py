"""Networks across models: where distribution elements of two buildings meet, and one twin of
every building's network joined there.

A central plant feeds the buildings of a campus through tunnels; each building is its own IFC
model, so its pipes and cables stop at the model's edge with a port (or a segment end) that
nothing in the file connects. Two such open ends of different models that sit at the same map
position (within a tolerance, in the projected CRS of the models' IfcMapConversions) are one
**cross-model joint** (``found="geometry"``). Models that do not line up (no georeferencing, a
survey error) are joined by an explicit table (the campus file's ``network_joints``,
``found="table"``); a table entry that geometry confirms is ``found="geometry+table"``.

:func:`joined_twin` makes one twin of several (already moved into one frame by the caller,
:func:`twin.reframe.moved`) with a synthetic ``IfcRelConnectsPorts`` per joint
(GlobalId ``joint:<id>``), so the ordinary :func:`twin.distribution.build_networks`, trace,
isolate and impact run across buildings unchanged, and every edge made by a joint says so.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

import numpy as np
from scipy.spatial import cKDTree

from twin.distribution.joins import segment_axis
from twin.errors import InvalidInput
from twin.geo import to_map
from twin.kinds import count_kinds
from twin.model import (
    Building,
    Element,
    Mesh,
    Port,
    PortConnection,
    Site,
    Space,
    SpaceBoundary,
    Storey,
    System,
    Twin,
)

__all__ = [
    "JOINT_PREFIX",
    "JOINT_TOLERANCE_M",
    "Joint",
    "JointEnd",
    "OpenEnd",
    "find_joints",
    "joined_twin",
    "open_ends",
]

#: Two open ends of different models closer than this on the map (metres) are one joint.
JOINT_TOLERANCE_M = 0.05
#: GlobalId prefix of the synthetic port connections (and ports) a joint adds.
JOINT_PREFIX = "joint:"

Found = Literal["geometry", "table", "geometry+table"]
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class OpenEnd:
    """A connection point of one model that nothing in its file connects."""

    model: str
    element: str
    port: str | None  # None: the free end of a segment without ports
    map_point: tuple[float, float, float]  # E, N, H in the model's projected CRS
    flow_direction: str  # the port's, "NOTDEFINED" for a segment end
    systems: tuple[str, ...]  # names of the element's systems


@dataclass(frozen=True, slots=True)
class JointEnd:
    model: str
    element: str
    port: str | None


@dataclass(frozen=True, slots=True)
class Joint:
    """Two models' elements joined at a building boundary."""

    id: str
    a: JointEnd
    b: JointEnd
    found: Found
    gap_m: float | None  # map distance of the two ends, where both positions are known
    system: str | None
    medium: str | None
    map_point: tuple[float, float, float] | None  # midpoint of the two ends


def _map_point(twin: Twin, xyz: tuple[float, float, float]) -> tuple[float, float, float] | None:
    en = to_map(twin.georef, xyz[0], xyz[1])
    if en is None:
        return None
    return (en[0], en[1], xyz[2] + twin.georef.orthogonal_height)


def open_ends(model: str, twin: Twin) -> list[OpenEnd]:
    """Open ports with a position, and free ends of port-less segments, in map coordinates.

    Empty when the model has no map conversion (its ends cannot be placed on the map)."""
    if twin.georef.mode != "map_conversion":
        return []
    used = {p for c in twin.connections for p in (c.relating_port, c.related_port)}
    names = {g: s.name for g, s in twin.systems.items()}
    out: list[OpenEnd] = []
    with_ports: set[str] = set()
    for port in twin.ports.values():
        if port.element is not None:
            with_ports.add(port.element)
        if port.guid in used or port.position is None or port.element is None:
            continue
        mp = _map_point(twin, port.position)
        e = twin.elements.get(port.element)
        if mp is None or e is None:
            continue
        systems = tuple(names.get(s, s) for s in e.systems)
        out.append(OpenEnd(model, port.element, port.guid, mp, port.flow_direction, systems))
    for e in twin.elements.values():
        if e.kind != "segment" or e.guid in with_ports or e.guid not in twin.meshes:
            continue
        axis = segment_axis(twin.meshes[e.guid])
        if axis is None:
            continue
        systems = tuple(names.get(s, s) for s in e.systems)
        for end in (axis.start, axis.end):
            mp = _map_point(twin, (float(end[0]), float(end[1]), float(end[2])))
            if mp is not None:
                out.append(OpenEnd(model, e.guid, None, mp, "NOTDEFINED", systems))
    return out


def _medium(twin_systems: Iterable[str], flows: Mapping[str, str]) -> str | None:
    for s in twin_systems:
        if s in flows:
            return flows[s]
    return None


def _end_of(doc: object, where: str, twins: Mapping[str, Twin]) -> JointEnd:
    if not isinstance(doc, Mapping):
        raise InvalidInput(f"network joint {where} must be an object")
    model, element, port = doc.get("model"), doc.get("element"), doc.get("port")
    if not isinstance(model, str) or model not in twins:
        raise InvalidInput(f"network joint {where}.model {model!r} is not a campus model")
    if not isinstance(element, str) or element not in twins[model].elements:
        raise InvalidInput(f"network joint {where}.element {element!r} is not in {model!r}")
    if port is not None and (not isinstance(port, str) or port not in twins[model].ports):
        raise InvalidInput(f"network joint {where}.port {port!r} is not in {model!r}")
    return JointEnd(model, element, port)


def find_joints(
    twins: Mapping[str, Twin],
    table: Sequence[Mapping[str, object]] = (),
    *,
    tolerance: float = JOINT_TOLERANCE_M,
) -> tuple[list[Joint], list[str]]:
    """Cross-model joints found geometrically and declared in ``table``; and the notes saying
    what could not be joined (a model without georeferencing, a table entry that names an
    unknown element: that entry is skipped, not guessed).

    Geometry: each open end joins the nearest open end of another model within ``tolerance``
    on the map, each end at most once (nearest pairs first). Twins are keyed by campus model
    key, in their own frames (their map conversions place them)."""
    notes: list[str] = []
    ends: list[OpenEnd] = []
    for key, twin in twins.items():
        if twin.georef.mode != "map_conversion":
            notes.append(
                f"model {key!r} has no map conversion: its networks join others only where "
                "the joints table says so"
            )
            continue
        ends += open_ends(key, twin)
    crs = {t.georef.crs for t in twins.values() if t.georef.mode == "map_conversion"}
    if len(crs) > 1:
        notes.append(f"models name different CRSs ({sorted(c or '?' for c in crs)}): not joined")
        ends = []
    pairs: list[tuple[float, int, int]] = []
    if len(ends) > 1:
        pts = np.array([e.map_point for e in ends])
        tree = cKDTree(pts)
        for i, j in sorted(tree.query_pairs(tolerance)):
            if ends[i].model != ends[j].model:
                pairs.append((float(np.linalg.norm(pts[i] - pts[j])), i, j))
    pairs.sort()
    taken: set[int] = set()
    geo: dict[frozenset[tuple[str, str]], tuple[OpenEnd, OpenEnd, float]] = {}
    for gap, i, j in pairs:
        if i in taken or j in taken:
            continue
        taken |= {i, j}
        a, b = ends[i], ends[j]
        if a.flow_direction == "SINK" or b.flow_direction == "SOURCE":
            a, b = b, a  # a: the upstream end where the ports say
        geo[frozenset({(a.model, a.element), (b.model, b.element)})] = (a, b, gap)
    flows = {g: s.flow for t in twins.values() for g, s in t.systems.items()}
    joints: list[Joint] = []
    declared: set[frozenset[tuple[str, str]]] = set()
    for n, doc in enumerate(table):
        try:
            a_end = _end_of(doc.get("a"), f"[{n}].a", twins)
            b_end = _end_of(doc.get("b"), f"[{n}].b", twins)
        except InvalidInput as exc:
            notes.append(f"{exc} (skipped)")
            continue
        pair = frozenset({(a_end.model, a_end.element), (b_end.model, b_end.element)})
        declared.add(pair)
        seen = geo.get(pair)
        system, medium = doc.get("system"), doc.get("medium")
        joints.append(
            Joint(
                f"table-{n + 1}",
                a_end,
                b_end,
                "geometry+table" if seen else "table",
                round(seen[2], 4) if seen else _gap(twins, a_end, b_end),
                system if isinstance(system, str) else None,
                medium if isinstance(medium, str) else None,
                _mid(seen[0].map_point, seen[1].map_point) if seen else None,
            )
        )
    for n, (pair, (a, b, gap)) in enumerate(geo.items()):
        if pair in declared:
            continue
        system = next((s for s in a.systems if s in b.systems), a.systems[0] if a.systems else None)
        joints.append(
            Joint(
                f"geometry-{n + 1}",
                JointEnd(a.model, a.element, a.port),
                JointEnd(b.model, b.element, b.port),
                "geometry",
                round(gap, 4),
                system,
                _medium(twins[a.model].elements[a.element].systems, flows),
                _mid(a.map_point, b.map_point),
            )
        )
    return joints, notes


def _mid(
    p: tuple[float, float, float], q: tuple[float, float, float]
) -> tuple[float, float, float]:
    return (round((p[0] + q[0]) / 2, 4), round((p[1] + q[1]) / 2, 4), round((p[2] + q[2]) / 2, 4))


def _gap(twins: Mapping[str, Twin], a: JointEnd, b: JointEnd) -> float | None:
    pts = []
    for end in (a, b):
        twin = twins[end.model]
        port = twin.ports.get(end.port) if end.port else None
        if port is None or port.position is None:
            return None
        mp = _map_point(twin, port.position)
        if mp is None:
            return None
        pts.append(mp)
    return round(math.dist(pts[0], pts[1]), 4)


def _merge(into: dict[str, V], more: Mapping[str, V], what: str, key: str) -> None:
    clash = into.keys() & more.keys()
    if clash:
        raise InvalidInput(
            f"model {key!r} repeats {len(clash)} {what} GlobalId(s) of another campus model "
            f"({sorted(clash)[:3]}): cannot join their networks"
        )
    into.update(more)


def joined_twin(parts: Sequence[tuple[str, Twin]], joints: Sequence[Joint]) -> Twin:
    """One twin of ``parts`` (model key, twin already in the first part's frame) with a port
    connection per joint, ``origin`` mapping every product, port and system to its model key.

    The first part's georeferencing and source stand for the whole (its frame is the frame of
    every coordinate); GlobalIds must be unique across the models (a clash raises)."""
    if not parts:
        raise InvalidInput("no models to join")
    first = parts[0][1]
    origin: dict[str, str] = {}
    sites: dict[str, Site] = {}
    buildings: dict[str, Building] = {}
    storeys: dict[str, Storey] = {}
    spaces: dict[str, Space] = {}
    elements: dict[str, Element] = {}
    ports: dict[str, Port] = {}
    systems: dict[str, System] = {}
    meshes: dict[str, Mesh] = {}
    connections: list[PortConnection] = []
    boundaries: list[SpaceBoundary] = []
    for key, twin in parts:
        sites.update(twin.sites)  # one site shared by the campus models is one site
        _merge(buildings, twin.buildings, "building", key)
        _merge(storeys, twin.storeys, "storey", key)
        _merge(spaces, twin.spaces, "space", key)
        _merge(elements, twin.elements, "element", key)
        _merge(ports, twin.ports, "port", key)
        _merge(systems, twin.systems, "system", key)
        meshes.update(twin.meshes)
        for table in (twin.spaces, twin.elements, twin.ports, twin.systems, twin.buildings):
            origin.update(dict.fromkeys(table, key))
        connections += twin.connections
        boundaries += twin.space_boundaries
    for j in joints:
        pa = j.a.port or f"{JOINT_PREFIX}{j.id}:a"
        pb = j.b.port or f"{JOINT_PREFIX}{j.id}:b"
        for guid, end in ((pa, j.a), (pb, j.b)):
            if guid not in ports:  # a segment end without ports: a port of the joint's own
                ports[guid] = Port(guid, end.element, "NOTDEFINED", "", None)
                origin[guid] = end.model
        connections.append(PortConnection(f"{JOINT_PREFIX}{j.id}", pa, pb))
    counts, other = count_kinds(
        (e.kind for e in elements.values()), storeys=len(storeys), spaces=len(spaces)
    )
    quality = replace(
        first.quality,
        counts=counts,
        other_classes=other,
        distribution_without_ports=tuple(
            g for _, t in parts for g in t.quality.distribution_without_ports
        ),
    )
    return replace(
        first,
        sites=sites,
        buildings=buildings,
        storeys=storeys,
        spaces=spaces,
        elements=elements,
        ports=ports,
        connections=tuple(connections),
        systems=systems,
        space_boundaries=tuple(boundaries),
        meshes=meshes,
        quality=quality,
        members=tuple(k for k, _ in parts),
        origin=origin,
    )
