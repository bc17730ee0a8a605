"""glTF scene: loads back in trimesh, nodes named by GlobalId with extras, storeys, Y up."""

from __future__ import annotations

import io
import json
import struct
from typing import Any

import pytest

from tests.samples.spatial import hand_twin
from twin.export.gltf import scene_glb


def _json_chunk(glb: bytes) -> dict[str, Any]:
    magic, _version, _length = struct.unpack_from("<4sII", glb, 0)
    assert magic == b"glTF"
    size, kind = struct.unpack_from("<I4s", glb, 12)
    assert kind == b"JSON"
    return json.loads(glb[20 : 20 + size])  # type: ignore[no-any-return]


def _check(twin: Any, glb: bytes, storeys: set[str]) -> Any:
    import trimesh

    scene = trimesh.load(io.BytesIO(glb), file_type="glb")
    tree = _json_chunk(glb)
    named = {n["name"]: n for n in tree["nodes"]}
    expect = {
        g
        for g in twin.meshes
        if (twin.spaces.get(g) or twin.elements.get(g)) is not None
        and (twin.spaces.get(g) or twin.elements[g]).storey in storeys
    }
    products = {n for n in named if not n.startswith(("building:", "storey:"))}
    assert products == expect
    for g in list(expect)[:50]:
        extras = named[g]["extras"]
        assert extras["guid"] == g and extras["kind"] and extras["storey"] in storeys
    assert {n for n in named if n.startswith("storey:")} == {f"storey:{s}" for s in storeys}
    return scene


def test_hand_scene_y_up() -> None:
    twin = hand_twin()
    scene = _check(twin, scene_glb(twin), {"S0", "S1"})
    (x0, y0, z0), (x1, y1, z1) = scene.bounds
    # model: x 0..10, y 0..4, z 0..6 -> glTF: x 0..10, y (height) 0..6, z -4..0
    assert (x0, x1) == pytest.approx((0, 10))
    assert (y0, y1) == pytest.approx((0, 6))
    assert (z0, z1) == pytest.approx((-4, 0))


def test_storey_and_kind_filters() -> None:
    twin = hand_twin()
    _check(twin, scene_glb(twin, storey="S1"), {"S1"})
    tree = _json_chunk(scene_glb(twin, kinds={"wall"}, colors={"S0W": (1, 0, 0)}))
    walls = [n for n in tree["nodes"] if n.get("extras", {}).get("kind") == "wall"]
    assert len(walls) == 2
    colours = {tuple(m["pbrMetallicRoughness"]["baseColorFactor"]) for m in tree["materials"]}
    assert (1.0, 0.0, 0.0, 1.0) in colours


@pytest.mark.slow
def test_fzk_scene(shared_twin: Any) -> None:
    twin = shared_twin("AC20-FZK-Haus.ifc")
    scene = _check(twin, scene_glb(twin), set(twin.storeys))
    ext = scene.extents
    assert ext[1] > 3 and ext[1] < max(
        ext[0], ext[2]
    )  # a house: taller than a storey, wider than tall


def test_hospital_storey_scene(small_twin: Any) -> None:
    storey = next(iter(small_twin.buildings.values())).storeys[0]
    _check(small_twin, scene_glb(small_twin, storey=storey), {storey})
