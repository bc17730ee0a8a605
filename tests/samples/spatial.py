"""A tiny hand-built twin: two storeys, two rooms each, a wall, a door and a few devices.

Used by unit tests and doctests of the spatial index and the exports where a real ingested model
would hide the exact geometric rule being checked (wall gaps, storey tolerance, tie order).
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import box

from twin.model import (
    Building,
    Element,
    Georef,
    Mesh,
    QualityReport,
    SourceInfo,
    Space,
    Storey,
    Twin,
)

__all__ = ["hand_twin"]


def _space(
    guid: str, number: str, storey: str, rect: tuple[float, float, float, float], z: float
) -> Space:
    fp = box(*rect)
    return Space(
        guid=guid,
        name=number,
        long_name=f"Room {number}",
        number=number,
        category="",
        criticality="icu" if number.endswith(".02") else "normal",
        storey=storey,
        building="B",
        footprint=fp,
        bbox=(rect[0], rect[1], z, rect[2], rect[3], z + 3),
        elevation=z,
        height=3.0,
        declared_area=fp.area,
        geometry_source="solid",
    )


def _element(
    guid: str,
    kind: str,
    storey: str,
    rect: tuple[float, float, float, float],
    z: float,
    space: str | None = None,
) -> Element:
    return Element(
        guid=guid,
        ifc_class="Ifc" + kind.title(),
        kind=kind,
        name=f"{kind} {guid}",
        type_name="",
        predefined_type="",
        object_type="",
        storey=storey,
        space=space,
        space_inferred=False,
        storey_inferred=False,
        systems=(),
        bbox=(rect[0], rect[1], z, rect[2], rect[3], z + 1),
        footprint=box(*rect),
        geometry_source="solid",
    )


def _box_mesh(b: tuple[float, float, float, float, float, float]) -> Mesh:
    """Twelve triangles of an axis-aligned box."""
    x0, y0, z0, x1, y1, z1 = b
    v = np.array(
        [[x, y, z] for z in (z0, z1) for y in (y0, y1) for x in (x0, x1)], dtype=np.float32
    )
    f = np.array(
        [
            [0, 2, 1],
            [1, 2, 3],
            [4, 5, 6],
            [5, 7, 6],
            [0, 1, 4],
            [1, 5, 4],
            [2, 6, 3],
            [3, 6, 7],
            [0, 4, 2],
            [2, 4, 6],
            [1, 3, 5],
            [3, 7, 5],
        ],
        dtype=np.int32,
    )
    return Mesh(v, f)


def hand_twin(georef: Georef | None = None) -> Twin:
    """Two storeys (0 m, 3 m), two rooms each separated by a 0.2 m wall at x=5..5.2."""
    storeys = {
        "S0": Storey("S0", "Ground", 0.0, "B", 0, 3.0),
        "S1": Storey("S1", "First", 3.0, "B", 1, 3.0),
    }
    spaces: dict[str, Space] = {}
    elements: dict[str, Element] = {}
    for sg, z in (("S0", 0.0), ("S1", 3.0)):
        lvl = sg[1]
        spaces[f"{sg}A"] = _space(f"{sg}A", f"{lvl}.01", sg, (0, 0, 5, 4), z)
        spaces[f"{sg}B"] = _space(f"{sg}B", f"{lvl}.02", sg, (5.2, 0, 10, 4), z)
        elements[f"{sg}W"] = _element(f"{sg}W", "wall", sg, (5, 0, 5.2, 4), z)
        elements[f"{sg}T"] = _element(f"{sg}T", "terminal", sg, (1, 1, 1.2, 1.2), z + 2, f"{sg}A")
        elements[f"{sg}X"] = _element(f"{sg}X", "sensor", sg, (8, 2, 8.1, 2.1), z + 1.5)
        elements[f"{sg}D"] = _element(f"{sg}D", "door", sg, (5, 1, 5.2, 2), z)
    meshes = {g: _box_mesh(s.bbox) for g, s in spaces.items() if s.bbox}
    meshes.update({g: _box_mesh(e.bbox) for g, e in elements.items() if e.bbox})
    quality = QualityReport({}, (), (), (), (), (), {}, "none")
    return Twin(
        source=SourceInfo("hand.ifc", "0" * 64, "IFC4", 1.0, 0),
        georef=georef or Georef("none"),
        sites={},
        buildings={"B": Building("B", "Hand", None, ("S0", "S1"))},
        storeys=storeys,
        spaces=spaces,
        elements=elements,
        ports={},
        connections=(),
        systems={},
        space_boundaries=(),
        meshes=meshes,
        quality=quality,
    )
