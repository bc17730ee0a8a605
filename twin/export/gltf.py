"""A building or storey as a binary glTF (.glb) scene for the 3D viewer.

Layout: one root node ``building:<guid>`` carrying the Z-up -> Y-up rotation, one grouping node
per storey (``storey:<guid>``, so the viewer can isolate or explode storeys), and one node per
product named by its GlobalId with ``extras`` {guid, kind, storey, name}. Materials are shared
per kind; spaces are translucent. The GLB is written directly with numpy and struct (one buffer,
two buffer views, an accessor pair per product): trimesh's scene export costs ~6 ms per node,
minutes on the large hospital. Tests load the result back with trimesh. Callers still cache
the bytes per arguments (``campus.derived``).
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from twin.errors import InvalidInput
from twin.model import Element, Mesh, Space, Twin

__all__ = ["DEFAULT_COLORS", "Y_UP", "scene_glb"]

RGBA = tuple[float, float, float, float]

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
    twin: Twin, building: str | None, storey: str | None, kinds: Collection[str] | None
) -> list[Space | Element]:
    if storey is not None:
        storeys = {twin.storey(storey).guid}
    elif building is not None:
        storeys = set(twin.building(building).storeys)
    else:
        storeys = set(twin.storeys)
    prods: list[Space | Element] = []
    if not kinds or "space" in kinds:
        prods += [s for s in twin.spaces.values() if s.storey in storeys]
    prods += [
        e for e in twin.elements.values() if e.storey in storeys and (not kinds or e.kind in kinds)
    ]
    return [p for p in prods if p.guid in twin.meshes]


def scene_glb(
    twin: Twin,
    *,
    building: str | None = None,
    storey: str | None = None,
    kinds: Collection[str] | None = None,
    colors: Mapping[str, tuple[float, ...]] | None = None,
) -> bytes:
    """GLB bytes of a building (or one storey, or the whole twin), optionally kinds only.

    ``colors`` maps a kind (or a GlobalId, for state colouring) to RGB(A) 0..1; GlobalId entries
    win over kind entries.
    """
    if building is None and storey is None and len(twin.buildings) > 1:
        raise InvalidInput("the model holds several buildings; name one")
    colors = dict(colors or {})
    bguid = building or (
        twin.storey(storey).building if storey else next(iter(twin.buildings), None)
    )
    w = _Writer()
    groups: dict[str, list[int]] = {}
    for p in _products(twin, building, storey, kinds):
        assert p.storey is not None
        kind = "space" if isinstance(p, Space) else p.kind
        key = p.guid if p.guid in colors else kind
        rgba = colors.get(key) or DEFAULT_COLORS.get(kind, _GREY)
        name = (p.long_name or p.name) if isinstance(p, Space) else p.name
        info = {"guid": p.guid, "kind": kind, "storey": p.storey, "name": name}
        node = w.mesh_node(p.guid, twin.meshes[p.guid], w.material(key, rgba), info)
        groups.setdefault(p.storey, []).append(node)
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
            "extras": {"guid": bguid, "kind": "building"},
        }
    )
    return w.glb(root)


class _Writer:
    """Accumulates glTF JSON and one binary buffer (positions then indices, 4-byte aligned)."""

    def __init__(self) -> None:
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

    def mesh_node(self, name: str, mesh: Mesh, material: int, extras: dict[str, Any]) -> int:
        v = np.ascontiguousarray(mesh.vertices, dtype=np.float32)
        f = np.ascontiguousarray(mesh.faces, dtype=np.uint32).reshape(-1)
        pa = len(self.accessors)
        self.accessors.append(
            {
                "bufferView": 0,
                "byteOffset": self._pos_len,
                "componentType": 5126,
                "count": len(v),
                "type": "VEC3",
                "min": v.min(axis=0).tolist(),
                "max": v.max(axis=0).tolist(),
            }
        )
        self.accessors.append(
            {"bufferView": 1, "byteOffset": self._idx_len, "componentType": 5125,
             "count": len(f), "type": "SCALAR"}
        )  # fmt: skip
        self._pos.append(v.tobytes())
        self._idx.append(f.tobytes())
        self._pos_len += v.nbytes
        self._idx_len += f.nbytes
        prim = {"attributes": {"POSITION": pa}, "indices": pa + 1, "material": material, "mode": 4}
        self.meshes.append({"name": name, "primitives": [prim]})
        return self.node({"name": name, "mesh": len(self.meshes) - 1, "extras": extras})

    def glb(self, root: int) -> bytes:
        binary = b"".join(self._pos) + b"".join(self._idx)
        tree: dict[str, Any] = {
            "asset": {"version": "2.0", "generator": "hospital-twin"},
            "scene": 0,
            "scenes": [{"nodes": [root]}],
            "nodes": self.nodes,
            "buffers": [{"byteLength": len(binary)}],
            "bufferViews": [
                {"buffer": 0, "byteOffset": 0, "byteLength": max(self._pos_len, 4),
                 "target": 34962},
                {"buffer": 0, "byteOffset": self._pos_len, "byteLength": max(self._idx_len, 4),
                 "target": 34963},
            ],
        }  # fmt: skip
        if self.meshes:
            tree.update(meshes=self.meshes, accessors=self.accessors, materials=self.materials)
        else:
            del tree["bufferViews"], tree["buffers"]
        js = json.dumps(tree, separators=(",", ":")).encode()
        js += b" " * (-len(js) % 4)
        binary += b"\0" * (-len(binary) % 4)
        chunks = struct.pack("<I4s", len(js), b"JSON") + js
        if self.meshes:
            chunks += struct.pack("<I4s", len(binary), b"BIN\0") + binary
        return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks
