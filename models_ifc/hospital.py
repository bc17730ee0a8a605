"""The parametric demo hospital: an IFC4 model plus a JSON file of known answers ("truth").

``write_hospital(SMALL, path)`` writes ``path`` and ``path.with_suffix(".truth.json")``. Output
is deterministic: GlobalIds are uuid5 of stable names and entities are created in a fixed order,
so two writes of one spec differ only in the header timestamp. See docs/demo-hospital.md for the
layout, every truth key, and the measured figures of LARGE.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from models_ifc.hospital_arch import write_storey_architecture, write_vertical
from models_ifc.hospital_geo import known_point, write_georef
from models_ifc.hospital_ifc import IfcWriter
from models_ifc.hospital_layout import Room, icu_level, plan_storey
from models_ifc.hospital_mep import write_systems
from models_ifc.hospital_sensors import write_sensors

__all__ = ["KIND_OF_CLASS", "LARGE", "SMALL", "HospitalSpec", "write_hospital"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HospitalSpec:
    """Size of the hospital. Storey 0 is the ground floor; wings run end to end along +x."""

    storeys: int
    wings: int
    rooms_per_side: int = 6
    floor_height: float = 4.0
    name: str = "Demo Hospital"

    def __post_init__(self) -> None:
        if self.storeys < 3 or self.wings < 2 or self.rooms_per_side < 6:
            raise ValueError("the programme needs storeys >= 3, wings >= 2, rooms_per_side >= 6")


SMALL = HospitalSpec(storeys=4, wings=2, rooms_per_side=6, name="Demo Hospital (small)")
LARGE = HospitalSpec(storeys=14, wings=4, rooms_per_side=24, name="Demo Hospital (large)")

#: IFC class -> kind, as twin/kinds.py names them (the classes this generator writes).
KIND_OF_CLASS: dict[str, str] = {
    "IfcWall": "wall",
    "IfcDoor": "door",
    "IfcSlab": "slab",
    "IfcStair": "stair",
    "IfcTransportElement": "lift",
    "IfcPipeSegment": "segment",
    "IfcDuctSegment": "segment",
    "IfcCableCarrierSegment": "segment",
    "IfcPipeFitting": "fitting",
    "IfcDuctFitting": "fitting",
    "IfcCableCarrierFitting": "fitting",
    "IfcValve": "valve",
    "IfcDamper": "valve",
    "IfcSwitchingDevice": "valve",
    "IfcPump": "pump",
    "IfcSanitaryTerminal": "terminal",
    "IfcAirTerminal": "terminal",
    "IfcOutlet": "terminal",
    "IfcTank": "equipment",
    "IfcBoiler": "equipment",
    "IfcUnitaryEquipment": "equipment",
    "IfcElectricDistributionBoard": "equipment",
    "IfcSensor": "sensor",
}
_PLURAL = {"equipment": "equipment", "storey": "storeys"}


def write_project(
    w: IfcWriter,
    *,
    project: str,
    site: str,
    building: str,
    georef: dict[str, Any] | None = None,
) -> tuple[Any, Any, Any, dict[str, Any]]:
    """Project, units, contexts, site (georeferenced by ``georef``, default the hospital's own
    map conversion) and building; the campus writes each of its buildings with it too."""
    f = w.f
    metre = f.createIfcSIUnit(None, "LENGTHUNIT", None, "METRE")
    units = [
        metre,
        f.createIfcSIUnit(None, "AREAUNIT", None, "SQUARE_METRE"),
        f.createIfcSIUnit(None, "VOLUMEUNIT", None, "CUBIC_METRE"),
        f.createIfcSIUnit(None, "PLANEANGLEUNIT", None, "RADIAN"),
    ]
    context = f.createIfcGeometricRepresentationContext(
        None, "Model", 3, 1.0e-5, w.axis_origin, f.createIfcDirection((0.0, 1.0))
    )
    w.body = f.create_entity(
        "IfcGeometricRepresentationSubContext",
        ContextIdentifier="Body",
        ContextType="Model",
        ParentContext=context,
        TargetView="MODEL_VIEW",
    )
    proj = f.create_entity(
        "IfcProject",
        GlobalId=w.guid("project"),
        Name=project,
        RepresentationContexts=[context],
        UnitsInContext=f.createIfcUnitAssignment(units),
    )
    ifc_site = f.create_entity(
        "IfcSite",
        GlobalId=w.guid("site"),
        Name=site,
        ObjectPlacement=w.placement(None, (0.0, 0.0, 0.0)),
        CompositionType="ELEMENT",
    )
    params = write_georef(f, context, metre, ifc_site, georef)
    ifc_building = f.create_entity(
        "IfcBuilding",
        GlobalId=w.guid("building"),
        Name=building,
        ObjectPlacement=w.placement(ifc_site.ObjectPlacement, (0.0, 0.0, 0.0)),
        CompositionType="ELEMENT",
    )
    w.rel("IfcRelAggregates", "project/site", RelatingObject=proj, RelatedObjects=[ifc_site])
    w.rel(
        "IfcRelAggregates", "site/building", RelatingObject=ifc_site, RelatedObjects=[ifc_building]
    )
    return proj, ifc_site, ifc_building, params


def _counts(w: IfcWriter, n_storeys: int, n_spaces: int) -> tuple[dict[str, int], dict[str, int]]:
    classes = Counter(p.is_a() for p in w.products)
    kinds: Counter[str] = Counter()
    for cls, n in classes.items():
        if cls in KIND_OF_CLASS:
            kinds[KIND_OF_CLASS[cls]] += n
    counts = {"storeys": n_storeys, "spaces": n_spaces, "windows": 0}
    for kind, n in sorted(kinds.items()):
        counts[_PLURAL.get(kind, kind + "s")] = n
    return counts, dict(sorted(classes.items()))


def write_hospital(
    spec: HospitalSpec, path: Path, progress: Callable[[str, float], None] | None = None
) -> Path:
    """Write the hospital as IFC4 to ``path`` and its known answers to ``<stem>.truth.json``.
    ``progress`` hears ``(phase, fraction done)``: the large one takes minutes."""
    t0 = time.perf_counter()
    tell = progress or (lambda phase, done: None)
    path = Path(path)
    w = IfcWriter(spec.name)
    _, _, building, georef = write_project(
        w, project=spec.name, site="Charité Campus Mitte", building=spec.name
    )
    storeys: list[tuple[Any, Any]] = []
    rooms_by_level: list[list[Room]] = []
    truth: dict[str, Any] = {"doors": {}, "walls_between": [], "entrances": []}
    for level in range(spec.storeys):
        tell("storeys", 0.5 * level / spec.storeys)
        elevation = level * spec.floor_height
        splace = w.placement(building.ObjectPlacement, (0.0, 0.0, elevation))
        storey = w.f.create_entity(
            "IfcBuildingStorey",
            GlobalId=w.guid(f"storey/{level}"),
            Name="Ground floor" if level == 0 else f"Level {level}",
            ObjectPlacement=splace,
            CompositionType="ELEMENT",
            Elevation=elevation,
        )
        storeys.append((storey, splace))
        rooms = plan_storey(spec.storeys, spec.wings, spec.rooms_per_side, level)
        rooms_by_level.append(rooms)
        arch = write_storey_architecture(
            w, storey, splace, rooms, spec.rooms_per_side, spec.floor_height
        )
        truth["doors"].update(arch.doors)
        truth["walls_between"] += arch.walls_between
        truth["entrances"] += arch.entrances
        w.rel(
            "IfcRelAggregates",
            f"storey/{level}/spaces",
            RelatingObject=storey,
            RelatedObjects=[r.entity for r in rooms],
        )
    w.rel(
        "IfcRelAggregates",
        "building/storeys",
        RelatingObject=building,
        RelatedObjects=[s for s, _ in storeys],
    )
    tell("stairs and lifts", 0.5)
    stairs, lifts = write_vertical(w, storeys, rooms_by_level, spec.floor_height)
    tell("systems", 0.55)
    systems, isolation, handles = write_systems(
        w, building, storeys, rooms_by_level, spec.floor_height
    )
    tell("sensors", 0.75)
    sensors = write_sensors(w, storeys, rooms_by_level, handles)
    w.flush()
    path.parent.mkdir(parents=True, exist_ok=True)
    tell("writing IFC", 0.8)
    w.f.write(str(path))
    tell("truth", 0.95)
    all_rooms = [r for rooms in rooms_by_level for r in rooms]
    counts, classes = _counts(w, len(storeys), len(all_rooms))
    truth = _truth(spec, building, storeys, all_rooms, counts, classes, georef, truth)
    truth.update(stairs=stairs, lifts=lifts, systems=systems, isolation=isolation, sensors=sensors)
    truth["lift_model"] = "one IfcTransportElement per shaft spanning all storeys"
    truth["stair_model"] = "one IfcStair per storey gap, contained in the lower storey"
    path.with_suffix(".truth.json").write_text(json.dumps(truth, indent=1, sort_keys=False))
    log.info(
        "wrote %s: %d spaces, %d elements in %.1f s",
        path,
        len(all_rooms),
        len(w.products),
        time.perf_counter() - t0,
    )
    tell("done", 1.0)
    return path


def _truth(
    spec: HospitalSpec,
    building: Any,
    storeys: list[tuple[Any, Any]],
    rooms: list[Room],
    counts: dict[str, int],
    classes: dict[str, int],
    georef: dict[str, Any],
    partial: dict[str, Any],
) -> dict[str, Any]:
    storey_guid = {i: s.GlobalId for i, (s, _) in enumerate(storeys)}
    icu = icu_level(spec.storeys)
    icu_corridor = next(
        r for r in rooms if r.level == icu and r.wing == spec.wings - 1 and r.side == "C"
    )
    icu_rooms = [r for r in rooms if r.level == icu and r.wing == spec.wings - 1 and r.side != "C"]
    corridors = {r.entity.GlobalId for r in rooms if r.side == "C"}
    icu_guid = icu_corridor.entity.GlobalId
    door_to_main = next(
        g
        for g, pair in partial["doors"].items()
        if icu_guid in pair and all(p in corridors for p in pair)
    )
    return {
        "spec": asdict(spec),
        "schema": "IFC4",
        "building": building.GlobalId,
        "storeys": [
            {"guid": s.GlobalId, "name": s.Name, "elevation": s.Elevation} for s, _ in storeys
        ],
        "counts": counts,
        "classes": classes,
        "spaces": {
            r.entity.GlobalId: {
                "number": r.number,
                "long_name": r.long_name,
                "category": r.category,
                "storey": storey_guid[r.level],
                "criticality": r.criticality,
                "area": r.area,
            }
            for r in rooms
        },
        "icu": {
            "storey": storey_guid[icu],
            "corridor": icu_corridor.entity.GlobalId,
            "door_to_main": door_to_main,
            "rooms": [r.entity.GlobalId for r in icu_rooms],
        },
        "plant_rooms": [r.entity.GlobalId for r in rooms if r.criticality == "plant"],
        "cold_rooms": [r.entity.GlobalId for r in rooms if r.criticality == "cold_chain"],
        "map_conversion": {k: v for k, v in georef.items() if k != "orthogonal_height"}
        | {"orthogonal_height": georef["orthogonal_height"]},
        "known_point": known_point((10.0, 5.0, 0.0)),
        **partial,
    }
