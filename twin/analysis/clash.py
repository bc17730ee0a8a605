"""Clashes of proposed elements with the existing building: hard clashes and clearance violations.

A renovation proposal (a new duct, a partition, the products of a design IFC) is checked against
the twin's real meshes. Candidates come from a vectorised box test, then each pair is decided
exactly with manifold3d: the intersection volume for hard clashes and ``min_gap`` for clearance.
IFC meshes are not always closed 2-manifolds; such a mesh is replaced by its convex hull (exact
for pipes, ducts, walls and boxes, conservative for concave shapes) and the clash says so.

Only twin meshes are read here, never ifcopenshell: the same check serves boxes drawn in the
viewer and products of an uploaded IFC file once ingested.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import trimesh
from manifold3d import Manifold
from manifold3d import Mesh as MMesh

from twin.errors import InvalidInput
from twin.model import Mesh, Twin
from twin.scenario import Proposed

__all__ = [
    "BoxTable",
    "Clash",
    "box_table",
    "find_clashes",
]

log = logging.getLogger(__name__)

#: Kinds that are not physical obstacles for a proposal (rooms are volumes of air).
NOT_OBSTACLES: frozenset[str] = frozenset({"space", "IfcOpeningElement", "IfcAnnotation"})
_EPS_VOLUME = 1e-6  # m3: touching faces are not a hard clash


@dataclass(frozen=True, slots=True)
class Clash:
    proposed: str
    existing: str
    existing_kind: str
    existing_name: str
    type: Literal["hard", "clearance"]
    volume: float  # m3 of overlap (hard clashes), 0 for clearance violations
    distance: float  # m between the solids (0 for hard clashes)
    point: tuple[float, float, float]  # where to look: centre of the overlap or of the gap
    storey: str | None
    assumptions: tuple[str, ...] = field(default_factory=tuple)


def find_clashes(
    twin: Twin,
    proposed: Sequence[Proposed],
    *,
    clearance: float = 0.05,
    kinds: Collection[str] | None = None,
    table: BoxTable | None = None,
    exclude: Collection[str] = (),
) -> list[Clash]:
    """Hard clashes and clearance violations (gap below ``clearance`` metres), worst first.

    ``kinds`` limits the existing elements checked (for example only distribution kinds for a
    new duct). A proposed element never clashes with itself or with rooms. ``table`` is
    :func:`box_table` of the twin, which a service computes once per twin. ``exclude`` names
    existing elements the works remove or replace (they cannot be in the way).
    """
    if clearance < 0:
        raise InvalidInput("clearance must be zero or positive")
    table = table if table is not None else box_table(twin)
    found: list[Clash] = []
    for p in proposed:
        lo = np.array(p.bbox[:3]) - clearance
        hi = np.array(p.bbox[3:]) + clearance
        hit = np.all(table.lo <= hi, axis=1) & np.all(table.hi >= lo, axis=1)
        solid_p, hull_p = _solid(p.mesh)
        for i in np.flatnonzero(hit):
            guid = table.guids[i]
            element = twin.elements[guid]
            if (kinds is not None and element.kind not in kinds) or guid in exclude:
                continue
            clash = _decide(p, solid_p, hull_p, twin, guid, clearance)
            if clash is not None:
                found.append(clash)
    found.sort(key=lambda c: (c.type != "hard", -c.volume, c.distance, c.proposed, c.existing))
    log.info("clash check: %d proposed, %d clashes", len(proposed), len(found))
    return found


def _decide(
    p: Proposed, solid_p: Manifold, hull_p: bool, twin: Twin, guid: str, clearance: float
) -> Clash | None:
    element = twin.elements[guid]
    solid_e, hull_e = _solid(twin.meshes[guid])
    assumptions = []
    if hull_p or hull_e:
        which = p.id if hull_p else guid
        assumptions.append(f"{which}: mesh is not closed; its convex hull was used")
    overlap = solid_p ^ solid_e
    volume = float(overlap.volume())
    if volume > _EPS_VOLUME:
        lo, hi = np.array(overlap.bounding_box()[:3]), np.array(overlap.bounding_box()[3:])
        point = tuple(float(v) for v in (lo + hi) / 2)
        return Clash(
            p.id, guid, element.kind, element.name, "hard", volume, 0.0, point,  # type: ignore[arg-type]
            element.storey or p.storey, tuple(assumptions),
        )  # fmt: skip
    if clearance <= 0:
        return None
    gap = float(solid_p.min_gap(solid_e, clearance))
    if gap >= clearance:
        return None
    c = np.array(element.centroid or (0.0, 0.0, 0.0))
    q = np.array([(a + b) / 2 for a, b in zip(p.bbox[:3], p.bbox[3:], strict=True)])
    point = tuple(float(v) for v in (c + q) / 2)
    return Clash(
        p.id, guid, element.kind, element.name, "clearance", 0.0, gap, point,  # type: ignore[arg-type]
        element.storey or p.storey, tuple(assumptions),
    )  # fmt: skip


@dataclass(frozen=True)
class BoxTable:
    guids: tuple[str, ...]
    lo: np.ndarray
    hi: np.ndarray


def box_table(twin: Twin) -> BoxTable:
    """Boxes of every element with a mesh, as two arrays for a vectorised overlap test."""
    guids = tuple(
        g
        for g, e in twin.elements.items()
        if e.bbox is not None and g in twin.meshes and e.kind not in NOT_OBSTACLES
    )
    boxes = np.array([twin.elements[g].bbox for g in guids], float).reshape(-1, 6)
    return BoxTable(guids, boxes[:, :3], boxes[:, 3:])


def _solid(mesh: Mesh) -> tuple[Manifold, bool]:
    """A manifold for the mesh, and whether the convex hull had to stand in for it."""
    t = trimesh.Trimesh(mesh.vertices, mesh.faces, process=True)
    t.merge_vertices()
    solid = Manifold(
        MMesh(
            vert_properties=np.ascontiguousarray(t.vertices, np.float32),
            tri_verts=np.ascontiguousarray(t.faces, np.uint32),
        )
    )
    if solid.status().name == "NoError" and not solid.is_empty():
        return solid, False
    hull = Manifold.hull_points(np.ascontiguousarray(mesh.vertices, np.float32))
    return hull, True
