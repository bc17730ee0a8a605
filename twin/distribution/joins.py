"""Infer distribution connectivity from geometry where a model declares no ports.

Why segment *ends*, not touching boxes: a pipe is joined to what sits at its ends, never to what
it merely passes. Two pipes running side by side, or a pipe passing a tee, have touching boxes but
no joint. So every flow segment (pipe, duct, cable, cable carrier) is reduced to its axis: the
extrusion direction is recovered from the mesh (for an extruded solid the cap normals are
parallel to it and every side normal perpendicular, so the world-placed mesh gives the same axis
and depth as ``IfcExtrudedAreaSolid.ExtrudedDirection``/``Depth`` in the object placement,
without reopening the IFC file); where the mesh is not a prism the principal axis of its
vertices is used. A segment end then joins:

- another segment whose end lies within the tolerance of it (butt joint), and
- a fitting, valve, pump, terminal or piece of equipment whose mesh lies within the tolerance of
  the end's cap (its centre or rim), or contains the end (a pipe pushed into a fitting).

Compact elements (fittings, valves, pumps, and segments no longer than about their width, which
have no meaningful axis) join each other where their boxes touch within the tolerance, but only
where one of them is an in-line part (fitting, valve, pump): two terminals or two pieces of
equipment standing side by side are not connected. Every join records its gap in metres.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from twin.model import BBox, Element, Mesh, Twin

__all__ = [
    "INFERABLE_KINDS",
    "Join",
    "SegmentAxis",
    "infer_joins",
    "segment_axis",
]

#: Kinds that join a network through geometry when they have no ports.
INFERABLE_KINDS = frozenset({"segment", "fitting", "valve", "pump", "terminal", "equipment"})
#: Kinds that sit in line with a run: only they join compact neighbours by touching boxes.
_INLINE_KINDS = frozenset({"fitting", "valve", "pump"})
#: A segment shorter than this many times its width has no axis worth the name.
_MIN_ASPECT = 1.5
#: |cos| below this is "perpendicular", above ``1 - _ANGLE_EPS`` "parallel" (about 1 degree).
_ANGLE_EPS = 0.02
#: Share of the surface area that must be caps or sides for a mesh to count as a prism.
_PRISM_SHARE = 0.9


@dataclass(frozen=True, slots=True)
class SegmentAxis:
    """The axis of a flow segment: its two end points (world metres) and the cap rims there."""

    start: np.ndarray  # (3,)
    end: np.ndarray  # (3,)
    start_rim: np.ndarray  # (k, 3) vertices of the start cap
    end_rim: np.ndarray  # (k, 3)
    width: float  # largest extent across the axis
    from_extrusion: bool  # True: recovered as a prism's extrusion direction; False: principal axis

    @property
    def length(self) -> float:
        return float(np.linalg.norm(self.end - self.start))


@dataclass(frozen=True, slots=True)
class Join:
    """One inferred connection: the two elements and the gap between them (metres)."""

    a: str
    b: str
    gap: float
    how: str  # "end-end", "end-element" or "touching"


def _unit_normals(v: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cross = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    area = np.linalg.norm(cross, axis=1)
    keep = area > 1e-12
    return cross[keep] / area[keep, None], area[keep]


def _prism_axis(v: np.ndarray, f: np.ndarray) -> np.ndarray | None:
    """The extrusion direction of a prism mesh, or None where the mesh is not a prism."""
    if len(f) < 4:
        return None
    n, area = _unit_normals(v, f)
    if not len(n):
        return None
    # candidate directions: the distinct normals (up to sign), largest total area first
    sign = np.where(np.abs(n[:, 0]) > 1e-9, np.sign(n[:, 0]), np.sign(n[:, 1]))
    sign = np.where(sign == 0, np.sign(n[:, 2]), sign)
    canon = np.round(n * sign[:, None], 3)
    uniq, inverse = np.unique(canon, axis=0, return_inverse=True)
    weight = np.bincount(inverse.ravel(), weights=area)
    cands = uniq[np.argsort(-weight)[:24]]
    cands = cands / np.linalg.norm(cands, axis=1, keepdims=True)
    cos = np.abs(n @ cands.T)  # (faces, candidates)
    ok = ((cos < _ANGLE_EPS) | (cos > 1 - _ANGLE_EPS)) * area[:, None]
    share = ok.sum(axis=0) / area.sum()
    prisms = cands[share >= _PRISM_SHARE]
    if not len(prisms):
        return None
    extents = np.ptp(v @ prisms.T, axis=0)
    return np.asarray(prisms[int(np.argmax(extents))])


def _principal_axis(v: np.ndarray) -> np.ndarray:
    centred = v - v.mean(axis=0)
    _, vecs = np.linalg.eigh(centred.T @ centred)
    return np.asarray(vecs[:, -1])


def segment_axis(mesh: Mesh) -> SegmentAxis | None:
    """The axis of a segment's mesh, or None where it has no clear axis (a stub as wide as long).

    The end points are the centres of the vertices at the two extremes along the axis (for a
    round or rectangular profile, hollow or not, that is the profile's centre on the cap).
    """
    v = mesh.vertices.astype(np.float64)
    if len(v) < 4:
        return None
    axis = _prism_axis(v, mesh.faces)
    from_extrusion = axis is not None
    if axis is None:
        axis = _principal_axis(v)
    t = v @ axis
    lo, hi = float(t.min()), float(t.max())
    length = hi - lo
    eps = max(1e-4, 1e-3 * length)
    start_rim, end_rim = v[t <= lo + eps], v[t >= hi - eps]
    start, end = start_rim.mean(axis=0), end_rim.mean(axis=0)
    across = (v - start) - np.outer(t - lo, axis)
    width = 2 * float(np.linalg.norm(across, axis=1).max())
    if length < _MIN_ASPECT * width:
        return None
    return SegmentAxis(start, end, start_rim, end_rim, width, from_extrusion)


def _point_triangle_distance(p: np.ndarray, tri: np.ndarray) -> np.ndarray:
    """Distance from each point (n, 3) to the nearest of the triangles (m, 3, 3): shape (n,)."""
    a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
    ab, ac = b - a, c - a
    normal = np.cross(ab, ac)
    nn = np.einsum("ij,ij->i", normal, normal)
    good = nn > 1e-18
    a, ab, ac, normal, nn = a[good], ab[good], ac[good], normal[good], nn[good]
    ap = p[:, None, :] - a[None]  # (n, m, 3)
    # barycentric coordinates of the projection onto each triangle's plane
    d00 = np.einsum("ij,ij->i", ab, ab)
    d01 = np.einsum("ij,ij->i", ab, ac)
    d11 = np.einsum("ij,ij->i", ac, ac)
    d20 = np.einsum("nmj,mj->nm", ap, ab)
    d21 = np.einsum("nmj,mj->nm", ap, ac)
    denom = d00 * d11 - d01 * d01
    vb = (d11 * d20 - d01 * d21) / denom
    wb = (d00 * d21 - d01 * d20) / denom
    inside = (vb >= 0) & (wb >= 0) & (vb + wb <= 1)
    plane = np.abs(np.einsum("nmj,mj->nm", ap, normal)) / np.sqrt(nn)
    best = np.where(inside, plane, np.inf)
    for s, e in ((a, a + ab), (a, a + ac), (a + ab, a + ac)):  # the three edges
        se = e - s
        u = np.clip(np.einsum("nmj,mj->nm", p[:, None, :] - s[None], se) / (se * se).sum(1), 0, 1)
        q = s[None] + u[..., None] * se[None]
        best = np.minimum(best, np.linalg.norm(p[:, None, :] - q, axis=2))
    return np.asarray(best.min(axis=1)) if best.shape[1] else np.full(len(p), np.inf)


def _contains(mesh_tri: np.ndarray, p: np.ndarray) -> bool:
    """Ray parity: is point ``p`` inside the closed mesh (triangles (m, 3, 3))?"""
    d = np.array([1.0, 0.0123, 0.0071])
    d /= np.linalg.norm(d)
    a, e1, e2 = mesh_tri[:, 0], mesh_tri[:, 1] - mesh_tri[:, 0], mesh_tri[:, 2] - mesh_tri[:, 0]
    h = np.cross(d, e2)
    det = np.einsum("ij,ij->i", e1, h)
    ok = np.abs(det) > 1e-12
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    s = p - a
    u = np.einsum("ij,ij->i", s, h) * inv
    q = np.cross(s, e1)
    v = (q @ d) * inv
    t = np.einsum("ij,ij->i", e2, q) * inv
    hits = ok & (u >= 0) & (u <= 1) & (v >= 0) & (u + v <= 1) & (t > 0)
    return bool(int(hits.sum()) % 2 == 1)


def _box_gap(p: np.ndarray, box: BBox) -> float:
    lo, hi = np.array(box[:3]), np.array(box[3:])
    return float(np.linalg.norm(np.maximum(0.0, np.maximum(lo - p, p - hi))))


def _boxes_gap(b1: BBox, b2: BBox) -> float:
    d = [max(0.0, b1[i] - b2[i + 3], b2[i] - b1[i + 3]) for i in range(3)]
    return float(np.linalg.norm(d))


def _end_to_element(
    end: np.ndarray, rim: np.ndarray, other: Element, mesh: Mesh | None, tol: float
) -> float | None:
    """Gap between a segment end (its centre and cap rim) and an element, if within ``tol``."""
    assert other.bbox is not None
    if _box_gap(end, other.bbox) > tol + float(np.linalg.norm(rim - end, axis=1).max()):
        return None
    if mesh is None or not len(mesh.faces):
        gap = _box_gap(end, other.bbox)
        return gap if gap <= tol else None
    tri = mesh.vertices.astype(np.float64)[mesh.faces]
    if _contains(tri, end):
        return 0.0
    pts = np.vstack([end, rim])
    lo, hi = pts.min(axis=0) - tol, pts.max(axis=0) + tol
    near = tri[((tri.max(axis=1) >= lo) & (tri.min(axis=1) <= hi)).all(axis=1)]
    if not len(near):  # no triangle's box within reach: nothing closer than the tolerance
        return None
    gap = float(_point_triangle_distance(pts, near).min())
    return gap if gap <= tol else None


def _axes(twin: Twin, cands: list[Element]) -> dict[str, SegmentAxis]:
    axes: dict[str, SegmentAxis] = {}
    for e in cands:
        mesh = twin.meshes.get(e.guid)
        if e.kind == "segment" and mesh is not None:
            ax = segment_axis(mesh)
            if ax is not None:
                axes[e.guid] = ax
    return axes


def _near_pairs(
    cands: list[Element], portless: frozenset[str], tol: float
) -> list[tuple[Element, Element]]:
    """Pairs of candidates whose boxes come within ``tol`` (plan query), one side portless."""
    from shapely import box
    from shapely.strtree import STRtree

    tree = STRtree([box(e.bbox[0], e.bbox[1], e.bbox[3], e.bbox[4]) for e in cands])  # type: ignore[index]
    pairs: dict[frozenset[str], tuple[Element, Element]] = {}
    for e in cands:
        b = e.bbox
        assert b is not None
        for i in tree.query(box(b[0] - tol, b[1] - tol, b[3] + tol, b[4] + tol)):
            other = cands[int(i)]
            if other.guid == e.guid or (e.guid not in portless and other.guid not in portless):
                continue
            pairs.setdefault(frozenset((e.guid, other.guid)), (e, other))
    return list(pairs.values())


def infer_joins(
    twin: Twin, *, tol: float, portless: frozenset[str] | None = None
) -> dict[frozenset[str], Join]:
    """Geometric joins where at least one side has no ports (``portless``; default: computed).

    Segment ends are matched to compact elements first; only an end that meets none of them
    may then join another free segment end, so a short valve between two pipes is never
    bypassed by a pipe-to-pipe join across it.
    """
    if portless is None:
        with_ports = {p.element for p in twin.ports.values() if p.element}
        portless = frozenset(g for g in twin.elements if g not in with_ports)
    cands = [e for e in twin.elements.values() if e.kind in INFERABLE_KINDS and e.bbox is not None]
    if not any(e.guid in portless for e in cands):
        return {}
    axes = _axes(twin, cands)
    pairs = _near_pairs(cands, portless, tol)
    joins: dict[frozenset[str], Join] = {}
    used_ends: set[tuple[str, int]] = set()
    for e, other in pairs:
        if e.guid in axes and other.guid in axes:
            continue
        if e.guid in axes or other.guid in axes:
            seg, comp = (e, other) if e.guid in axes else (other, e)
            gaps = _ends_to_element(twin, axes[seg.guid], comp, tol)
            used_ends.update((seg.guid, i) for i in gaps)
            if gaps:
                joins[frozenset((e.guid, other.guid))] = Join(
                    seg.guid, comp.guid, min(gaps.values()), "end-element"
                )
        elif (join := _touching(e, other, tol)) is not None:
            joins[frozenset((e.guid, other.guid))] = join
    for e, other in pairs:
        if e.guid in axes and other.guid in axes:
            join = _end_to_end(axes, e.guid, other.guid, used_ends, tol)
            if join is not None:
                joins[frozenset((e.guid, other.guid))] = join
    return joins


def _ends_to_element(twin: Twin, seg: SegmentAxis, comp: Element, tol: float) -> dict[int, float]:
    """Gap per segment end (0 start, 1 end) that meets ``comp`` within ``tol``."""
    mesh = twin.meshes.get(comp.guid)
    found = {}
    for i, (end, rim) in enumerate(((seg.start, seg.start_rim), (seg.end, seg.end_rim))):
        gap = _end_to_element(end, rim, comp, mesh, tol)
        if gap is not None:
            found[i] = gap
    return found


def _end_to_end(
    axes: Mapping[str, SegmentAxis], a: str, b: str, used: set[tuple[str, int]], tol: float
) -> Join | None:
    """Butt joint: the nearest pair of free ends of two segments, if within ``tol``."""
    ends = [
        (float(np.linalg.norm(p - q)), i, j)
        for i, p in enumerate((axes[a].start, axes[a].end))
        for j, q in enumerate((axes[b].start, axes[b].end))
        if (a, i) not in used and (b, j) not in used
    ]
    if not ends:
        return None
    gap, _i, _j = min(ends)
    return Join(a, b, gap, "end-end") if gap <= tol else None


def _touching(e: Element, other: Element, tol: float) -> Join | None:
    """Compact neighbours: boxes within ``tol``, one of them an in-line part."""
    if e.kind == "segment" and other.kind == "segment":
        return None
    inline = _INLINE_KINDS | {"segment"}  # a stub segment without an axis sits in line too
    if e.kind not in inline and other.kind not in inline:
        return None
    assert e.bbox is not None and other.bbox is not None
    gap = _boxes_gap(e.bbox, other.bbox)
    return Join(e.guid, other.guid, gap, "touching") if gap <= tol else None
