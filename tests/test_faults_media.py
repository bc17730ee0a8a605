"""Localize picks the network of the fault (twin/media.py, twin/analysis/candidates.py).

On the small demo hospital over HTTP with a real SQLite store, as the README walks through: an
emergency ticket "O2 outlet leaking" with skill ``medical_gas`` in an ICU room must name the
oxygen network's valve, not the first network found in the room. Truths come from the IFC file
read with ifcopenshell (systems, their members, containment in the room, port connections) and
networkx: the valve of a system whose removal disconnects the room's outlets of that system from
the system's source (the member with no inlet port).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ifcopenshell
import networkx as nx
import pytest
from fastapi.testclient import TestClient

from tests.ifc_fixtures.port_truth import contained_in, port_graph, system_members, systems_of_file
from twin.live.records import AlarmRule, SensorSpec
from twin.media import medium_of_system

pytestmark = pytest.mark.slow  # generating and parsing the hospital dominates

CLOSABLE = ("IfcValve", "IfcDamper", "IfcSwitchingDevice", "IfcProtectiveDevice")


@pytest.fixture(scope="module")
def client(hospital_api) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with hospital_api() as c:
        yield c


@pytest.fixture(scope="module")
def ifc(small_hospital: Path) -> tuple[nx.Graph, ifcopenshell.file]:
    return port_graph(small_hospital)


def _source(f: ifcopenshell.file, members: set[str]) -> str:
    """The system's source: its member whose ports are all outlets (SOURCE)."""
    for guid in sorted(members):
        e = f.by_guid(guid)
        ports = [p for rel in e.IsNestedBy or () for p in rel.RelatedObjects if p.is_a("IfcPort")]
        if ports and all(p.FlowDirection == "SOURCE" for p in ports):
            return guid
    raise AssertionError("no source")


def truth(ifc: tuple[nx.Graph, ifcopenshell.file], room: str) -> dict[str, dict[str, Any]]:
    """Per system with an element in ``room``: its name, medium and the isolating valves."""
    g, f = ifc
    inside = contained_in(f, room)
    out = {}
    for guid, s in systems_of_file(f).items():
        members = system_members(f, guid)
        outlets = members & inside
        if not outlets:
            continue
        source = _source(f, members)
        valves = [m for m in members if f.by_guid(m).is_a() in CLOSABLE]
        cuts = set()
        for v in valves:
            h = g.copy()
            h.remove_node(v)
            if not any(nx.has_path(h, source, o) for o in outlets):
                cuts.add(v)
        medium = medium_of_system(s.is_a(), s.PredefinedType or "", s.ObjectType or "", s.Name)
        out[guid] = {"name": s.Name, "medium": medium, "valves": cuts, "outlets": outlets}
    return out


def _room(client: TestClient, ifc: Any, category: str, medium: str = "gas") -> str:
    """The first room of ``category`` (by GlobalId) holding elements of two systems or more,
    one of them of ``medium``."""
    _g, f = ifc
    twin = next(iter(client.app.state.campus.models().values()))  # type: ignore[attr-defined]
    systems = [
        (system_members(f, g), medium_of_system(s.is_a(), s.PredefinedType or "", "", s.Name))
        for g, s in systems_of_file(f).items()
    ]
    for guid in sorted(s.guid for s in twin.spaces.values() if s.criticality == category):
        inside = contained_in(f, guid)
        here = [m for members, m in systems if members & inside]
        if len(here) >= 2 and medium in here:
            return guid
    raise AssertionError(f"no {category} room with two networks, one of {medium}")


def _ticket(client: TestClient, room: str, skill: str, title: str) -> int:
    twin = next(iter(client.app.state.campus.models().values()))  # type: ignore[attr-defined]
    store = client.app.state.store  # type: ignore[attr-defined]
    t = store.tickets.create(
        title=title, priority="emergency", actor="nurse", space=room, skill=skill, twin=twin
    )
    return t.id


def _valves(body: dict[str, Any]) -> set[str]:
    return {v["guid"] for v in body["isolation"]}


def test_readme_o2_ticket_names_the_oxygen_valve_only(client: TestClient, ifc: Any) -> None:
    room = _room(client, ifc, "icu")
    known = truth(ifc, room)
    oxygen = [t for t in known.values() if t["medium"] == "gas"]
    assert len(oxygen) == 1 and len(oxygen[0]["valves"]) == 1
    assert len(known) > 1  # the room has other networks to get wrong
    tid = _ticket(client, room, "medical_gas", "O2 outlet leaking")
    r = client.get("/localize", params={"ticket": tid})
    assert r.status_code == 200, r.text
    body = r.json()
    assert _valves(body) == oxygen[0]["valves"]
    assert [n["medium"] for n in body["networks"]] == ["gas"]
    assert {v["guid"] for v in body["networks"][0]["isolation"]["valves"]} == oxygen[0]["valves"]
    assert "ticket skill" in body["chosen_by"] and "medical_gas" in body["chosen_by"]
    assert any("ticket skill" in a for a in body["assumptions"])
    assert body["element"] in oxygen[0]["outlets"]


def test_alarm_on_an_oxygen_pressure_sensor_names_the_oxygen_valve(
    client: TestClient, ifc: Any
) -> None:
    room = _room(client, ifc, "icu")
    oxygen = next(t for t in truth(ifc, room).values() if t["medium"] == "gas")
    store = client.app.state.store  # type: ignore[attr-defined]
    sid = f"o2-{room[:8]}"
    store.register_sensor(SensorSpec(id=sid, quantity="oxygen_pressure", unit="kPa", space=room))
    store.add_rule(AlarmRule(id=0, kind="below", sensor=sid, threshold=300.0))
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    (alarm,) = store.ingest([{"sensor": sid, "t": now, "value": 120.0}]).alarms_raised
    body = client.get("/localize", params={"alarm": alarm}).json()
    assert _valves(body) == oxygen["valves"]
    assert [n["medium"] for n in body["networks"]] == ["gas"]
    assert "alarm sensor quantity" in body["chosen_by"]


def test_plumbing_ticket_names_the_water_valves(client: TestClient, ifc: Any) -> None:
    room = _room(client, ifc, "normal", "water")
    known = truth(ifc, room)
    water = {g: t for g, t in known.items() if t["medium"] == "water"}
    assert water and len(water) < len(known)
    tid = _ticket(client, room, "plumbing", "water leak under the basin")
    body = client.get("/localize", params={"ticket": tid}).json()
    assert {n["medium"] for n in body["networks"]} == {"water"}
    got = {s["guid"]: n for n in body["networks"] for s in n["systems"]}
    assert set(got) == set(water)
    for guid, t in water.items():
        assert {v["guid"] for v in got[guid]["isolation"]["valves"]} == t["valves"]
    if len(water) == 1:
        assert _valves(body) == next(iter(water.values()))["valves"]
    else:  # cold and hot water: both answered, none guessed at the top level
        assert not body["isolation"]


def test_a_room_alone_answers_every_network_ranked(client: TestClient, ifc: Any) -> None:
    room = _room(client, ifc, "icu")
    known = truth(ifc, room)
    body = client.get("/localize", params={"space": room}).json()
    nets = body["networks"]
    assert {s["guid"] for n in nets for s in n["systems"]} == set(known)
    for n in nets:
        (system,) = n["systems"]
        assert {v["guid"] for v in n["isolation"]["valves"]} == known[system["guid"]]["valves"]
        assert n["isolation"]["possible"]
    assert [n["rank"] for n in nets] == sorted(n["rank"] for n in nets)
    assert nets[0]["medium"] == "gas" and "oxygen" in nets[0]["systems"][0]["name"].lower()
    assert nets[1]["medium"] == "electricity"
    assert not body["isolation"] and body["element"] is None  # never a single guessed one
    assert "no hint" in body["chosen_by"]


def test_common_cause_of_two_oxygen_tickets_stays_on_the_oxygen_network(
    client: TestClient, ifc: Any
) -> None:
    """Two rooms share upstream elements of every network; two medical-gas tickets share only the
    oxygen network's (the O2 storey valve feeding both is one of them)."""
    _g, f = ifc
    twin = next(iter(client.app.state.campus.models().values()))  # type: ignore[attr-defined]
    first = _room(client, ifc, "icu")
    storey = twin.spaces[first].storey
    second = next(
        s.guid
        for s in sorted(twin.spaces.values(), key=lambda s: s.guid)
        if s.criticality == "icu" and s.storey == storey and s.guid != first
        and any(t["medium"] == "gas" for t in truth(ifc, s.guid).values())
    )  # fmt: skip
    oxygen = next(g for g, s in systems_of_file(f).items() if "oxygen" in s.Name.lower())
    members = system_members(f, oxygen)
    valves = truth(ifc, first)[oxygen]["valves"] & truth(ifc, second)[oxygen]["valves"]
    assert len(valves) == 1
    tickets = [_ticket(client, r, "medical_gas", "no oxygen") for r in (first, second)]
    body = client.post("/common-cause", json={"tickets": tickets}).json()
    shared = [s["guid"] for s in body if len(s["feeds"]) == 2]
    assert shared and set(shared) <= members
