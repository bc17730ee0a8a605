"""The frozen domain types of a building twin.

A :class:`Twin` is one parsed IFC file: an immutable snapshot that analyses read and no request
ever changes (live state lives in the store, what-if changes in scenario overlays). Everything is
keyed by IFC GlobalId, lengths are metres and coordinates are the model's world frame in metres
(the IFC project coordinate system after unit conversion). Where the model is georeferenced,
:class:`Georef` says how to reach the map CRS and WGS84.

The types hold shapely geometries and numpy arrays so that a twin pickles cheaply into the cache
(`twin.service.cache`) and loads back without touching ifcopenshell.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from shapely.geometry.base import BaseGeometry

from twin.errors import BuildingNotFound, ElementNotFound, SpaceNotFound, StoreyNotFound

__all__ = [
    "BBox",
    "Building",
    "Element",
    "Georef",
    "Mesh",
    "Port",
    "PortConnection",
    "QualityReport",
    "Site",
    "SourceInfo",
    "Space",
    "SpaceBoundary",
    "Storey",
    "System",
    "Twin",
]

BBox = tuple[float, float, float, float, float, float]
"""Axis-aligned box ``(xmin, ymin, zmin, xmax, ymax, zmax)`` in metres."""

GeometrySource = Literal["solid", "boundaries", "placement", "none"]
"""How a space or element was located: its own solid, its space boundaries, its placement point,
or not at all. Answers built on anything but ``solid`` say so."""

FlowDirection = Literal["SOURCE", "SINK", "SOURCEANDSINK", "NOTDEFINED"]


@dataclass(frozen=True, slots=True)
class Mesh:
    """Triangles of one product in world metres (Z up). ``vertices`` float32 (n, 3), ``faces``
    int32 (m, 3)."""

    vertices: np.ndarray
    faces: np.ndarray


@dataclass(frozen=True, slots=True)
class SourceInfo:
    path: str
    sha256: str
    schema: str  # the file's schema identifier, e.g. "IFC2X3", "IFC4", "IFC4X3_ADD2"
    length_unit_to_m: float
    bytes: int


@dataclass(frozen=True, slots=True)
class Georef:
    """How local metres reach the earth.

    ``mode`` is ``map_conversion`` (IfcMapConversion: a projected CRS and a 2D Helmert transform),
    ``site_latlon`` (only IfcSite RefLatitude/RefLongitude: a local tangent plane is assumed,
    stated in ``assumptions``) or ``none`` (local metres only).
    """

    mode: Literal["map_conversion", "site_latlon", "none"]
    crs: str | None = None  # e.g. "EPSG:25832"
    eastings: float = 0.0
    northings: float = 0.0
    orthogonal_height: float = 0.0
    x_axis_abscissa: float = 1.0
    x_axis_ordinate: float = 0.0
    scale: float = 1.0
    latitude: float | None = None
    longitude: float | None = None
    elevation: float | None = None
    assumptions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Site:
    guid: str
    name: str
    latitude: float | None = None
    longitude: float | None = None
    elevation: float | None = None
    #: walkable ground contained in the site (paving, footpaths, yards): element GlobalIds
    #: (twin.ifc.spatial.walkable_site_elements; docs/campus.md "Outdoor paths")
    ground: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Building:
    guid: str
    name: str
    site: str | None
    storeys: tuple[str, ...]  # storey guids, ordered by elevation


@dataclass(frozen=True, slots=True)
class Storey:
    guid: str
    name: str
    elevation: float  # metres, world Z of the storey's floor level
    building: str | None
    index: int  # 0-based order by elevation within its building
    height: float | None = None  # distance to the next storey above, where known


@dataclass(frozen=True, slots=True)
class Space:
    guid: str
    name: str  # IFC Name, usually the room number
    long_name: str
    number: str  # room number as a user types it (Name, or Pset Reference)
    category: str  # usage/category: ObjectType, Pset_SpaceCommon Category/Reference, or ""
    criticality: str  # see twin.kinds.CRITICALITIES; "normal" when nothing marks it
    storey: str | None
    building: str | None
    footprint: BaseGeometry | None  # plan section in world metres; None without geometry
    bbox: BBox | None
    elevation: float | None  # floor level (world Z)
    height: float | None
    declared_area: float | None  # Qto NetFloorArea (m2), where the model declares it
    geometry_source: GeometrySource
    psets: Mapping[str, Mapping[str, object]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.number} {self.long_name}".strip() if self.long_name else self.number


@dataclass(frozen=True, slots=True)
class Element:
    guid: str
    ifc_class: str
    kind: str  # see twin.kinds.KINDS; otherwise the IFC class
    name: str
    type_name: str
    predefined_type: str
    object_type: str
    storey: str | None
    space: str | None
    space_inferred: bool  # True where the space comes from geometry, not an IFC relation
    storey_inferred: bool
    systems: tuple[str, ...]  # guids of IfcSystem groups the element is assigned to
    bbox: BBox | None
    footprint: BaseGeometry | None  # XY projection on its storey, world metres
    geometry_source: GeometrySource
    host: str | None = None  # element a sensor/actuator/controller is attached to
    psets: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    fills: str | None = None  # a door/window: the element whose opening it fills (its wall)

    @property
    def centroid(self) -> tuple[float, float, float] | None:
        if self.bbox is None:
            return None
        b = self.bbox
        return ((b[0] + b[3]) / 2, (b[1] + b[4]) / 2, (b[2] + b[5]) / 2)


@dataclass(frozen=True, slots=True)
class Port:
    guid: str
    element: str | None  # owning element (IfcRelNests or IfcRelConnectsPortToElement)
    flow_direction: FlowDirection
    system_type: str  # port PredefinedType / SystemType where given, else ""
    position: tuple[float, float, float] | None  # world metres, where the port is placed


@dataclass(frozen=True, slots=True)
class PortConnection:
    """One IfcRelConnectsPorts, kept as declared (relating, related)."""

    guid: str
    relating_port: str
    related_port: str


@dataclass(frozen=True, slots=True)
class System:
    guid: str
    name: str
    ifc_class: str  # IfcSystem, IfcDistributionSystem, IfcDistributionCircuit, ...
    predefined_type: str
    object_type: str
    flow: str  # "water" | "air" | "gas" | "electricity" | "heating" | "other"
    members: tuple[str, ...]  # element guids
    served_buildings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SpaceBoundary:
    guid: str
    space: str
    element: str | None
    physical: bool  # PHYSICAL, and not an IfcVirtualElement (an open join is virtual)
    internal: bool
    external: bool = False  # InternalOrExternalBoundary EXTERNAL* (NOTDEFINED is neither)


@dataclass(frozen=True, slots=True)
class QualityReport:
    """What a facility team should know before trusting answers built on this model."""

    counts: Mapping[str, int]  # plural kind name -> count, zeros included for the core kinds
    spaces_without_geometry: tuple[str, ...]
    spaces_located_by_fallback: tuple[str, ...]
    elements_without_storey: tuple[str, ...]
    elements_located_by_geometry: tuple[str, ...]
    distribution_without_ports: tuple[str, ...]
    area_checks: Mapping[str, tuple[float, float]]  # space guid -> (declared, computed) m2
    georeferencing: str  # "map_conversion" | "site_latlon" | "none"
    warnings: tuple[str, ...] = ()
    #: space guid -> "plan" | "height_weighted": the basis of its area check (twin.ifc.areas)
    area_bases: Mapping[str, str] = field(default_factory=dict)
    #: IFC class -> count of products the twin does not classify into a kind (e.g. IfcMember)
    other_classes: Mapping[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "counts": dict(self.counts),
            "spaces_without_geometry": list(self.spaces_without_geometry),
            "spaces_located_by_fallback": list(self.spaces_located_by_fallback),
            "elements_without_storey": list(self.elements_without_storey),
            "elements_located_by_geometry": list(self.elements_located_by_geometry),
            "distribution_without_ports": list(self.distribution_without_ports),
            "area_checks": {k: list(v) for k, v in self.area_checks.items()},
            "area_bases": dict(self.area_bases),
            "other_classes": dict(self.other_classes),
            "georeferencing": self.georeferencing,
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class Twin:
    """One parsed IFC model. Treat every mapping as read-only."""

    source: SourceInfo
    georef: Georef
    sites: Mapping[str, Site]
    buildings: Mapping[str, Building]
    storeys: Mapping[str, Storey]
    spaces: Mapping[str, Space]
    elements: Mapping[str, Element]  # every classified product except spaces
    ports: Mapping[str, Port]
    connections: tuple[PortConnection, ...]
    systems: Mapping[str, System]
    space_boundaries: tuple[SpaceBoundary, ...]
    meshes: Mapping[str, Mesh]  # by product guid (spaces and elements) where geometry exists
    quality: QualityReport
    ingest_seconds: float = 0.0
    #: model ids of the discipline models a federated twin was assembled from, the primary
    #: (whose spatial tree and rooms it uses) first; ``()`` for a twin of one file
    members: tuple[str, ...] = ()
    #: product / system / port GlobalId -> model id it came from, in a federated twin only
    origin: Mapping[str, str] | None = None

    def model_of(self, guid: str) -> str | None:
        """The discipline model a product came from (``None`` in a twin of one file)."""
        return self.origin.get(guid) if self.origin is not None else None

    # -- lookups that raise the library's typed errors -------------------------------------
    def building(self, guid: str) -> Building:
        try:
            return self.buildings[guid]
        except KeyError:
            msg = f"no building {guid!r} in {self.source.path}"
            raise BuildingNotFound(msg, guid=guid) from None

    def storey(self, guid: str) -> Storey:
        try:
            return self.storeys[guid]
        except KeyError:
            raise StoreyNotFound(f"no storey {guid!r} in {self.source.path}", guid=guid) from None

    def space(self, guid: str) -> Space:
        try:
            return self.spaces[guid]
        except KeyError:
            raise SpaceNotFound(f"no space {guid!r} in {self.source.path}", guid=guid) from None

    def element(self, guid: str) -> Element:
        try:
            return self.elements[guid]
        except KeyError:
            raise ElementNotFound(f"no element {guid!r} in {self.source.path}", guid=guid) from None

    def product(self, guid: str) -> Space | Element:
        """A space or an element by GlobalId (both are places a fault can be)."""
        if guid in self.spaces:
            return self.spaces[guid]
        return self.element(guid)

    def elements_of_kind(self, *kinds: str) -> Iterator[Element]:
        wanted = set(kinds)
        return (e for e in self.elements.values() if e.kind in wanted)

    def storeys_of(self, building: str) -> list[Storey]:
        return [self.storeys[g] for g in self.building(building).storeys]
