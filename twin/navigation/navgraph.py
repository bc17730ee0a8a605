"""The navigation graph's types: nodes, edges, walking profiles and what-if restrictions.

Why a module of its own: the graph build (:mod:`twin.navigation.build`), the entrance linking
(:mod:`twin.navigation.outdoor`), the searches (:mod:`twin.navigation.paths`) and the routes all
work on these types; keeping them apart from the build lets each of those import them without
importing each other (no import circle).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from shapely.geometry import Polygon

from twin.errors import InvalidInput
from twin.model import Twin
from twin.navigation.walkways import Walkway

__all__ = [
    "OUTDOOR_FACTOR",
    "PROFILES",
    "STRETCH",
    "XY",
    "Edge",
    "EdgeKind",
    "NavGraph",
    "NavNode",
    "NodeKind",
    "Profile",
    "Restrictions",
    "profile",
]

XY = tuple[float, float]
NodeKind = Literal["space", "door", "opening", "stair", "lift", "waypoint"]
EdgeKind = Literal["walk", "stair", "lift", "outdoor"]

#: An outdoor leg counts this many times its walking time in the search: a route leaves the
#: building only where no indoor path exists or the indoor one is that much longer. The ETA a
#: route reports is the true walking time (see twin.navigation.routes).
OUTDOOR_FACTOR = 3.0
#: Spanner stretch: a walk through a corridor's kept edges is at most this much longer than the
#: straight-in-the-footprint walk (1 %); collinear doors along a wall are exact.
STRETCH = 0.01


@dataclass(frozen=True, slots=True)
class Profile:
    """How one kind of walker moves: speed (m/s), seconds per storey of stairs, lift timing."""

    name: str
    speed: float
    stair_s_per_storey: float | None  # None: may not use stairs
    lift_wait_s: float
    lift_s_per_storey: float


PROFILES: dict[str, Profile] = {
    "walking": Profile("walking", 1.3, 20.0, 30.0, 4.0),
    "cart": Profile("cart", 1.0, None, 45.0, 4.0),
    "wheelchair": Profile("wheelchair", 0.9, None, 45.0, 4.0),
    "emergency": Profile("emergency", 2.2, 10.0, 15.0, 3.0),
}


def profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise InvalidInput(f"unknown profile {name!r}; known: {sorted(PROFILES)}") from None


@dataclass(frozen=True, slots=True)
class Restrictions:
    """A what-if overlay: nothing here changes the graph, the search just avoids it."""

    closed_spaces: frozenset[str] = frozenset()
    locked_doors: frozenset[str] = frozenset()
    out_of_service: frozenset[str] = frozenset()  # lift or stair guids
    no_go_zones: frozenset[str] = frozenset()  # spaces (e.g. infection control) not to cross

    @classmethod
    def of(
        cls,
        closed_spaces: Iterable[str] = (),
        locked_doors: Iterable[str] = (),
        out_of_service: Iterable[str] = (),
        no_go_zones: Iterable[str] = (),
    ) -> Restrictions:
        return cls(
            frozenset(closed_spaces),
            frozenset(locked_doors),
            frozenset(out_of_service),
            frozenset(no_go_zones),
        )

    def __bool__(self) -> bool:
        return bool(
            self.closed_spaces or self.locked_doors or self.out_of_service or self.no_go_zones
        )


@dataclass(frozen=True, slots=True)
class NavNode:
    id: int
    kind: NodeKind
    guid: str  # space, door, stair or lift GlobalId
    storey: str | None
    xyz: tuple[float, float, float]
    entrance: bool = False


@dataclass(frozen=True, slots=True)
class Edge:
    """``kind``: ``walk`` (inside ``space``, along ``path``), ``stair`` or ``lift`` (vertical),
    ``outdoor`` (between two entrances, outside the building, along ``path``)."""

    a: int
    b: int
    kind: EdgeKind
    length_m: float
    space: str | None  # the space walked through (walk edges)
    element: str | None  # the stair or lift (vertical edges)
    storeys: int  # storeys climbed (vertical edges)
    path: tuple[XY, ...]  # polyline from a to b on the storey (walk edges)
    inferred: bool = False  # the space-door link came from geometry, not a space boundary


@dataclass
class NavGraph:
    """Nodes, edges and adjacency of one twin, with per-profile edge costs."""

    twin: Twin
    nodes: list[NavNode] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    adj: list[list[tuple[int, int]]] = field(default_factory=list)  # node -> [(nbr, edge)]
    index: dict[tuple[str, str | None], int] = field(default_factory=dict)  # (guid, storey)
    space_portals: dict[str, list[tuple[int, XY]]] = field(default_factory=dict)
    walkways: dict[str, Walkway] = field(default_factory=dict)
    costs: dict[str, list[float | None]] = field(default_factory=dict)  # profile -> per edge
    build_seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    stretch: float | None = STRETCH  # None: every room is a clique of its portals
    outdoor_ground: Polygon | None = None  # where outdoor edges walk (around the building)
    #: search structures derived on first use (twin.navigation.paths); never part of the graph
    cache: dict[object, object] = field(default_factory=dict, repr=False, compare=False)

    def node_of(self, guid: str, storey: str | None = None) -> int | None:
        return self.index.get((guid, storey))

    def add_node(
        self,
        kind: NodeKind,
        guid: str,
        storey: str | None,
        xyz: tuple[float, ...],
        entrance: bool = False,
    ) -> int:
        nid = len(self.nodes)
        x, y, z = (float(v) for v in xyz[:3])
        self.nodes.append(NavNode(nid, kind, guid, storey, (x, y, z), entrance))
        self.adj.append([])
        self.index[(guid, storey)] = nid
        return nid

    def add_edge(self, edge: Edge) -> None:
        eid = len(self.edges)
        self.edges.append(edge)
        self.adj[edge.a].append((edge.b, eid))
        self.adj[edge.b].append((edge.a, eid))

    def to_networkx(self, profile_name: str = "walking"):  # type: ignore[no-untyped-def]
        """The same graph as a networkx Graph (for comparison and ad-hoc analysis)."""
        import networkx as nx

        g = nx.Graph()
        costs = self.costs[profile_name]
        for n in self.nodes:
            g.add_node(n.id, kind=n.kind, guid=n.guid, storey=n.storey)
        for eid, e in enumerate(self.edges):
            c = costs[eid]
            if c is None:
                continue
            old = g.get_edge_data(e.a, e.b)
            if old is None or old["weight"] > c:
                g.add_edge(e.a, e.b, weight=c, eid=eid, space=e.space, inferred=e.inferred)
        return g
