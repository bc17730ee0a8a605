"""Binding gateway points to the twin: suggestions from tags and room numbers in point names,
checked against a real IFC file written with ifcopenshell.api (the GlobalIds expected are those
of the entities the test created), CSV round trip, and confirmed bindings placing sensors."""

from __future__ import annotations

from pathlib import Path

import ifcopenshell.api.pset
import ifcopenshell.api.root
import ifcopenshell.api.spatial
import pytest

from models_ifc.networks_small import plant_file
from tests.ifc_fixtures.rooms_made import Room, _space
from twin.gateways.binding import (
    BindingError,
    bindings_from_csv,
    bindings_to_csv,
    merge,
    placements,
    suggest,
    unmatched,
)
from twin.gateways.points import GatewayPoint, point_sensor
from twin.ifc.build import build_twin
from twin.live.store import open_store


def _point(n: int, name: str, description: str = "") -> GatewayPoint:
    return GatewayPoint(f"dev.p{n}", "dev", "bacnet", f"analog-input,{n}", name, description)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    f, body, storey = plant_file(name="Plant rooms")
    rooms = {
        n: _space(f, body, storey, Room(n, x, 0.0, 4.0, 4.0, 3.0, 3.0, None)).GlobalId
        for n, x in (("1.04", 0.0), ("1.05", 5.0), ("2.10", 10.0))
    }

    def product(cls: str, name: str, tag: str | None = None) -> str:
        el = ifcopenshell.api.root.create_entity(f, ifc_class=cls, name=name)
        ifcopenshell.api.spatial.assign_container(f, products=[el], relating_structure=storey)
        if tag:
            ps = ifcopenshell.api.pset.add_pset(f, product=el, name="Pset_ManufacturerOccurrence")
            ifcopenshell.api.pset.edit_pset(f, pset=ps, properties={"Tag": tag})
        return str(el.GlobalId)

    els = {
        "AHU-01": product("IfcUnitaryEquipment", "AHU-01"),
        "VAV-104": product("IfcAirTerminalBox", "Terminal box", tag="VAV-104"),
        "P-3": product("IfcPump", "P-3"),
        "P-4": product("IfcPump", "P-4"),
    }
    path = tmp_path_factory.mktemp("binding") / "plant.ifc"
    f.write(str(path))
    return build_twin(path), rooms, els


POINTS = [
    _point(1, "AHU-01 supply air temperature"),
    _point(2, "ahu 01 fan status"),
    _point(3, "Humidity", "Relative humidity in room 1.04"),
    _point(4, "VAV 104 damper position"),
    _point(5, "Outdoor air temperature"),
    _point(6, "P-3 and P-4 common alarm"),
    _point(7, "Room 2.10 temperature"),
]


def test_suggestions_from_tags_and_room_numbers(made) -> None:  # type: ignore[no-untyped-def]
    twin, rooms, els = made
    got = {b.point: (b.status, b.element, b.space) for b in suggest(POINTS, twin)}
    assert got == {
        "dev.p1": ("suggested", els["AHU-01"], None),
        "dev.p2": ("suggested", els["AHU-01"], None),
        "dev.p3": ("suggested", None, rooms["1.04"]),
        "dev.p4": ("suggested", els["VAV-104"], None),
        "dev.p5": ("unmatched", None, None),
        "dev.p6": ("unmatched", None, None),  # two pumps: a person decides
        "dev.p7": ("suggested", None, rooms["2.10"]),
    }
    bs = suggest(POINTS, twin)
    assert [b.point for b in unmatched(bs)] == ["dev.p5", "dev.p6"]
    assert "2 elements" in next(b for b in bs if b.point == "dev.p6").evidence
    assert all(b.storey == twin.spaces[rooms["1.04"]].storey for b in bs if b.point == "dev.p3")
    assert placements(bs) == {}  # suggestions alone place nothing


def test_csv_round_trip_confirms_and_rejects_bad_rows(made, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    twin, _, els = made
    known = {p.id: p for p in POINTS}
    text = bindings_to_csv(suggest(POINTS, twin))
    lines = text.splitlines()
    assert lines[0].startswith("point,device,protocol,ref,name,description,element,space")
    edited = "\n".join(
        [lines[0]]
        + [ln.replace(",suggested,", ",confirmed,") for ln in lines[1:] if "dev.p1," in ln]
        + [f"dev.p6,,,,,,{els['P-3']},,,,confirmed,by hand"]
    )
    back = bindings_from_csv(edited, known, twin)
    place = placements(back)
    assert set(place) == {"dev.p1", "dev.p6"}
    assert place["dev.p6"].element == els["P-3"]
    assert place["dev.p6"].storey == twin.elements[els["P-3"]].storey
    merged = merge(suggest(POINTS, twin), back)
    assert {b.point: b.status for b in merged}["dev.p1"] == "confirmed"
    assert {b.point: b.status for b in merge(merged, suggest(POINTS, twin))}["dev.p1"] == (
        "confirmed"
    )  # a new suggestion never overwrites a confirmation
    for bad in (
        "point,element\nnope,\n",
        f"point,element\ndev.p1,{'X' * 22}\n",
        "point,space,status\ndev.p1,,maybe\n",
        "element\nabc\n",
    ):
        with pytest.raises(BindingError):
            bindings_from_csv(bad, known, twin)

    # confirmed bindings place the sensors in the store
    store = open_store(f"sqlite:///{tmp_path / 'live.db'}")
    store.register_sensors([point_sensor(p, place.get(p.id)) for p in POINTS])
    assert store.sensor("dev.p6").element == els["P-3"]
    assert store.sensor("dev.p5").element is None
    store.close()
