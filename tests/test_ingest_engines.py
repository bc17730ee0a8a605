"""The fast geometry path against a full ifcopenshell world-coordinate pass, computed here.

The ingest triangulates each distinct representation once in local coordinates and places the
occurrences with numpy (twin.ifc.geometry). The truth is an independent, plain
``ifcopenshell.geom.iterator`` pass with ``use-world-coords`` on the same products, so speed can
never drift from what the engine itself says: same products, boxes within 1 cm, plan footprints
(union of projected triangles, computed here with shapely) within 0.5 % of area and IoU >= 0.99,
flow-segment axes (end points along the principal direction) within 1 cm.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

import ifcopenshell
import ifcopenshell.api.context
import ifcopenshell.api.geometry
import ifcopenshell.api.project
import ifcopenshell.api.root
import ifcopenshell.api.type
import ifcopenshell.api.unit
import ifcopenshell.geom
import numpy as np
import shapely
from ifcopenshell.util.shape_builder import ShapeBuilder

from twin.ifc.geometry import EXCLUDED_CLASSES, GEOMETRY_LIBRARY, collect_meshes, start_meshes
from twin.ifc.webifc_engine import webifc_available
from twin.model import Mesh

TOL_M = 0.01


def _truth(model: ifcopenshell.file) -> dict[int, tuple[np.ndarray, np.ndarray, str]]:
    """World vertices, faces and class per product straight from ifcopenshell (world coords)."""
    settings = ifcopenshell.geom.settings()
    settings.set("use-world-coords", True)
    exclude = [e for c in EXCLUDED_CLASSES for e in model.by_type(c)] or None
    it = ifcopenshell.geom.iterator(
        settings, model, 2, exclude=exclude, geometry_library=GEOMETRY_LIBRARY
    )
    out: dict[int, tuple[np.ndarray, np.ndarray, str]] = {}
    if not it.initialize():
        return out
    while True:
        shape = it.get()
        verts = np.array(shape.geometry.verts, dtype=np.float64).reshape(-1, 3)
        faces = np.array(shape.geometry.faces, dtype=np.int64).reshape(-1, 3)
        if len(verts):
            out[shape.id] = (verts, faces, shape.type)
        if not it.next():
            break
    return out


def _footprint(verts: np.ndarray, faces: np.ndarray) -> shapely.Geometry:
    tri = verts[faces][:, :, :2]
    ab, ac = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    keep = 0.5 * np.abs(ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0]) > 1e-8
    return shapely.union_all(shapely.polygons(tri[keep]), grid_size=1e-6)


def _axis(verts: np.ndarray) -> np.ndarray | None:
    """End points of a segment's axis: extremes of the vertices along the principal direction,
    projected on the line through the box centre; None where the segment is not clearly longer
    than wide (then its principal direction is not defined by the shape)."""
    c = 0.5 * (verts.min(axis=0) + verts.max(axis=0))
    _, sv, vt = np.linalg.svd(verts - verts.mean(axis=0), full_matrices=False)
    if len(sv) < 2 or sv[0] < 3 * sv[1]:
        return None
    d = vt[0] if vt[0][np.argmax(np.abs(vt[0]))] > 0 else -vt[0]
    t = (verts - c) @ d
    return np.array([c + t.min() * d, c + t.max() * d])


def _compare(model: ifcopenshell.file, path: Path | None = None) -> dict[str, int]:
    """Both engines against the truth: ifcopenshell's instanced local pass always, web-ifc
    (``path``) where Node and its package are installed."""
    truth = _truth(model)
    checked = _check(truth, collect_meshes(start_meshes(model, ncpu=2)), same_triangles=True)
    if path is not None and webifc_available():
        pending = start_meshes(model, ncpu=2, path=path, engine="web-ifc")
        meshes = collect_meshes(pending)
        assert pending.stats.engine == "web-ifc", pending.stats
        for k, v in _check(truth, meshes, same_triangles=False).items():
            checked[f"web-ifc {k}"] = v
    return checked


def _check(
    truth: dict[int, tuple[np.ndarray, np.ndarray, str]],
    fast: dict[int, Mesh],
    *,
    same_triangles: bool,
) -> dict[str, int]:
    assert set(fast) == set(truth), "products with geometry differ"
    checked = {"products": len(truth), "footprints": 0, "axes": 0}
    for pid, (verts, faces, cls) in truth.items():
        mesh = fast[pid]
        got = mesh.vertices.astype(np.float64)
        assert np.allclose(got.min(axis=0), verts.min(axis=0), atol=TOL_M), (pid, cls)
        assert np.allclose(got.max(axis=0), verts.max(axis=0), atol=TOL_M), (pid, cls)
        assert not same_triangles or len(mesh.faces) == len(faces), (pid, cls)
        if cls == "IfcSpace" or (cls.endswith("Wall") and len(faces) < 2000):
            a, b = _footprint(verts, faces), _footprint(got, mesh.faces)
            if a.area > 1e-6:
                assert abs(b.area - a.area) <= 0.005 * a.area, (pid, cls)
                iou = shapely.intersection(a, b).area / shapely.union(a, b).area
                assert iou >= 0.99, (pid, cls, iou)
                checked["footprints"] += 1
        want = _axis(verts) if cls.endswith("Segment") else None
        if want is not None:
            axis = _axis(got)
            assert axis is not None and np.allclose(axis, want, atol=TOL_M), (pid, cls)
            checked["axes"] += 1
    return checked


def _shared_models(shared_ifc: Path) -> list[str]:
    manifest = json.loads((shared_ifc / "MANIFEST.json").read_text())
    return sorted(n for n, m in manifest.items() if m.get("schema") != "IFC4X3_RC2")


def test_fast_path_equals_world_pass_on_every_shared_model(shared_ifc: Path) -> None:
    totals: dict[str, int] = defaultdict(int)
    for name in _shared_models(shared_ifc):
        t0 = time.perf_counter()
        got = _compare(ifcopenshell.open(str(shared_ifc / name)), shared_ifc / name)
        print(name, got, f"{time.perf_counter() - t0:.1f} s")
        for k, v in got.items():
            totals[k] += v
    print(totals)
    assert totals["products"] > 800 and totals["footprints"] > 50 and totals["axes"] > 50
    if webifc_available():  # web-ifc meshes every product ifcopenshell meshes, as closely
        assert totals["web-ifc products"] == totals["products"]
        assert totals["web-ifc footprints"] == totals["footprints"]


def test_fast_path_equals_world_pass_on_small_hospital(small_hospital: Path) -> None:
    got = _compare(ifcopenshell.open(str(small_hospital)), small_hospital)
    assert got["products"] > 2000 and got["footprints"] > 100 and got["axes"] > 500
    if webifc_available():
        assert got["web-ifc products"] == got["products"]
        assert got["web-ifc footprints"] == got["footprints"]


def test_webifc_failure_falls_back_to_ifcopenshell(small_hospital: Path, tmp_path: Path) -> None:
    """A worker that cannot read its file (here: a path that does not exist) costs speed,
    never geometry: every product is meshed by ifcopenshell instead."""
    model = ifcopenshell.open(str(small_hospital))
    pending = start_meshes(model, ncpu=2, path=tmp_path / "absent.ifc", engine="web-ifc")
    meshes = collect_meshes(pending)
    assert pending.stats.engine == "ifcopenshell"
    assert pending.stats.by_engine == {"ifcopenshell": len(meshes)}
    assert set(meshes) == set(_truth(model))
    if webifc_available():
        assert "web-ifc worker failed" in pending.stats.webifc_error


def _typed_occurrences(n: int) -> ifcopenshell.file:
    """``n`` fittings of one type with a mapped body, each at its own placement."""
    f = ifcopenshell.api.project.create_file(version="IFC4")
    ifcopenshell.api.root.create_entity(f, ifc_class="IfcProject")
    ifcopenshell.api.unit.assign_unit(f, length={"is_metric": True, "raw": "METERS"})
    model = ifcopenshell.api.context.add_context(f, context_type="Model")
    body = ifcopenshell.api.context.add_context(
        f, context_type="Model", context_identifier="Body", target_view="MODEL_VIEW", parent=model
    )
    typ = ifcopenshell.api.root.create_entity(f, ifc_class="IfcPipeFittingType")
    builder = ShapeBuilder(f)
    solid = builder.extrude(builder.rectangle(size=(0.1, 0.2)), 0.3)
    rep = builder.get_representation(body, [solid])
    ifcopenshell.api.geometry.assign_representation(f, product=typ, representation=rep)
    for i in range(n):
        occ = ifcopenshell.api.root.create_entity(f, ifc_class="IfcPipeFitting")
        matrix = np.eye(4)
        matrix[:3, :3] = [[0, -1, 0], [1, 0, 0], [0, 0, 1]]  # turned 90 degrees
        matrix[:3, 3] = [i * 0.5, 2.0, 1.0]
        ifcopenshell.api.geometry.edit_object_placement(f, product=occ, matrix=matrix)
        ifcopenshell.api.type.assign_type(f, related_objects=[occ], relating_type=typ)
    return f


def test_occurrences_of_one_type_are_triangulated_once_and_placed() -> None:
    model = _typed_occurrences(30)
    pending = start_meshes(model, ncpu=1)
    meshes = collect_meshes(pending)
    assert pending.stats.products == 30
    assert pending.stats.representations == 1  # one triangulation, 30 placements
    by_x = sorted(meshes.values(), key=lambda m: float(m.vertices[:, 0].min()))
    for i, mesh in enumerate(by_x):  # [0, 0.1] x [0, 0.2] turned: (x, y) -> (-y, x)
        lo, hi = mesh.vertices.min(axis=0), mesh.vertices.max(axis=0)
        assert np.allclose(lo, [i * 0.5 - 0.2, 2.0, 1.0], atol=1e-5)
        assert np.allclose(hi, [i * 0.5, 2.1, 1.3], atol=1e-5)
    assert _compare(model)["products"] == 30
