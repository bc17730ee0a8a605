"""Sites, buildings, storeys and spaces: the spatial tree with world elevations and footprints.

Storey elevations come from the storey placement (world Z), falling back to the declared
Elevation; space footprints are the union of the XY projection of the space solid's triangles.
Spaces without a solid are located by the elements bounding them (convex hull of their
footprints) or by their placement point, and ``geometry_source`` says which.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ifcopenshell
import shapely
from shapely.geometry.base import BaseGeometry

from twin.ifc.fast import isa
from twin.ifc.geometry import bbox_of, footprint_union
from twin.ifc.placement import Placements
from twin.ifc.relations import Relations
from twin.kinds import classify_space_criticality
from twin.model import BBox, Building, Mesh, Site, Space, Storey

__all__ = [
    "SpatialTree",
    "placement_point",
    "read_spaces",
    "read_spatial_tree",
    "text",
    "walkable_site_elements",
]


def text(value: Any) -> str:
    return "" if value is None else str(value)


def placement_point(
    product: Any, length_to_m: float, placements: Placements | None = None
) -> tuple[float, float, float] | None:
    """World position of a product's placement origin, metres. Pass one ``placements`` per
    model when calling this for many products: shared parent placements are then computed once."""
    return (placements or Placements()).point(product, length_to_m)


@dataclass
class SpatialTree:
    sites: dict[str, Site]
    buildings: dict[str, Building]
    storeys: dict[str, Storey]
    storey_of_id: dict[int, str]  # storey entity id -> guid


def _ancestor(rels: Relations, entity: Any, cls: str) -> Any | None:
    cur = rels.parent.get(entity.id())
    for _ in range(8):
        if cur is None:
            return None
        if isa(cur, cls):
            return cur
        cur = rels.parent.get(cur.id()) or rels.container.get(cur.id())
    return None


#: Site elements that are walkable ground, by class: the predefined types that denote a paved
#: surface people walk on (None: any type). IfcSlab ROOF, BASESLAB (a foundation), APPROACH_SLAB
#: (under a bridge's road) and TRACKSLAB (rails) are not; IfcCovering only FLOORING; IFC4X3
#: IfcCourse only PAVEMENT (not ballast, filter or armour layers); IfcKerb is an edge, not
#: ground. IfcGeographicElement TERRAIN and VEGETATION are not walkable ground: the terrain is the
#: whole site surface (lawns, beds, embankments, often under the buildings too), which the
#: flat outdoor ground already stands for; a wayfinder sends nobody across it. docs/campus.md.
_GROUND_TYPES: dict[str, frozenset[str] | None] = {
    "IfcSlab": frozenset({"PAVING", "SIDEWALK", "WEARING", "FLOOR", "LANDING", "NOTDEFINED", ""}),
    "IfcCovering": frozenset({"FLOORING"}),
    "IfcPavement": None,
    "IfcCourse": frozenset({"PAVEMENT"}),
}
#: A USERDEFINED type (the element's ObjectType, or its type's ElementType) naming a paved way:
#: any site element class so named is walkable (IfcCivilElement, IfcGeographicElement,
#: IfcBuildingElementProxy ...). Matched as words: "Paving", "Footpath", "Courtyard".
_GROUND_WORDS = re.compile(
    r"pav(ing|ement)|foot(path|way)|sidewalk|walkway|pathway|yard|forecourt|plaza|piazza"
    r"|pedestrian|hardstanding|hard standing",
    re.IGNORECASE,
)


def _walkable(el: Any) -> bool:
    import ifcopenshell.util.element as ue

    kind = text(getattr(el, "PredefinedType", None)).upper()
    typ = ue.get_type(el)
    if kind in ("", "NOTDEFINED") and typ is not None:
        kind = text(getattr(typ, "PredefinedType", None)).upper() or kind
    if kind in ("", "USERDEFINED"):
        user = text(getattr(el, "ObjectType", None)) or text(getattr(typ, "ElementType", None))
        if _GROUND_WORDS.search(user):
            return True
    for cls, kinds in _GROUND_TYPES.items():
        if isa(el, cls):
            return kinds is None or kind in kinds
    return False


def walkable_site_elements(site: Any) -> tuple[str, ...]:
    """GlobalIds of the walkable ground contained directly in an IfcSite (and the parts those
    elements aggregate, e.g. an IFC4X3 pavement's courses): paving, footpath and yard surfaces
    by class and predefined type (:data:`_GROUND_TYPES`), or a USERDEFINED type naming one
    (:data:`_GROUND_WORDS`). Elements in a storey or a space are the building's, not ground."""
    out: list[str] = []
    todo = [e for rel in getattr(site, "ContainsElements", None) or () for e in rel.RelatedElements]
    seen: set[int] = set()
    while todo:
        el = todo.pop(0)
        if el.id() in seen:
            continue
        seen.add(el.id())
        if _walkable(el):
            out.append(el.GlobalId)
        for rel in getattr(el, "IsDecomposedBy", None) or ():
            todo.extend(rel.RelatedObjects)
    return tuple(out)


def _site(site: Any) -> Site:
    from twin.ifc.georef import _dms

    return Site(
        guid=site.GlobalId,
        name=text(site.Name),
        latitude=_dms(site.RefLatitude),
        longitude=_dms(site.RefLongitude),
        elevation=float(site.RefElevation) if site.RefElevation is not None else None,
        ground=walkable_site_elements(site),
    )


def read_spatial_tree(
    model: ifcopenshell.file,
    rels: Relations,
    length_to_m: float,
    placements: Placements | None = None,
) -> SpatialTree:
    placements = placements or Placements()
    sites = {s.GlobalId: _site(s) for s in model.by_type("IfcSite")}
    raw: list[tuple[Any, float, str | None]] = []
    for st in model.by_type("IfcBuildingStorey"):
        point = placements.point(st, length_to_m)
        elev = point[2] if point is not None else float(st.Elevation or 0.0) * length_to_m
        building = _ancestor(rels, st, "IfcBuilding")
        raw.append((st, elev, building.GlobalId if building is not None else None))
    storeys: dict[str, Storey] = {}
    by_building: dict[str | None, list[tuple[Any, float]]] = {}
    for st, elev, b in raw:
        by_building.setdefault(b, []).append((st, elev))
    for b, items in by_building.items():
        items.sort(key=lambda t: t[1])
        for i, (st, elev) in enumerate(items):
            height = items[i + 1][1] - elev if i + 1 < len(items) else None
            storeys[st.GlobalId] = Storey(st.GlobalId, text(st.Name), elev, b, i, height)
    buildings: dict[str, Building] = {}
    for bld in model.by_type("IfcBuilding"):
        site = _ancestor(rels, bld, "IfcSite")
        items = by_building.get(bld.GlobalId, [])
        buildings[bld.GlobalId] = Building(
            guid=bld.GlobalId,
            name=text(bld.Name) or text(bld.LongName),
            site=site.GlobalId if site is not None else None,
            storeys=tuple(st.GlobalId for st, _ in items),
        )
    storey_of_id = {st.id(): st.GlobalId for st, _, _ in raw}
    return SpatialTree(sites, buildings, storeys, storey_of_id)


def _declared(psets: Mapping[str, Mapping[str, object]], names: tuple[str, ...]) -> float | None:
    for pset in psets.values():
        for name in names:
            value = pset.get(name)
            if isinstance(value, int | float) and value > 0:
                return float(value)
    return None


def _external_flag(
    space: Any, psets: Mapping[str, Mapping[str, object]]
) -> Mapping[str, Mapping[str, object]]:
    """An outdoor space (IFC4 ``PredefinedType`` EXTERNAL, IFC2x3 ``InteriorOrExteriorSpace``
    EXTERNAL) says so where the property sets say it for everyone: ``Pset_SpaceCommon``
    ``IsExternal`` (the standard property of the same meaning), unless the model set it itself.
    A campus walks such spaces as outdoor ground (docs/campus.md)."""
    kind = getattr(space, "PredefinedType", None) or getattr(space, "InteriorOrExteriorSpace", None)
    common = psets.get("Pset_SpaceCommon", {})
    if str(kind or "").upper() != "EXTERNAL" or "IsExternal" in common:
        return psets
    return {**psets, "Pset_SpaceCommon": {**common, "IsExternal": True}}


def _space_category(space: Any, psets: Mapping[str, Mapping[str, object]]) -> str:
    if getattr(space, "ObjectType", None):
        return str(space.ObjectType)
    common = psets.get("Pset_SpaceCommon", {})
    for key in ("Category", "Reference"):
        if common.get(key):
            return str(common[key])
    return ""


def _boundary_hull(
    guid: str, boundary_elements: Mapping[str, list[str]], footprints: Mapping[str, BaseGeometry]
) -> BaseGeometry | None:
    shapes = [footprints[g] for g in boundary_elements.get(guid, ()) if g in footprints]
    if not shapes:
        return None
    hull = shapely.convex_hull(shapely.union_all(shapes))
    return None if hull.is_empty or hull.area <= 0 else hull


def read_spaces(
    model: ifcopenshell.file,
    rels: Relations,
    tree: SpatialTree,
    meshes: Mapping[int, Mesh],
    length_to_m: float,
    area_to_m2: float,
    boundary_elements: Mapping[str, list[str]],
    element_footprints: Mapping[str, BaseGeometry],
    placements: Placements | None = None,
) -> dict[str, Space]:
    """Every IfcSpace with its storey, footprint and declared quantities."""
    placements = placements or Placements()
    spaces: dict[str, Space] = {}
    for sp in model.by_type("IfcSpace"):
        psets = _external_flag(sp, rels.psets.get(sp.id(), {}))
        storey_ent = _ancestor(rels, sp, "IfcBuildingStorey") or rels.container.get(sp.id())
        storey = tree.storey_of_id.get(storey_ent.id()) if storey_ent is not None else None
        building = tree.storeys[storey].building if storey else None
        mesh = meshes.get(sp.id())
        footprint: BaseGeometry | None = None
        bbox: BBox | None = None
        source = "none"
        if mesh is not None:
            footprint, bbox, source = footprint_union(mesh), bbox_of(mesh), "solid"
        if footprint is None:
            footprint = _boundary_hull(sp.GlobalId, boundary_elements, element_footprints)
            if footprint is not None:
                x0, y0, x1, y1 = footprint.bounds
                z0 = tree.storeys[storey].elevation if storey else 0.0
                bbox, source = (x0, y0, z0, x1, y1, z0), "boundaries"
        if footprint is None and bbox is None:
            point = placements.point(sp, length_to_m)
            if point is not None:
                bbox, source = (*point, *point), "placement"
        declared = _declared(psets, ("NetFloorArea",))
        height = _declared(psets, ("Height", "FinishCeilingHeight", "NetHeight"))
        long_name = text(sp.LongName)
        category = _space_category(sp, psets)
        crit = psets.get("Pset_HospitalSpace", {}).get("Criticality")
        reference = psets.get("Pset_SpaceCommon", {}).get("Reference")
        elevation = bbox[2] if bbox else (tree.storeys[storey].elevation if storey else None)
        spaces[sp.GlobalId] = Space(
            guid=sp.GlobalId,
            name=text(sp.Name),
            long_name=long_name,
            number=text(sp.Name) or text(reference),
            category=category,
            criticality=classify_space_criticality(
                text(sp.Name), long_name, category, declared=text(crit) or None
            ),
            storey=storey,
            building=building,
            footprint=footprint,
            bbox=bbox,
            elevation=elevation,
            height=height * length_to_m if height is not None else None,
            declared_area=declared * area_to_m2 if declared is not None else None,
            geometry_source=source,  # type: ignore[arg-type]
            psets=psets,
        )
    return spaces
