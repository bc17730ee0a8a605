"""Truths for network tests read straight from an IFC file with ifcopenshell and networkx.

Never the project's network code: the element graph is the file's IfcRelConnectsPorts between
the ports' owners (IfcRelNests in IFC4, IfcRelConnectsPortToElement in IFC2X3), undirected.
"""

from __future__ import annotations

from pathlib import Path

import ifcopenshell
import networkx as nx

__all__ = ["contained_in", "port_graph", "system_members", "systems_of_file"]


def port_graph(path: Path | ifcopenshell.file) -> tuple[nx.Graph, ifcopenshell.file]:
    """Element graph of the file's IfcRelConnectsPorts, undirected."""
    f = path if isinstance(path, ifcopenshell.file) else ifcopenshell.open(str(path))
    owner: dict[int, str] = {}
    for rel in f.by_type("IfcRelNests"):
        for p in rel.RelatedObjects:
            if p.is_a("IfcPort"):
                owner[p.id()] = rel.RelatingObject.GlobalId
    if f.schema == "IFC2X3":
        for rel in f.by_type("IfcRelConnectsPortToElement"):
            owner[rel.RelatingPort.id()] = rel.RelatedElement.GlobalId
    g = nx.Graph()
    for rel in f.by_type("IfcRelConnectsPorts"):
        a, b = owner.get(rel.RelatingPort.id()), owner.get(rel.RelatedPort.id())
        if a and b and a != b:
            g.add_edge(a, b)
    return g, f


def systems_of_file(f: ifcopenshell.file) -> dict[str, ifcopenshell.entity_instance]:
    return {s.GlobalId: s for s in f.by_type("IfcSystem") if not s.is_a("IfcZone")}


def system_members(f: ifcopenshell.file, system: str) -> set[str]:
    return {
        m.GlobalId
        for rel in f.by_type("IfcRelAssignsToGroup")
        if rel.RelatingGroup.GlobalId == system
        for m in rel.RelatedObjects
    }


def contained_in(f: ifcopenshell.file, space: str) -> set[str]:
    return {
        e.GlobalId
        for rel in f.by_type("IfcRelContainedInSpatialStructure")
        if rel.RelatingStructure.GlobalId == space
        for e in rel.RelatedElements
    }
