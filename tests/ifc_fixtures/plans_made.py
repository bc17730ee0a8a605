"""Hand-made IFC4 floor plans for the navigation rules (written with ifcopenshell.api).

Every plan is one storey at elevation 0 with spaces 2.5 m high; lengths are metres (the files use
millimetres, ifcopenshell.api's default unit). Each writer returns the file path and a dict of
the GlobalIds a test needs, by name.

- ``write_header_join``: corridors C1 (x 0-10) and C2 (x 10-20) meet at x = 10 with nothing
  between them but a wall on the join line: a header 2.6-3.0 m above the floor, or (``full``)
  a full-height wall 0-3.0 m. C2 has no other way in.
- ``write_virtual_join``: rooms A (x 0-5) and B (x 5.2-10) on either side of a 0.2 m wall with an
  open doorway (an opening, no door) whose boundaries both rooms declare VIRTUAL: against an
  IfcVirtualElement (``virtual_element``) or against the wall's opening element, flagged VIRTUAL.
- ``write_restroom``: corridor K (y 0-2), office O (x 0-5) and restroom R (x 5.2-12) north of
  it, each with a door to K; an external entrance door at K's west end. Inside R, three
  toilet cubicles (partitions 0.15-2.0 m) along its north wall with doors in a front panel at
  y = 5.5; the first cubicle's door is 0.25 m from the O/R wall. No space boundaries.
- ``write_outdoor``: corridor K (x 0-30) with an external entrance at its west end; store S
  (x 0-4) north of K whose only door is external (in the north facade); room T (x 26-30) with a
  door to K and an external door in the north facade.
- ``write_courtyard``: rooms P (x 0-4) and Q (x 6-10) side by side north of a courtyard, each
  with a garden door in the north facade 6 m apart; indoors they are joined only the long way
  round: P -> passage V1 -> corridor K (y 0-2) -> passage V2 -> Q, about 30 m.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from models_ifc.networks_small import plant_file

__all__ = [
    "write_courtyard",
    "write_header_join",
    "write_outdoor",
    "write_restroom",
    "write_virtual_join",
]

ROOM_H = 2.5
WALL_H = 3.0


class _Plan:
    """One storey, with helpers that write boxes as spaces, walls and doors."""

    def __init__(self, name: str) -> None:
        import ifcopenshell.api.geometry

        self.f, self.body, self.storey = plant_file("IFC4", name)
        self.storey.Elevation = 0.0
        ifcopenshell.api.geometry.edit_object_placement(
            self.f, product=self.storey, matrix=np.eye(4), is_si=True
        )
        self.ids: dict[str, str] = {}

    def _box(self, el: Any, lo: tuple[float, ...], hi: tuple[float, ...]) -> Any:
        import ifcopenshell.api.geometry
        from ifcopenshell.util.shape_builder import ShapeBuilder

        m = np.eye(4)
        m[:3, 3] = lo
        ifcopenshell.api.geometry.edit_object_placement(self.f, product=el, matrix=m, is_si=True)
        sb = ShapeBuilder(self.f)
        size = ((hi[0] - lo[0]) * 1000.0, (hi[1] - lo[1]) * 1000.0)
        solid = sb.extrude(sb.profile(sb.rectangle(size=size)), magnitude=(hi[2] - lo[2]) * 1000.0)
        rep = sb.get_representation(self.body, [solid])
        ifcopenshell.api.geometry.assign_representation(self.f, product=el, representation=rep)
        return el

    def _entity(self, cls: str, name: str, contained: bool = True) -> Any:
        import ifcopenshell.api.root
        import ifcopenshell.api.spatial

        el = ifcopenshell.api.root.create_entity(self.f, ifc_class=cls, name=name)
        if contained:
            ifcopenshell.api.spatial.assign_container(
                self.f, products=[el], relating_structure=self.storey
            )
        self.ids[name] = el.GlobalId
        return el

    def _pset(self, el: Any, pset: str, props: dict[str, Any]) -> None:
        import ifcopenshell.api.pset

        p = ifcopenshell.api.pset.add_pset(self.f, product=el, name=pset)
        ifcopenshell.api.pset.edit_pset(self.f, pset=p, properties=props)

    def space(self, name: str, x0: float, y0: float, x1: float, y1: float) -> Any:
        import ifcopenshell.api.aggregate

        sp = self._entity("IfcSpace", name, contained=False)
        ifcopenshell.api.aggregate.assign_object(self.f, products=[sp], relating_object=self.storey)
        return self._box(sp, (x0, y0, 0.0), (x1, y1, ROOM_H))

    def wall(
        self,
        name: str,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        z0: float = 0.0,
        z1: float = WALL_H,
        external: bool = False,
    ) -> Any:
        w = self._box(self._entity("IfcWall", name), (x0, y0, z0), (x1, y1, z1))
        self._pset(w, "Pset_WallCommon", {"IsExternal": external})
        return w

    def opening(self, wall: Any, name: str, lo: tuple[float, ...], hi: tuple[float, ...]) -> Any:
        import ifcopenshell.api.feature

        op = self._box(self._entity("IfcOpeningElement", name, contained=False), lo, hi)
        ifcopenshell.api.feature.add_feature(self.f, feature=op, element=wall)
        return op

    def door(
        self,
        name: str,
        wall: Any,
        lo: tuple[float, float],
        hi: tuple[float, float],
        external: bool | None = None,
    ) -> Any:
        """A door box from ``lo`` to ``hi`` in plan (2.0 m high), filling an opening in ``wall``."""
        import ifcopenshell.api.feature

        op = self.opening(wall, f"{name} opening", (*lo, 0.0), (*hi, 2.0))
        d = self._box(self._entity("IfcDoor", name), (*lo, 0.0), (*hi, 2.0))
        ifcopenshell.api.feature.add_filling(self.f, opening=op, element=d)
        if external is not None:
            self._pset(d, "Pset_DoorCommon", {"IsExternal": external})
        return d

    def boundary(self, space: Any, element: Any, kind: str = "PHYSICAL") -> Any:
        import ifcopenshell.api.root

        rel = ifcopenshell.api.root.create_entity(self.f, ifc_class="IfcRelSpaceBoundary")
        rel.RelatingSpace = space
        rel.RelatedBuildingElement = element
        rel.PhysicalOrVirtualBoundary = kind
        rel.InternalOrExternalBoundary = "INTERNAL"
        return rel

    def save(self, path: Path) -> tuple[Path, dict[str, str]]:
        self.f.write(str(path))
        return path, self.ids


def write_header_join(path: Path, *, full: bool = False) -> tuple[Path, dict[str, str]]:
    p = _Plan("Header join")
    p.space("C1", 0.0, 0.0, 10.0, 2.0)
    p.space("C2", 10.0, 0.0, 20.0, 2.0)
    z0 = 0.0 if full else 2.6
    p.wall("Join wall", 9.95, 0.0, 10.05, 2.0, z0=z0, z1=WALL_H)
    for name, y0 in (("South wall", -0.2), ("North wall", 2.0)):
        p.wall(name, -0.2, y0, 20.2, y0 + 0.2, external=True)
    return p.save(path)


def write_virtual_join(path: Path, *, virtual_element: bool = True) -> tuple[Path, dict[str, str]]:
    p = _Plan("Virtual join")
    a = p.space("A", 0.0, 0.0, 5.0, 4.0)
    b = p.space("B", 5.2, 0.0, 10.0, 4.0)
    wall = p.wall("Partition", 5.0, 0.0, 5.2, 4.0)
    op = p.opening(wall, "Doorway", (5.0, 1.4, 0.0), (5.2, 2.6, 2.1))
    for sp in (a, b):
        p.boundary(sp, wall)
    if virtual_element:
        ve = p._entity("IfcVirtualElement", "Open join")
        for sp in (a, b):
            p.boundary(sp, ve, "PHYSICAL")  # an IfcVirtualElement is virtual whatever the flag
    else:
        for sp in (a, b):
            p.boundary(sp, op, "VIRTUAL")
    return p.save(path)


def write_restroom(path: Path) -> tuple[Path, dict[str, str]]:
    p = _Plan("Restroom")
    p.space("K", 0.0, 0.0, 12.0, 2.0)
    p.space("O", 0.0, 2.2, 5.0, 7.0)
    p.space("R", 5.2, 2.2, 12.0, 7.0)
    south = p.wall("K south", -0.2, -0.2, 12.2, 0.0, external=True)
    west = p.wall("K west", -0.2, 0.0, 0.0, 2.0, external=True)
    p.wall("K east", 12.0, 0.0, 12.2, 7.2, external=True)
    mid = p.wall("K/rooms", 0.0, 2.0, 12.0, 2.2)
    p.wall("O/R", 5.0, 2.2, 5.2, 7.0)
    p.wall("North", -0.2, 7.0, 12.2, 7.2, external=True)
    p.wall("O west", -0.2, 2.0, 0.0, 7.0, external=True)
    del south
    p.door("Entrance", west, (-0.2, 0.5), (0.0, 1.5), external=True)
    p.door("Door O", mid, (2.0, 2.0), (3.0, 2.2), external=False)
    p.door("Door R", mid, (9.0, 2.0), (10.0, 2.2), external=False)
    front = p.wall("Cubicle front", 5.2, 5.475, 8.2, 5.525, z0=0.15, z1=2.0)
    for i in range(3):
        x = 5.2 + i
        if i:
            p.wall(f"Cubicle partition {i}", x - 0.025, 5.5, x + 0.025, 7.0, z0=0.15, z1=2.0)
        lo = 5.25 if i == 0 else x + 0.2  # the first door hugs the O/R wall
        p.door(f"Cubicle door {i + 1}", front, (lo, 5.475), (lo + 0.6, 5.525))
    return p.save(path)


def write_outdoor(path: Path) -> tuple[Path, dict[str, str]]:
    p = _Plan("Outdoor")
    p.space("K", 0.0, 0.0, 30.0, 2.0)
    p.space("S", 0.0, 2.2, 4.0, 5.0)
    p.space("T", 26.0, 2.2, 30.0, 5.0)
    p.wall("K south", -0.2, -0.2, 30.2, 0.0, external=True)
    west = p.wall("K west", -0.2, 0.0, 0.0, 2.0, external=True)
    p.wall("K east", 30.0, 0.0, 30.2, 5.2, external=True)
    mid = p.wall("K/rooms", 0.0, 2.0, 30.0, 2.2)
    p.wall("S west", -0.2, 2.0, 0.0, 5.2, external=True)
    p.wall("S east", 4.0, 2.2, 4.2, 5.2, external=True)
    p.wall("T west", 25.8, 2.2, 26.0, 5.2, external=True)
    s_north = p.wall("S north", -0.2, 5.0, 4.2, 5.2, external=True)
    t_north = p.wall("T north", 25.8, 5.0, 30.2, 5.2, external=True)
    p.door("Entrance", west, (-0.2, 0.5), (0.0, 1.5), external=True)
    p.door("Store door", s_north, (1.5, 5.0), (2.5, 5.2), external=True)
    p.door("Door T", mid, (27.0, 2.0), (28.0, 2.2), external=False)
    p.door("T garden door", t_north, (27.5, 5.0), (28.5, 5.2), external=True)
    return p.save(path)


def write_courtyard(path: Path) -> tuple[Path, dict[str, str]]:
    p = _Plan("Courtyard")
    p.space("K", 0.0, 0.0, 10.0, 2.0)
    p.space("V1", 0.0, 2.2, 1.5, 9.8)
    p.space("V2", 8.5, 2.2, 10.0, 9.8)
    p.space("P", 0.0, 10.0, 4.0, 14.0)
    p.space("Q", 6.0, 10.0, 10.0, 14.0)
    p.wall("K south", -0.2, -0.2, 10.2, 0.0, external=True)
    p.wall("West", -0.2, 0.0, 0.0, 14.2, external=True)
    p.wall("East", 10.0, 0.0, 10.2, 14.2, external=True)
    k_north = p.wall("K north", 0.0, 2.0, 10.0, 2.2)
    p.wall("V1 east", 1.5, 2.2, 1.7, 9.8, external=True)
    p.wall("V2 west", 8.3, 2.2, 8.5, 9.8, external=True)
    p_south = p.wall("P south", 0.0, 9.8, 4.2, 10.0)
    q_south = p.wall("Q south", 5.8, 9.8, 10.0, 10.0)
    p.wall("P east", 4.0, 10.0, 4.2, 14.2, external=True)
    p.wall("Q west", 5.8, 10.0, 6.0, 14.2, external=True)
    p_north = p.wall("P north", -0.2, 14.0, 4.2, 14.2, external=True)
    q_north = p.wall("Q north", 5.8, 14.0, 10.2, 14.2, external=True)
    p.door("Door V1/K", k_north, (0.25, 2.0), (1.25, 2.2), external=False)
    p.door("Door V2/K", k_north, (8.75, 2.0), (9.75, 2.2), external=False)
    p.door("Door P/V1", p_south, (0.25, 9.8), (1.25, 10.0), external=False)
    p.door("Door Q/V2", q_south, (8.75, 9.8), (9.75, 10.0), external=False)
    p.door("P garden door", p_north, (2.5, 14.0), (3.5, 14.2), external=True)
    p.door("Q garden door", q_north, (6.5, 14.0), (7.5, 14.2), external=True)
    return p.save(path)
