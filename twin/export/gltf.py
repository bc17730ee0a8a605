"""A building or storey as a binary glTF (.glb) scene for the 3D viewer.

Layout: one root node ``building:<guid>`` carrying the Z-up -> Y-up rotation, one grouping node
per storey (``storey:<guid>``, so the viewer can isolate or explode storeys), then either

* ``layout="nodes"`` (default, for other tools): one node per product named by its GlobalId with
  ``extras`` {guid, kind, storey, name}; or
* ``layout="merged"`` (the web viewer): per storey and colour, products merged into a few
  primitives of at most 65,535 vertices (uint16 indices), positions quantised to int16
  (``KHR_mesh_quantization``, the node's translation and scale undo it; about 3 mm on a 200 m
  building). Each primitive's ``extras`` hold ``guids`` and ``tri`` (the first triangle of each
  product), so a picked triangle maps back to its GlobalId. A storey of the large hospital then
  loads as tens of draw calls instead of thousands of nodes.

Materials are shared per kind (or per state colour); spaces are translucent. The GLB is written
directly with numpy and struct: trimesh's scene export costs ~6 ms per node, minutes on the large
hospital. Tests load the result back with trimesh (nodes) or decode it (merged). Callers still
cache the bytes per arguments (``campus.derived``).
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Collection, Mapping
from typing import Any, Literal

import numpy as np

from twin.errors import InvalidInput
from twin.model import Element, Mesh, Space, Twin

__all__ = ["DEFAULT_COLORS", "Y_UP", "Layout", "scene_glb"]

RGBA = tuple[float, float, float, float]
Layout = Literal["nodes", "merged"]
#: Vertices per merged primitive, so its indices fit in uint16.
MAX_VERTS = 65535

#: Base colour per kind (RGBA 0..1); anything unlisted is grey.
DEFAULT_COLORS: dict[str, RGBA] = {
    "space": (0.55, 0.75, 0.95, 0.18),
    "wall": (0.85, 0.85, 0.82, 1.0),
    "slab": (0.7, 0.7, 0.7, 1.0),
    "roof": (0.6, 0.35, 0.3, 1.0),
    "door": (0.65, 0.45, 0.25, 1.0),
    "window": (0.6, 0.8, 0.95, 0.45),
    "stair": (0.6, 0.5, 0.75, 1.0),
    "lift": (0.45, 0.65, 0.4, 1.0),
    "column": (0.75, 0.75, 0.75, 1.0),
    "segment": (0.15, 0.45, 0.8, 1.0),
    "fitting": (0.15, 0.45, 0.8, 1.0),
    "valve": (0.9, 0.55, 0.1, 1.0),
    "pump": (0.85, 0.25, 0.2, 1.0),
    "terminal": (0.2, 0.7, 0.6, 1.0),
    "equipment": (0.8, 0.2, 0.5, 1.0),
    "sensor": (1.0, 0.85, 0.1, 1.0),
}
_GREY: RGBA = (0.6, 0.6, 0.6, 1.0)

#: Rotation taking the IFC Z-up frame to glTF's Y-up frame (x stays, z -> y, y -> -z).
Y_UP = np.array(
    [[1, 0, 0, 0], [0, 0, 1, 0], [0, -1, 0, 0], [0, 0, 0, 1]],
    dtype=np.float64,
)


def _material(kind: str, rgba_in: tuple[float, ...]) -> dict[str, Any]:
    rgba = [float(c) for c in rgba_in] + ([1.0] if len(rgba_in) == 3 else [])
    blend = rgba[3] < 1.0
    mat: dict[str, Any] = {
        "name": f"kind-{kind}",
        "pbrMetallicRoughness": {
            "baseColorFactor": rgba,
            "metallicFactor": 0.0,
            "roughnessFactor": 0.9,
        },
        "doubleSided": blend,
    }
    if blend:
        mat["alphaMode"] = "BLEND"
    return mat


def _products(
    twin: Twin,
    building: str | None,
    storey: str | None,
    kinds: Collection[str] | None,
    exclude: Collection[str] = (),
) -> list[Space | Element]:
    if storey is not None:
        storeys = {twin.storey(storey).guid}
    elif building is not None:
        storeys = set(twin.building(building).storeys)
    else:
        storeys = set(twin.storeys)
    prods: list[Space | Element] = []
    if (not kinds or "space" in kinds) and "space" not in exclude:
        prods += [s for s in twin.spaces.values() if s.storey in storeys]
    prods += [
        e
        for e in twin.elements.values()
        if e.storey in storeys and (not kinds or e.kind in kinds) and e.kind not in exclude
    ]
    return [p for p in prods if p.guid in twin.meshes]


def scene_glb(
    twin: Twin,
    *,
    building: str | None = None,
    storey: str | None = None,
    kinds: Collection[str] | None = None,
    colors: Mapping[str, tuple[float, ...]] | None = None,
    layout: Layout = "nodes",
    exclude: Collection[str] = (),
) -> bytes:
    """GLB bytes of a building (or one storey, or the whole twin), optionally kinds only.

    ``colors`` maps a kind (or a GlobalId, for state colouring) to RGB(A) 0..1; GlobalId entries
    win over kind entries. ``exclude`` drops kinds (the viewer loads pipes and fittings, most of
    a hospital's triangles, only on request). ``layout`` is ``"nodes"`` (a node per product) or
    ``"merged"`` (few quantised primitives per storey, with triangle ranges per GlobalId; see the
    module doc).
    """
    if building is None and storey is None and len(twin.buildings) > 1:
        raise InvalidInput("the model holds several buildings; name one")
    if layout not in ("nodes", "merged"):
        raise InvalidInput(f"unknown layout {layout!r}; use nodes or merged", layout=layout)
    colors = dict(colors or {})
    bguid = building or (
        twin.storey(storey).building if storey else next(iter(twin.buildings), None)
    )
    w = _Writer(quantised=layout == "merged")
    place = _merged_nodes if layout == "merged" else _product_nodes
    groups = place(w, twin, _products(twin, building, storey, kinds, exclude), colors)
    storey_nodes = []
    for sg, children in groups.items():
        st = twin.storeys[sg]
        extras: dict[str, Any] = {
            "guid": sg,
            "kind": "storey",
            "name": st.name,
            "elevation": st.elevation,
        }
        storey_nodes.append(
            w.node({"name": f"storey:{sg}", "children": children, "extras": extras})
        )
    root = w.node(
        {
            "name": f"building:{bguid or 'model'}",
            "rotation": [-math.sqrt(0.5), 0.0, 0.0, math.sqrt(0.5)],  # Z up -> Y up
            "children": storey_nodes,
            "extras": {"guid": bguid, "kind": "building", "layout": layout},
        }
    )
    return w.glb(root)


def _kind_of(p: Space | Element) -> str:
    return "space" if isinstance(p, Space) else p.kind


def _rgba(p: Space | Element, colors: Mapping[str, tuple[float, ...]]) -> tuple[str, RGBA]:
    """Material key and colour: the GlobalId's own colour, else the kind's, else grey."""
    kind = _kind_of(p)
    key = p.guid if p.guid in colors else kind
    c = [float(x) for x in (colors.get(key) or DEFAULT_COLORS.get(kind, _GREY))]
    return key, (c[0], c[1], c[2], c[3] if len(c) > 3 else 1.0)


def _product_nodes(
    w: _Writer, twin: Twin, prods: list[Space | Element], colors: Mapping[str, tuple[float, ...]]
) -> dict[str, list[int]]:
    """One node per product, grouped by storey."""
    groups: dict[str, list[int]] = {}
    for p in prods:
        assert p.storey is not None
        kind = _kind_of(p)
        key, rgba = _rgba(p, colors)
        name = (p.long_name or p.name) if isinstance(p, Space) else p.name
        info = {"guid": p.guid, "kind": kind, "storey": p.storey, "name": name}
        if (model := twin.model_of(p.guid)) is not None:  # discipline, in a federated building
            info["model"] = model
        node = w.mesh_node(p.guid, twin.meshes[p.guid], w.material(key, rgba), info)
        groups.setdefault(p.storey, []).append(node)
    return groups


def _merged_nodes(
    w: _Writer, twin: Twin, prods: list[Space | Element], colors: Mapping[str, tuple[float, ...]]
) -> dict[str, list[int]]:
    """Per storey, kind and colour: products merged into chunks of at most MAX_VERTS vertices."""
    by: dict[str, dict[tuple[str, RGBA], list[Space | Element]]] = {}
    for p in prods:
        assert p.storey is not None
        key, rgba = _rgba(p, colors)
        by.setdefault(p.storey, {}).setdefault((_kind_of(p), rgba), []).append(p)
    groups: dict[str, list[int]] = {}
    for sg, parts in by.items():
        for (kind, rgba), items in parts.items():
            default = rgba == DEFAULT_COLORS.get(kind, _GREY)
            key = kind if default else f"{kind}-" + "".join(f"{round(c * 255):02x}" for c in rgba)
            mat = w.material(key, rgba)
            chunk: list[Space | Element] = []
            count = 0
            for p in items:
                n = len(twin.meshes[p.guid].vertices)
                if chunk and count + n > MAX_VERTS:
                    groups.setdefault(sg, []).append(w.merged_node(kind, chunk, twin, mat))
                    chunk, count = [], 0
                chunk.append(p)
                count += n
            if chunk:
                groups.setdefault(sg, []).append(w.merged_node(kind, chunk, twin, mat))
    return groups


class _Writer:
    """Accumulates glTF JSON and one binary buffer (positions then indices, 4-byte aligned).

    ``quantised``: positions are int16 xyz + 2 pad bytes (byte stride 8, KHR_mesh_quantization)
    and indices uint16 where the primitive allows; otherwise float32 positions, uint32 indices.
    """

    def __init__(self, *, quantised: bool = False) -> None:
        self.quantised = quantised
        self.nodes: list[dict[str, Any]] = []
        self.meshes: list[dict[str, Any]] = []
        self.accessors: list[dict[str, Any]] = []
        self.materials: list[dict[str, Any]] = []
        self._material_ix: dict[str, int] = {}
        self._pos: list[bytes] = []
        self._idx: list[bytes] = []
        self._pos_len = 0
        self._idx_len = 0

    def material(self, key: str, rgba: tuple[float, ...]) -> int:
        if key not in self._material_ix:
            self._material_ix[key] = len(self.materials)
            self.materials.append(_material(key, rgba))
        return self._material_ix[key]

    def node(self, node: dict[str, Any]) -> int:
        self.nodes.append(node)
        return len(self.nodes) - 1

    def _add(self, pos: dict[str, Any], pos_bytes: bytes, faces: np.ndarray) -> tuple[int, int]:
        """Append one primitive's positions and indices; returns their accessor numbers."""
        small = self.quantised and int(faces.max(initial=0)) < 65536
        idx = np.ascontiguousarray(faces, dtype=np.uint16 if small else np.uint32).reshape(-1)
        pa = len(self.accessors)
        self.accessors.append({"bufferView": 0, "byteOffset": self._pos_len, **pos})
        self.accessors.append(
            {"bufferView": 1, "byteOffset": self._idx_len,
             "componentType": 5123 if small else 5125, "count": len(idx), "type": "SCALAR"}
        )  # fmt: skip
        data = idx.tobytes()
        data += b"\0" * (-len(data) % 4)
        self._pos.append(pos_bytes)
        self._idx.append(data)
        self._pos_len += len(pos_bytes)
        self._idx_len += len(data)
        return pa, pa + 1

    def mesh_node(self, name: str, mesh: Mesh, material: int, extras: dict[str, Any]) -> int:
        v = np.ascontiguousarray(mesh.vertices, dtype=np.float32)
        pos = {"componentType": 5126, "count": len(v), "type": "VEC3",
               "min": v.min(axis=0).tolist(), "max": v.max(axis=0).tolist()}  # fmt: skip
        pa, ia = self._add(pos, v.tobytes(), np.asarray(mesh.faces))
        prim = {"attributes": {"POSITION": pa}, "indices": ia, "material": material, "mode": 4}
        self.meshes.append({"name": name, "primitives": [prim]})
        return self.node({"name": name, "mesh": len(self.meshes) - 1, "extras": extras})

    def merged_node(
        self, kind: str, prods: list[Space | Element], twin: Twin, material: int
    ) -> int:
        """One quantised primitive for ``prods``; extras map triangle ranges to GlobalIds."""
        meshes = [twin.meshes[p.guid] for p in prods]
        sizes = np.array([len(m.vertices) for m in meshes])
        tris = np.array([len(m.faces) for m in meshes])
        v = np.concatenate([np.asarray(m.vertices, dtype=np.float64) for m in meshes])
        base = np.repeat(np.concatenate([[0], np.cumsum(sizes)[:-1]]), tris)
        f = np.concatenate([np.asarray(m.faces, dtype=np.int64) for m in meshes]) + base[:, None]
        lo, hi = v.min(axis=0), v.max(axis=0)
        centre, half = (lo + hi) / 2, np.maximum((hi - lo) / 2, 1e-3)
        q = np.zeros((len(v), 4), dtype=np.int16)
        q[:, :3] = np.rint((v - centre) / half * 32767)
        qmin, qmax = q[:, :3].min(axis=0).tolist(), q[:, :3].max(axis=0).tolist()
        pos = {"componentType": 5122, "normalized": True, "count": len(v), "type": "VEC3",
               "min": qmin, "max": qmax}  # fmt: skip
        pa, ia = self._add(pos, q.tobytes(), f)
        starts = np.concatenate([[0], np.cumsum(tris)[:-1]]).tolist()
        prim = {"attributes": {"POSITION": pa}, "indices": ia, "material": material, "mode": 4,
                "extras": {"guids": [p.guid for p in prods], "tri": starts}}  # fmt: skip
        self.meshes.append({"name": kind, "primitives": [prim]})
        node = {"name": kind, "mesh": len(self.meshes) - 1, "translation": centre.tolist(),
                "scale": half.tolist(), "extras": {"kind": kind, "merged": True}}  # fmt: skip
        return self.node(node)

    def glb(self, root: int) -> bytes:
        binary = b"".join(self._pos) + b"".join(self._idx)
        size = max(self._pos_len, 4)
        pos_view: dict[str, Any] = {"buffer": 0, "byteOffset": 0, "byteLength": size}
        pos_view["target"] = 34962
        if self.quantised:
            pos_view["byteStride"] = 8
        tree: dict[str, Any] = {
            "asset": {"version": "2.0", "generator": "hospital-twin"},
            "scene": 0,
            "scenes": [{"nodes": [root]}],
            "nodes": self.nodes,
            "buffers": [{"byteLength": len(binary)}],
            "bufferViews": [
                pos_view,
                {"buffer": 0, "byteOffset": self._pos_len, "byteLength": max(self._idx_len, 4),
                 "target": 34963},
            ],
        }  # fmt: skip
        if self.meshes:
            tree.update(meshes=self.meshes, accessors=self.accessors, materials=self.materials)
            if self.quantised:
                tree["extensionsUsed"] = tree["extensionsRequired"] = ["KHR_mesh_quantization"]
        else:
            del tree["bufferViews"], tree["buffers"]
        js = json.dumps(tree, separators=(",", ":")).encode()
        js += b" " * (-len(js) % 4)
        binary += b"\0" * (-len(binary) % 4)
        chunks = struct.pack("<I4s", len(js), b"JSON") + js
        if self.meshes:
            chunks += struct.pack("<I4s", len(binary), b"BIN\0") + binary
        return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks
