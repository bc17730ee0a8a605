"""The viewer's merged glTF layout: decoded with numpy, every product's triangles come back from
its triangle range (positions within the quantisation step), storeys stay apart, indices fit
uint16, and a state colour splits a product into its own material."""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np
import pytest

from tests.samples.spatial import hand_twin
from twin.errors import InvalidInput
from twin.export.gltf import MAX_VERTS, scene_glb

COMPONENTS = {5122: np.int16, 5123: np.uint16, 5125: np.uint32, 5126: np.float32}


def _decode(glb: bytes) -> tuple[dict[str, Any], bytes]:
    magic, _v, total = struct.unpack_from("<4sII", glb, 0)
    assert magic == b"glTF" and total == len(glb)
    size, kind = struct.unpack_from("<I4s", glb, 12)
    assert kind == b"JSON"
    tree = json.loads(glb[20 : 20 + size])
    bsize, bkind = struct.unpack_from("<I4s", glb, 20 + size)
    assert bkind == b"BIN\0"
    return tree, glb[28 + size : 28 + size + bsize]


def _read(tree: dict[str, Any], binary: bytes, ix: int) -> np.ndarray:
    acc = tree["accessors"][ix]
    view = tree["bufferViews"][acc["bufferView"]]
    dtype = np.dtype(COMPONENTS[acc["componentType"]])
    width = 3 if acc["type"] == "VEC3" else 1
    stride = view.get("byteStride", width * dtype.itemsize) // dtype.itemsize
    start = view["byteOffset"] + acc.get("byteOffset", 0)
    flat = np.frombuffer(binary, dtype, count=acc["count"] * stride, offset=start)
    out = flat.reshape(acc["count"], stride)[:, :width]
    return out.astype(np.float64) / 32767 if acc.get("normalized") else out


def _triangles(glb: bytes) -> tuple[dict[str, np.ndarray], dict[str, str], dict[str, Any]]:
    """Per GlobalId its triangles in model coordinates (n, 3, 3); its storey; the JSON tree."""
    tree, binary = _decode(glb)
    tris: dict[str, np.ndarray] = {}
    storey_of: dict[str, str] = {}
    root = tree["nodes"][tree["scenes"][0]["nodes"][0]]
    for sn in root["children"]:
        snode = tree["nodes"][sn]
        for cn in snode["children"]:
            node = tree["nodes"][cn]
            prim = tree["meshes"][node["mesh"]]["primitives"][0]
            pos = _read(tree, binary, prim["attributes"]["POSITION"])
            pos = pos * np.array(node["scale"]) + np.array(node["translation"])
            idx = _read(tree, binary, prim["indices"]).reshape(-1, 3).astype(np.int64)
            ex = prim["extras"]
            ends = [*ex["tri"][1:], len(idx)]
            for g, a, b in zip(ex["guids"], ex["tri"], ends, strict=True):
                tris[g] = pos[idx[a:b]]
                storey_of[g] = snode["extras"]["guid"]
    return tris, storey_of, tree


def _same(mesh: Any, got: np.ndarray, tol: float) -> None:
    want = np.asarray(mesh.vertices, dtype=np.float64)[np.asarray(mesh.faces)]
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= tol


def test_hand_twin_round_trip() -> None:
    twin = hand_twin()
    tris, storey_of, tree = _triangles(scene_glb(twin, layout="merged"))
    expect = {g for g in twin.meshes if g in twin.spaces or g in twin.elements}
    assert set(tris) == expect
    for g in expect:
        p = twin.spaces.get(g) or twin.elements[g]
        assert storey_of[g] == p.storey
        _same(twin.meshes[g], tris[g], tol=11 / 32767)  # half extent (<= 11 m) per int16 step
    assert tree["extensionsRequired"] == ["KHR_mesh_quantization"]
    assert tree["bufferViews"][0]["byteStride"] == 8
    assert all(a["componentType"] == 5123 for a in tree["accessors"][1::2])
    kinds = {n["extras"]["kind"] for n in tree["nodes"] if n.get("extras", {}).get("merged")}
    assert kinds == {"space" if g in twin.spaces else twin.elements[g].kind for g in expect}


def test_state_colour_gets_its_own_primitive() -> None:
    twin = hand_twin()
    tree, _ = _decode(scene_glb(twin, layout="merged", colors={"S0W": (1, 0, 0)}))
    red = [i for i, m in enumerate(tree["materials"])
           if m["pbrMetallicRoughness"]["baseColorFactor"] == [1.0, 0.0, 0.0, 1.0]]  # fmt: skip
    assert len(red) == 1
    prims = [p for m in tree["meshes"] for p in m["primitives"] if p["material"] == red[0]]
    assert [p["extras"]["guids"] for p in prims] == [["S0W"]]


def test_unknown_layout_refused() -> None:
    with pytest.raises(InvalidInput):
        scene_glb(hand_twin(), layout="flat")  # type: ignore[arg-type]


def test_hospital_storey_merged(small_twin: Any) -> None:
    b = next(iter(small_twin.buildings.values()))
    storey = b.storeys[0]
    merged = scene_glb(small_twin, building=b.guid, storey=storey, layout="merged")
    nodes = scene_glb(small_twin, building=b.guid, storey=storey)
    assert len(merged) < len(nodes) / 2  # the point of the layout
    tris, storey_of, tree = _triangles(merged)
    expect = {
        g
        for g in small_twin.meshes
        if (small_twin.spaces.get(g) or small_twin.elements.get(g)) is not None
        and (small_twin.spaces.get(g) or small_twin.elements[g]).storey == storey
    }
    assert set(tris) == expect and set(storey_of.values()) == {storey}
    for node in tree["nodes"]:
        if node.get("extras", {}).get("merged"):
            prim = tree["meshes"][node["mesh"]]["primitives"][0]
            assert tree["accessors"][prim["attributes"]["POSITION"]]["count"] <= MAX_VERTS
            step = max(node["scale"]) / 32767
            for g in prim["extras"]["guids"][:20]:
                _same(small_twin.meshes[g], tris[g], tol=step)


def test_exclude_kinds() -> None:
    twin = hand_twin()
    tris, _, _ = _triangles(scene_glb(twin, layout="merged", exclude={"wall", "space"}))
    kinds = {twin.elements[g].kind for g in tris}
    assert kinds and not kinds & {"wall"} and not set(tris) & set(twin.spaces)
    walls = {g for g, e in twin.elements.items() if e.kind == "wall" and g in twin.meshes}
    only, _, _ = _triangles(scene_glb(twin, layout="merged", kinds={"wall"}))
    assert set(only) == walls and not set(only) & set(tris)
