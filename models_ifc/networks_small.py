"""Small hand-made distribution networks for tests, written with ifcopenshell.api.

Each writer makes one storey with a handful of pipes, fittings, valves and terminals laid along X
as 1 m boxes that touch end to end, so that geometry inference has something to find:

- ``ring``: a boiler feeding a ring main (two tees joined both ways) with declared directions.
- ``undirected``: the same chain with every port NOTDEFINED (directions must be assumed).
- ``portless``: a boiler with ports, then pipes, a valve and a radiator with no ports at all,
  touching each other (edges must be inferred from geometry).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

__all__ = ["WRITERS", "write_network"]

# (name, IFC class, x position); consecutive boxes touch
_CHAIN = (
    ("Boiler", "IfcBoiler", 0.0),
    ("Pipe 1", "IfcPipeSegment", 1.0),
    ("Main valve", "IfcValve", 2.0),
    ("Tee A", "IfcPipeFitting", 3.0),
    ("Pipe 2", "IfcPipeSegment", 4.0),
    ("Branch valve", "IfcValve", 5.0),
    ("Radiator", "IfcSpaceHeater", 6.0),
)


def plant_file(schema: str = "IFC4", name: str = "Networks") -> tuple[Any, Any, Any]:
    """A new IFC file with project, units, a Body context and site/building/storey: ``(file,
    body context, storey)``, the frame every small hand-made network model starts from."""
    import ifcopenshell.api.aggregate
    import ifcopenshell.api.context
    import ifcopenshell.api.project
    import ifcopenshell.api.root
    import ifcopenshell.api.unit

    f = ifcopenshell.api.project.create_file(version=schema)
    if schema == "IFC2X3":
        _owner(f)
    project = ifcopenshell.api.root.create_entity(f, ifc_class="IfcProject", name=name)
    ifcopenshell.api.unit.assign_unit(f)
    model = ifcopenshell.api.context.add_context(f, context_type="Model")
    body = ifcopenshell.api.context.add_context(
        f, context_type="Model", context_identifier="Body", target_view="MODEL_VIEW", parent=model
    )
    site = ifcopenshell.api.root.create_entity(f, ifc_class="IfcSite", name="Site")
    building = ifcopenshell.api.root.create_entity(f, ifc_class="IfcBuilding", name="Plant")
    storey = ifcopenshell.api.root.create_entity(f, ifc_class="IfcBuildingStorey", name="L0")
    ifcopenshell.api.aggregate.assign_object(f, products=[site], relating_object=project)
    ifcopenshell.api.aggregate.assign_object(f, products=[building], relating_object=site)
    ifcopenshell.api.aggregate.assign_object(f, products=[storey], relating_object=building)
    return f, body, storey


def _owner(f: Any) -> None:
    """IFC2X3 requires owner history on every rooted entity: register a user and application."""
    import ifcopenshell.api.owner
    import ifcopenshell.api.owner.settings as owner_settings

    person = ifcopenshell.api.owner.add_person(f)
    org = ifcopenshell.api.owner.add_organisation(f)
    user = ifcopenshell.api.owner.add_person_and_organisation(f, person=person, organisation=org)
    app = ifcopenshell.api.owner.add_application(f)
    owner_settings.get_user = lambda _f: user
    owner_settings.get_application = lambda _f: app


def _element(f: Any, body: Any, storey: Any, name: str, cls: str, x: float, y: float = 0.0) -> Any:
    import ifcopenshell.api.geometry
    import ifcopenshell.api.root
    import ifcopenshell.api.spatial
    import numpy as np
    from ifcopenshell.util.shape_builder import ShapeBuilder

    el = ifcopenshell.api.root.create_entity(f, ifc_class=cls, name=name)
    ifcopenshell.api.spatial.assign_container(f, products=[el], relating_structure=storey)
    m = np.eye(4)
    m[0, 3], m[1, 3] = x, y
    ifcopenshell.api.geometry.edit_object_placement(f, product=el, matrix=m, is_si=True)
    sb = ShapeBuilder(f)
    rect = sb.rectangle(size=(1000.0, 1000.0))  # type: ignore[arg-type]  # project units: mm
    solid = sb.extrude(sb.profile(rect), magnitude=1000.0)
    rep = sb.get_representation(body, [solid])
    ifcopenshell.api.geometry.assign_representation(f, product=el, representation=rep)
    return el


def _link(f: Any, a: Any, b: Any, directed: bool) -> None:
    import ifcopenshell.api.system

    pa = ifcopenshell.api.system.add_port(f, element=a)
    pb = ifcopenshell.api.system.add_port(f, element=b)
    if directed:
        ifcopenshell.api.system.connect_port(f, port1=pa, port2=pb, direction="SOURCE")
    else:
        ifcopenshell.api.system.connect_port(f, port1=pa, port2=pb, direction="NOTDEFINED")
        pa.FlowDirection = "NOTDEFINED"
        pb.FlowDirection = "NOTDEFINED"


def _system(f: Any, elements: list[Any]) -> None:
    import ifcopenshell.api.system

    cls = "IfcDistributionSystem" if f.schema != "IFC2X3" else "IfcSystem"
    system = ifcopenshell.api.system.add_system(f, ifc_class=cls)
    system.Name = "Heating"
    ifcopenshell.api.system.assign_system(f, products=elements, system=system)


#: IFC2X3 has only the generic distribution classes.
_IFC2X3 = {
    "IfcBoiler": "IfcEnergyConversionDevice",
    "IfcPipeSegment": "IfcFlowSegment",
    "IfcValve": "IfcFlowController",
    "IfcPipeFitting": "IfcFlowFitting",
    "IfcSpaceHeater": "IfcFlowTerminal",
}


def _chain(path: Path, *, schema: str, directed: bool, ring: bool, ports: bool) -> None:
    f, body, storey = plant_file(schema)
    cls = (lambda c: _IFC2X3[c]) if schema == "IFC2X3" else (lambda c: c)
    els = [_element(f, body, storey, n, cls(c), x) for n, c, x in _CHAIN]
    if ring:  # a second tee beside tee A, joined to it both ways round: a ring main
        tee_b = _element(f, body, storey, "Tee B", cls("IfcPipeFitting"), 3.0, 1.0)
        ring_pipe = _element(f, body, storey, "Ring pipe", cls("IfcPipeSegment"), 4.0, 1.0)
        els += [tee_b, ring_pipe]
    if ports:
        for a, b in itertools.pairwise(els[: len(_CHAIN)]):
            _link(f, a, b, directed)
        if ring:
            _link(f, els[3], els[7], directed)
            _link(f, els[7], els[8], directed)
            _link(f, els[8], els[4], directed)
    else:  # only the boiler and the first pipe are connected by ports
        _link(f, els[0], els[1], directed)
    _system(f, els)
    f.write(str(path))


def write_network(kind: str, path: Path, *, schema: str = "IFC4") -> Path:
    """Write the hand-made network ``kind`` (see ``WRITERS``) to ``path``."""
    import ifcopenshell.api.owner.settings as owner_settings

    opts = WRITERS[kind]
    saved = (owner_settings.get_user, owner_settings.get_application)
    try:
        _chain(path, schema=schema, **opts)
    finally:  # the IFC2X3 owner hooks are process-wide: never leak them to other writers
        owner_settings.get_user, owner_settings.get_application = saved
    return path


WRITERS: dict[str, dict[str, bool]] = {
    "ring": {"directed": True, "ring": True, "ports": True},
    "undirected": {"directed": False, "ring": False, "ports": True},
    "portless": {"directed": True, "ring": False, "ports": False},
}
