"""Distribution systems of the demo hospital: sources, risers, storey branches and terminals.

Per system: a source (and pump) in a ground-floor plant room, a riser of segments with one tee per
storey (a bend at the top), and per storey an isolating device right after the tee's branch
port, then a main along the corridors with one tee per served room, each feeding a drop segment
and a terminal contained in the room. Every connection joins an upstream SOURCE port to a
downstream SINK port, so a BFS along SOURCE->SINK from a storey's valve reaches exactly that
storey's branch, which the truth records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from models_ifc.hospital_ifc import IfcWriter, Vec
from models_ifc.hospital_layout import CORRIDOR_W, ROOM_D, Room

__all__ = ["SYSTEMS", "SystemDef", "write_systems"]

Entity = Any
Ports = tuple[tuple[str, str], ...]
_WET = frozenset({"ward", "treatment", "isolation", "icu", "operating", "staff", "recovery"})
_MEDICAL = frozenset({"ward", "treatment", "isolation", "icu", "operating", "recovery"})
_ALL_ROOMS = frozenset(
    {"ward", "treatment", "isolation", "icu", "operating", "staff", "recovery", "office", "store"}
    | {"plant", "medical_gas", "cold_room", "pharmacy"}
)


@dataclass(frozen=True)
class SystemDef:
    """What one distribution system is made of; classes and enums are IFC4."""

    key: str
    name: str
    predefined_type: str
    object_type: str | None
    flow: str
    port_type: str
    segment: tuple[str, str]
    fitting: str
    tee: str
    valve: tuple[str, str]
    terminal: tuple[str, str, str | None]
    sources: tuple[tuple[str, str, str], ...]  # (class, predefined type, name), flow order
    source_room: str  # category of the ground-floor room holding the source
    serves: frozenset[str]
    radius: float
    terminal_z: float


SYSTEMS: tuple[SystemDef, ...] = (
    SystemDef(
        "cw", "Domestic cold water", "DOMESTICCOLDWATER", None, "cold_water", "PIPE",
        ("IfcPipeSegment", "RIGIDSEGMENT"), "IfcPipeFitting", "JUNCTION",
        ("IfcValve", "ISOLATING"), ("IfcSanitaryTerminal", "WASHHANDBASIN", None),
        (("IfcTank", "STORAGE", "Cold water tank"),
         ("IfcPump", "VERTICALINLINE", "Cold water booster pump")),
        "plant", _WET | {"plant"}, 0.03, 0.8,
    ),
    SystemDef(
        "hw", "Domestic hot water", "DOMESTICHOTWATER", None, "hot_water", "PIPE",
        ("IfcPipeSegment", "RIGIDSEGMENT"), "IfcPipeFitting", "JUNCTION",
        ("IfcValve", "ISOLATING"), ("IfcSanitaryTerminal", "WASHHANDBASIN", None),
        (("IfcBoiler", "WATER", "Hot water boiler"),
         ("IfcPump", "CIRCULATOR", "Hot water circulation pump")),
        "plant", _WET, 0.03, 0.9,
    ),
    SystemDef(
        "o2", "Medical oxygen", "USERDEFINED", "MEDICALOXYGEN", "oxygen", "PIPE",
        ("IfcPipeSegment", "RIGIDSEGMENT"), "IfcPipeFitting", "JUNCTION",
        ("IfcValve", "ISOLATING"), ("IfcOutlet", "USERDEFINED", "OxygenOutlet"),
        (("IfcTank", "PRESSUREVESSEL", "Oxygen manifold"),),
        "medical_gas", _MEDICAL, 0.02, 1.4,
    ),
    SystemDef(
        "sa", "Supply air", "VENTILATION", None, "supply_air", "DUCT",
        ("IfcDuctSegment", "RIGIDSEGMENT"), "IfcDuctFitting", "JUNCTION",
        ("IfcDamper", "CONTROLDAMPER"), ("IfcAirTerminal", "DIFFUSER", None),
        (("IfcUnitaryEquipment", "AIRHANDLER", "Air handling unit"),),
        "plant", _ALL_ROOMS, 0.06, 2.9,
    ),
    SystemDef(
        "el", "Electrical power", "ELECTRICAL", None, "power", "CABLE",
        ("IfcCableCarrierSegment", "CABLETRAYSEGMENT"), "IfcCableCarrierFitting", "TEE",
        ("IfcSwitchingDevice", "SWITCHDISCONNECTOR"), ("IfcOutlet", "POWEROUTLET", None),
        (("IfcElectricDistributionBoard", "SWITCHBOARD", "Main switchboard"),),
        "plant", _ALL_ROOMS, 0.04, 0.4,
    ),
)  # fmt: skip

_MAIN_Y = 1.2  # y of every storey main, inside the corridor
_UP: Vec = (0.0, 0.0, 1.0)


class SystemWriter:
    """Writes one system; keeps the element list for the truth."""

    def __init__(self, w: IfcWriter, sd: SystemDef, index: int, building: Entity) -> None:
        self.w, self.sd, self.k = w, sd, index
        self.z = 3.15 + 0.14 * index  # storey-local height of this system's mains
        self.riser_x = 1.0 + 0.4 * index
        self.system = w.f.create_entity(
            "IfcDistributionSystem",
            GlobalId=w.guid(f"system/{sd.key}"),
            Name=sd.name,
            ObjectType=sd.object_type,
            PredefinedType=sd.predefined_type,
        )
        w.rel(
            "IfcRelServicesBuildings",
            f"system/{sd.key}/services",
            RelatingSystem=self.system,
            RelatedBuildings=[building],
        )
        self.members: list[Entity] = []

    def element(
        self,
        cls: str,
        key: str,
        name: str,
        placement: Entity,
        shape: Entity,
        container: Entity,
        ptype: str,
        ports: tuple[tuple[str, str], ...],
        object_type: str | None = None,
    ) -> tuple[Entity, dict[str, Entity]]:
        """A distribution element with nested ports, assigned to the system."""
        w, sd = self.w, self.sd
        gkey = f"{sd.key}/{key}"
        ent = w.product(
            cls,
            gkey,
            name,
            placement,
            shape,
            container,
            PredefinedType=ptype,
            ObjectType=object_type,
        )
        made = {
            pname: w.port(gkey, pname, direction, sd.port_type, sd.predefined_type)
            for pname, direction in ports
        }
        w.nest_ports(gkey, ent, list(made.values()))
        w.assign(self.system, ent)
        self.members.append(ent)
        return ent, made

    def segment(
        self, key: str, splace: Entity, start: Vec, length: float, axis: Vec, container: Entity
    ) -> tuple[Entity, dict[str, Entity]]:
        horizontal = axis != _UP
        place = self.w.placement(
            splace, start, axis=axis if horizontal else None, ref=(0.0, 0.0, 1.0)
        )
        shape = self.w.mapped(("cyl", self.sd.radius, round(length, 4)))
        cls, ptype = self.sd.segment
        return self.element(
            cls, key, "Segment", place, shape, container, ptype, (("In", "SINK"), ("Out", "SOURCE"))
        )

    def box(self, splace: Entity, at: Vec, size: float) -> tuple[Entity, Entity]:
        return self.w.placement(splace, at), self.w.mapped(("box", size, size, size))


def _tap_x(room: Room, k: int) -> float:
    """Where system ``k`` tees off for ``room``: distinct per system and corridor side."""
    cx = room.centre[0]
    return cx - 1.5 + 0.3 * k if room.side == "S" else cx + 0.1 + 0.3 * k


def write_systems(
    w: IfcWriter,
    building: Entity,
    storeys: list[tuple[Entity, Entity]],
    rooms_by_level: list[list[Room]],
    floor_h: float,
    defs: tuple[SystemDef, ...] = SYSTEMS,
    incoming: Mapping[str, tuple[Vec, Room]] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, dict[str, Entity]]]:
    """All systems; returns (systems truth, isolation truth, handles for sensors).

    ``incoming`` (system key -> (ground-storey point, room)) replaces a system's source chain by
    an incoming main from that point at the building boundary, its upstream port placed there
    and left unconnected: a central plant in another model feeds it (models_ifc/campus.py).
    """
    systems: dict[str, Any] = {}
    isolation: list[dict[str, Any]] = []
    handles: dict[str, dict[str, Entity]] = {}
    for k, sd in enumerate(defs):
        sw = SystemWriter(w, sd, k, building)
        handles[sd.key] = {}
        if incoming and sd.key in incoming:
            source, tees = _write_incoming_riser(
                sw, storeys, floor_h, handles[sd.key], *incoming[sd.key]
            )
        else:
            source, tees = _write_riser(sw, storeys, rooms_by_level, floor_h, handles[sd.key])
        for level, (storey, splace) in enumerate(storeys):
            isolation.append(
                _write_branch(sw, level, storey, splace, rooms_by_level[level], tees[level])
            )
            handles[sd.key][f"valve{level}"] = w.f.by_guid(isolation[-1]["valve"])
        systems[sw.system.GlobalId] = {
            "name": sd.name,
            "predefined_type": sd.predefined_type,
            "object_type": sd.object_type,
            "flow": sd.flow,
            "source": source.GlobalId,
            "members": len(sw.members),
        }
    return systems, isolation, handles


def _write_riser(
    sw: SystemWriter,
    storeys: list[tuple[Entity, Entity]],
    rooms_by_level: list[list[Room]],
    floor_h: float,
    handles: dict[str, Entity],
) -> tuple[Entity, list[dict[str, Entity]]]:
    """Source chain in the plant room, then the riser; returns the source and per-storey tees."""
    sd, k = sw.sd, sw.k
    room = next(r for r in rooms_by_level[0] if r.category == sd.source_room)
    storey, splace = storeys[0]
    upstream: Entity | None = None
    source: Entity | None = None
    for j, (cls, ptype, name) in enumerate(sd.sources):
        at = (room.x0 + 0.5 + 0.7 * k, room.y0 + 1.0 + 1.5 * j, 0.0)
        ports: Ports = (("Out", "SOURCE"),) if j == 0 else (("In", "SINK"), ("Out", "SOURCE"))
        place, shape = sw.box(splace, at, 0.5)
        ent, p = sw.element(cls, f"source{j}", name, place, shape, room.entity, ptype, ports)
        handles[f"source{j}"] = ent
        handles[f"source{j}_space"] = room.entity
        if upstream is not None:
            sw.w.connect(f"{sd.key}/source{j}", upstream, p["In"])
        source = source or ent
        upstream = p["Out"]
    cy = room.centre[1]
    _feed, fp = sw.segment(
        "feed", splace, (sw.riser_x, cy, sw.z), abs(_MAIN_Y - cy), (0, 1, 0), storey
    )
    sw.w.connect(f"{sd.key}/feed", upstream, fp["In"])
    assert source is not None
    return source, _write_tees(sw, storeys, floor_h, fp["Out"])


def _write_incoming_riser(
    sw: SystemWriter,
    storeys: list[tuple[Entity, Entity]],
    floor_h: float,
    handles: dict[str, Entity],
    boundary: Vec,
    room: Room,
) -> tuple[Entity, list[dict[str, Entity]]]:
    """An incoming main from ``boundary`` (its In port placed there, left open for the central
    plant's segment to meet) to the corridor main height, then along to the riser."""
    sd, w = sw.sd, sw.w
    storey, splace = storeys[0]
    bx, by, bz = boundary
    inc, ip = sw.segment("incoming", splace, (bx, by, bz), abs(_MAIN_Y - by), (0, 1, 0), storey)
    ip["In"].ObjectPlacement = w.placement(splace, (bx, by, bz))
    inc.Name = f"Incoming {sd.name}"
    handles["source0"] = inc
    handles["source0_space"] = room.entity
    _run, rp = sw.segment(
        "incoming/main", splace, (bx, _MAIN_Y, bz), abs(bx - sw.riser_x), (-1, 0, 0), storey
    )
    w.connect(f"{sd.key}/incoming", ip["Out"], rp["In"])
    return inc, _write_tees(sw, storeys, floor_h, rp["Out"])


def _write_tees(
    sw: SystemWriter, storeys: list[tuple[Entity, Entity]], floor_h: float, upstream: Entity
) -> list[dict[str, Entity]]:
    """The riser: per storey a tee (a bend at the top) and a segment to the next storey."""
    sd = sw.sd
    tees: list[dict[str, Entity]] = []
    top = len(storeys) - 1
    for level, (st, sp) in enumerate(storeys):
        place, shape = sw.box(sp, (sw.riser_x, _MAIN_Y, sw.z), 0.15)
        ports: Ports = (("In", "SINK"), ("Through", "SOURCE"), ("Branch", "SOURCE"))
        ptype, name = sd.tee, "Riser tee"
        if level == top:
            ports, ptype, name = (("In", "SINK"), ("Branch", "SOURCE")), "BEND", "Riser bend"
        _tee, tp = sw.element(sd.fitting, f"riser/tee{level}", name, place, shape, st, ptype, ports)
        sw.w.connect(f"{sd.key}/riser/in{level}", upstream, tp["In"])
        tees.append(tp)
        if level < top:
            start = (sw.riser_x, _MAIN_Y, sw.z)
            _, rp = sw.segment(f"riser/seg{level}", sp, start, floor_h, _UP, st)
            sw.w.connect(f"{sd.key}/riser/seg{level}", tp["Through"], rp["In"])
            upstream = rp["Out"]
    return tees


def _write_branch(
    sw: SystemWriter,
    level: int,
    storey: Entity,
    splace: Entity,
    rooms: list[Room],
    tee: dict[str, Entity],
) -> dict[str, Any]:
    """Isolating device after the riser tee, then the corridor main with one tee per room."""
    sd, k, w = sw.sd, sw.k, sw.w
    key = f"L{level}"
    corridor = next(r for r in rooms if r.side == "C" and r.wing == 0)
    place, shape = sw.box(splace, (sw.riser_x + 0.25, _MAIN_Y, sw.z), 0.2)
    vcls, vtype = sd.valve
    valve, vp = sw.element(
        vcls, f"{key}/valve", f"Isolation {sd.name} {level}", place, shape, corridor.entity,
        vtype, (("In", "SINK"), ("Out", "SOURCE")),
    )  # fmt: skip
    w.connect(f"{sd.key}/{key}/valve", tee["Branch"], vp["In"])
    served = sorted((r for r in rooms if r.category in sd.serves), key=lambda r: _tap_x(r, k))
    downstream: list[Entity] = []
    terminals: list[str] = []
    spaces: list[str] = []
    upstream, x = vp["Out"], sw.riser_x + 0.35
    tcls, tptype, tobj = sd.terminal
    for i, room in enumerate(served):
        tx = _tap_x(room, k)
        seg, sp = sw.segment(
            f"{key}/main{i}", splace, (x, _MAIN_Y, sw.z), tx - x, (1, 0, 0), storey
        )
        w.connect(f"{sd.key}/{key}/main{i}", upstream, sp["In"])
        last = i == len(served) - 1
        ports: Ports = (("In", "SINK"), ("Branch", "SOURCE"))
        if not last:
            ports = (("In", "SINK"), ("Through", "SOURCE"), ("Branch", "SOURCE"))
        place, shape = sw.box(splace, (tx, _MAIN_Y, sw.z), 0.12)
        fit, fp = sw.element(
            sd.fitting, f"{key}/tee{i}", "Branch bend" if last else "Branch tee", place, shape,
            storey, "BEND" if last else sd.tee, ports,
        )  # fmt: skip
        w.connect(f"{sd.key}/{key}/tee{i}", sp["Out"], fp["In"])
        axis: Vec = (0.0, -1.0, 0.0) if room.side == "S" else (0.0, 1.0, 0.0)
        length = _MAIN_Y + ROOM_D / 2 if room.side == "S" else CORRIDOR_W + ROOM_D / 2 - _MAIN_Y
        drop, dp = sw.segment(f"{key}/drop{i}", splace, (tx, _MAIN_Y, sw.z), length, axis, storey)
        w.connect(f"{sd.key}/{key}/drop{i}", fp["Branch"], dp["In"])
        place, shape = (
            sw.w.placement(splace, (tx, room.centre[1], sd.terminal_z)),
            w.mapped(("box", 0.3, 0.3, 0.1)),
        )
        term, tp = sw.element(
            tcls, f"{key}/terminal{i}", f"{sd.name} terminal {room.number}", place, shape,
            room.entity, tptype, (("In", "SINK"),), tobj,
        )  # fmt: skip
        w.connect(f"{sd.key}/{key}/terminal{i}", dp["Out"], tp["In"])
        downstream += [seg, fit, drop, term]
        terminals.append(term.GlobalId)
        if room.entity.GlobalId not in spaces:
            spaces.append(room.entity.GlobalId)
        if not last:
            upstream, x = fp["Through"], tx
    return {
        "system": sw.system.GlobalId,
        "system_name": sd.name,
        "valve": valve.GlobalId,
        "storey": storey.GlobalId,
        "downstream_terminals": terminals,
        "downstream_spaces": spaces,
        "downstream_elements": [e.GlobalId for e in downstream],
    }
