"""Low-level IFC4 writing for the demo hospital: fast entity creation with stable GlobalIds.

ifcopenshell.api is convenient but costs milliseconds per call; the large hospital has hundreds of
thousands of entities, so the hot paths create entities directly and batch the relationships
(one containment relation per spatial element, one group assignment per system) at the end.
The structures written are the ones ifcopenshell.api would write (IfcRelNests for ports,
IfcRelConnectsPorts from SOURCE to SINK, IfcRelVoidsElement/IfcRelFillsElement for doors).
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Sequence
from typing import Any

import ifcopenshell
import ifcopenshell.guid

__all__ = ["IfcWriter", "Vec"]

Vec = tuple[float, float, float]
Entity = Any  # ifcopenshell.entity_instance; typed loosely for mypy friendliness


class IfcWriter:
    """Owns the file, the GlobalId namespace and the batched relationships."""

    def __init__(self, name: str) -> None:
        self.f = ifcopenshell.file(schema="IFC4")
        self.ns = uuid.uuid5(uuid.NAMESPACE_URL, f"https://hospital-twin.example/{name}")
        self._dirs: dict[tuple[float, float, float], Entity] = {}
        self._maps: dict[tuple[Any, ...], Entity] = {}
        self._contained: dict[int, tuple[Entity, list[Entity]]] = {}
        self._groups: dict[int, tuple[Entity, list[Entity]]] = {}
        self._used: set[str] = set()
        self.products: list[Entity] = []
        self.origin = self.f.createIfcCartesianPoint((0.0, 0.0, 0.0))
        self.origin2d = self.f.createIfcAxis2Placement2D(self.f.createIfcCartesianPoint((0.0, 0.0)))
        self.axis_origin = self.f.createIfcAxis2Placement3D(self.origin)
        self.identity = self.f.createIfcCartesianTransformationOperator3D(
            None, None, self.origin, None, None
        )
        self.body: Entity = None

    # -- identities -------------------------------------------------------------------------
    def guid(self, key: str) -> str:
        """A GlobalId from uuid5 of a stable name, so rewrites give identical ids."""
        if key in self._used:
            raise ValueError(f"duplicate GlobalId key {key!r}")
        self._used.add(key)
        digest = bytearray(hashlib.sha1(self.ns.bytes + key.encode()).digest()[:16])
        digest[6] = (digest[6] & 0x0F) | 0x50  # uuid5: version 5, RFC 4122 variant
        digest[8] = (digest[8] & 0x3F) | 0x80
        return str(ifcopenshell.guid.compress(digest.hex()))

    def rel(self, cls: str, key: str, **attrs: Any) -> Entity:
        """A relationship (any IfcRoot) with a stable GlobalId."""
        return self.f.create_entity(cls, GlobalId=self.guid(key), **attrs)

    # -- geometry primitives ----------------------------------------------------------------
    def direction(self, v: Vec) -> Entity:
        key = (round(v[0], 9), round(v[1], 9), round(v[2], 9))
        d = self._dirs.get(key)
        if d is None:
            d = self._dirs[key] = self.f.createIfcDirection(key)
        return d

    def placement(
        self,
        rel_to: Entity | None,
        loc: Vec,
        rot: float = 0.0,
        axis: Vec | None = None,
        ref: Vec | None = None,
    ) -> Entity:
        """A local placement at ``loc`` rotated ``rot`` radians about Z (or with axis/ref)."""
        point = self.f.createIfcCartesianPoint(tuple(float(c) for c in loc))
        if axis is None and rot:
            axis, ref = (0.0, 0.0, 1.0), (math.cos(rot), math.sin(rot), 0.0)
        if axis is None:
            a3 = self.f.createIfcAxis2Placement3D(point)
        else:
            a3 = self.f.createIfcAxis2Placement3D(
                point, self.direction(axis), self.direction(ref or (1.0, 0.0, 0.0))
            )
        return self.f.createIfcLocalPlacement(rel_to, a3)

    def shape(self, items: Sequence[Entity], kind: str = "SweptSolid") -> Entity:
        rep = self.f.createIfcShapeRepresentation(self.body, "Body", kind, list(items))
        return self.f.createIfcProductDefinitionShape(None, None, [rep])

    def extrusion(self, profile: Entity, depth: float) -> Entity:
        return self.f.createIfcExtrudedAreaSolid(
            profile, self.axis_origin, self.direction((0.0, 0.0, 1.0)), float(depth)
        )

    def polygon_solid(self, pts: Sequence[tuple[float, float]], height: float) -> Entity:
        """An extruded closed polyline: exact footprints for spaces."""
        ring = [self.f.createIfcCartesianPoint((float(x), float(y))) for x, y in pts]
        curve = self.f.createIfcPolyline([*ring, ring[0]])
        profile = self.f.createIfcArbitraryClosedProfileDef("AREA", None, curve)
        return self.extrusion(profile, height)

    def mapped(self, key: tuple[Any, ...]) -> Entity:
        """A shared product shape mapping a representation map: boxes or cylinders by size.

        ``("box", dx, dy, dz)`` is centred in x/y on the placement and rises ``dz`` along local Z;
        ``("cyl", r, length)`` is a cylinder along local Z.
        """
        shared = self._maps.get(key)
        if shared is None:
            if key[0] == "box":
                profile = self.f.createIfcRectangleProfileDef(
                    "AREA", None, self.origin2d, float(key[1]), float(key[2])
                )
                solid = self.extrusion(profile, key[3])
            else:
                profile = self.f.createIfcCircleProfileDef("AREA", None, self.origin2d, key[1])
                solid = self.extrusion(profile, key[2])
            rep = self.f.createIfcShapeRepresentation(self.body, "Body", "SweptSolid", [solid])
            rmap = self.f.createIfcRepresentationMap(self.axis_origin, rep)
            item = self.f.createIfcMappedItem(rmap, self.identity)
            # IFC4 lets one IfcProductDefinitionShape serve many products (ShapeOfProduct is a
            # SET [1:?]); sharing it saves three entities per occurrence in the large model.
            shared = self._maps[key] = self.shape([item], "MappedRepresentation")
        return shared

    # -- products and relationships -----------------------------------------------------------
    def product(
        self,
        cls: str,
        key: str,
        name: str,
        placement: Entity,
        shape: Entity | None,
        container: Entity | None,
        **attrs: Any,
    ) -> Entity:
        """Create a product, remember it for counting and batch its spatial containment."""
        ent = self.f.create_entity(
            cls,
            GlobalId=self.guid(key),
            Name=name,
            ObjectPlacement=placement,
            Representation=shape,
            **attrs,
        )
        self.products.append(ent)
        if container is not None:
            self.contain(container, ent)
        return ent

    def contain(self, container: Entity, ent: Entity) -> None:
        self._contained.setdefault(container.id(), (container, []))[1].append(ent)

    def assign(self, system: Entity, ent: Entity) -> None:
        self._groups.setdefault(system.id(), (system, []))[1].append(ent)

    def pset(self, key: str, objs: list[Entity], name: str, props: dict[str, Any]) -> Entity:
        """A property set of single values; value types: str -> IfcLabel, float -> IfcReal."""
        values = []
        for pname, value in props.items():
            if isinstance(value, tuple):
                nominal = self.f.create_entity(value[0], value[1])
            elif isinstance(value, str):
                nominal = self.f.createIfcLabel(value)
            elif isinstance(value, bool):
                nominal = self.f.createIfcBoolean(value)
            else:
                nominal = self.f.createIfcReal(float(value))
            values.append(self.f.createIfcPropertySingleValue(pname, None, nominal, None))
        ps = self.f.createIfcPropertySet(self.guid(f"{key}/pset/{name}"), None, name, None, values)
        self.rel(
            "IfcRelDefinesByProperties",
            f"{key}/defines/{name}",
            RelatedObjects=objs,
            RelatingPropertyDefinition=ps,
        )
        return ps

    def port(self, owner_key: str, name: str, direction: str, ptype: str, stype: str) -> Entity:
        return self.f.create_entity(
            "IfcDistributionPort",
            GlobalId=self.guid(f"{owner_key}/port/{name}"),
            Name=name,
            FlowDirection=direction,
            PredefinedType=ptype,
            SystemType=stype,
        )

    def nest_ports(self, key: str, owner: Entity, ports: list[Entity]) -> None:
        self.rel("IfcRelNests", f"{key}/nests", RelatingObject=owner, RelatedObjects=ports)

    def connect(self, key: str, source_port: Entity, sink_port: Entity) -> None:
        """Connect an upstream SOURCE port to a downstream SINK port (api.system.connect_port)."""
        self.rel(
            "IfcRelConnectsPorts",
            f"{key}/connects",
            RelatingPort=source_port,
            RelatedPort=sink_port,
        )

    def flush(self) -> None:
        """Write the batched containment and group relationships."""
        for container, elements in self._contained.values():
            self.rel(
                "IfcRelContainedInSpatialStructure",
                f"{container.GlobalId}/contains",
                RelatedElements=elements,
                RelatingStructure=container,
            )
        for system, members in self._groups.values():
            self.rel(
                "IfcRelAssignsToGroup",
                f"{system.GlobalId}/assigns",
                RelatedObjects=members,
                RelatingGroup=system,
            )
        self._contained.clear()
        self._groups.clear()
