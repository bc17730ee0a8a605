"""Networks across the buildings of a served campus: joints, trace, isolation and impact.

The site's models (:class:`twin.service.campus_routes.Site`, one twin per building) each keep
their own networks for in-building questions. For campus questions their twins are moved into
the first model's frame by their map conversions (:func:`twin.reframe.moved`), joined where
their open ends meet on the map or the campus file's ``network_joints`` table says so
(:mod:`twin.distribution.campus_joints`), and built as one network. That is done once per set
of served models and rebuilt when one of them is replaced (a revision).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from twin.distribution import Impact, Isolation, Networks, Trace, build_networks, impact, isolate
from twin.distribution import trace as trace_network
from twin.distribution.campus_joints import JOINT_PREFIX, Joint, find_joints, joined_twin
from twin.model import Twin
from twin.reframe import frame_shift, moved
from twin.service.campus import Campus
from twin.service.campus_routes import Site

__all__ = [
    "CampusImpact",
    "CampusNetworks",
    "build_campus_networks",
    "campus_impact",
    "campus_isolation",
    "campus_networks",
    "campus_trace",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CampusNetworks:
    """One network over every building of a campus, and the joints that made it one."""

    ids: tuple[str, ...]  # served model ids it was built from
    twin: Twin  # the joined twin (frame: the first model's); ``origin`` -> campus key
    nets: Networks
    joints: tuple[Joint, ...]
    notes: tuple[str, ...]
    seconds: float

    def building(self, guid: str) -> str | None:
        """The campus key of the model a product, port or system came from."""
        return self.twin.model_of(guid)

    def joint_edges(self) -> dict[str, tuple[str, str]]:
        """Joint id -> the (a element, b element) edge it added."""
        return {j.id: (j.a.element, j.b.element) for j in self.joints}


def build_campus_networks(
    twins: Mapping[str, Twin], table: Sequence[Mapping[str, object]] = (), ids: Sequence[str] = ()
) -> CampusNetworks:
    """Join ``twins`` (campus key -> twin, in their own frames) into one network."""
    t0 = time.perf_counter()
    joints, notes = find_joints(twins, table)
    items = list(twins.items())
    first = items[0][1]
    parts = []
    for key, twin in items:
        shift = frame_shift(twin.georef, first.georef)
        parts.append((key, moved(twin, shift) if shift is not None else twin))
    joined = joined_twin(parts, joints)
    synthetic = frozenset(g for g in joined.ports if g.startswith(JOINT_PREFIX))
    nets = build_networks(joined, synthetic_ports=synthetic)
    found = Counter(j.found for j in joints)
    notes = [
        f"{len(joints)} cross-model joint(s): "
        + ", ".join(f"{n} found by {how}" for how, n in sorted(found.items())),
        *notes,
    ]
    if len(twins) > 1 and not joints:
        notes.append("no two models meet: every building's network stands alone")
    took = time.perf_counter() - t0
    log.info(
        "campus networks: %d models, %d joints, %d elements in %.2f s",
        len(twins),
        len(joints),
        nets.graph.number_of_nodes(),
        took,
    )
    return CampusNetworks(tuple(ids), joined, nets, tuple(joints), tuple(notes), took)


_built: weakref.WeakKeyDictionary[Site, CampusNetworks] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def campus_networks(site: Site) -> CampusNetworks:
    """The site's campus network, built on first use and whenever a site model was replaced."""
    twins = {k: site.twin(k) for k in site.keys}
    ids = tuple(Campus.model_id(t) for t in twins.values())
    found = _built.get(site)
    if found is not None and found.ids == ids:
        return found
    with _lock:
        found = _built.get(site)
        if found is None or found.ids != ids:
            found = build_campus_networks(twins, site.file.network_joints, ids)
            _built[site] = found
    return found


@dataclass(frozen=True)
class CampusImpact:
    """An impact across buildings: the rooms per building and the joints the loss crossed."""

    impact: Impact
    buildings: Mapping[str, str]  # space guid -> campus key
    per_building: Mapping[str, int]  # campus key -> rooms affected
    joints_crossed: tuple[str, ...]
    assumptions: tuple[str, ...]


def campus_impact(cn: CampusNetworks, closed: Sequence[str]) -> CampusImpact:
    """What loses supply anywhere on the campus when ``closed`` valves close, critical first."""
    found = impact(cn.nets, cn.twin, closed)
    lost = set(found.elements)
    buildings = {s.guid: cn.building(s.guid) or "" for s in found.spaces}
    per = Counter(buildings.values())
    crossed = tuple(j.id for j in cn.joints if j.b.element in lost or j.a.element in lost)
    notes = (
        *found.assumptions,
        *cn.notes,
        "rooms of every building of the campus, critical first (ties by room label)",
    )
    return CampusImpact(found, buildings, dict(per), crossed, notes)


def campus_isolation(cn: CampusNetworks, guid: str, medium: str | None = None) -> Isolation:
    """The fewest closable devices anywhere on the campus that cut ``guid`` off."""
    return isolate(cn.nets, guid, twin=cn.twin, medium=medium)


def campus_trace(
    cn: CampusNetworks, guid: str, direction: Literal["upstream", "downstream"]
) -> Trace:
    """Walk the campus network from ``guid`` across building boundaries."""
    return trace_network(cn.nets, guid, direction=direction)
