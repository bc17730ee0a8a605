"""IFC file -> :class:`~twin.model.Twin`, in one pass of each kind.

Order matters for speed: the file is opened and checked, relationships are read once
(``relations``), the geometry engine triangulates every product on all cores (``geometry``),
then elements, spaces, ports and systems are assembled from dictionaries. Nothing is returned
until everything succeeded, so a caller never sees a half-loaded twin.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.util.unit
from shapely.geometry.base import BaseGeometry

from twin.errors import IfcLoadError, TwinError
from twin.ifc.areas import AreaBasis, net_area_basis
from twin.ifc.containment import SpaceFinder, space_query
from twin.ifc.doors import door_notes, link_doors
from twin.ifc.elements import classify, element_occurrences, is_part_of_classified
from twin.ifc.fast import attr, isa
from twin.ifc.geometry import (
    Engine,
    GeometryStats,
    PendingMeshes,
    boxes_and_hulls,
    collect_meshes,
    expected_products,
    merge_meshes,
    start_meshes,
)
from twin.ifc.georef import read_georef
from twin.ifc.open import open_ifc
from twin.ifc.placement import Placements
from twin.ifc.ports import read_connections, read_ports, read_systems
from twin.ifc.progress import Progress, report
from twin.ifc.quality import build_quality
from twin.ifc.relations import Relations, read_relations
from twin.ifc.reuse import MeshStore, geometry_keys, store_path
from twin.ifc.spatial import SpatialTree, read_spaces, read_spatial_tree, text
from twin.ifc.webifc_engine import WebIfcRun, resolve_engine, webifc_available
from twin.model import BBox, Element, Mesh, SourceInfo, Space, SpaceBoundary, Twin

__all__ = ["build_twin", "file_sha256"]

log = logging.getLogger(__name__)

#: A revision reuses stored meshes only while at most this share of its products changed; past
#: it, the engine's full pass is cheaper than meshing the changed ones one by one.
REUSE_MAX_CHANGED = 0.25


def file_sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def build_twin(
    path: Path,
    *,
    ncpu: int | None = None,
    progress: Progress | None = None,
    engine: Engine = "auto",
    reuse_dir: Path | None = None,
    stats: GeometryStats | None = None,
    deferred: list[Callable[[], None]] | None = None,
) -> Twin:
    """Parse ``path`` into a Twin; raises IfcLoadError / UnsupportedSchema (see module doc).
    ``progress`` hears the phases of :mod:`twin.ifc.progress`; ``engine`` picks the geometry
    engine (:mod:`twin.ifc.geometry`: web-ifc where installed, ifcopenshell for the rest).
    ``reuse_dir``: keep this project's meshes there by content key, and take the unchanged
    ones of a revision from it (:mod:`twin.ifc.reuse`). ``stats`` is filled with what the
    geometry pass did (engines, reused meshes). ``deferred``: when given, writing the store is
    not done before the twin is returned but appended there as a task for the caller to run
    afterwards (a background thread, twin.service.cache); on a cold build that task also computes
    the geometry keys, which a cold build does not need itself (only the next revision does). A
    revision still computes its keys first, to know what it can reuse."""
    path = Path(path)
    start = time.perf_counter()
    report(progress, "open")
    early: list[WebIfcRun] = []

    def start_worker() -> None:  # Node's start (0.5-1 s) overlaps ifcopenshell's parse
        if resolve_engine(engine) == "web-ifc" and webifc_available():
            try:
                early.append(WebIfcRun(path))
            except (IfcLoadError, OSError) as exc:
                log.warning("web-ifc engine unavailable (%s): using ifcopenshell", exc)

    try:
        model = open_ifc(path, before_parse=start_worker)
        with _gc_paused():
            twin = _build(
                model, path, ncpu, start, progress, engine, reuse_dir, stats, early or None,
                deferred,
            )  # fmt: skip
    except TwinError:
        raise
    except Exception as exc:  # a model ifcopenshell reads but we cannot make sense of
        log.exception("ingest of %s failed", path)
        raise IfcLoadError(f"{path}: cannot build a twin ({exc})", file=str(path)) from exc
    finally:
        for run in early:  # the ingest failed, or took its meshes elsewhere: no-op when done
            run.cancel()
    log.info("ingested %s in %.2f s", path, twin.ingest_seconds)
    report(progress, "done")
    return twin


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while assembling: ingest allocates millions of objects that all live
    on in the twin, and each collection would rescan them all for nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _scales(model: ifcopenshell.file) -> tuple[float, float]:
    length = float(ifcopenshell.util.unit.calculate_unit_scale(model, "LENGTHUNIT"))
    area = float(ifcopenshell.util.unit.calculate_unit_scale(model, "AREAUNIT"))
    return length, area


def _build(
    model: ifcopenshell.file,
    path: Path,
    ncpu: int | None,
    start: float,
    progress: Progress | None = None,
    engine: Engine = "auto",
    reuse_dir: Path | None = None,
    stats: GeometryStats | None = None,
    early: list[WebIfcRun] | None = None,
    deferred: list[Callable[[], None]] | None = None,
) -> Twin:
    length_to_m, area_to_m2 = _scales(model)
    revision = _Revision(model, path, engine, reuse_dir, early[0] if early else None)
    pending = revision.start(ncpu)
    report(progress, "semantics")
    # while the engine's threads triangulate: everything that needs no geometry
    rels = read_relations(model)
    placements = Placements()
    tree = read_spatial_tree(model, rels, length_to_m, placements)
    products, parts = _occurrences(model, rels)
    boundaries, boundary_elements = _boundaries(rels)
    ports = read_ports(model, rels, length_to_m, placements)
    connections = read_connections(model)
    georef = read_georef(model, length_to_m)
    guid_of = {p.id(): attr(p, "GlobalId") for p in products}
    for p in products:  # parts' relations (systems, ports) count for their whole
        for q in parts.get(p.id(), ()):
            guid_of[q.id()] = guid_of[p.id()]
    systems = read_systems(model, rels, guid_of)
    if deferred is None:
        revision.hash()  # a cold build writing its store now: while the engine still runs
    pending.expected = pending.expected or revision.expected or None
    raw_meshes = collect_meshes(pending, progress=progress)
    raw_meshes.update(revision.reused)
    if stats is not None:
        stats.__dict__.update(pending.stats.__dict__)
        stats.keyed = len(revision.keys or ())
    if deferred is None:
        revision.save(raw_meshes)
    elif revision.store is not None:
        deferred.append(revision.saver(raw_meshes))
    report(progress, "assembly")
    meshes, geo = _element_geometry(products, parts, raw_meshes, placements, length_to_m)
    footprints = {g: f for g, (_, f, _) in geo.items() if f is not None}
    spaces = read_spaces(
        model,
        rels,
        tree,
        raw_meshes,
        length_to_m,
        area_to_m2,
        boundary_elements,
        footprints,
        placements,
    )
    for sp in model.by_type("IfcSpace"):
        if sp.id() in raw_meshes:
            meshes[attr(sp, "GlobalId")] = raw_meshes[sp.id()]
    elements = _elements(model, products, rels, tree, spaces, geo)
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
        connections=connections,
        systems=systems,
        space_boundaries=boundaries,
        meshes=meshes,
        quality=build_quality(
            tree.storeys,
            spaces,
            elements,
            ports,
            georef,
            warnings=door_notes(link_doors(spaces, elements, boundaries)),
            area_basis=_area_basis(model, spaces, raw_meshes),
        ),
        ingest_seconds=time.perf_counter() - start,
    )
    return twin


class _Revision:
    """The revision store's part of one build (twin.ifc.reuse): which products keep a stored
    mesh, which the engine meshes, and the store written after."""

    def __init__(
        self,
        model: ifcopenshell.file,
        path: Path,
        engine: Engine,
        directory: Path | None,
        worker: WebIfcRun | None = None,
    ) -> None:
        self.model, self.path, self.engine, self.worker = model, path, engine, worker
        self.stamp = _stamp(path)  # the file as this build read it (size, mtime)
        self.resolved = resolve_engine(engine)
        where = store_path(directory, model, self.resolved) if directory is not None else None
        self.store = MeshStore(where) if where is not None else None
        self.keys: dict[int, bytes] | None = None
        self.reused: dict[int, Mesh] = {}
        self.expected: list[Any] = []

    def start(self, ncpu: int | None) -> PendingMeshes:
        """The engine pass: only the changed products when the store holds the rest."""
        if self.store is not None and len(self.store):
            self.expected = expected_products(self.model)
            self.hash()
            store = self.store
            found = ((pid, store.get(k)) for pid, k in (self.keys or {}).items())
            reused = {pid: mesh for pid, mesh in found if mesh is not None}
            changed = [p for p in self.expected if p.id() not in reused]
            if reused and len(changed) <= REUSE_MAX_CHANGED * len(self.expected):
                self.reused = reused
                log.info(
                    "revision: %d of %d products keep their stored mesh, %d meshed",
                    len(reused),
                    len(self.expected),
                    len(changed),
                )
                if self.worker is not None:
                    self.worker.cancel()
                pending = start_meshes(self.model, ncpu=ncpu, include=changed)
                pending.stats.reused = len(reused)
                pending.stats.engine = f"{self.resolved} (stored) + ifcopenshell"
                return pending
        return start_meshes(
            self.model, ncpu=ncpu, path=self.path, engine=self.engine, webifc=self.worker
        )

    def hash(self) -> None:
        if self.store is None or self.keys is not None:
            return
        self.expected = self.expected or expected_products(self.model)
        self.keys = geometry_keys(self.model, self.path, self.expected, self.resolved)

    def save(self, meshes: Mapping[int, Mesh]) -> None:
        if self.store is not None and self.keys is not None:
            self.store.save(self.keys, meshes)

    def saver(self, meshes: Mapping[int, Mesh]) -> Callable[[], None]:
        """The store's write as a task run after the twin is returned (``build_twin(deferred=)``):
        the keys (if this build did not need them) and the write. The file is read again for
        the keys, so a file replaced since the build is not keyed with this build's meshes."""

        def run() -> None:
            if _stamp(self.path) != self.stamp:
                log.warning("%s changed since its ingest: its mesh store is not written", self.path)
                return
            t0 = time.perf_counter()
            self.hash()
            self.save(meshes)
            log.info("mesh store of %s written in %.2f s", self.path, time.perf_counter() - t0)

        return run


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


_Geo = tuple[BBox | None, BaseGeometry | None, str]


def _element_geometry(
    products: list[Any],
    parts: Mapping[int, list[Any]],
    raw_meshes: Mapping[int, Mesh],
    placements: Placements,
    length_to_m: float,
) -> tuple[dict[str, Mesh], dict[str, _Geo]]:
    """Mesh (parts merged into their whole), box and plan hull of each product, in product
    order; products without a mesh get their placement point (``geometry_source``)."""
    meshes: dict[str, Mesh] = {}
    geo: dict[str, _Geo] = {}
    for p in products:
        guid = attr(p, "GlobalId")
        own = raw_meshes.get(p.id())
        extra = parts.get(p.id())
        mesh = own
        if extra:
            mesh = merge_meshes(raw_meshes[q.id()] for q in [p, *extra] if q.id() in raw_meshes)
        if mesh is not None:
            meshes[guid] = mesh
        else:
            point = placements.point(p, length_to_m)
            geo[guid] = ((*point, *point), None, "placement") if point else (None, None, "none")
    boxes, hulls = boxes_and_hulls(list(meshes.values()))
    for guid, box, hull in zip(meshes, boxes, hulls, strict=True):
        geo[guid] = (box, hull, "solid")
    return meshes, geo


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
            raw_meshes.get(sp.id()),
            float(space.footprint.area),
            space.psets,
            declared=space.declared_area,
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
        space = attr(rel, "RelatingSpace")
        if space is None or not isa(space, "IfcSpace"):
            continue
        el = attr(rel, "RelatedBuildingElement")
        space_guid = attr(space, "GlobalId")
        el_guid = attr(el, "GlobalId") if el is not None else None
        side = text(attr(rel, "InternalOrExternalBoundary"))
        out.append(
            SpaceBoundary(
                guid=attr(rel, "GlobalId"),
                space=space_guid,
                element=el_guid,
                # an IfcVirtualElement is an open join whatever the flag says
                physical=text(attr(rel, "PhysicalOrVirtualBoundary")) == "PHYSICAL"
                and not (el is not None and isa(el, "IfcVirtualElement")),
                internal=side == "INTERNAL",
                external=side.startswith("EXTERNAL"),
            )
        )
        if el_guid is not None:
            by_space[space_guid].append(el_guid)
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
        if isa(cur, "IfcSpatialElement") or isa(cur, "IfcSpatialStructureElement"):
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


def _elements(
    model: ifcopenshell.file,
    products: list[Any],
    rels: Relations,
    tree: SpatialTree,
    spaces: Mapping[str, Space],
    geo: Mapping[str, tuple[BBox | None, BaseGeometry | None, str]],
) -> dict[str, Element]:
    schema = model.schema_identifier  # IFC4X3_ADD2, not the family name ifcopenshell cannot look up
    space_of_id = {sp.id(): attr(sp, "GlobalId") for sp in model.by_type("IfcSpace")}
    placed: list[tuple[str | None, str | None, bool]] = []
    pending: list[int] = []
    queries: list[tuple[float, float, float, str | None]] = []
    for n, p in enumerate(products):
        bbox = geo[attr(p, "GlobalId")][0]
        storey, space = _placement_in_tree(rels, p, tree, spaces, space_of_id)
        storey_inferred = False
        if storey is None and bbox is not None:
            storey, storey_inferred = _storey_by_z(tree, bbox[2]), True
        if space is None and bbox is not None and spaces:
            pending.append(n)
            queries.append(space_query(bbox, storey))
        placed.append((storey, space, storey_inferred))
    inferred = dict(zip(pending, SpaceFinder(spaces).find_many(queries), strict=True))
    elements: dict[str, Element] = {}
    for n, p in enumerate(products):
        storey, space, storey_inferred = placed[n]
        space_inferred = False
        if space is None and inferred.get(n) is not None:
            space, space_inferred = inferred[n], True
        elements.update(
            _element(p, schema, rels, geo, storey, space, storey_inferred, space_inferred)
        )
    return elements


def _element(
    p: Any,
    schema: str,
    rels: Relations,
    geo: Mapping[str, tuple[BBox | None, BaseGeometry | None, str]],
    storey: str | None,
    space: str | None,
    storey_inferred: bool,
    space_inferred: bool,
) -> dict[str, Element]:
    pid, guid = p.id(), attr(p, "GlobalId")
    typ = rels.type_of.get(pid)
    bbox, footprint, source = geo[guid]
    host = rels.host.get(pid)
    element = Element(
        guid=guid,
        ifc_class=p.is_a(),
        kind=classify(p, typ, schema),
        name=text(attr(p, "Name")),
        type_name=text(attr(typ, "Name")) if typ is not None else "",
        predefined_type=text(attr(p, "PredefinedType")),
        object_type=text(attr(p, "ObjectType")),
        storey=storey,
        space=space,
        space_inferred=space_inferred,
        storey_inferred=storey_inferred,
        systems=tuple(attr(g, "GlobalId") for g in rels.groups.get(pid, ()) if isa(g, "IfcSystem")),
        bbox=bbox,
        footprint=footprint,
        geometry_source=source,  # type: ignore[arg-type]
        host=attr(host, "GlobalId") if host is not None else None,
        psets=rels.psets.get(pid, {}),
        fills=attr(rels.fills[pid], "GlobalId") if pid in rels.fills else None,
    )
    return {guid: element}


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
