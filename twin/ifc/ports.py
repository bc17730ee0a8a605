"""Distribution connectivity as the model declares it: ports, port connections, systems.

Nothing is inferred here: a port belongs to the element that nests it (IFC4+) or that
IfcRelConnectsPortToElement names (IFC2X3), and ``connections`` are exactly the file's
IfcRelConnectsPorts. Analyses that need a network refuse to invent one where these are absent.
"""

from __future__ import annotations

from typing import Any

import ifcopenshell

from twin.ifc.fast import attr, isa
from twin.ifc.placement import Placements
from twin.ifc.relations import Relations
from twin.ifc.spatial import text
from twin.media import medium_of_system
from twin.model import Port, PortConnection, System

__all__ = ["flow_of_system", "read_connections", "read_ports", "read_systems"]

_NOT_SYSTEMS = ("IfcZone", "IfcStructuralAnalysisModel")


def flow_of_system(ifc_class: str, predefined: str, object_type: str, name: str) -> str:
    """What flows in a system: the medium table's answer (``twin.media.medium_of_system``)."""
    return medium_of_system(ifc_class, predefined, object_type, name)


def read_systems(
    model: ifcopenshell.file, rels: Relations, guid_of: dict[int, str]
) -> dict[str, System]:
    """Every IfcSystem (and subtypes, not zones) with its members that are twin elements."""
    systems: dict[str, System] = {}
    for group in model.by_type("IfcSystem"):
        if any(isa(group, c) for c in _NOT_SYSTEMS):
            continue
        members = tuple(
            guid_of[m.id()] for m in rels.group_members.get(group.id(), ()) if m.id() in guid_of
        )
        # attr(), not getattr(): a missing attribute (IfcSystem has no PredefinedType) makes
        # ifcopenshell import its EXPRESS rules module, 11 ms on the first call
        predefined = text(attr(group, "PredefinedType"))
        object_type = text(attr(group, "ObjectType"))
        served = tuple(
            b.GlobalId
            for rel in getattr(group, "ServicesBuildings", ()) or ()
            for b in rel.RelatedBuildings or ()
        )
        systems[group.GlobalId] = System(
            guid=group.GlobalId,
            name=text(group.Name),
            ifc_class=group.is_a(),
            predefined_type=predefined,
            object_type=object_type,
            flow=flow_of_system(group.is_a(), predefined, object_type, text(group.Name)),
            members=members,
            served_buildings=served,
        )
    return systems


def _port_system_type(port: Any) -> str:
    for name in ("SystemType", "PredefinedType"):
        value = attr(port, name)
        if value and value not in ("NOTDEFINED", "USERDEFINED"):
            return str(value)
    return ""


def read_ports(
    model: ifcopenshell.file,
    rels: Relations,
    length_to_m: float,
    placements: Placements | None = None,
) -> dict[str, Port]:
    """Every IfcPort with its owner, flow direction, system type and world position."""
    placements = placements or Placements()
    ports: dict[str, Port] = {}
    for port in model.by_type("IfcPort"):
        owner = rels.port_owner.get(port.id())
        guid = attr(port, "GlobalId")
        ports[guid] = Port(
            guid=guid,
            element=attr(owner, "GlobalId") if owner is not None else None,
            flow_direction=text(attr(port, "FlowDirection")) or "NOTDEFINED",  # type: ignore[arg-type]
            system_type=_port_system_type(port),
            position=placements.point(port, length_to_m),
        )
    return ports


def read_connections(model: ifcopenshell.file) -> tuple[PortConnection, ...]:
    """Exactly the file's IfcRelConnectsPorts (relating -> related)."""
    out = []
    for rel in model.by_type("IfcRelConnectsPorts"):
        relating, related = attr(rel, "RelatingPort"), attr(rel, "RelatedPort")
        out.append(
            PortConnection(
                attr(rel, "GlobalId"), attr(relating, "GlobalId"), attr(related, "GlobalId")
            )
        )
    return tuple(out)
