"""IFC file -> :class:`~twin.model.Twin`, in one pass of each kind.

Order matters for speed: the file is opened and checked, relationships are read once
(``relations``), the geometry engine triangulates every product on all cores (``geometry``),
then elements, spaces, ports and systems are assembled from dictionaries. Nothing is returned
until everything succeeded, so a caller never sees a half-loaded twin.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.util.unit
import shapely
from shapely.geometry.base import BaseGeometry

from twin.errors import IfcLoadError, TwinError
from twin.ifc.areas import AreaBasis, net_area_basis
from twin.ifc.elements import classify, element_occurrences, is_part_of_classified
from twin.ifc.geometry import bbox_of, footprint_hull, iterate_meshes, merge_meshes
from twin.ifc.georef import read_georef
from twin.ifc.open import open_ifc
from twin.ifc.ports import read_connections, read_ports, read_systems
from twin.ifc.quality import build_quality
from twin.ifc.relations import Relations, read_relations
from twin.ifc.spatial import SpatialTree, placement_point, read_spaces, read_spatial_tree, text
from twin.model import BBox, Element, Mesh, SourceInfo, Space, SpaceBoundary, Twin

__all__ = ["build_twin", "file_sha256"]

log = logging.getLogger(__name__)


def file_sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def build_twin(path: Path, *, ncpu: int | None = None) -> Twin:
    """Parse ``path`` into a Twin; raises IfcLoadError / UnsupportedSchema (see module doc)."""
    path = Path(path)
    start = time.perf_counter()
    model = open_ifc(path)
    try:
        twin = _build(model, path, ncpu, start)
    except TwinError:
        raise
    except Exception as exc:  # a model ifcopenshell reads but we cannot make sense of
        log.exception("ingest of %s failed", path)
        raise IfcLoadError(f"{path}: cannot build a twin ({exc})", file=str(path)) from exc
    log.info("ingested %s in %.2f s", path, twin.ingest_seconds)
    return twin


def _scales(model: ifcopenshell.file) -> tuple[float, float]:
    length = float(ifcopenshell.util.unit.calculate_unit_scale(model, "LENGTHUNIT"))
    area = float(ifcopenshell.util.unit.calculate_unit_scale(model, "AREAUNIT"))
    return length, area


def _build(model: ifcopenshell.file, path: Path, ncpu: int | None, start: float) -> Twin:
    length_to_m, area_to_m2 = _scales(model)
    rels = read_relations(model)
    raw_meshes = iterate_meshes(model, ncpu=ncpu)
    tree = read_spatial_tree(model, rels, length_to_m)
    products, parts = _occurrences(model, rels)
    meshes: dict[str, Mesh] = {}
    geo: dict[str, tuple[BBox | None, BaseGeometry | None, str]] = {}
    for p in products:
        mesh = merge_meshes(
            raw_meshes[q.id()] for q in [p, *parts.get(p.id(), ())] if q.id() in raw_meshes
        )
        if mesh is not None:
            meshes[p.GlobalId] = mesh
            geo[p.GlobalId] = (bbox_of(mesh), footprint_hull(mesh), "solid")
        else:
            point = placement_point(p, length_to_m)
            geo[p.GlobalId] = (
                ((*point, *point), None, "placement") if point else (None, None, "none")
            )
    boundaries, boundary_elements = _boundaries(rels)
    footprints = {g: f for g, (_, f, _) in geo.items() if f is not None}
    spaces = read_spaces(
        model, rels, tree, raw_meshes, length_to_m, area_to_m2, boundary_elements, footprints
    )
    for sp in model.by_type("IfcSpace"):
        if sp.id() in raw_meshes:
            meshes[sp.GlobalId] = raw_meshes[sp.id()]
    guid_of = {p.id(): p.GlobalId for p in products}
    for p in products:  # parts' relations (systems, ports) count for their whole
        for q in parts.get(p.id(), ()):
            guid_of[q.id()] = p.GlobalId
    elements = _elements(model, products, rels, tree, spaces, geo)
    ports = read_ports(model, rels, length_to_m)
    georef = read_georef(model, length_to_m)
    twin = Twin(
        source=SourceInfo(
            path=str(path),
            sha256=file_sha256(path),
            schema=model.schema_identifier,
            length_unit_to_m=length_to_m,
            bytes=path.stat().st_size,
        ),
        georef=georef,
        sites=tree.sites,
        buildings=tree.buildings,
        storeys=tree.storeys,
        spaces=spaces,
        elements=elements,
        ports=ports,
        connections=read_connections(model),
        systems=read_systems(model, rels, guid_of),
        space_boundaries=boundaries,
        meshes=meshes,
        quality=build_quality(
            tree.storeys,
            spaces,
            elements,
            ports,
            georef,
            area_basis=_area_basis(model, spaces, raw_meshes),
        ),
        ingest_seconds=time.perf_counter() - start,
    )
    return twin


def _area_basis(
    model: ifcopenshell.file, spaces: Mapping[str, Space], raw_meshes: Mapping[int, Mesh]
) -> dict[str, AreaBasis]:
    """For spaces declaring NetFloorArea: the computed area it should equal (twin.ifc.areas)."""
    out: dict[str, AreaBasis] = {}
    for sp in model.by_type("IfcSpace"):
        space = spaces[sp.GlobalId]
        if space.declared_area is None or space.footprint is None:
            continue
        out[sp.GlobalId] = net_area_basis(
            raw_meshes.get(sp.id()), float(space.footprint.area), space.psets
        )
    return out


def _occurrences(
    model: ifcopenshell.file, rels: Relations
) -> tuple[list[Any], dict[int, list[Any]]]:
    """Classified products, and the parts folded into each (stair flights into their stair)."""
    products: list[Any] = []
    parts: dict[int, list[Any]] = defaultdict(list)
    for p in element_occurrences(model):
        parent = rels.parent.get(p.id())
        if is_part_of_classified(p, parent):
            root: Any = parent
            while is_part_of_classified(root, rels.parent.get(root.id())):
                root = rels.parent[root.id()]
            parts[root.id()].append(p)
        else:
            products.append(p)
    return products, parts


def _boundaries(rels: Relations) -> tuple[tuple[SpaceBoundary, ...], dict[str, list[str]]]:
    out: list[SpaceBoundary] = []
    by_space: dict[str, list[str]] = defaultdict(list)
    for rel in rels.boundaries:
        space = rel.RelatingSpace
        if space is None or not space.is_a("IfcSpace"):
            continue
        el = rel.RelatedBuildingElement
        out.append(
            SpaceBoundary(
                guid=rel.GlobalId,
                space=space.GlobalId,
                element=el.GlobalId if el is not None else None,
                physical=text(rel.PhysicalOrVirtualBoundary) == "PHYSICAL",
                internal=text(rel.InternalOrExternalBoundary) == "INTERNAL",
            )
        )
        if el is not None:
            by_space[space.GlobalId].append(el.GlobalId)
    return tuple(out), by_space


def _structure(rels: Relations, product: Any) -> Any | None:
    """The spatial structure containing a product, directly or through its aggregate whole."""
    cur = product
    for _ in range(6):
        found = rels.container.get(cur.id())
        if found is not None:
            return found
        cur = rels.parent.get(cur.id())
        if cur is None:
            return None
        if cur.is_a("IfcSpatialElement") or cur.is_a("IfcSpatialStructureElement"):
            return cur
    return None


def _storey_by_z(tree: SpatialTree, z: float) -> str | None:
    best: tuple[float, str] | None = None
    for s in tree.storeys.values():
        if s.elevation <= z + 0.05 and (best is None or s.elevation > best[0]):
            best = (s.elevation, s.guid)
    if best is None and tree.storeys:
        return min(tree.storeys.values(), key=lambda s: s.elevation).guid
    return best[1] if best else None


class _SpaceFinder:
    """Point-in-footprint lookup of spaces, for elements no relation places in a room."""

    def __init__(self, spaces: Mapping[str, Space]) -> None:
        self.items = [
            s for s in spaces.values() if s.footprint is not None and s.footprint.area > 0
        ]
        self.tree = shapely.STRtree([s.footprint for s in self.items]) if self.items else None

    def find(self, x: float, y: float, z: float, storey: str | None) -> str | None:
        if self.tree is None:
            return None
        point = shapely.Point(x, y)
        for i in self.tree.query(point, predicate="intersects"):
            s = self.items[int(i)]
            b = s.bbox
            if b is not None and b[2] - 0.3 <= z <= b[5] + 0.05:
                return s.guid
            if b is None and storey is not None and s.storey == storey:
                return s.guid
        return None


def _elements(
    model: ifcopenshell.file,
    products: list[Any],
    rels: Relations,
    tree: SpatialTree,
    spaces: Mapping[str, Space],
    geo: Mapping[str, tuple[BBox | None, BaseGeometry | None, str]],
) -> dict[str, Element]:
    schema = model.schema_identifier  # IFC4X3_ADD2, not the family name ifcopenshell cannot look up
    finder = _SpaceFinder(spaces)
    space_of_id = {sp.id(): sp.GlobalId for sp in model.by_type("IfcSpace")}
    elements: dict[str, Element] = {}
    for p in products:
        pid, guid = p.id(), p.GlobalId
        typ = rels.type_of.get(pid)
        bbox, footprint, source = geo[guid]
        storey, space = _placement_in_tree(rels, p, tree, spaces, space_of_id)
        storey_inferred = space_inferred = False
        if storey is None and bbox is not None:
            storey, storey_inferred = _storey_by_z(tree, bbox[2]), True
        if space is None and bbox is not None and spaces:
            c = ((bbox[0] + bbox[3]) / 2, (bbox[1] + bbox[4]) / 2, bbox[2] + 0.01)
            space = finder.find(c[0], c[1], c[2], storey)
            space_inferred = space is not None
        host = rels.host.get(pid)
        elements[guid] = Element(
            guid=guid,
            ifc_class=p.is_a(),
            kind=classify(p, typ, schema),
            name=text(p.Name),
            type_name=text(typ.Name) if typ is not None else "",
            predefined_type=text(getattr(p, "PredefinedType", None)),
            object_type=text(getattr(p, "ObjectType", None)),
            storey=storey,
            space=space,
            space_inferred=space_inferred,
            storey_inferred=storey_inferred,
            systems=tuple(g.GlobalId for g in rels.groups.get(pid, ()) if g.is_a("IfcSystem")),
            bbox=bbox,
            footprint=footprint,
            geometry_source=source,  # type: ignore[arg-type]
            host=host.GlobalId if host is not None else None,
            psets=rels.psets.get(pid, {}),
        )
    return elements


def _placement_in_tree(
    rels: Relations,
    product: Any,
    tree: SpatialTree,
    spaces: Mapping[str, Space],
    space_of_id: Mapping[int, str],
) -> tuple[str | None, str | None]:
    """(storey, space) from containment, reference and aggregation relations."""
    storey = space = None
    structure = _structure(rels, product)
    if structure is not None:
        if structure.id() in space_of_id:
            space = space_of_id[structure.id()]
            storey = spaces[space].storey
        else:
            storey = tree.storey_of_id.get(structure.id())
    for ref in rels.referenced_in.get(product.id(), ()):
        if space is None and ref.id() in space_of_id:
            space = space_of_id[ref.id()]
            storey = storey or spaces[space].storey
        elif storey is None and ref.id() in tree.storey_of_id:
            storey = tree.storey_of_id[ref.id()]
    return storey, space
