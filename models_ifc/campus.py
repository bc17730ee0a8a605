"""The demo campus: three buildings in three IFC files, a bridge, tunnels and a central plant.

``write_campus(out_dir)`` writes ``tower.ifc`` (a ward tower with the ICU on level 2),
``outpatient.ifc`` (an outpatient block of consulting rooms), ``energy.ifc`` (the energy centre:
boilers, chillers, medical oxygen tanks and manifold, transformer and switchgear),
``footpaths.geojson`` (OSM-tagged LineStrings in WGS84) and ``campus.json`` (the models, the
bridge and tunnel connections, the cross-model network joints), plus ``<key>.truth.json`` per
model. Each building has its own IfcMapConversion (same CRS as the demo hospital, EPSG:25833;
own eastings, northings and rotation). Everything is laid out in one *campus frame* (metres,
the demo hospital's map conversion) and each building's local frame is a rigid motion of it, so
points that meet (bridge ends, tunnel ends, the ports where central-plant pipes cross into a
building) are computed once and written into both files. See docs/campus.md.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pyproj import Transformer

from models_ifc.hospital import KIND_OF_CLASS, write_project
from models_ifc.hospital_arch import write_storey_architecture, write_vertical
from models_ifc.hospital_geo import CRS, georef_params
from models_ifc.hospital_ifc import IfcWriter, Vec
from models_ifc.hospital_layout import CORRIDOR_W, ROOM_D, ROOM_W, Room, plan_storey
from models_ifc.hospital_mep import (
    _ALL_ROOMS,
    _MEDICAL,
    SYSTEMS,
    SystemDef,
    SystemWriter,
    write_systems,
)
from models_ifc.hospital_sensors import write_sensors

__all__ = ["BUILDINGS", "CAMPUS_NAME", "write_campus"]

log = logging.getLogger(__name__)
Entity = Any
Pt = tuple[float, float]

CAMPUS_NAME = "Demo Campus"
_FLOOR_H = 4.0
_TUNNEL_W = 4.0

# -- the central-plant systems (campus order: index k fixes each system's main height) ---------
_CONSULT = frozenset({"consulting"})
HEATING = SystemDef(
    "ht", "Heating", "HEATING", None, "heating", "PIPE",
    ("IfcPipeSegment", "RIGIDSEGMENT"), "IfcPipeFitting", "JUNCTION",
    ("IfcValve", "ISOLATING"), ("IfcSpaceHeater", "RADIATOR", None),
    (("IfcBoiler", "WATER", "Boiler"), ("IfcPump", "CIRCULATOR", "Heating pump")),
    "plant", _ALL_ROOMS | _CONSULT, 0.03, 0.5,
)  # fmt: skip
CHILLED = SystemDef(
    "cc", "Chilled water", "CHILLEDWATER", None, "chilled_water", "PIPE",
    ("IfcPipeSegment", "RIGIDSEGMENT"), "IfcPipeFitting", "JUNCTION",
    ("IfcValve", "ISOLATING"), ("IfcCooledBeam", "ACTIVE", None),
    (("IfcChiller", "WATERCOOLED", "Chiller"), ("IfcPump", "CIRCULATOR", "Chilled water pump")),
    "plant", _MEDICAL | _CONSULT, 0.03, 2.9,
)  # fmt: skip
OXYGEN = replace(
    SYSTEMS[2],
    sources=(
        ("IfcTank", "PRESSUREVESSEL", "Liquid oxygen tank"),
        ("IfcTank", "PRESSUREVESSEL", "Oxygen manifold"),
    ),
    serves=_MEDICAL | _CONSULT,
)
POWER = replace(
    SYSTEMS[4],
    sources=(
        ("IfcTransformer", "VOLTAGE", "Transformer"),
        ("IfcElectricDistributionBoard", "SWITCHBOARD", "Main switchgear"),
    ),
    serves=_ALL_ROOMS | _CONSULT,
)
CENTRAL: tuple[SystemDef, ...] = (HEATING, CHILLED, OXYGEN, POWER)
LOCAL: tuple[SystemDef, ...] = (
    replace(SYSTEMS[0], serves=SYSTEMS[0].serves | _CONSULT),
    replace(SYSTEMS[3], serves=SYSTEMS[3].serves | _CONSULT),
)
MEDIUM = {"ht": "heating", "cc": "cooling", "o2": "gas", "el": "electricity"}

KIND_OF_CAMPUS_CLASS = {
    **KIND_OF_CLASS,
    "IfcSpaceHeater": "terminal",
    "IfcCooledBeam": "equipment",
    "IfcChiller": "equipment",
    "IfcTransformer": "equipment",
}


@dataclass(frozen=True)
class CampusBuilding:
    """One building of the campus: its programme size and its place in the campus frame."""

    key: str
    name: str
    storeys: int
    wings: int
    rooms_per_side: int
    origin: Pt  # campus-frame position of the local origin
    rotation_deg: float  # local x axis, anticlockwise from the campus x axis

    def to_campus(self, x: float, y: float) -> Pt:
        c, s = math.cos(math.radians(self.rotation_deg)), math.sin(math.radians(self.rotation_deg))
        return (self.origin[0] + c * x - s * y, self.origin[1] + s * x + c * y)

    def from_campus(self, x: float, y: float) -> Pt:
        c, s = math.cos(math.radians(self.rotation_deg)), math.sin(math.radians(self.rotation_deg))
        dx, dy = x - self.origin[0], y - self.origin[1]
        return (round(c * dx + s * dy, 6), round(-s * dx + c * dy, 6))

    @property
    def length(self) -> float:
        return self.wings * self.rooms_per_side * ROOM_W


_ENERGY_ROT = 20.0
_ENERGY_WEST_DOOR: Pt = (20.0, -30.0)  # campus frame: where the energy centre's west door is


def _energy_origin() -> Pt:
    c, s = math.cos(math.radians(_ENERGY_ROT)), math.sin(math.radians(_ENERGY_ROT))
    x, y = 0.0, CORRIDOR_W / 2
    return (_ENERGY_WEST_DOOR[0] - (c * x - s * y), _ENERGY_WEST_DOOR[1] - (s * x + c * y))


TOWER = CampusBuilding("tower", "Ward Tower", 5, 2, 6, (0.0, 0.0), 0.0)
OUTPATIENT = CampusBuilding("outpatient", "Outpatient Block", 2, 2, 6, (60.0, 0.0), 0.0)
ENERGY = CampusBuilding("energy", "Energy Centre", 1, 1, 4, _energy_origin(), _ENERGY_ROT)
BUILDINGS = (TOWER, OUTPATIENT, ENERGY)


# -- the map ------------------------------------------------------------------------------------
def _campus_georef() -> dict[str, Any]:
    return georef_params()


def _campus_to_map(x: float, y: float) -> Pt:
    p = _campus_georef()
    a, b = p["x_axis_abscissa"], p["x_axis_ordinate"]
    return (p["eastings"] + a * x - b * y, p["northings"] + b * x + a * y)


def _map_params(cb: CampusBuilding) -> dict[str, Any]:
    """The building's IfcMapConversion: its origin on the map, its axis rotated by campus +
    building rotation."""
    base = _campus_georef()
    e, n = _campus_to_map(*cb.origin)
    angle = math.atan2(base["x_axis_ordinate"], base["x_axis_abscissa"]) + math.radians(
        cb.rotation_deg
    )
    return {
        "crs": CRS,
        "eastings": round(e, 3),
        "northings": round(n, 3),
        "orthogonal_height": base["orthogonal_height"],
        "x_axis_abscissa": round(math.cos(angle), 9),
        "x_axis_ordinate": round(math.sin(angle), 9),
        "scale": 1.0,
    }


def local_to_map(params: dict[str, Any], x: float, y: float, z: float) -> list[float]:
    """Map coordinates [E, N, H] of a local point under a map conversion (rounded to 0.1 mm)."""
    a, b, s = params["x_axis_abscissa"], params["x_axis_ordinate"], params["scale"]
    return [
        round(params["eastings"] + s * (a * x - b * y), 4),
        round(params["northings"] + s * (b * x + a * y), 4),
        round(params["orthogonal_height"] + z, 4),
    ]


def _to_wgs84() -> Transformer:
    return Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


# -- the building writer ------------------------------------------------------------------------
def _project(w: IfcWriter, cb: CampusBuilding) -> tuple[Entity, dict[str, Any]]:
    _, _, building, params = write_project(
        w, project=f"{CAMPUS_NAME}: {cb.name}", site=CAMPUS_NAME, building=cb.name,
        georef=_map_params(cb),
    )  # fmt: skip
    return building, params


def _storeys(w: IfcWriter, building: Entity, n: int) -> list[tuple[Entity, Entity]]:
    out = []
    for level in range(n):
        elevation = level * _FLOOR_H
        splace = w.placement(building.ObjectPlacement, (0.0, 0.0, elevation))
        storey = w.f.create_entity(
            "IfcBuildingStorey",
            GlobalId=w.guid(f"storey/{level}"),
            Name="Ground floor" if level == 0 else f"Level {level}",
            ObjectPlacement=splace,
            CompositionType="ELEMENT",
            Elevation=elevation,
        )
        out.append((storey, splace))
    w.rel(
        "IfcRelAggregates",
        "building/storeys",
        RelatingObject=building,
        RelatedObjects=[s for s, _ in out],
    )
    return out


def _extra_room(key: str, number: str, long_name: str, level: int, outline: list[Pt]) -> Room:
    xs, ys = [p[0] for p in outline], [p[1] for p in outline]
    return Room(
        key=key,
        number=number,
        long_name=long_name,
        category="corridor",
        criticality="normal",
        level=level,
        wing=-1,
        side="X",
        slot=-1,
        x0=min(xs),
        y0=min(ys),
        x1=max(xs),
        y1=max(ys),
        outline=tuple(outline),
    )


def _tower_programme(rooms: list[Room]) -> list[Room]:
    """A ward tower: the ward plan without its operating suite (theatres become ward rooms), so
    the ICU on level 2 holds the most critical rooms of the campus."""
    for r in rooms:
        if r.category == "operating":
            r.long_name, r.category, r.criticality = "Ward room", "ward", "normal"
    return rooms


def _outpatient_programme(rooms: list[Room]) -> list[Room]:
    """Turn the ward programme into consulting rooms (circulation and plant stay)."""
    count = 0
    for r in rooms:
        if r.category in {"corridor", "stair", "lift", "plant"}:
            if r.criticality == "icu":  # the ward plan's ICU corridor
                r.long_name, r.criticality = f"Corridor {r.number.split('.')[1]}", "normal"
            continue
        count += 1
        if r.level == 0 and r.side == "N" and r.slot == 1 and r.wing == 0:
            r.long_name, r.category = "Reception", "office"
        elif count % 5 == 0:
            r.long_name, r.category = "Treatment room", "treatment"
        elif count % 7 == 0:
            r.long_name, r.category = "Store", "store"
        else:
            r.long_name, r.category = f"Consulting room {r.number}", "consulting"
        r.criticality = "normal"
    return rooms


def _energy_programme() -> list[Room]:
    rooms = plan_storey(3, 1, ENERGY.rooms_per_side, 0)
    names = {
        "S0": ("Boiler house", "plant", "plant"),
        "S1": ("Chiller plant", "plant", "plant"),
        "S2": ("Switchgear room", "plant", "plant"),
        "S3": ("Workshop", "store", "normal"),
        "N0": ("Oxygen store", "medical_gas", "medical_gas"),
        "N1": ("Pump room", "plant", "plant"),
        "N2": ("Control room", "office", "normal"),
        "N3": ("Store", "store", "normal"),
    }
    for r in rooms:
        if r.side == "C":
            r.long_name = "Plant corridor"
            continue
        r.long_name, r.category, r.criticality = names[f"{r.side}{r.slot}"]
    return rooms


_SOURCE_ROOM = {"ht": "S0", "cc": "S1", "o2": "N0", "el": "S2"}


def _boundary(cb: CampusBuilding, k: int) -> Vec:
    """Where central system ``k`` crosses into ``cb`` (tower or outpatient): in the south facade
    of its plant room, at the system's main height. Local coordinates of ``cb``."""
    return (5.4 + 0.3 * k, -ROOM_D, round(3.15 + 0.14 * k, 6))


def _tunnel_outline(a: Pt, b: Pt) -> list[Pt]:
    """A rectangle of width _TUNNEL_W from campus point ``a`` to ``b`` (anticlockwise)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy)
    nx, ny = -dy / length * _TUNNEL_W / 2, dx / length * _TUNNEL_W / 2
    return [
        (a[0] - nx, a[1] - ny),
        (b[0] - nx, b[1] - ny),
        (b[0] + nx, b[1] + ny),
        (a[0] + nx, a[1] + ny),
    ]


@dataclass
class _Written:
    key: str
    params: dict[str, Any]
    storeys: list[tuple[Entity, Entity]]
    rooms: list[list[Room]]
    extra: dict[str, Room]
    doors: dict[str, str]
    truth: dict[str, Any]
    joints: dict[str, dict[str, str]]  # system key -> {"element", "port"} at the boundary
    writer: IfcWriter  # keeps the file alive: its entities are only valid while it is


def _door_in(
    arch: Any, wall_key: str, key: str, at: Pt, rot: float, a: Room, b: Room | None
) -> str:
    wall = arch.by_key[wall_key]
    door = arch.door(key, wall, (at[0], at[1], 0.0), rot, a, b)
    return str(door.GlobalId)


def _write_clinical(cb: CampusBuilding, out: Path) -> _Written:
    """The tower or the outpatient block: the hospital programme, central systems fed in."""
    w = IfcWriter(f"{CAMPUS_NAME}/{cb.key}")
    building, params = _project(w, cb)
    storeys = _storeys(w, building, cb.storeys)
    rooms_by_level: list[list[Room]] = []
    extra: dict[str, Room] = {}
    doors: dict[str, str] = {}
    truth: dict[str, Any] = {"doors": {}, "entrances": [], "walls_between": []}
    for level, (storey, splace) in enumerate(storeys):
        rooms = plan_storey(max(cb.storeys, 3), cb.wings, cb.rooms_per_side, level)
        rooms = _outpatient_programme(rooms) if cb is OUTPATIENT else _tower_programme(rooms)
        end_doors: dict[str, Room | None] | None = None
        if cb is TOWER and level == 1:
            bridge = _extra_room(
                "L1/bridge", "1.BR", "Bridge to Outpatient Block", 1,
                [(cb.length, 0.0), (OUTPATIENT.origin[0] - cb.origin[0], 0.0),
                 (OUTPATIENT.origin[0] - cb.origin[0], CORRIDOR_W), (cb.length, CORRIDOR_W)],
            )  # fmt: skip
            rooms.append(bridge)
            extra["bridge"] = bridge
            end_doors = {"E": bridge}
        if cb is OUTPATIENT and level == 1:
            end_doors = {"W": None}
        arch = write_storey_architecture(
            w, storey, splace, rooms, cb.rooms_per_side, _FLOOR_H, end_doors
        )
        if cb is TOWER and level == 1:
            doors["bridge"] = next(
                g for g, pair in arch.doors.items() if extra["bridge"].entity.GlobalId in pair
            )
        if cb is OUTPATIENT and level == 1:
            doors["bridge"] = arch.entrances[-1]
        if level == 0:
            plant = next(r for r in rooms if r.category == "plant")
            doors["tunnel"] = _door_in(
                arch, "L0/W0/FS", "L0/W0/tunnel", (plant.centre[0], -ROOM_D), 0.0, plant, None
            )
            extra["plant"] = plant
        truth["doors"].update(arch.doors)
        truth["entrances"] += arch.entrances
        truth["walls_between"] += arch.walls_between
        w.rel(
            "IfcRelAggregates",
            f"storey/{level}/spaces",
            RelatingObject=storey,
            RelatedObjects=[r.entity for r in rooms],
        )
        rooms_by_level.append(rooms)
    stairs, lifts = write_vertical(w, storeys, rooms_by_level, _FLOOR_H)
    incoming = {sd.key: (_boundary(cb, k), extra["plant"]) for k, sd in enumerate(CENTRAL)}
    systems, isolation, handles = write_systems(
        w, building, storeys, rooms_by_level, _FLOOR_H, CENTRAL + LOCAL, incoming
    )
    sensors = write_sensors(w, storeys, rooms_by_level, handles)
    joints = {}
    for sd in CENTRAL:
        inc = handles[sd.key]["source0"]
        port = next(p for p in _ports(w, inc) if p.Name == "In")
        joints[sd.key] = {"element": inc.GlobalId, "port": port.GlobalId}
    w.flush()
    w.f.write(str(out / f"{cb.key}.ifc"))
    truth.update(stairs=stairs, lifts=lifts, systems=systems, isolation=isolation, sensors=sensors)
    return _Written(
        cb.key, params, storeys, rooms_by_level, extra, doors, truth | _counts(w), joints, w
    )


def _ports(w: IfcWriter, ent: Entity) -> list[Entity]:
    return [p for rel in ent.IsNestedBy for p in rel.RelatedObjects]


def _counts(w: IfcWriter) -> dict[str, Any]:
    classes: dict[str, int] = {}
    for p in w.products:
        classes[p.is_a()] = classes.get(p.is_a(), 0) + 1
    kinds: dict[str, int] = {}
    for cls, n in classes.items():
        kind = KIND_OF_CAMPUS_CLASS.get(cls)
        if kind:
            kinds[kind] = kinds.get(kind, 0) + n
    return {"classes": dict(sorted(classes.items())), "kinds": dict(sorted(kinds.items()))}


def _write_energy(out: Path, targets: dict[str, tuple[CampusBuilding, Room]]) -> _Written:
    """The energy centre: one storey of plant rooms, two tunnels, the central plant."""
    cb = ENERGY
    w = IfcWriter(f"{CAMPUS_NAME}/{cb.key}")
    building, params = _project(w, cb)
    storeys = _storeys(w, building, 1)
    storey, splace = storeys[0]
    rooms = _energy_programme()
    extra: dict[str, Room] = {}
    end_doors: dict[str, Room | None] = {}
    for end, (target, plant) in zip(("W", "E"), targets.items(), strict=True):
        tb, troom = plant
        a = cb.to_campus(0.0 if end == "W" else cb.length, CORRIDOR_W / 2)
        b = tb.to_campus(troom.centre[0], -ROOM_D)
        outline = [cb.from_campus(*p) for p in _tunnel_outline(a, b)]
        room = _extra_room(
            f"L0/tunnel/{target}",
            f"0.T{len(extra) + 1}",
            f"Service tunnel to {tb.name}",
            0,
            outline,
        )
        extra[target] = room
        end_doors[end] = room
        rooms.append(room)
    arch = write_storey_architecture(
        w, storey, splace, rooms, cb.rooms_per_side, _FLOOR_H, end_doors
    )
    doors = {
        t: next(g for g, pair in arch.doors.items() if r.entity.GlobalId in pair)
        for t, r in extra.items()
    }
    workshop = next(r for r in rooms if r.long_name == "Workshop")
    doors["entrance"] = _door_in(
        arch, "L0/W0/FS", "L0/W0/entrance", (workshop.centre[0], -ROOM_D), 0.0, workshop, None
    )
    w.rel(
        "IfcRelAggregates",
        "storey/0/spaces",
        RelatingObject=storey,
        RelatedObjects=[r.entity for r in rooms],
    )
    corridor = next(r for r in rooms if r.side == "C")
    by_slot = {f"{r.side}{r.slot}": r for r in rooms if r.side in ("S", "N")}
    systems: dict[str, Any] = {}
    joints: dict[str, dict[str, str]] = {}
    valves: dict[str, str] = {}
    for k, sd in enumerate(CENTRAL):
        sw = SystemWriter(w, sd, k, building)
        room = by_slot[_SOURCE_ROOM[sd.key]]
        upstream: Entity | None = None
        source: Entity | None = None
        for j, (cls, ptype, name) in enumerate(sd.sources):
            ports = (("Out", "SOURCE"),) if j == 0 else (("In", "SINK"), ("Out", "SOURCE"))
            place, shape = sw.box(splace, (room.x0 + 1.0 + 1.5 * j, room.centre[1], 0.0), 0.8)
            ent, p = sw.element(cls, f"source{j}", name, place, shape, room.entity, ptype, ports)
            if upstream is not None:
                w.connect(f"{sd.key}/source{j}", upstream, p["In"])
            source = source or ent
            upstream = p["Out"]
        cx, cy = room.centre[0] + 0.3 * k - 0.45, room.centre[1]
        axis: Vec = (0.0, 1.0, 0.0) if cy < 0 else (0.0, -1.0, 0.0)
        _h, hp = sw.segment("header", splace, (cx, cy, sw.z), abs(cy - 1.2), axis, room.entity)
        w.connect(f"{sd.key}/header", upstream, hp["In"])
        place, shape = sw.box(splace, (cx, 1.2, sw.z), 0.25)
        valve, vp = sw.element(
            sd.valve[0],
            "main/valve",
            f"Campus main isolation {sd.name}",
            place,
            shape,
            corridor.entity,
            sd.valve[1],
            (("In", "SINK"), ("Out", "SOURCE")),
        )
        w.connect(f"{sd.key}/main/valve", hp["Out"], vp["In"])
        valves[sd.key] = valve.GlobalId
        place, shape = sw.box(splace, (cx + 0.3, 1.2, sw.z), 0.15)
        _tee, tp = sw.element(
            sd.fitting,
            "main/tee",
            "Campus header tee",
            place,
            shape,
            corridor.entity,
            sd.tee,
            (("In", "SINK"), ("West", "SOURCE"), ("East", "SOURCE")),
        )
        w.connect(f"{sd.key}/main/tee", vp["Out"], tp["In"])
        for end, (target, (tb, _troom)) in zip(("West", "East"), targets.items(), strict=True):
            vx = 0.6 + 0.3 * k if end == "West" else cb.length - 0.6 - 0.3 * k
            run_axis: Vec = (-1.0, 0.0, 0.0) if end == "West" else (1.0, 0.0, 0.0)
            _r, rp = sw.segment(
                f"{target}/run",
                splace,
                (cx + 0.3, 1.2, sw.z),
                abs(vx - cx - 0.3),
                run_axis,
                corridor.entity,
            )
            w.connect(f"{sd.key}/{target}/run", tp[end], rp["In"])
            place, shape = sw.box(splace, (vx, 1.2, sw.z), 0.2)
            bv, bvp = sw.element(
                sd.valve[0],
                f"{target}/valve",
                f"Isolation {sd.name} to {tb.name}",
                place,
                shape,
                corridor.entity,
                sd.valve[1],
                (("In", "SINK"), ("Out", "SOURCE")),
            )
            w.connect(f"{sd.key}/{target}/valve", rp["Out"], bvp["In"])
            valves[f"{sd.key}/{target}"] = bv.GlobalId
            bx, by, bz = _boundary(tb, k)
            ex, ey = cb.from_campus(*tb.to_campus(bx, by))
            start = (vx, 1.2, sw.z)
            length = math.hypot(ex - vx, ey - 1.2)
            direction = (round((ex - vx) / length, 9), round((ey - 1.2) / length, 9), 0.0)
            seg, sp = sw.segment(
                f"{target}/tunnel", splace, start, round(length, 6), direction, extra[target].entity
            )
            seg.Name = f"{sd.name} main to {tb.name}"
            sp["Out"].ObjectPlacement = w.placement(splace, (ex, ey, bz))
            w.connect(f"{sd.key}/{target}/tunnel", bvp["Out"], sp["In"])
            joints[f"{sd.key}/{target}"] = {"element": seg.GlobalId, "port": sp["Out"].GlobalId}
        assert source is not None
        systems[sw.system.GlobalId] = {
            "name": sd.name,
            "predefined_type": sd.predefined_type,
            "flow": sd.flow,
            "source": source.GlobalId,
            "members": len(sw.members),
        }
    w.flush()
    w.f.write(str(out / f"{cb.key}.ifc"))
    truth = {"systems": systems, "valves": valves, "doors": arch.doors, "entrances": arch.entrances}
    return _Written(cb.key, params, storeys, [rooms], extra, doors, truth | _counts(w), joints, w)


# -- footpaths ----------------------------------------------------------------------------------
def _footpaths() -> list[tuple[dict[str, str], list[Pt]]]:
    """Campus-frame paths between the entrances, with OSM tags."""
    ground_y = CORRIDOR_W / 2
    t_w, t_e = TOWER.to_campus(0.0, ground_y), TOWER.to_campus(TOWER.length, ground_y)
    o_w, o_e = (
        OUTPATIENT.to_campus(0.0, ground_y),
        OUTPATIENT.to_campus(OUTPATIENT.length, ground_y),
    )
    workshop_x = 3.5 * ROOM_W  # centre of the south room S3 (the workshop's outdoor door)
    e_door = ENERGY.to_campus(workshop_x, -ROOM_D)
    road_y = -48.0
    mid_x = (t_e[0] + o_w[0]) / 2
    return [
        (
            {"highway": "footway", "covered": "yes", "wheelchair": "yes", "name": "Canopy walk"},
            [t_e, (mid_x, ground_y), o_w],
        ),
        (
            {
                "highway": "footway",
                "covered": "no",
                "wheelchair": "yes",
                "name": "Tower west approach",
            },
            [t_w, (-10.0, ground_y), (-10.0, road_y)],
        ),
        (
            {"highway": "service", "covered": "no", "wheelchair": "yes", "name": "Service road"},
            [(-10.0, road_y), (e_door[0], road_y), (o_e[0] + 8.0, road_y)],
        ),
        (
            {
                "highway": "footway",
                "covered": "no",
                "wheelchair": "yes",
                "name": "Energy centre path",
            },
            [e_door, (e_door[0], road_y)],
        ),
        (
            {"highway": "steps", "covered": "no", "wheelchair": "no", "name": "Garden steps"},
            [(mid_x, ground_y), (mid_x, road_y)],
        ),
        (
            {
                "highway": "footway",
                "covered": "no",
                "wheelchair": "yes",
                "name": "Outpatient east path",
            },
            [o_e, (o_e[0] + 8.0, ground_y), (o_e[0] + 8.0, road_y)],
        ),
    ]


def _geojson() -> dict[str, Any]:
    tf = _to_wgs84()
    features = []
    for tags, pts in _footpaths():
        coords = []
        for x, y in pts:
            lon, lat = tf.transform(*_campus_to_map(x, y))
            coords.append([round(lon, 8), round(lat, 8)])
        features.append(
            {
                "type": "Feature",
                "properties": tags,
                "geometry": {"type": "LineString", "coordinates": coords},
            }
        )
    return {"type": "FeatureCollection", "name": f"{CAMPUS_NAME} footpaths", "features": features}


# -- the campus file ----------------------------------------------------------------------------
def _end(m: _Written, storey: int, space: Room | None, local: Vec) -> dict[str, Any]:
    return {
        "model": m.key,
        "storey": m.storeys[storey][0].Name,
        "space": space.entity.GlobalId if space is not None else None,
        "point": local_to_map(m.params, *local),
    }


def _connection(cid: str, kind: str, a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    pa, pb = a["point"], b["point"]
    length = math.dist(pa, pb)
    return {
        "id": cid,
        "kind": kind,
        "a": a,
        "b": b,
        "length_m": round(length, 3),
        "covered": True,
        "wheelchair": True,
        "steps": False,
    }


def write_campus(out: Path, progress: Callable[[str, float], None] | None = None) -> Path:
    """Write the three models, the footpaths and campus.json into ``out``; returns campus.json."""
    t0 = time.perf_counter()
    tell = progress or (lambda phase, done: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tell("tower", 0.0)
    tower = _write_clinical(TOWER, out)
    tell("outpatient", 0.5)
    outpatient = _write_clinical(OUTPATIENT, out)
    tell("energy", 0.7)
    energy = _write_energy(
        out,
        {
            "tower": (TOWER, tower.extra["plant"]),
            "outpatient": (OUTPATIENT, outpatient.extra["plant"]),
        },
    )
    (out / "footpaths.geojson").write_text(json.dumps(_geojson(), indent=1))
    op_corridor = next(r for r in outpatient.rooms[1] if r.side == "C" and r.wing == 0)
    connections = [
        _connection(
            "bridge-1",
            "bridge",
            _end(tower, 1, tower.extra["bridge"], (TOWER.length, CORRIDOR_W / 2, _FLOOR_H)),
            _end(outpatient, 1, op_corridor, (0.0, CORRIDOR_W / 2, _FLOOR_H)),
        ),
    ]
    for i, (target, written) in enumerate((("tower", tower), ("outpatient", outpatient)), start=1):
        plant = written.extra["plant"]
        connections.append(
            _connection(
                f"tunnel-{i}", "tunnel",
                _end(energy, 0, energy.extra[target],
                     (0.0 if target == "tower" else ENERGY.length, CORRIDOR_W / 2, 0.0)),
                _end(written, 0, plant, (plant.centre[0], -ROOM_D, 0.0)),
            )
        )  # fmt: skip
    joints = []
    for sd in CENTRAL:
        for target, written in (("tower", tower), ("outpatient", outpatient)):
            a = energy.joints[f"{sd.key}/{target}"]
            b = written.joints[sd.key]
            joints.append(
                {
                    "a": {"model": "energy", **a},
                    "b": {"model": target, **b},
                    "system": sd.name,
                    "medium": MEDIUM[sd.key],
                }
            )
    campus = {
        "name": CAMPUS_NAME,
        "crs": CRS,
        "models": [{"file": f"{m.key}.ifc", "key": m.key} for m in (tower, outpatient, energy)],
        "footpaths": "footpaths.geojson",
        "connections": connections,
        "network_joints": joints,
    }
    for m in (tower, outpatient, energy):
        m.truth["map_conversion"] = m.params
        m.truth["building"] = next(iter(m.storeys))[0].Decomposes[0].RelatingObject.GlobalId
        m.truth["storeys"] = [
            {"guid": s.GlobalId, "name": s.Name, "elevation": s.Elevation} for s, _ in m.storeys
        ]
        m.truth["spaces"] = {
            r.entity.GlobalId: {
                "number": r.number,
                "long_name": r.long_name,
                "category": r.category,
                "criticality": r.criticality,
                "storey": m.storeys[r.level][0].GlobalId,
            }
            for rooms in m.rooms
            for r in rooms
        }
        m.truth["doors_named"] = m.doors
        (out / f"{m.key}.truth.json").write_text(json.dumps(m.truth, indent=1))
    path = out / "campus.json"
    path.write_text(json.dumps(campus, indent=1))
    log.info("wrote campus %s in %.1f s", out, time.perf_counter() - t0)
    tell("done", 1.0)
    return path
