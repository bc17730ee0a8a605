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

from twin.ifc.fast import attr, isa

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
    fills: dict[int, Any] = field(default_factory=dict)  # door/window -> wall it is set in


def _wrapped(value: Any) -> object:
    return None if value is None else value.wrappedValue


def _value(prop: Any) -> object:
    cls = prop.is_a()
    if cls == "IfcPropertySingleValue":
        return _wrapped(attr(prop, "NominalValue"))
    if cls == "IfcPropertyEnumeratedValue":
        vals = attr(prop, "EnumerationValues") or ()
        return ", ".join(str(v.wrappedValue) for v in vals) if vals else None
    if cls == "IfcPropertyListValue":
        return [v.wrappedValue for v in (attr(prop, "ListValues") or ())]
    if cls == "IfcPropertyBoundedValue":
        return (_wrapped(attr(prop, "LowerBoundValue")), _wrapped(attr(prop, "UpperBoundValue")))
    return None


def property_definition(definition: Any) -> dict[str, object] | None:
    """Properties or quantities of one IfcPropertySet / IfcElementQuantity (values as stored)."""
    if isa(definition, "IfcPropertySet"):
        out: dict[str, object] = {}
        for p in attr(definition, "HasProperties") or ():
            name = attr(p, "Name")
            if name:
                out[name] = _value(p)
        return out
    if isa(definition, "IfcElementQuantity"):
        out = {}
        for q in attr(definition, "Quantities") or ():
            if isa(q, "IfcPhysicalSimpleQuantity") and len(q) > 3:
                out[attr(q, "Name")] = q[3]
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
        for defn in attr(typ, "HasPropertySets") or ():
            p = props(defn)
            name = attr(defn, "Name")
            if p is not None and name:
                rels.psets.setdefault(obj_id, {})[name] = dict(p)
    for rel in model.by_type("IfcRelDefinesByProperties"):
        for defn in _definitions(attr(rel, "RelatingPropertyDefinition")):
            if defn is None or not isa(defn, "IfcPropertySetDefinition"):
                continue
            p = props(defn)
            name = attr(defn, "Name")
            if p is None or not name:
                continue
            for obj in attr(rel, "RelatedObjects") or ():
                sets = rels.psets.setdefault(obj.id(), {})
                sets.setdefault(name, {}).update(p)


def _pairs(model: ifcopenshell.file, cls: str, many: str, one: str) -> Iterable[tuple[Any, Any]]:
    """(related, relating) for every related object of every ``cls`` relationship."""
    for rel in model.by_type(cls):
        relating = attr(rel, one)
        for obj in attr(rel, many) or ():
            yield obj, relating


def _read_fills(model: ifcopenshell.file, rels: Relations) -> None:
    """Door/window -> the element whose opening it fills (IfcRelFillsElement, then the
    opening's IfcRelVoidsElement): a door in an external wall is a way out of the building."""
    host_of = {
        attr(r, "RelatedOpeningElement").id(): attr(r, "RelatingBuildingElement")
        for r in model.by_type("IfcRelVoidsElement")
    }
    for rel in model.by_type("IfcRelFillsElement"):
        wall = host_of.get(attr(rel, "RelatingOpeningElement").id())
        if wall is not None:
            rels.fills[attr(rel, "RelatedBuildingElement").id()] = wall


def read_relations(model: ifcopenshell.file) -> Relations:
    """Read every relationship the twin needs, once."""
    rels = Relations()
    for obj, st in _pairs(
        model, "IfcRelContainedInSpatialStructure", "RelatedElements", "RelatingStructure"
    ):
        rels.container[obj.id()] = st
    for obj, st in _pairs(
        model, "IfcRelReferencedInSpatialStructure", "RelatedElements", "RelatingStructure"
    ):
        rels.referenced_in[obj.id()].append(st)
    for obj, whole in _pairs(model, "IfcRelAggregates", "RelatedObjects", "RelatingObject"):
        rels.parent[obj.id()] = whole
        rels.children[whole.id()].append(obj)
    for obj, typ in _pairs(model, "IfcRelDefinesByType", "RelatedObjects", "RelatingType"):
        rels.type_of[obj.id()] = typ
    for obj, group in _pairs(model, "IfcRelAssignsToGroup", "RelatedObjects", "RelatingGroup"):
        rels.groups[obj.id()].append(group)
        rels.group_members[group.id()].append(obj)
    for obj, host in _pairs(model, "IfcRelNests", "RelatedObjects", "RelatingObject"):
        if isa(obj, "IfcPort"):
            rels.port_owner[obj.id()] = host
        elif isa(obj, "IfcDistributionControlElement"):
            rels.host.setdefault(obj.id(), host)
    for obj, host in _pairs(model, "IfcRelAssignsToProduct", "RelatedObjects", "RelatingProduct"):
        if isa(obj, "IfcDistributionControlElement"):
            rels.host.setdefault(obj.id(), host)
    for rel in model.by_type("IfcRelConnectsPortToElement"):
        rels.port_owner[attr(rel, "RelatingPort").id()] = attr(rel, "RelatedElement")
    for ctl, flow in _pairs(
        model, "IfcRelFlowControlElements", "RelatedControlElements", "RelatingFlowElement"
    ):
        rels.host[ctl.id()] = flow
    rels.boundaries.extend(model.by_type("IfcRelSpaceBoundary"))
    _read_fills(model, rels)
    _read_psets(model, rels)
    return rels
