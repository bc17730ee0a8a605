"""Hand-made IFC4 rooms for the declared-area and georeferencing tests (ifcopenshell.api).

``write_rooms`` writes one storey of box-shaped or sloped-ceiling IfcSpaces, each with a declared
``Qto_SpaceBaseQuantities.NetFloorArea`` and optional extra property sets, under an IfcSite that
may carry RefLatitude/RefLongitude. A sloped room is a trapezoid section in the XZ plane (ceiling
``low`` at its west wall rising to ``high`` at its east wall) extruded north over its depth, the
shape of an attic under a mono-pitch roof. Lengths are metres; the file uses millimetres
(ifcopenshell.api's default unit), areas square metres.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models_ifc.networks_small import plant_file

__all__ = ["Room", "dms", "write_rooms"]

MM = 1000.0


@dataclass(frozen=True)
class Room:
    name: str
    x: float  # west wall (m)
    y: float  # south wall (m)
    width: float  # along x (m)
    depth: float  # along y (m)
    low: float  # clear height at the west wall (m)
    high: float  # clear height at the east wall (m); = low for a flat ceiling
    declared: float | None  # NetFloorArea (m2)
    psets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def dms(degrees: float) -> list[int]:
    """Decimal degrees to IfcCompoundPlaneAngleMeasure (all parts carry the sign)."""
    sign = -1 if degrees < 0 else 1
    rest = abs(degrees)
    d = int(rest)
    rest = (rest - d) * 60
    m = int(rest)
    rest = (rest - m) * 60
    s = int(rest)
    micro = round((rest - s) * 1e6)
    return [sign * d, sign * m, sign * s, sign * micro]


def _space(f: Any, body: Any, storey: Any, room: Room) -> Any:
    import ifcopenshell.api.aggregate
    import ifcopenshell.api.geometry
    import ifcopenshell.api.pset
    import ifcopenshell.api.root
    from ifcopenshell.util.shape_builder import ShapeBuilder

    space = ifcopenshell.api.root.create_entity(f, ifc_class="IfcSpace", name=room.name)
    ifcopenshell.api.aggregate.assign_object(f, products=[space], relating_object=storey)
    builder = ShapeBuilder(f)
    w, lo, hi = room.width * MM, room.low * MM, room.high * MM
    section = builder.polyline([(0.0, 0.0), (w, 0.0), (w, hi), (0.0, lo)], closed=True)
    # the profile plane is XZ (local y = world Z); extrusion along local z = world +Y
    solid = builder.extrude(
        builder.profile(section),
        magnitude=room.depth * MM,
        position=(room.x * MM, room.y * MM, 0.0),
        position_z_axis=(0.0, 1.0, 0.0),
        position_x_axis=(1.0, 0.0, 0.0),
    )
    rep = builder.get_representation(body, [solid])
    ifcopenshell.api.geometry.assign_representation(f, product=space, representation=rep)
    if room.declared is not None:
        qto = ifcopenshell.api.pset.add_qto(f, product=space, name="Qto_SpaceBaseQuantities")
        ifcopenshell.api.pset.edit_qto(f, qto=qto, properties={"NetFloorArea": room.declared})
    for name, props in room.psets.items():
        pset = ifcopenshell.api.pset.add_pset(f, product=space, name=name)
        ifcopenshell.api.pset.edit_pset(f, pset=pset, properties=dict(props))
    return space


def write_rooms(
    path: Path,
    rooms: Sequence[Room],
    *,
    latlon: tuple[float, float] | None = None,
    site_dms: tuple[Sequence[int], Sequence[int]] | None = None,
    site_name: str = "Default",
) -> dict[str, str]:
    """Write the model; returns room name -> IfcSpace GlobalId. The site's RefLatitude and
    RefLongitude come from ``latlon`` (decimal degrees) or verbatim from ``site_dms``."""
    f, body, storey = plant_file(name="Rooms")
    site = f.by_type("IfcSite")[0]
    site.Name = site_name
    if latlon is not None:
        site.RefLatitude, site.RefLongitude = dms(latlon[0]), dms(latlon[1])
    if site_dms is not None:
        site.RefLatitude, site.RefLongitude = list(site_dms[0]), list(site_dms[1])
    guids = {room.name: _space(f, body, storey, room).GlobalId for room in rooms}
    f.write(str(path))
    return guids
