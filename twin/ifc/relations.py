"""One pass over the relationship entities, so nothing later asks ifcopenshell per product.

``ifcopenshell.util.element.get_psets`` and ``get_container`` walk inverse attributes for each
call; over thousands of products that dominates ingest. Reading each relationship class once and
keeping plain dictionaries keyed by entity id makes every later lookup a dict access.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import ifcopenshell

__all__ = ["PropertySets", "Relations", "property_definition", "read_relations"]

PropertySets = dict[str, dict[str, object]]


@dataclass
class Relations:
    """Entity-id keyed views of the model's relationships."""

    container: dict[int, Any] = field(default_factory=dict)  # product -> spatial structure
    referenced_in: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    parent: dict[int, Any] = field(default_factory=dict)  # aggregated part -> whole
    children: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    type_of: dict[int, Any] = field(default_factory=dict)  # occurrence -> type object
    psets: dict[int, PropertySets] = field(default_factory=dict)
    groups: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    group_members: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    port_owner: dict[int, Any] = field(default_factory=dict)  # port -> element
    host: dict[int, Any] = field(default_factory=dict)  # control element -> flow element
    boundaries: list[Any] = field(default_factory=list)  # IfcRelSpaceBoundary entities


def _value(prop: Any) -> object:
    cls = prop.is_a()
    if cls == "IfcPropertySingleValue":
        v = prop.NominalValue
        return None if v is None else v.wrappedValue
    if cls == "IfcPropertyEnumeratedValue":
        vals = prop.EnumerationValues or ()
        return ", ".join(str(v.wrappedValue) for v in vals) if vals else None
    if cls == "IfcPropertyListValue":
        return [v.wrappedValue for v in (prop.ListValues or ())]
    if cls == "IfcPropertyBoundedValue":
        lo, hi = prop.LowerBoundValue, prop.UpperBoundValue
        return (lo.wrappedValue if lo else None, hi.wrappedValue if hi else None)
    return None


def property_definition(definition: Any) -> dict[str, object] | None:
    """Properties or quantities of one IfcPropertySet / IfcElementQuantity (values as stored)."""
    if definition.is_a("IfcPropertySet"):
        return {p.Name: _value(p) for p in definition.HasProperties or () if p.Name}
    if definition.is_a("IfcElementQuantity"):
        out: dict[str, object] = {}
        for q in definition.Quantities or ():
            if q.is_a("IfcPhysicalSimpleQuantity") and len(q) > 3:
                out[q.Name] = q[3]
        return out
    return None


def _definitions(relating: Any) -> Iterable[Any]:
    if isinstance(relating, tuple | list):  # IFC4 IfcPropertySetDefinitionSet
        return relating
    return (relating,)


def _read_psets(model: ifcopenshell.file, rels: Relations) -> None:
    cache: dict[int, dict[str, object] | None] = {}

    def props(defn: Any) -> dict[str, object] | None:
        key = defn.id()
        if key not in cache:
            cache[key] = property_definition(defn)
        return cache[key]

    for obj_id, typ in rels.type_of.items():
        for defn in typ.HasPropertySets or ():
            p = props(defn)
            if p is not None and defn.Name:
                rels.psets.setdefault(obj_id, {})[defn.Name] = dict(p)
    for rel in model.by_type("IfcRelDefinesByProperties"):
        for defn in _definitions(rel.RelatingPropertyDefinition):
            if defn is None or not hasattr(defn, "Name"):
                continue
            p = props(defn)
            if p is None or not defn.Name:
                continue
            for obj in rel.RelatedObjects or ():
                sets = rels.psets.setdefault(obj.id(), {})
                sets.setdefault(defn.Name, {}).update(p)


def read_relations(model: ifcopenshell.file) -> Relations:
    """Read every relationship the twin needs, once."""
    rels = Relations()
    for rel in model.by_type("IfcRelContainedInSpatialStructure"):
        for obj in rel.RelatedElements or ():
            rels.container[obj.id()] = rel.RelatingStructure
    for rel in model.by_type("IfcRelReferencedInSpatialStructure"):
        for obj in rel.RelatedElements or ():
            rels.referenced_in[obj.id()].append(rel.RelatingStructure)
    for rel in model.by_type("IfcRelAggregates"):
        for obj in rel.RelatedObjects or ():
            rels.parent[obj.id()] = rel.RelatingObject
            rels.children[rel.RelatingObject.id()].append(obj)
    for rel in model.by_type("IfcRelDefinesByType"):
        for obj in rel.RelatedObjects or ():
            rels.type_of[obj.id()] = rel.RelatingType
    for rel in model.by_type("IfcRelAssignsToGroup"):
        group = rel.RelatingGroup
        for obj in rel.RelatedObjects or ():
            rels.groups[obj.id()].append(group)
            rels.group_members[group.id()].append(obj)
    for rel in model.by_type("IfcRelNests"):
        for obj in rel.RelatedObjects or ():
            if obj.is_a("IfcPort"):
                rels.port_owner[obj.id()] = rel.RelatingObject
            elif obj.is_a("IfcDistributionControlElement"):
                rels.host.setdefault(obj.id(), rel.RelatingObject)
    for rel in model.by_type("IfcRelAssignsToProduct"):
        for obj in rel.RelatedObjects or ():
            if obj.is_a("IfcDistributionControlElement"):
                rels.host.setdefault(obj.id(), rel.RelatingProduct)
    for rel in model.by_type("IfcRelConnectsPortToElement"):
        rels.port_owner[rel.RelatingPort.id()] = rel.RelatedElement
    for rel in model.by_type("IfcRelFlowControlElements"):
        for ctl in rel.RelatedControlElements or ():
            rels.host[ctl.id()] = rel.RelatingFlowElement
    for rel in model.by_type("IfcRelSpaceBoundary"):
        rels.boundaries.append(rel)
    _read_psets(model, rels)
    return rels
