"""Localize a fault: where an element, sensor or room is, what feeds it, what to close, who suffers.

One answer for the person on call: building, storey, room, coordinates (local and WGS84), the
box to fly the 3D view to, the upstream elements most likely at fault (nearest and active ones
first), the valves that isolate it, the rooms that lose supply if it fails, and every assumption
the answer rests on (guessed flow directions, inferred edges, missing georeferencing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx

from twin.analysis.candidates import (
    MediumHint,
    NetworkCandidate,
    candidates,
)
from twin.distribution.build import Networks
from twin.distribution.isolate import ImpactedSpace, IsolationPoint, impact
from twin.distribution.trace import Suspect, common_cause_groups, require_known, trace
from twin.errors import InvalidInput, NetworkUnknown
from twin.geo import to_wgs84
from twin.model import BBox, Twin

__all__ = [
    "Localization",
    "MediumHint",
    "NetworkCandidate",
    "RankedSuspect",
    "common_cause",
    "localize",
]

#: Extra rank distance by kind: passive parts (pipes, fittings) fail far less often than valves,
#: pumps and plant, so every active element upstream ranks before any passive one.
_KIND_PENALTY = {"segment": 1000, "fitting": 1000, "port": 1000}
_SUSPECTS = 10


@dataclass(frozen=True, slots=True)
class RankedSuspect:
    guid: str
    kind: str
    name: str
    depth: int
    score: float


@dataclass(frozen=True, slots=True)
class Localization:
    target: str
    element: str | None  # the network element the target resolved to
    kind: str
    name: str
    building: str | None
    storey: str | None
    space: str | None
    xyz: tuple[float, float, float] | None
    wgs84: tuple[float, float] | None
    bbox: BBox | None
    suspects: tuple[RankedSuspect, ...]
    isolation: tuple[IsolationPoint, ...]
    affected_spaces: tuple[ImpactedSpace, ...]
    assumptions: tuple[str, ...]
    networks: tuple[NetworkCandidate, ...] = ()  # every candidate network, ranked
    chosen_by: str = ""  # the rule that chose the network(s)


def _wgs84(
    twin: Twin, xyz: tuple[float, float, float] | None, notes: list[str]
) -> tuple[float, float] | None:
    if xyz is None:
        return None
    found = to_wgs84(twin.georef, xyz[0], xyz[1])
    if found is None:
        notes.append("the model is not georeferenced: local coordinates only")
    return found


def _suspects(nets: Networks, twin: Twin, node: str) -> list[RankedSuspect]:
    up = trace(nets, node, direction="upstream")
    ranked = []
    for s in up.steps[1:]:
        e = twin.elements.get(s.guid)
        score = s.depth + _KIND_PENALTY.get(s.kind, 0)
        ranked.append(RankedSuspect(s.guid, s.kind, e.name if e else "", s.depth, float(score)))
    ranked.sort(key=lambda r: (r.score, r.depth, r.guid))
    return ranked[:_SUSPECTS]


def _affected(nets: Networks, twin: Twin, node: str, notes: list[str]) -> tuple[ImpactedSpace, ...]:
    """Rooms that lose supply if ``node`` fails: the element's own room first."""
    imp = impact(nets, twin, [node])
    notes.extend(a for a in imp.assumptions if a not in notes)
    own = twin.elements.get(node)
    spaces = list(imp.spaces)
    if own is not None and own.space and own.kind == "terminal":
        s = twin.spaces.get(own.space)
        if s is not None and all(x.guid != s.guid for x in spaces):
            spaces.insert(0, ImpactedSpace(s.guid, s.label, s.criticality, s.storey, (node,)))
    return tuple(spaces)


def _space_nodes(nets: Networks, twin: Twin, guid: str) -> list[str]:
    """A room's elements in the networks (sensors by the element they sit on)."""
    found = []
    for e in twin.elements.values():
        if e.space != guid:
            continue
        n = e.guid if e.guid in nets.graph else nets.hosts.get(e.guid)
        if n is not None and n in nets.graph:
            found.append(n)
    return sorted(set(found))


def _resolve(
    twin: Twin, nets: Networks, target: str, is_space: bool, notes: list[str]
) -> tuple[str | None, list[str]]:
    """The target's network element (None for a room) and the nodes whose networks count."""
    if is_space:
        return None, (_space_nodes(nets, twin, target) if nets.known else [])
    node = target if target in nets.graph else nets.hosts.get(target)
    if node is None or node not in nets.graph:
        return None, []
    if node != target:
        notes.append(f"sensor resolved to the element it is attached to ({node})")
    return node, [node]


def _network_answer(
    twin: Twin,
    nets: Networks,
    node: str | None,
    nets_found: list[NetworkCandidate],
    notes: list[str],
) -> tuple[str | None, list[RankedSuspect], tuple[IsolationPoint, ...], tuple[ImpactedSpace, ...]]:
    """The top-level answer: one network's (or, for an element on several, all of them);
    nothing for a room whose networks no hint told apart."""
    for c in nets_found:
        if not c.isolation.possible:
            notes.append(f"isolation ({c.medium}): {c.isolation.reason}")
        notes.extend(a for a in c.isolation.assumptions if a not in notes)
    if node is None and len(nets_found) != 1:
        return None, [], (), ()
    element = node or nets_found[0].element
    points: dict[str, IsolationPoint] = {}
    for c in nets_found:
        points.update((p.guid, p) for p in c.isolation.points)
    suspects = _suspects(nets, twin, element)
    return element, suspects, tuple(points.values()), _affected(nets, twin, element, notes)


def localize(
    twin: Twin,
    nets: Networks,
    target_guid: str,
    *,
    index: object | None = None,
    hint: MediumHint | None = None,
) -> Localization:
    """Where ``target_guid`` (element, sensor or space) is and what around it matters.

    ``hint`` (from a ticket's skill, an alarm's sensor quantity, or asked for) picks the
    network by its medium; without one an element answers for the networks it is part of and
    a room for every network in it, ranked (``networks``), never one guessed.
    """
    notes: list[str] = []
    product = twin.product(target_guid)
    is_space = target_guid in twin.spaces
    node, nodes = _resolve(twin, nets, target_guid, is_space, notes)
    found: list[NetworkCandidate] = []
    rule = ""
    element: str | None = None
    suspects: list[RankedSuspect] = []
    points: tuple[IsolationPoint, ...] = ()
    spaces: tuple[ImpactedSpace, ...] = ()
    if nodes:
        found, more, rule = candidates(twin, nets, nodes, hint, room=is_space)
        notes.extend(more)
        element, suspects, points, spaces = _network_answer(twin, nets, node, found, notes)
    elif not nets.known:
        notes.append(NetworkUnknown(UNKNOWN_TEXT).detail)
    else:
        notes.append("the target is not connected to any distribution network in this model")
    bbox = product.bbox
    xyz = (
        None
        if bbox is None
        else ((bbox[0] + bbox[3]) / 2, (bbox[1] + bbox[4]) / 2, (bbox[2] + bbox[5]) / 2)
    )
    if xyz is None:
        notes.append("the target has no geometry: no coordinates")
    storey = product.storey
    space = target_guid if is_space else getattr(product, "space", None)
    building = twin.storeys[storey].building if storey and storey in twin.storeys else None
    if building is None and len(twin.buildings) == 1:
        building = next(iter(twin.buildings))
    if not is_space and getattr(product, "space_inferred", False):
        notes.append("the room is inferred from geometry, not declared in the model")
    return Localization(
        target=target_guid,
        element=element,
        kind="space" if is_space else getattr(product, "kind", ""),
        name=product.name,
        building=building,
        storey=storey,
        space=space,
        xyz=xyz,
        wgs84=_wgs84(twin, xyz, notes),
        bbox=bbox,
        suspects=tuple(suspects),
        isolation=points,
        affected_spaces=spaces,
        assumptions=tuple(dict.fromkeys(notes)),
        networks=tuple(found),
        chosen_by=rule,
    )


UNKNOWN_TEXT = "the model declares no distribution ports; the network is unknown"


def _input_group(
    twin: Twin, nets: Networks, g: nx.DiGraph, guid: str, hint: MediumHint | None = None
) -> tuple[str, ...]:
    """The network nodes an input stands for: a room its terminals (else every element of it in
    the network), those of the record's medium where it names one; an element or sensor itself."""
    if guid not in twin.spaces:
        return (guid,)
    inside = [e.guid for e in twin.elements.values() if e.space == guid and e.guid in g]
    if hint is not None:
        narrowed = [n for n in inside if set(nets.media_of(n)) & hint.media]
        inside = narrowed or inside
    terminals = tuple(n for n in inside if nets.kinds.get(n) == "terminal")
    found = terminals or tuple(inside)
    if not found:
        raise NetworkUnknown(f"room {guid!r} has no distribution element", guid=guid)
    return found


def common_cause(
    twin: Twin,
    nets: Networks,
    inputs: Sequence[tuple[str, MediumHint | None]],
    *,
    system: str | None = None,
    limit: int = 10,
) -> list[Suspect]:
    """Nearest shared upstream elements of elements, sensors and rooms of one twin.

    Each input is a GlobalId with the medium its record names (or ``None``): a room stands for
    its terminals (whatever feeds any of them feeds the room), narrowed to that medium
    (``twin.media``), so two oxygen tickets in two rooms meet on the oxygen network. Where
    several inputs name one room, the first one's medium decides. Resolving alarm and ticket
    ids to these inputs reads the live store: :func:`twin.service.faults.common_cause_for`.
    """
    if not inputs:
        raise InvalidInput("give at least one guid, alarm or ticket")
    require_known(nets)
    view = nets.view(system)
    hints = dict(reversed(inputs))  # the first record naming a room decides its medium
    targets = dict.fromkeys(t for t, _h in inputs)
    groups = {t: _input_group(twin, nets, view, t, hints[t]) for t in targets}
    return common_cause_groups(nets, groups, system=system, limit=limit)
