"""A building or storey as a binary glTF (.glb) scene for the 3D viewer.

Layout: one root node ``building:<guid>`` carrying the Z-up -> Y-up rotation, one grouping node
per storey (``storey:<guid>``, so the viewer can isolate or explode storeys), and one node per
product named by its GlobalId with ``extras`` {guid, kind, storey, name}. Materials are shared
per kind; spaces are translucent. The GLB is built with trimesh; callers cache it per arguments
(``campus.derived``) because a large hospital takes seconds.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np

from twin.errors import InvalidInput
from twin.model import Element, Space, Twin

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


def _material(kind: str, colors: Mapping[str, tuple[float, ...]]) -> object:
    from trimesh.visual.material import PBRMaterial

    rgba = tuple(colors.get(kind, DEFAULT_COLORS.get(kind, _GREY)))
    if len(rgba) == 3:
        rgba = (*rgba, 1.0)
    alpha = float(rgba[3])
    return PBRMaterial(
        name=f"kind-{kind}",
        baseColorFactor=[float(c) for c in rgba],
        metallicFactor=0.0,
        roughnessFactor=0.9,
        alphaMode="BLEND" if alpha < 1.0 else "OPAQUE",
        doubleSided=alpha < 1.0,
    )


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
    import trimesh

    if building is None and storey is None and len(twin.buildings) > 1:
        raise InvalidInput("the model holds several buildings; name one")
    colors = dict(colors or {})
    bguid = building or (
        twin.storey(storey).building if storey else next(iter(twin.buildings), None)
    )
    scene = trimesh.Scene()
    root = f"building:{bguid or 'model'}"
    scene.graph.update(
        frame_from=scene.graph.base_frame, frame_to=root, matrix=Y_UP, metadata={"building": bguid}
    )
    added: set[str] = set()
    materials: dict[str, object] = {}
    for p in _products(twin, building, storey, kinds):
        assert p.storey is not None
        group = f"storey:{p.storey}"
        if group not in added:
            st = twin.storeys[p.storey]
            scene.graph.update(
                frame_from=root,
                frame_to=group,
                metadata={
                    "guid": st.guid,
                    "kind": "storey",
                    "name": st.name,
                    "elevation": st.elevation,
                },
            )
            added.add(group)
        kind = "space" if isinstance(p, Space) else p.kind
        key = p.guid if p.guid in colors else kind
        if key not in materials:
            materials[key] = _material(key if key in colors else kind, colors)
        mesh = twin.meshes[p.guid]
        tm = trimesh.Trimesh(
            vertices=np.asarray(mesh.vertices, dtype=np.float64),
            faces=np.asarray(mesh.faces, dtype=np.int64),
            process=False,
            validate=False,
        )
        tm.visual = trimesh.visual.TextureVisuals(material=materials[key])
        name = p.long_name or p.name if isinstance(p, Space) else p.name
        scene.add_geometry(
            tm,
            geom_name=p.guid,
            node_name=p.guid,
            parent_node_name=group,
            metadata={"guid": p.guid, "kind": kind, "storey": p.storey, "name": name},
        )
    data = scene.export(file_type="glb")
    assert isinstance(data, bytes)
    return data
