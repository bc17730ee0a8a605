"""Renovation scenario domain types: the overlay a planner draws, beside :mod:`twin.model`.

A scenario closes rooms or a drawn zone, locks doors, takes lifts and stairs out of service, shuts
systems or valves off and proposes new solids. These are the types and the parser of the stored
document; they live at the domain level so the live store (which validates a document before it
stores it) and the analyses (which compute a scenario's impact) both read them without one
importing the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import trimesh
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

from twin.errors import InvalidInput
from twin.model import BBox, Mesh

__all__ = [
    "ImpactReport",
    "Proposed",
    "Scenario",
    "Zone",
    "as_mesh",
    "box_element",
    "extruded_element",
    "parse_polygon",
    "scenario_from_dict",
]


@dataclass(frozen=True, slots=True)
class Proposed:
    """A proposed new element in world metres (Z up)."""

    id: str
    kind: str
    mesh: Mesh
    name: str = ""
    storey: str | None = None

    @property
    def bbox(self) -> BBox:
        lo = self.mesh.vertices.min(axis=0)
        hi = self.mesh.vertices.max(axis=0)
        return (float(lo[0]), float(lo[1]), float(lo[2]), float(hi[0]), float(hi[1]), float(hi[2]))


@dataclass(frozen=True, slots=True)
class Zone:
    storey: str
    polygon: BaseGeometry


@dataclass(frozen=True)
class Scenario:
    """A named overlay. Times are ISO 8601 strings, kept as given (the window of the works)."""

    name: str
    building: str | None = None
    closed_spaces: tuple[str, ...] = ()
    zones: tuple[Zone, ...] = ()
    closed_doors: tuple[str, ...] = ()
    out_of_service: tuple[str, ...] = ()  # lifts and stairs
    shut_off: tuple[str, ...] = ()  # systems, valves or any distribution element
    proposed: tuple[Proposed, ...] = ()
    starts: str | None = None
    ends: str | None = None
    description: str = ""
    clearance: float = 0.05
    raw: Mapping[str, Any] = field(default_factory=dict)  # the document it was made from


@dataclass
class ImpactReport:
    """What a scenario changes: computed by :func:`twin.analysis.renovation.impact_report`,
    drawn and written by :mod:`twin.export.scenario_plan` and :mod:`twin.export.scenario_report`."""

    scenario: str
    closed_spaces: list[dict[str, Any]]
    unreachable: dict[str, list[dict[str, Any]]]  # profile -> rooms cut off
    longer: dict[str, list[dict[str, Any]]]  # profile -> rooms whose route from entrances grew
    services_lost: dict[str, Any]
    inside_zone: dict[str, list[Any]]
    clashes: list[dict[str, Any]]
    assumptions: list[str]
    design: dict[str, Any] = field(default_factory=dict)  # new/modified/removed of a design IFC
    # What to draw: proposed solids (id, kind, name, bbox, plan hull) and the zones' outlines.
    proposed: list[dict[str, Any]] = field(default_factory=list)
    zones: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> dict[str, Any]:
        lost = self.services_lost.get("spaces", [])
        return {
            "scenario": self.scenario,
            "closed_spaces": len(self.closed_spaces),
            "unreachable": {p: len(v) for p, v in self.unreachable.items()},
            "longer": {p: len(v) for p, v in self.longer.items()},
            "max_added_s": {
                p: max((r["added_s"] for r in v), default=0.0) for p, v in self.longer.items()
            },
            "spaces_without_service": len(lost),
            "critical_spaces_without_service": sum(1 for s in lost if s["criticality"] != "normal"),
            "clashes": len(self.clashes),
            "hard_clashes": sum(1 for c in self.clashes if c["type"] == "hard"),
        }


def scenario_from_dict(doc: Mapping[str, Any]) -> Scenario:
    """Parse the API/storage document (see docs/renovation.md); bad input raises InvalidInput."""
    try:
        zones = tuple(
            Zone(z["storey"], parse_polygon(z["polygon"])) for z in doc.get("zones", ()) or ()
        )
        proposed = tuple(_proposed(i, p) for i, p in enumerate(doc.get("proposed", ()) or ()))
        return Scenario(
            name=str(doc["name"]),
            building=doc.get("building"),
            closed_spaces=tuple(doc.get("closed_spaces", ()) or ()),
            zones=zones,
            closed_doors=tuple(doc.get("closed_doors", ()) or ()),
            out_of_service=tuple(doc.get("out_of_service", ()) or ()),
            shut_off=tuple(doc.get("shut_off", ()) or ()),
            proposed=proposed,
            starts=doc.get("starts"),
            ends=doc.get("ends"),
            description=str(doc.get("description", "")),
            clearance=float(doc.get("clearance", 0.05)),
            raw=dict(doc),
        )
    except InvalidInput:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"scenario document is invalid: {exc!r}") from None


def parse_polygon(value: Any) -> BaseGeometry:
    """A GeoJSON polygon or a list of ``[x, y]`` points in model metres."""
    if isinstance(value, Mapping) and value.get("type") not in ("Polygon", "MultiPolygon"):
        # shapely's shape() trusts the mapping: without a string "type" it raises AttributeError
        raise InvalidInput("polygon: a GeoJSON object needs type Polygon or MultiPolygon")
    geom = shape(value) if isinstance(value, Mapping) else Polygon(value)
    if geom.is_empty or not geom.is_valid or geom.area <= 0:
        raise InvalidInput("zone polygon is empty or invalid")
    return geom


def _proposed(i: int, p: Mapping[str, Any]) -> Proposed:
    """The ``i``-th proposed element of a document: a ``box`` or a ``polygon`` with z and height."""
    pid = str(p.get("id") or f"proposed-{i + 1}")
    kind = str(p.get("kind", "proposed"))
    if "box" in p:
        return box_element(pid, kind, tuple(p["box"]), name=p.get("name", ""))
    if "polygon" in p:
        return extruded_element(
            pid, kind, parse_polygon(p["polygon"]), float(p["z"]), float(p["height"]),
            name=p.get("name", ""),
        )  # fmt: skip
    raise InvalidInput(f"proposed element {pid!r} needs a 'box' or a 'polygon' with z and height")


def box_element(
    id: str, kind: str, bbox: BBox, *, name: str = "", storey: str | None = None
) -> Proposed:
    """A proposed axis-aligned box (a duct run, a partition, a plant skid)."""
    lo, hi = np.array(bbox[:3], float), np.array(bbox[3:], float)
    if np.any(hi - lo <= 0):
        raise InvalidInput(f"proposed element {id!r}: box {bbox} has no volume")
    box = trimesh.creation.box(bounds=np.stack([lo, hi]))
    return Proposed(id, kind, as_mesh(box), name=name, storey=storey)


def extruded_element(
    id: str,
    kind: str,
    polygon: Polygon,
    z0: float,
    height: float,
    *,
    name: str = "",
    storey: str | None = None,
) -> Proposed:
    """A proposed prism: a plan polygon extruded upwards from ``z0`` by ``height``."""
    if polygon.is_empty or not polygon.is_valid or polygon.area <= 0 or height <= 0:
        raise InvalidInput(f"proposed element {id!r}: needs a valid polygon and a positive height")
    prism = trimesh.creation.extrude_polygon(polygon, height)
    prism.apply_translation((0.0, 0.0, z0))
    return Proposed(id, kind, as_mesh(prism), name=name, storey=storey)


def as_mesh(t: trimesh.Trimesh) -> Mesh:
    """A trimesh as the twin's compact mesh (float32 vertices, int32 faces)."""
    return Mesh(np.asarray(t.vertices, np.float32), np.asarray(t.faces, np.int32))
