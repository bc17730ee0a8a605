"""Architecture of one storey: spaces, walls, doors (with openings and boundaries), slabs, stairs.

Spaces abut exactly (no gap): walls are centred on the shared boundary lines, so any point of a
storey plan lies in exactly one space footprint, and each door sits on the boundary between the
two spaces it connects. Adjacent rooms without a door are recorded as ``walls_between``.
"""

from __future__ import annotations

import math
from typing import Any

from models_ifc.hospital_ifc import IfcWriter
from models_ifc.hospital_layout import CORRIDOR_W, ROOM_D, ROOM_W, SPACE_H, Room

__all__ = ["DOOR_H", "DOOR_W", "WALL_T", "write_storey_architecture", "write_vertical"]

WALL_T = 0.2
DOOR_W = 1.2
DOOR_H = 2.1
SLAB_T = 0.2

Entity = Any


def write_space(w: IfcWriter, storey: Entity, splace: Entity, room: Room) -> Entity:
    """An IfcSpace with an extruded polygon, psets and base quantities equal to its geometry."""
    pts = [(room.x0, room.y0), (room.x1, room.y0), (room.x1, room.y1), (room.x0, room.y1)]
    if room.outline is not None:
        pts = list(room.outline)
    sp = w.f.create_entity(
        "IfcSpace",
        GlobalId=w.guid(f"space/{room.key}"),
        Name=room.number,
        LongName=room.long_name,
        ObjectType=room.category,
        ObjectPlacement=w.placement(splace, (0.0, 0.0, 0.0)),
        Representation=w.shape([w.polygon_solid(pts, SPACE_H)]),
        CompositionType="ELEMENT",
        PredefinedType="INTERNAL",
    )
    room.entity = sp
    key = f"space/{room.key}"
    w.pset(key, [sp], "Pset_SpaceCommon", {"Reference": ("IfcIdentifier", room.number)})
    w.pset(
        key,
        [sp],
        "Pset_HospitalSpace",
        {"Criticality": ("IfcLabel", room.criticality), "Category": ("IfcLabel", room.category)},
    )
    quantities = [
        w.f.createIfcQuantityArea("NetFloorArea", None, None, room.area),
        w.f.createIfcQuantityLength("Height", None, None, SPACE_H),
    ]
    qto = w.f.create_entity(
        "IfcElementQuantity",
        GlobalId=w.guid(f"{key}/qto"),
        Name="Qto_SpaceBaseQuantities",
        Quantities=quantities,
    )
    w.rel(
        "IfcRelDefinesByProperties",
        f"{key}/defines/qto",
        RelatedObjects=[sp],
        RelatingPropertyDefinition=qto,
    )
    return sp


class StoreyArch:
    """Writes the walls and doors of one storey and records them for the truth."""

    def __init__(self, w: IfcWriter, storey: Entity, splace: Entity, wall_h: float) -> None:
        self.w, self.storey, self.splace, self.wall_h = w, storey, splace, wall_h
        self.walls: list[Entity] = []
        self.doors: dict[str, list[str | None]] = {}
        self.walls_between: list[list[str]] = []
        self.entrances: list[str] = []
        self.by_key: dict[str, Entity] = {}

    def wall(
        self, key: str, p: tuple[float, float], q: tuple[float, float], kind: str = "PARTITIONING"
    ) -> tuple[Entity, float]:
        length = math.hypot(q[0] - p[0], q[1] - p[1])
        rot = math.atan2(q[1] - p[1], q[0] - p[0])
        mid = ((p[0] + q[0]) / 2, (p[1] + q[1]) / 2, 0.0)
        wall = self.w.product(
            "IfcWall",
            f"wall/{key}",
            "Wall",
            self.w.placement(self.splace, mid, rot),
            self.w.mapped(("box", round(length, 6), WALL_T, self.wall_h)),
            self.storey,
            PredefinedType=kind,
        )
        self.walls.append(wall)
        self.by_key[key] = wall
        return wall, rot

    def between(
        self, key: str, p: tuple[float, float], q: tuple[float, float], a: Room, b: Room
    ) -> None:
        """A wall with no door between two adjacent rooms."""
        wall, _ = self.wall(key, p, q)
        self.walls_between.append([a.entity.GlobalId, b.entity.GlobalId, wall.GlobalId])

    def door_wall(
        self,
        key: str,
        p: tuple[float, float],
        q: tuple[float, float],
        a: Room,
        b: Room | None,
        kind: str = "PARTITIONING",
    ) -> Entity:
        """A wall with a door in its middle connecting ``a`` and ``b`` (``None``: outside)."""
        wall, rot = self.wall(key, p, q, kind)
        centre = ((p[0] + q[0]) / 2, (p[1] + q[1]) / 2, 0.0)
        return self.door(key, wall, centre, rot, a, b)

    def door(
        self,
        key: str,
        wall: Entity,
        centre: tuple[float, float, float],
        rot: float,
        a: Room,
        b: Room | None,
    ) -> Entity:
        """A door at ``centre`` in an opening of ``wall``, connecting ``a`` and ``b``."""
        w = self.w
        opening = w.f.create_entity(
            "IfcOpeningElement",
            GlobalId=w.guid(f"opening/{key}"),
            Name="Door opening",
            ObjectPlacement=w.placement(self.splace, centre, rot),
            Representation=w.mapped(("box", DOOR_W, WALL_T + 0.1, DOOR_H)),
            PredefinedType="OPENING",
        )
        w.rel(
            "IfcRelVoidsElement",
            f"voids/{key}",
            RelatingBuildingElement=wall,
            RelatedOpeningElement=opening,
        )
        door = w.product(
            "IfcDoor",
            f"door/{key}",
            f"Door {a.number}" if b is None else f"Door {a.number}/{b.number}",
            w.placement(self.splace, centre, rot),
            w.mapped(("box", DOOR_W, 0.06, DOOR_H)),
            self.storey,
            OverallHeight=DOOR_H,
            OverallWidth=DOOR_W,
            PredefinedType="DOOR",
        )
        w.rel(
            "IfcRelFillsElement",
            f"fills/{key}",
            RelatingOpeningElement=opening,
            RelatedBuildingElement=door,
        )
        for room in (a, b):
            if room is None:
                continue
            w.rel(
                "IfcRelSpaceBoundary",
                f"boundary/{key}/{room.key}",
                Name="1stLevel",
                RelatingSpace=room.entity,
                RelatedBuildingElement=door,
                PhysicalOrVirtualBoundary="PHYSICAL",
                InternalOrExternalBoundary="INTERNAL" if b is not None else "EXTERNAL",
            )
        self.doors[door.GlobalId] = [a.entity.GlobalId, b.entity.GlobalId if b else None]
        if b is None:
            self.entrances.append(door.GlobalId)
        return door


def write_storey_architecture(
    w: IfcWriter,
    storey: Entity,
    splace: Entity,
    rooms: list[Room],
    n: int,
    floor_h: float,
    end_doors: dict[str, Room | None] | None = None,
) -> StoreyArch:
    """Spaces, walls, doors and slabs of one storey. ``end_doors`` ("W"/"E" -> room or None for
    outside) puts doors in corridor end walls (the ground floor always has its two entrances)."""
    level = rooms[0].level
    by_key = {r.key: r for r in rooms}
    for room in rooms:
        write_space(w, storey, splace, room)
    arch = StoreyArch(w, storey, splace, floor_h - SLAB_T)
    wings = max(r.wing for r in rooms) + 1
    length = n * ROOM_W
    y_n, y_top = CORRIDOR_W, CORRIDOR_W + ROOM_D
    for wing in range(wings):
        x0 = wing * length
        cor = by_key[f"L{level}/W{wing}/C"]
        k = f"L{level}/W{wing}"
        for i in range(n):
            xa, xb = x0 + i * ROOM_W, x0 + (i + 1) * ROOM_W
            south, north = by_key[f"{k}/S{i}"], by_key[f"{k}/N{i}"]
            arch.door_wall(f"{k}/S{i}", (xa, 0.0), (xb, 0.0), south, cor)
            arch.door_wall(f"{k}/N{i}", (xa, y_n), (xb, y_n), north, cor)
            if i + 1 < n:
                arch.between(f"{k}/PS{i}", (xb, -ROOM_D), (xb, 0.0), south, by_key[f"{k}/S{i + 1}"])
                arch.between(f"{k}/PN{i}", (xb, y_n), (xb, y_top), north, by_key[f"{k}/N{i + 1}"])
        arch.wall(f"{k}/FS", (x0, -ROOM_D), (x0 + length, -ROOM_D), "SOLIDWALL")
        arch.wall(f"{k}/FN", (x0, y_top), (x0 + length, y_top), "SOLIDWALL")
        if wing > 0:
            prev = f"L{level}/W{wing - 1}"
            arch.between(
                f"{k}/JS", (x0, -ROOM_D), (x0, 0.0), by_key[f"{prev}/S{n - 1}"], by_key[f"{k}/S0"]
            )
            arch.between(
                f"{k}/JN", (x0, y_n), (x0, y_top), by_key[f"{prev}/N{n - 1}"], by_key[f"{k}/N0"]
            )
            arch.door_wall(f"{k}/JC", (x0, 0.0), (x0, y_n), by_key[f"{prev}/C"], cor)
        w.product(
            "IfcSlab",
            f"slab/{k}",
            f"Floor slab {cor.number}",
            w.placement(splace, (x0 + length / 2, CORRIDOR_W / 2, -SLAB_T)),
            w.mapped(("box", length, 2 * ROOM_D + CORRIDOR_W, SLAB_T)),
            storey,
            PredefinedType="FLOOR",
        )
    _end_walls(arch, by_key, level, wings, n, end_doors)
    return arch


def _end_walls(
    arch: StoreyArch,
    by_key: dict[str, Room],
    level: int,
    wings: int,
    n: int,
    end_doors: dict[str, Room | None] | None,
) -> None:
    """West and east end walls; on the ground floor each corridor end is an entrance."""
    y_n, y_top = CORRIDOR_W, CORRIDOR_W + ROOM_D
    for end, x, wing in (("W", 0.0, 0), ("E", wings * n * ROOM_W, wings - 1)):
        k = f"L{level}/W{wing}"
        arch.wall(f"{k}/{end}S", (x, -ROOM_D), (x, 0.0), "SOLIDWALL")
        arch.wall(f"{k}/{end}N", (x, y_n), (x, y_top), "SOLIDWALL")
        if end_doors is not None and end in end_doors:
            other = end_doors[end]
            arch.door_wall(f"{k}/{end}C", (x, 0.0), (x, y_n), by_key[f"{k}/C"], other, "SOLIDWALL")
        elif level == 0:
            arch.door_wall(f"{k}/{end}C", (x, 0.0), (x, y_n), by_key[f"{k}/C"], None, "SOLIDWALL")
        else:
            arch.wall(f"{k}/{end}C", (x, 0.0), (x, y_n), "SOLIDWALL")


def write_vertical(
    w: IfcWriter,
    storeys: list[tuple[Entity, Entity]],
    rooms_by_level: list[list[Room]],
    floor_h: float,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One IfcStair per storey gap in the stair core; one lift spanning all storeys.

    The lift (IfcTransportElement ELEVATOR) is contained in the ground storey and referenced
    (IfcRelReferencedInSpatialStructure) by every other storey it serves.
    """
    stairs: list[dict[str, Any]] = []
    for level in range(len(storeys) - 1):
        core = next(r for r in rooms_by_level[level] if r.category == "stair")
        cx, cy = core.centre
        storey, splace = storeys[level]
        stair = w.product(
            "IfcStair",
            f"stair/{core.key}",
            f"Stair {core.number}",
            w.placement(splace, (cx, cy, 0.0)),
            w.mapped(("box", 1.2, ROOM_D - 1.0, floor_h)),
            storey,
            PredefinedType="STRAIGHT_RUN_STAIR",
        )
        upper = storeys[level + 1][0]
        stairs.append({"guid": stair.GlobalId, "storeys": [storey.GlobalId, upper.GlobalId]})
    shaft = next(r for r in rooms_by_level[0] if r.category == "lift")
    cx, cy = shaft.centre
    storey, splace = storeys[0]
    lift = w.product(
        "IfcTransportElement",
        f"lift/{shaft.key}",
        "Lift A",
        w.placement(splace, (cx, cy, 0.0)),
        w.mapped(("box", 2.0, 2.0, len(storeys) * floor_h - 0.5)),
        storey,
        PredefinedType="ELEVATOR",
    )
    others = [s for s, _ in storeys[1:]]
    for other in others:
        w.rel(
            "IfcRelReferencedInSpatialStructure",
            f"lift/{shaft.key}/ref/{other.GlobalId}",
            RelatedElements=[lift],
            RelatingStructure=other,
        )
    lifts = [{"guid": lift.GlobalId, "storeys": [s.GlobalId for s, _ in storeys]}]
    return stairs, lifts
