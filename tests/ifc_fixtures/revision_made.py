"""A revision copy of an IFC file: a share of its elements moved or renamed, ids renumbered.

Used by tests/test_ingest_revision.py and bench/ingest.py. Every ``1/share``-th element with a
representation (sorted by GlobalId, openings left out) is changed, alternately moved by
``shift`` metres along X (a new IfcLocalPlacement with a new location, relative to the same
parent, so nothing else moves with it) and renamed. With ``renumber``, every STEP id is then
rewritten (``#n`` -> ``#(2n + 7)``), as exporters renumber between saves, so a reuse keyed by
entity ids would find nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import ifcopenshell
import ifcopenshell.util.unit

__all__ = ["Revision", "write_revision"]


@dataclass(frozen=True)
class Revision:
    moved: tuple[str, ...]  # GlobalIds
    renamed: tuple[str, ...]
    path: Path


def write_revision(
    source: Path, out: Path, *, share: float = 0.02, shift: float = 0.5, renumber: bool = True
) -> Revision:
    f = ifcopenshell.open(str(source))
    scale = ifcopenshell.util.unit.calculate_unit_scale(f)  # file units -> metres
    candidates = sorted(
        (
            e
            for e in f.by_type("IfcElement")
            if e.Representation is not None
            and e.ObjectPlacement is not None
            and e.ObjectPlacement.is_a("IfcLocalPlacement")
            and not e.is_a("IfcFeatureElementSubtraction")
        ),
        key=lambda e: e.GlobalId,
    )
    step = max(1, round(1 / share))
    moved: list[str] = []
    renamed: list[str] = []
    for n, e in enumerate(candidates[::step]):
        if n % 2 == 0:
            old = e.ObjectPlacement
            rel = old.RelativePlacement
            x, y, *z = rel.Location.Coordinates
            point = f.createIfcCartesianPoint((x + shift / scale, y, *z))
            axis = (
                f.createIfcAxis2Placement3D(point, rel.Axis, rel.RefDirection)
                if rel.is_a("IfcAxis2Placement3D")
                else f.createIfcAxis2Placement2D(point, rel.RefDirection)
            )
            e.ObjectPlacement = f.createIfcLocalPlacement(old.PlacementRelTo, axis)
            moved.append(e.GlobalId)
        else:
            e.Name = f"{e.Name or ''} (rev. B)"
            renamed.append(e.GlobalId)
    out.parent.mkdir(parents=True, exist_ok=True)
    f.write(str(out))
    if renumber:
        text = out.read_text(encoding="utf-8", errors="surrogateescape")
        head, sep, data = text.partition("DATA;")
        data = re.sub(r"#(\d+)", lambda m: f"#{2 * int(m.group(1)) + 7}", data)
        out.write_text(head + sep + data, encoding="utf-8", errors="surrogateescape")
    return Revision(tuple(moved), tuple(renamed), out)
