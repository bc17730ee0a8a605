"""A tiny two-storey building built in code, for navigation tests and docs.

It holds the cases a router gets wrong first: an L-shaped corridor (a straight door-to-door line
leaves the room), a stairwell and a lift joining two storeys, an outside door, and one door
linked by a space boundary while the others are left for geometric inference.
"""

from __future__ import annotations

from dataclasses import replace

from shapely.geometry import Polygon, box

from twin.model import (
    Building,
    Element,
    Georef,
    QualityReport,
    SourceInfo,
    Space,
    SpaceBoundary,
    Storey,
    Twin,
)

__all__ = ["sample_twin"]

H = 3.5


def _space(guid: str, storey: str, z: float, poly: Polygon) -> Space:
    x0, y0, x1, y1 = poly.bounds
    return Space(
        guid,
        guid,
        guid,
        guid,
        "",
        "normal",
        storey,
        "B",
        poly,
        (x0, y0, z, x1, y1, z + 3.0),
        z,
        3.0,
        None,
        "solid",
    )


def _el(
    guid: str, kind: str, storey: str, xy: tuple[float, float, float, float], z0: float, z1: float
) -> Element:
    return Element(
        guid,
        "Ifc" + kind.title(),
        kind,
        guid,
        "",
        "",
        "",
        storey,
        None,
        False,
        False,
        (),
        (xy[0], xy[1], z0, xy[2], xy[3], z1),
        box(*xy),
        "solid",
    )


def sample_twin() -> Twin:
    """Storey S0 (z 0): L corridor C0, rooms A, B, D, stairwell ST0, entrance E; storey S1
    (z 3.5): corridor C1, room U, stairwell ST1; stair STAIR and lift LIFT join them."""
    storeys = {"S0": Storey("S0", "Ground", 0.0, "B", 0, H), "S1": Storey("S1", "First", H, "B", 1)}
    ell = Polygon([(0, 0), (20, 0), (20, 10), (18, 10), (18, 2), (0, 2)])
    sp = [
        _space("C0", "S0", 0.0, ell),
        _space("A", "S0", 0.0, box(0, 2.2, 6, 8)),
        _space("B", "S0", 0.0, box(12, 2.2, 17.8, 8)),
        _space("D", "S0", 0.0, box(20.2, 6, 26, 10)),
        _space("ST0", "S0", 0.0, box(6.2, 2.2, 9, 8)),
        _space("C1", "S1", H, box(0, 0, 20, 2)),
        _space("U", "S1", H, box(12, 2.2, 17.8, 8)),
        _space("ST1", "S1", H, box(6.2, 2.2, 9, 8)),
    ]
    els = [
        _el("DA", "door", "S0", (2.5, 2.0, 3.5, 2.2), 0, 2.1),
        _el("DB", "door", "S0", (14.5, 2.0, 15.5, 2.2), 0, 2.1),
        _el("DD", "door", "S0", (20.0, 7.5, 20.2, 8.5), 0, 2.1),
        _el("DS0", "door", "S0", (7.0, 2.0, 8.0, 2.2), 0, 2.1),
        replace(  # an entrance: outside on one side, and the model says it is external
            _el("E", "door", "S0", (-0.2, 0.5, 0.0, 1.5), 0, 2.1),
            psets={"Pset_DoorCommon": {"IsExternal": True}},
        ),
        _el("DS1", "door", "S1", (7.0, 2.0, 8.0, 2.2), H, H + 2.1),
        _el("DU", "door", "S1", (14.5, 2.0, 15.5, 2.2), H, H + 2.1),
        _el("STAIR", "stair", "S0", (6.5, 3.0, 8.7, 7.5), 0, H),
        _el("LIFT", "lift", "S0", (10.0, 2.2, 11.5, 3.5), 0, 2 * H),
    ]
    bounds = (
        SpaceBoundary("SB1", "A", "DA", True, True),
        SpaceBoundary("SB2", "C0", "DA", True, True),
    )
    q = QualityReport({}, (), (), (), (), (), {}, "none")
    return Twin(
        source=SourceInfo("sample", "0" * 64, "IFC4", 1.0, 0),
        georef=Georef("none"),
        sites={},
        buildings={"B": Building("B", "Sample", None, ("S0", "S1"))},
        storeys=storeys,
        spaces={s.guid: s for s in sp},
        elements={e.guid: e for e in els},
        ports={},
        connections=(),
        systems={},
        space_boundaries=bounds,
        meshes={},
        quality=q,
    )
