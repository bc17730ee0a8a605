"""Triangulated world geometry for every product, in one multi-core iterator pass.

ifcopenshell 0.9's iterator already outputs metres (it applies the project length unit), so the
vertices are used as they come (``length_scale`` stays available for the odd caller that disabled
that). The loop body only copies two buffers; boxes and plan footprints are computed afterwards
in batches with numpy and shapely's vectorised functions, so the Python cost per product stays a
small fraction of the engine's own triangulation time.

The iterator runs in *local* coordinates and the placement is applied here with numpy. Why: with
``use-world-coords`` ifcopenshell 0.9 triangulates a shared (mapped) representation again for
every occurrence, at a cost that grows with the number of occurrences of the type in the file
(5-7 ms per 12-triangle fitting in the large demo hospital against 0.2-0.5 ms in the small one);
in local coordinates each distinct representation is triangulated once and every occurrence
only carries its matrix. Same vertices up to float rounding (checked against a world-coordinate
pass by tests/test_ingest_engines.py); measured in docs/ingest.md.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import ifcopenshell
import ifcopenshell.geom
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from twin.errors import IfcLoadError
from twin.ifc.fast import isa
from twin.ifc.progress import Progress, report
from twin.ifc.webifc_engine import WebIfcRun, webifc_available
from twin.model import BBox, Mesh

__all__ = [
    "EXCLUDED_CLASSES",
    "GEOMETRY_LIBRARY",
    "Engine",
    "GeometryStats",
    "PendingMeshes",
    "bbox_of",
    "boxes_and_hulls",
    "collect_meshes",
    "expected_products",
    "footprint_hull",
    "footprint_union",
    "iterate_meshes",
    "merge_meshes",
    "section_area",
    "start_meshes",
    "to_world",
]

log = logging.getLogger(__name__)

#: Products whose geometry nobody downstream reads; skipping them saves engine time.
EXCLUDED_CLASSES: tuple[str, ...] = (
    "IfcOpeningElement",
    "IfcAnnotation",
    "IfcGrid",
    "IfcVirtualElement",
)

#: CGAL's simple kernel first, OpenCASCADE where it fails: several times faster than the
#: OpenCASCADE default on the shared models (measured by bench/ingest.py), same triangles for
#: extrusions and booleans of planar solids.
GEOMETRY_LIBRARY: Literal["hybrid-cgal-simple-opencascade"] = "hybrid-cgal-simple-opencascade"

_MIN_TRIANGLE_AREA = 1e-8  # m2: vertical faces project to (near) zero area and are dropped


def _settings(*, world: bool = False) -> ifcopenshell.geom.settings:
    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", world)  # False: placements applied in numpy (module doc)
    return settings


#: "auto": web-ifc when Node and its package are installed, else ifcopenshell.
Engine = Literal["auto", "ifcopenshell", "web-ifc"]


@dataclass
class GeometryStats:
    """What one geometry pass did, for the ingest log and the bench: how many products got a
    mesh from which engine and path, from how many distinct ifcopenshell representations."""

    engine: str = "ifcopenshell"
    path: str = "instanced-local"
    products: int = 0
    by_engine: dict[str, int] = field(default_factory=dict)
    representations: int = 0
    world_fallback: int = 0
    empty: int = 0
    webifc_error: str = ""
    #: products whose mesh came from the revision store (twin.ifc.reuse), not from an engine
    reused: int = 0
    #: products given a geometry key before the twin was returned (0 on a cold build whose
    #: store is written afterwards, ``build_twin(deferred=)``)
    keyed: int = 0


@dataclass
class PendingMeshes:
    """A started geometry pass: the iterator's threads (or the web-ifc worker) triangulate in
    the background while the caller does other work (the GIL is not needed by them);
    :func:`collect_meshes` drains it and fills ``stats``."""

    iterator: ifcopenshell.geom.iterator | None
    model: ifcopenshell.file | None = None
    stats: GeometryStats = field(default_factory=GeometryStats)
    webifc: WebIfcRun | None = None
    ncpu: int = 1
    #: :func:`expected_products`, when the caller already listed them (2 s on the large
    #: hospital under load: worth not doing twice)
    expected: list[ifcopenshell.entity_instance] | None = None


def _excluded(model: ifcopenshell.file) -> list[ifcopenshell.entity_instance]:
    exclude: list[ifcopenshell.entity_instance] = []
    for cls in EXCLUDED_CLASSES:
        try:
            exclude.extend(model.by_type(cls))
        except RuntimeError:  # class absent from this schema
            continue
    return exclude


def _start_iterator(
    model: ifcopenshell.file,
    ncpu: int,
    include: list[ifcopenshell.entity_instance] | None = None,
) -> ifcopenshell.geom.iterator | None:
    kwargs = {"include": include} if include is not None else {"exclude": _excluded(model) or None}
    iterator = ifcopenshell.geom.iterator(
        _settings(), model, ncpu, geometry_library=GEOMETRY_LIBRARY, **kwargs
    )
    if not iterator.initialize():
        log.info("geometry iterator found no products with geometry")
        return None
    return iterator


def start_meshes(
    model: ifcopenshell.file,
    *,
    ncpu: int | None = None,
    path: Path | None = None,
    engine: Engine = "ifcopenshell",
    include: list[ifcopenshell.entity_instance] | None = None,
    webifc: WebIfcRun | None = None,
) -> PendingMeshes:
    """Start triangulating every product on ``ncpu`` threads (all cores by default), with
    web-ifc in a Node worker when ``engine`` asks for it (``path`` is the file it reads).
    ``include``: only these products, with ifcopenshell (a revision's changed products).
    ``webifc``: a worker already started on ``path`` (ingest starts it before the parse).

    Why: the engine's threads keep going between ``next()`` calls, so ingest reads relations,
    ports and the spatial tree while they run instead of after (measured in bench/ingest.py).
    """
    ncpu = max(1, ncpu or os.cpu_count() or 1)
    if include is not None:
        it = _start_iterator(model, ncpu, include=include) if include else None
        return PendingMeshes(it, model, ncpu=ncpu)
    wants_webifc = engine == "web-ifc" or (engine == "auto" and webifc_available())
    if webifc is not None:
        return PendingMeshes(None, model, webifc=webifc, ncpu=ncpu)
    if wants_webifc and path is not None:
        try:
            return PendingMeshes(None, model, webifc=WebIfcRun(path), ncpu=ncpu)
        except (IfcLoadError, OSError) as exc:
            log.warning("web-ifc engine unavailable (%s): using ifcopenshell", exc)
    return PendingMeshes(_start_iterator(model, ncpu), model, ncpu=ncpu)


def expected_products(model: ifcopenshell.file) -> list[ifcopenshell.entity_instance]:
    """Products the ifcopenshell pass would be asked to mesh: those with a representation,
    but the excluded classes. Found from the representations' side (the products referencing
    each IfcProductDefinitionShape): a few thousand shapes instead of every product and port
    (0.37 s against 1.27 s on the large hospital)."""
    skip = {e.id() for e in _excluded(model)}
    out: list[ifcopenshell.entity_instance] = []
    for shape in model.by_type("IfcProductDefinitionShape"):
        for user in model.get_inverse(shape):
            if user.id() not in skip and isa(user, "IfcProduct"):
                out.append(user)
    return out


def collect_meshes(
    pending: PendingMeshes, *, length_scale: float = 1.0, progress: Progress | None = None
) -> dict[int, Mesh]:
    """Meshes by product entity id, world metres, from a started pass. Products no engine
    can triangulate are simply absent (callers fall back to boundaries or placement).
    ``progress`` hears the "geometry" phase from the engine's own counter.

    With web-ifc, the products it did not mesh (and every product, if the worker failed) are
    meshed by ifcopenshell; ``stats.by_engine`` counts each."""
    report(progress, "geometry")
    stats = pending.stats
    run, pending.webifc = pending.webifc, None
    model = pending.model
    if run is not None and model is not None:
        expected = pending.expected or expected_products(model)
        try:
            meshes = _wait_webifc(run, len(expected), progress)
        except IfcLoadError as exc:
            log.warning("%s: meshing with ifcopenshell instead", exc)
            stats.webifc_error = str(exc)[:300]
            pending.iterator = _start_iterator(model, pending.ncpu)
        else:
            stats.engine = "web-ifc"
            missing = [p for p in expected if p.id() not in meshes]
            if length_scale != 1.0:
                meshes = {k: _mesh(m.vertices, m.faces, length_scale) for k, m in meshes.items()}
            stats.by_engine["web-ifc"] = len(meshes)
            if missing:  # what web-ifc left out, from ifcopenshell
                pending.iterator = _start_iterator(model, pending.ncpu, include=missing)
                rest = _drain(pending, length_scale, None)
                stats.by_engine["ifcopenshell"] = len(rest)
                meshes.update(rest)
            stats.products = len(meshes)
            stats.empty = len(expected) - len(meshes)
            _log_stats(stats)
            return meshes
    meshes = _drain(pending, length_scale, progress)
    stats.by_engine["ifcopenshell"] = len(meshes)
    stats.products = len(meshes)
    _log_stats(stats)
    return meshes


def _wait_webifc(run: WebIfcRun, expected: int, progress: Progress | None) -> dict[int, Mesh]:
    while run.running():
        if progress is not None and expected:
            report(progress, "geometry", run.count() / expected)
        run.join(0.2)
    return run.result().meshes


def _log_stats(stats: GeometryStats) -> None:
    log.info(
        "geometry: %d products (%s), %d distinct ifcopenshell representations, "
        "%d by the world-coordinate fallback, %d empty, %d reused from the revision store",
        stats.products,
        ", ".join(f"{k} {v}" for k, v in stats.by_engine.items()),
        stats.representations,
        stats.world_fallback,
        stats.empty,
        stats.reused,
    )


def _drain(
    pending: PendingMeshes, length_scale: float, progress: Progress | None
) -> dict[int, Mesh]:
    """Every shape of the started ifcopenshell iterator, placed in world coordinates."""
    iterator = pending.iterator
    if iterator is None:
        return {}
    pending.iterator = None
    local: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # geometry id -> (verts, faces)
    placed: dict[int, tuple[str, tuple[float, ...]]] = {}  # product id -> (geometry id, matrix)
    while True:
        shape = iterator.get()
        geom = shape.geometry
        gid = geom.id
        if gid not in local:  # each distinct representation is copied out once
            local[gid] = (
                np.frombuffer(geom.verts_buffer, dtype=np.float64).reshape(-1, 3),
                np.frombuffer(geom.faces_buffer, dtype=np.int32).reshape(-1, 3).copy(),
            )
        placed[shape.id] = (gid, shape.transformation.matrix)
        if progress is not None and len(placed) % 256 == 0:
            report(progress, "geometry", iterator.progress() / 100.0)
        if not iterator.next():
            break
    meshes: dict[int, Mesh] = {}
    empty: list[int] = []
    for pid, (gid, matrix) in placed.items():
        verts, faces = local[gid]
        if len(verts) == 0:
            empty.append(pid)
            continue
        meshes[pid] = _mesh(to_world(verts, matrix), faces, length_scale)
    stats = pending.stats
    if empty and pending.model is not None:
        rescued = _world_pass(pending.model, empty)
        stats.world_fallback += len(rescued)
        for pid, (verts, faces) in rescued.items():
            meshes[pid] = _mesh(verts, faces, length_scale)
    stats.representations += len(local)
    stats.empty += len(placed) - len(meshes)
    return meshes


def to_world(verts: np.ndarray, matrix: Sequence[float]) -> np.ndarray:
    """Local vertices (n x 3) through ifcopenshell's 4x4 placement matrix (16 values, column
    major, as ``shape.transformation.matrix`` gives it) to world coordinates."""
    m = np.asarray(matrix, dtype=np.float64).reshape(4, 4, order="F")
    return verts @ m[:3, :3].T + m[:3, 3]


def _mesh(world: np.ndarray, faces: np.ndarray, length_scale: float) -> Mesh:
    if length_scale != 1.0:
        world = world * length_scale
    return Mesh(vertices=world.astype(np.float32), faces=faces)


def _world_pass(
    model: ifcopenshell.file, ids: Sequence[int]
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """The products the local pass left empty, again in world coordinates.

    Why: ifcopenshell 0.9 returns an empty local-coordinate mesh for some mapped representations
    cut by openings (the furniture of the shared Duplex_A) that it meshes in world coordinates;
    these are few, so a second, world-coordinate pass over just them costs little.
    """
    iterator = ifcopenshell.geom.iterator(
        _settings(world=True),
        model,
        1,
        include=[model.by_id(i) for i in ids],
        geometry_library=GEOMETRY_LIBRARY,
    )
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    if not iterator.initialize():
        return out
    while True:
        shape = iterator.get()
        geom = shape.geometry
        verts = np.frombuffer(geom.verts_buffer, dtype=np.float64).reshape(-1, 3)
        if len(verts):
            faces = np.frombuffer(geom.faces_buffer, dtype=np.int32).reshape(-1, 3).copy()
            out[shape.id] = (verts, faces)
        if not iterator.next():
            break
    return out


def iterate_meshes(
    model: ifcopenshell.file, *, ncpu: int | None = None, length_scale: float = 1.0
) -> dict[int, Mesh]:
    """Start and drain the ifcopenshell iterator in one call (see :func:`start_meshes`)."""
    return collect_meshes(start_meshes(model, ncpu=ncpu), length_scale=length_scale)


def merge_meshes(meshes: Iterable[Mesh]) -> Mesh | None:
    """One mesh from several (a stair from its flights)."""
    parts = [m for m in meshes if len(m.vertices)]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    offsets = np.cumsum([0] + [len(m.vertices) for m in parts[:-1]])
    verts = np.concatenate([m.vertices for m in parts])
    faces = np.concatenate([m.faces + off for m, off in zip(parts, offsets, strict=True)])
    return Mesh(vertices=verts, faces=faces.astype(np.int32))


def bbox_of(mesh: Mesh) -> BBox:
    lo = mesh.vertices.min(axis=0)
    hi = mesh.vertices.max(axis=0)
    return (float(lo[0]), float(lo[1]), float(lo[2]), float(hi[0]), float(hi[1]), float(hi[2]))


def footprint_union(mesh: Mesh) -> BaseGeometry | None:
    """Plan section as the union of the XY-projected triangles: exact for extrusions."""
    if len(mesh.faces) == 0:
        return footprint_hull(mesh)
    tri = mesh.vertices[mesh.faces][:, :, :2].astype(np.float64)
    ab = tri[:, 1] - tri[:, 0]
    ac = tri[:, 2] - tri[:, 0]
    area = 0.5 * np.abs(ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0])
    tri = tri[area > _MIN_TRIANGLE_AREA]
    if len(tri) == 0:
        return footprint_hull(mesh)
    polys = shapely.polygons(tri)
    merged = shapely.union_all(polys, grid_size=1e-6)
    if merged.is_empty:
        return footprint_hull(mesh)
    return merged


def boxes_and_hulls(meshes: Sequence[Mesh]) -> tuple[list[BBox], list[BaseGeometry | None]]:
    """:func:`bbox_of` and :func:`footprint_hull` of many meshes in a few vectorised calls.

    Why: per-mesh numpy and shapely calls cost tens of microseconds each in overhead alone,
    which over 50,000 elements was a visible share of cold ingest.
    """
    if not meshes:
        return [], []
    counts = np.fromiter((len(m.vertices) for m in meshes), dtype=np.int64, count=len(meshes))
    verts = np.concatenate([m.vertices for m in meshes]).astype(np.float64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    lo = np.minimum.reduceat(verts, starts, axis=0)
    hi = np.maximum.reduceat(verts, starts, axis=0)
    boxes: list[BBox] = [
        (a[0], a[1], a[2], b[0], b[1], b[2]) for a, b in zip(lo.tolist(), hi.tolist(), strict=True)
    ]
    owners = np.repeat(np.arange(len(meshes)), counts)
    hulls = shapely.convex_hull(shapely.multipoints(verts[:, :2], indices=owners))
    empty = shapely.is_empty(hulls)
    return boxes, [None if e else h for h, e in zip(hulls.tolist(), empty.tolist(), strict=True)]


def footprint_hull(mesh: Mesh) -> BaseGeometry | None:
    """Convex hull of the projected vertices: cheap and good enough for small equipment."""
    if len(mesh.vertices) == 0:
        return None
    hull = shapely.convex_hull(shapely.multipoints(mesh.vertices[:, :2].astype(np.float64)))
    return None if hull.is_empty else hull


def section_area(mesh: Mesh, z: float, *, tol: float = 1e-4) -> float:
    """Area of the horizontal section of a closed mesh at height ``z`` (points with Z >= z - tol).

    By the divergence theorem, the XY-projected signed area of the part of a closed, consistently
    oriented surface above a plane equals (up to sign) the area of the solid's section by that
    plane. Each triangle contributes its projected signed area scaled by the part above the plane
    (``t1 * t2`` for one vertex above, ``1 - t1 * t2`` for two), so no polygon is ever built.
    Why: sections of sloped-ceiling spaces at 1 m and 2 m give the WoFlV living area
    (:mod:`twin.ifc.areas`) at numpy speed.
    """
    if len(mesh.faces) == 0:
        return 0.0
    c = z - tol
    tri = mesh.vertices[mesh.faces].astype(np.float64)
    xy, zz = tri[:, :, :2], tri[:, :, 2]
    ab = xy[:, 1] - xy[:, 0]
    ac = xy[:, 2] - xy[:, 0]
    signed = 0.5 * (ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0])
    above = zz >= c
    n_above = above.sum(axis=1)
    part = np.where(n_above == 3, signed, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):  # rows not selected may divide by 0
        for k in range(3):
            zk, zn, zp = zz[:, k], zz[:, (k + 1) % 3], zz[:, (k + 2) % 3]
            t = ((zk - c) / (zk - zn)) * ((zk - c) / (zk - zp))
            part = np.where((n_above == 1) & above[:, k], signed * t, part)
            part = np.where((n_above == 2) & ~above[:, k], signed * (1.0 - t), part)
    return abs(float(np.nansum(part)))
