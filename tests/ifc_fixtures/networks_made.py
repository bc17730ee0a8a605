"""Hand-made IFC4 networks for the geometry-inference and flow-type tests (ifcopenshell.api).

- ``write_parallel``: pipes without ports, modelled as real round extrusions along their run (a
  circle profile extruded along the placement's Z, which points along the pipe). A boiler feeds
  P1 -> tee -> P2 -> radiator (P2 stops 3 cm short of the radiator) and tee -> P3 -> valve -> P4,
  whose end stops 8 cm short of a terminal. Pipe Q runs parallel above P1 and P2, 5 cm from
  their surfaces and 2.5 cm over the tee, with both ends far from anything. ``PARALLEL_JOINS``
  lists the joints a plumber would see; Q has none.
- ``write_mixed``: one heating circuit, one ventilation system, one power circuit and one medical
  oxygen system joined where real plant joins them (the air handler's heating coil hangs on the
  heating circuit, the board powers the pump, the air handler and the oxygen manifold). Every
  port is NOTDEFINED, so every direction must be inferred from sources of the right flow.

Lengths below are metres; the files use millimetres (ifcopenshell.api's default unit).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models_ifc.networks_small import plant_file

__all__ = [
    "LOOP_RETURN",
    "LOOP_SUPPLY",
    "MIXED_EDGES",
    "PARALLEL_JOINS",
    "write_loop",
    "write_mixed",
    "write_parallel",
]

R = 0.015  # pipe radius (DN25): P1's and Q's surfaces are 5 cm apart with axes 8 cm apart

#: (name a, name b, gap in metres) of every joint in ``write_parallel`` at the 5 cm tolerance.
PARALLEL_JOINS = (
    ("Boiler", "P1", 0.0),
    ("P1", "Tee", 0.0),
    ("Tee", "P2", 0.0),
    ("P2", "Radiator", 0.03),
    ("Tee", "P3", 0.0),
    ("P3", "Valve", 0.0),
    ("Valve", "P4", 0.0),
)

#: (a, b, system) of every port connection in ``write_mixed``, written in flow order.
MIXED_EDGES = (
    ("Boiler", "HP1", "Heating"),
    ("HP1", "Pump", "Heating"),
    ("Pump", "HP2", "Heating"),
    ("HP2", "Tee", "Heating"),
    ("Tee", "HP3", "Heating"),
    ("HP3", "Radiator valve", "Heating"),
    ("Radiator valve", "Radiator", "Heating"),
    ("Tee", "HP4", "Heating"),
    ("HP4", "Coil valve", "Heating"),
    ("Coil valve", "AHU", "Heating"),
    ("AHU", "D1", "Ventilation"),
    ("D1", "Damper", "Ventilation"),
    ("Damper", "D2", "Ventilation"),
    ("D2", "Air terminal", "Ventilation"),
    ("Main board", "C1", "Power"),
    ("C1", "Pump", "Power"),
    ("Main board", "C2", "Power"),
    ("C2", "AHU", "Power"),
    ("Main board", "C3", "Power"),
    ("C3", "Oxygen manifold", "Power"),
    ("Oxygen manifold", "GP1", "Oxygen"),
    ("GP1", "Gas valve", "Oxygen"),
    ("Gas valve", "GP2", "Oxygen"),
    ("GP2", "Oxygen outlet", "Oxygen"),
)


def _product(f: Any, storey: Any, name: str, cls: str, **attrs: Any) -> Any:
    import ifcopenshell.api.root
    import ifcopenshell.api.spatial

    el = ifcopenshell.api.root.create_entity(f, ifc_class=cls, name=name)
    for k, v in attrs.items():
        setattr(el, k, v)
    ifcopenshell.api.spatial.assign_container(f, products=[el], relating_structure=storey)
    return el


def _shape(f: Any, body: Any, el: Any, matrix: Any, profile: Any, depth: float) -> None:
    import ifcopenshell.api.geometry
    from ifcopenshell.util.shape_builder import ShapeBuilder

    ifcopenshell.api.geometry.edit_object_placement(f, product=el, matrix=matrix, is_si=True)
    sb = ShapeBuilder(f)
    solid = sb.extrude(sb.profile(profile(sb)), magnitude=depth * 1000.0)
    rep = sb.get_representation(body, [solid])
    ifcopenshell.api.geometry.assign_representation(f, product=el, representation=rep)


def _box(
    f: Any,
    body: Any,
    storey: Any,
    name: str,
    cls: str,
    lo: tuple[float, ...],
    hi: tuple[float, ...],
) -> Any:
    """An axis-aligned box product from ``lo`` to ``hi`` (metres)."""
    import numpy as np

    el = _product(f, storey, name, cls)
    m = np.eye(4)
    m[:3, 3] = lo
    size = ((hi[0] - lo[0]) * 1000.0, (hi[1] - lo[1]) * 1000.0)
    _shape(f, body, el, m, lambda sb: sb.rectangle(size=size), hi[2] - lo[2])
    return el


def _pipe(
    f: Any, body: Any, storey: Any, name: str, start: tuple[float, ...], axis: str, length: float
) -> Any:
    """A round pipe segment from ``start`` along +X or +Y: its placement Z points along the run."""
    import numpy as np

    el = _product(f, storey, name, "IfcPipeSegment")
    m = np.eye(4)
    if axis == "X":  # local x = world Y, local y = world Z, local z = world X
        m[:3, :3] = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype=float)
    else:  # local x = world X, local y = world -Z, local z = world Y
        m[:3, :3] = np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]], dtype=float)
    m[:3, 3] = start
    _shape(f, body, el, m, lambda sb: sb.circle(radius=R * 1000.0), length)
    return el


def write_parallel(path: Path) -> Path:
    """The parallel-pipes network (see the module docstring); no element has a port."""
    f, body, storey = plant_file("IFC4", "Made")
    z = 1.0
    _box(f, body, storey, "Boiler", "IfcBoiler", (-0.6, -0.3, 0.7), (0.0, 0.3, 1.3))
    _pipe(f, body, storey, "P1", (0.0, 0.0, z), "X", 2.0)
    _box(f, body, storey, "Tee", "IfcPipeFitting", (2.0, -0.04, z - 0.04), (2.1, 0.04, z + 0.04))
    _pipe(f, body, storey, "P2", (2.1, 0.0, z), "X", 1.97)  # stops 3 cm short of the radiator
    _box(f, body, storey, "Radiator", "IfcSpaceHeater", (4.1, -0.05, 0.6), (4.2, 0.9, 1.2))
    _pipe(f, body, storey, "P3", (2.05, 0.04, z), "Y", 1.0)
    _box(f, body, storey, "Valve", "IfcValve", (2.02, 1.04, z - 0.03), (2.08, 1.12, z + 0.03))
    _pipe(f, body, storey, "P4", (2.05, 1.12, z), "Y", 1.0)  # ends at y = 2.12
    _box(f, body, storey, "Terminal", "IfcSanitaryTerminal", (1.8, 2.2, 0.8), (2.3, 2.6, 1.2))
    _pipe(f, body, storey, "Q", (0.5, 0.0, z + 2 * R + 0.05), "X", 3.0)  # 5 cm above P1/P2
    f.write(str(path))
    return path


def _system(
    f: Any, name: str, predefined: str, object_type: str | None, members: list[Any]
) -> None:
    import ifcopenshell.api.system

    system = ifcopenshell.api.system.add_system(f, ifc_class="IfcDistributionSystem")
    system.Name = name
    system.PredefinedType = predefined
    if object_type:
        system.ObjectType = object_type
    ifcopenshell.api.system.assign_system(f, products=members, system=system)


_MIXED_CLASSES = {
    "Boiler": ("IfcBoiler", "WATER"),
    "Pump": ("IfcPump", "CIRCULATOR"),
    "Tee": ("IfcPipeFitting", "JUNCTION"),
    "Radiator valve": ("IfcValve", "ISOLATING"),
    "Radiator": ("IfcSpaceHeater", "RADIATOR"),
    "Coil valve": ("IfcValve", "ISOLATING"),
    "AHU": ("IfcUnitaryEquipment", "AIRHANDLER"),
    "Damper": ("IfcDamper", "FIREDAMPER"),
    "Air terminal": ("IfcAirTerminal", "DIFFUSER"),
    "Main board": ("IfcElectricDistributionBoard", "SWITCHBOARD"),
    "Oxygen manifold": ("IfcTank", "PRESSUREVESSEL"),
    "Gas valve": ("IfcValve", "ISOLATING"),
    "Oxygen outlet": ("IfcOutlet", "USERDEFINED"),
}
_PREFIX_CLASSES = {"HP": "IfcPipeSegment", "GP": "IfcPipeSegment", "D": "IfcDuctSegment"}
_SYSTEMS = {
    "Heating": ("HEATING", None),
    "Ventilation": ("VENTILATION", None),
    "Power": ("ELECTRICAL", None),
    "Oxygen": ("USERDEFINED", "MEDICALOXYGEN"),
}


def _mixed_class(name: str) -> tuple[str, str | None]:
    if name in _MIXED_CLASSES:
        return _MIXED_CLASSES[name]
    if name.startswith("C"):
        return "IfcCableSegment", None
    return _PREFIX_CLASSES[name.rstrip("0123456789")], None


def write_mixed(path: Path) -> Path:
    """The mixed-flow plant (see the module docstring): every port NOTDEFINED."""
    import ifcopenshell.api.system

    f, _body, storey = plant_file("IFC4", "Made")
    names = dict.fromkeys(n for a, b, _s in MIXED_EDGES for n in (a, b))
    els = {}
    for n in names:
        cls, ptype = _mixed_class(n)
        els[n] = _product(f, storey, n, cls, **({"PredefinedType": ptype} if ptype else {}))
    members: dict[str, dict[str, Any]] = {s: {} for s in _SYSTEMS}
    for a, b, system in MIXED_EDGES:
        pa = ifcopenshell.api.system.add_port(f, element=els[a])
        pb = ifcopenshell.api.system.add_port(f, element=els[b])
        ifcopenshell.api.system.connect_port(f, port1=pa, port2=pb, direction="NOTDEFINED")
        pa.FlowDirection = pb.FlowDirection = "NOTDEFINED"
        members[system].update({a: els[a], b: els[b]})
    for system, (ptype, otype) in _SYSTEMS.items():
        _system(f, system, ptype, otype, list(members[system].values()))
    f.write(str(path))
    return path


#: The closed heating loop of ``write_loop``: (a, b, system) in flow order, supply then return.
LOOP_SUPPLY = (
    ("Boiler", "Pump", "Heating supply"),
    ("Pump", "SP1", "Heating supply"),
    ("SP1", "Supply valve", "Heating supply"),
    ("Supply valve", "SP2", "Heating supply"),
    ("SP2", "Radiator", "Heating supply"),
)
LOOP_RETURN = (
    ("Radiator", "RP1", "Heating return"),
    ("RP1", "Return valve", "Heating return"),
    ("Return valve", "RP2", "Heating return"),
    ("RP2", "Boiler", "Heating return"),
)


def write_loop(path: Path, *, return_valve: str | None = "ISOLATING") -> Path:
    """A boiler, a pump and one radiator in a closed loop, every port SOURCE -> SINK in flow
    order, supply and return as two HEATING systems (as real exports split them).

    ``return_valve`` is the return valve's IfcValveTypeEnum: ``"ISOLATING"`` (closable),
    ``"CHECK"`` (one-way, radiator -> boiler), or None for a plain pipe instead of a valve.
    """
    import ifcopenshell.api.system

    f, _body, storey = plant_file("IFC4", "Loop")
    classes = {
        "Boiler": ("IfcBoiler", "WATER"),
        "Pump": ("IfcPump", "CIRCULATOR"),
        "Supply valve": ("IfcValve", "ISOLATING"),
        "Radiator": ("IfcSpaceHeater", "RADIATOR"),
        "Return valve": ("IfcValve", return_valve or "ISOLATING"),
    }
    if return_valve is None:
        classes["Return valve"] = ("IfcPipeSegment", "RIGIDSEGMENT")
    edges = LOOP_SUPPLY + LOOP_RETURN
    names = dict.fromkeys(n for a, b, _s in edges for n in (a, b))
    els = {}
    for n in names:
        cls, ptype = classes.get(n, ("IfcPipeSegment", "RIGIDSEGMENT"))
        els[n] = _product(f, storey, n, cls, PredefinedType=ptype)
    members: dict[str, dict[str, Any]] = {"Heating supply": {}, "Heating return": {}}
    for a, b, system in edges:
        pa = ifcopenshell.api.system.add_port(f, element=els[a])
        pb = ifcopenshell.api.system.add_port(f, element=els[b])
        pa.FlowDirection, pb.FlowDirection = "SOURCE", "SINK"
        ifcopenshell.api.system.connect_port(f, port1=pa, port2=pb, direction="SOURCE")
        pa.FlowDirection, pb.FlowDirection = "SOURCE", "SINK"
        members[system].update({a: els[a], b: els[b]})
    for system, elements in members.items():
        _system(f, system, "HEATING", None, list(elements.values()))
    f.write(str(path))
    return path
