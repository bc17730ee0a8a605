"""Federation and revisions: one GlobalId, one element (issue 19, section 5).

Real inputs: the shared PCERT architecture and HVAC models (one building split by discipline),
the shared heating model with rooms and a network-only copy of it written here with
ifcopenshell.api, the Duplex architecture and electrical models (unrelated GlobalIds), and a
small model written here whose products reuse GlobalIds of the heating model. Truths come from
ifcopenshell and shapely directly, never from the federation code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.api.aggregate
import ifcopenshell.api.project
import ifcopenshell.api.root
import ifcopenshell.api.spatial
import ifcopenshell.api.unit
import pytest
import shapely
from shapely.geometry import Point

from twin.errors import ModelConflict
from twin.service.campus import Campus, serve_files

ARCH = "PCERT_Building-Architecture.ifc"
HVAC = "PCERT_Building-Hvac.ifc"
HEATING = "bim2sim_b03_heating_with_building_blenderBIM.ifc"
DUPLEX = "Duplex_A_20110907.ifc"
DUPLEX_ELEC = "Duplex_Electrical_20121207.ifc"


def _mid(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


@pytest.fixture(scope="module")
def api(
    twin_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., AbstractContextManager[Any]]:
    """``with api(paths) as client``: the API serving ``paths`` on a fresh SQLite store."""

    @contextmanager
    def open_api(models: list[Path], **overrides: Any) -> Iterator[Any]:
        from fastapi.testclient import TestClient

        from api.app import create_app
        from api.settings import Settings

        tmp = tmp_path_factory.mktemp("fed-api")
        settings = Settings(
            models=models,
            cache_dir=twin_cache_dir,
            store_url=f"sqlite:///{tmp}/live.db",
            upload_dir=tmp / "uploads",
            **overrides,
        )
        with TestClient(create_app(settings)) as client:
            yield client

    return open_api


def _upload(client: Any, path: Path, **params: str) -> dict[str, Any]:
    """Upload ``path`` and wait for its ingest job; the job record."""
    with path.open("rb") as fh:
        r = client.post("/models", params=params, files={"file": (path.name, fh.read())})
    assert r.status_code == 202, r.text
    job = client.app.state.jobs.wait(r.json()["id"], timeout=180)
    body: dict[str, Any] = client.get(f"/jobs/{job.id}").json()
    return body


# -- truths, from ifcopenshell and shapely --------------------------------------------------
def _guids(path: Path, ifc_class: str) -> dict[str, str]:
    return {e.GlobalId: e.Name or "" for e in ifcopenshell.open(str(path)).by_type(ifc_class)}


@pytest.fixture(scope="module")
def heating_network_only(shared_ifc: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The heating model with its rooms removed (an earlier, network-only export)."""
    model = ifcopenshell.open(str(shared_ifc / HEATING))
    for space in model.by_type("IfcSpace"):
        ifcopenshell.api.root.remove_product(model, product=space)  # type: ignore[arg-type]
    out = tmp_path_factory.mktemp("revision") / "heating_network_only.ifc"
    model.write(str(out))
    return out


@pytest.fixture(scope="module")
def colliding_model(shared_ifc: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new building whose three walls reuse GlobalIds of three heating pipes."""
    pipes = sorted(_guids(shared_ifc / HEATING, "IfcPipeSegment"))[:3]
    f = ifcopenshell.api.project.create_file(version="IFC4")
    project = ifcopenshell.api.root.create_entity(f, ifc_class="IfcProject", name="Other")
    ifcopenshell.api.unit.assign_unit(f)
    site = ifcopenshell.api.root.create_entity(f, ifc_class="IfcSite", name="Site")
    building = ifcopenshell.api.root.create_entity(f, ifc_class="IfcBuilding", name="Annex")
    storey = ifcopenshell.api.root.create_entity(f, ifc_class="IfcBuildingStorey", name="G")
    ifcopenshell.api.aggregate.assign_object(f, products=[site], relating_object=project)
    ifcopenshell.api.aggregate.assign_object(f, products=[building], relating_object=site)
    ifcopenshell.api.aggregate.assign_object(f, products=[storey], relating_object=building)
    for n, guid in enumerate(pipes):
        wall = ifcopenshell.api.root.create_entity(f, ifc_class="IfcWall", name=f"Wall {n}")
        wall.GlobalId = guid
        ifcopenshell.api.spatial.assign_container(f, products=[wall], relating_structure=storey)
    out = tmp_path_factory.mktemp("collide") / "annex.ifc"
    f.write(str(out))
    return out


def _room_of(arch: Path, point: tuple[float, float, float], twin: Any) -> str | None:
    """The architecture room whose plan footprint is nearest ``point`` (within half a metre)
    and whose height range holds it: computed here with shapely on the file's own rooms."""
    best: tuple[float, str] | None = None
    for s in twin.spaces.values():
        if s.footprint is None or s.bbox is None or not (s.bbox[2] - 0.3 <= point[2] <= s.bbox[5]):
            continue
        d = float(shapely.distance(Point(point[:2]), s.footprint))
        if d <= 0.5 and (best is None or d < best[0]):
            best = (d, s.guid)
    return best[1] if best else None


# -- discipline models of one building ------------------------------------------------------
def test_pcert_architecture_and_hvac_are_one_building(
    shared_ifc: Path, shared_twin: Any, api: Any
) -> None:
    arch, hvac = shared_ifc / ARCH, shared_ifc / HVAC
    building = ifcopenshell.open(str(arch)).by_type("IfcBuilding")[0].GlobalId
    assert building == ifcopenshell.open(str(hvac)).by_type("IfcBuilding")[0].GlobalId
    terminals = _guids(hvac, "IfcAirTerminal")
    arch_twin = shared_twin(ARCH)
    with api([arch, hvac]) as client:
        buildings = client.get("/buildings").json()
        assert [b["guid"] for b in buildings] == [building]
        assert buildings[0]["models"] == [_mid(arch), _mid(hvac)]
        models = {m["model_id"]: m for m in client.get("/models").json()}
        assert set(models) == {_mid(arch), _mid(hvac)}
        for m in models.values():
            assert m["building_models"] == [_mid(arch), _mid(hvac)]
        located = 0
        for guid in terminals:
            el = client.get(f"/elements/{guid}").json()
            assert el["model_id"] == _mid(hvac)
            b = el["bbox"]
            truth = _room_of(arch, ((b[0] + b[3]) / 2, (b[1] + b[4]) / 2, b[2] + 0.01), arch_twin)
            assert el["space"] == truth, (el["name"], el["space"], truth)
            if truth is not None:
                assert el["space_inferred"] is True
                located += 1
        assert located >= 1  # the fireplace cap stands in the living room's chimney recess
        # every storey-level listing answers from the one tree
        storeys = client.get(f"/buildings/{building}/storeys").json()
        assert [s["guid"] for s in storeys] == [
            s.GlobalId for s in ifcopenshell.open(str(arch)).by_type("IfcBuildingStorey")
        ]


def test_localize_from_an_architecture_room_finds_the_hvac_network(
    shared_ifc: Path, shared_twin: Any, api: Any
) -> None:
    arch, hvac = shared_ifc / ARCH, shared_ifc / HVAC
    hvac_model = ifcopenshell.open(str(hvac))
    systems = {s.GlobalId for s in hvac_model.by_type("IfcDistributionSystem")}
    members = {
        o.GlobalId
        for rel in hvac_model.by_type("IfcRelAssignsToGroup")
        if rel.RelatingGroup.GlobalId in systems
        for o in rel.RelatedObjects
    }
    assert systems and members
    arch_twin = shared_twin(ARCH)
    rooms = set()
    for t in hvac_model.by_type("IfcAirTerminal"):
        el = shared_twin(HVAC).elements[t.GlobalId]
        b = el.bbox
        room = _room_of(arch, ((b[0] + b[3]) / 2, (b[1] + b[4]) / 2, b[2] + 0.01), arch_twin)
        if room:
            rooms.add(room)
    assert rooms
    with api([arch, hvac]) as client:
        for room in rooms:
            body = client.get("/localize", params={"space": room}).json()
            named = {body.get("element"), *(s["guid"] for s in body.get("suspects", []))}
            for network in body.get("networks", []):  # every network of the room, ranked
                named |= {s["guid"] for s in network["systems"]} | set(network["targets"])
            assert named & (systems | members), json.dumps(body)[:600]


def test_scene_nodes_name_their_discipline_model(shared_ifc: Path, api: Any) -> None:
    """The 3D scene of a federated building tags each product node with its model, so a
    viewer can show the disciplines as layers."""
    import struct

    arch, hvac = shared_ifc / ARCH, shared_ifc / HVAC
    building = ifcopenshell.open(str(arch)).by_type("IfcBuilding")[0].GlobalId
    truth = {g: _mid(arch) for g in _guids(arch, "IfcWall")}
    truth |= {g: _mid(hvac) for g in _guids(hvac, "IfcAirTerminal")}
    with api([arch, hvac]) as client:
        glb = client.get(f"/buildings/{building}/scene.glb").content
    (size,) = struct.unpack_from("<I", glb, 12)
    nodes = json.loads(glb[20 : 20 + size])["nodes"]
    tagged = {
        n["extras"]["guid"]: n["extras"].get("model")
        for n in nodes
        if "guid" in n.get("extras", {})
    }
    for guid, model in truth.items():
        assert tagged[guid] == model, guid


def test_delete_unloads_one_discipline_over_the_api(shared_ifc: Path, api: Any) -> None:
    arch, hvac = shared_ifc / ARCH, shared_ifc / HVAC
    terminals = _guids(hvac, "IfcAirTerminal")
    walls = _guids(arch, "IfcWall")
    with api([arch, hvac]) as client:
        assert client.delete(f"/models/{_mid(hvac)}").status_code == 204
        assert [b["models"] for b in client.get("/buildings").json()] == [[_mid(arch)]]
        for guid in terminals:
            assert client.get(f"/elements/{guid}").status_code == 404
        for guid in walls:
            assert client.get(f"/elements/{guid}").status_code == 200
        assert client.delete(f"/models/{_mid(hvac)}").status_code == 404


def test_unloading_one_discipline_removes_only_its_elements(
    shared_ifc: Path, shared_twin: Any
) -> None:
    arch, hvac = shared_twin(ARCH), shared_twin(HVAC)
    campus = Campus()
    a, h = campus.add(arch), campus.add(hvac)
    assert len(campus) == 1
    served = next(iter(campus))
    only_hvac = set(hvac.elements) - set(arch.elements)
    shared = set(hvac.elements) & set(arch.elements)
    assert only_hvac and shared  # reference products (origin, chimney) are in both files
    assert set(served.elements) == set(arch.elements) | set(hvac.elements)
    assert all(served.model_of(g) == h for g in only_hvac)
    assert all(served.model_of(g) == a for g in shared)  # taken once, from the first served
    campus.remove(h)
    assert len(campus) == 1 and list(campus.models()) == [a]
    served = next(iter(campus))
    assert set(served.elements) == set(arch.elements)
    for g in only_hvac:
        with pytest.raises(Exception, match="no building, storey, space or element"):
            campus.twin_of(g)
    # the other order: unloading the architecture leaves the HVAC model's own copy of the
    # shared products, and no rooms
    campus = Campus()
    campus.add(arch)
    campus.add(hvac)
    campus.remove(a)
    served = next(iter(campus))
    assert set(served.elements) == set(hvac.elements) and not served.spaces


def test_duplex_models_with_unrelated_ids_federate_only_when_asked(
    shared_ifc: Path, shared_twin: Any, twin_cache_dir: Path
) -> None:
    arch, elec = shared_twin(DUPLEX), shared_twin(DUPLEX_ELEC)
    assert not set(arch.storeys) & set(elec.storeys)
    campus = Campus()
    campus.add(arch)
    campus.add(elec)
    assert len(campus) == 2  # unrelated GlobalIds: two buildings unless the client says so
    campus = Campus()
    done = serve_files(
        campus,
        [shared_ifc / DUPLEX, shared_ifc / DUPLEX_ELEC],
        cache_dir=twin_cache_dir,
        federate=True,
    )
    assert [d.action for d in done] == ["new", "discipline"]
    assert len(campus) == 1
    served = next(iter(campus))
    (building,) = served.buildings
    assert building in arch.buildings
    # storeys matched by elevation, and said so
    assert set(served.storeys) == set(arch.storeys)
    notes = " ".join(campus.assumptions(served))
    assert notes.count("matched by elevation") == len(elec.storeys)
    by_elevation = {round(s.elevation, 2): g for g, s in arch.storeys.items()}
    for g, el in elec.elements.items():
        if el.storey:
            assert (
                served.elements[g].storey
                == by_elevation[round(elec.storeys[el.storey].elevation, 2)]
            )
    # electrical products land in the architecture's rooms
    in_arch_rooms = [g for g in elec.elements if served.elements[g].space in arch.spaces]
    assert len(in_arch_rooms) >= 0.75 * len(elec.elements)


# -- revisions --------------------------------------------------------------------------
def test_heating_model_with_rooms_revises_its_network_only_copy(
    shared_ifc: Path, heating_network_only: Path, api: Any
) -> None:
    full = shared_ifc / HEATING
    rooms = _guids(full, "IfcSpace")
    assert rooms and not _guids(heating_network_only, "IfcSpace")
    old = _mid(heating_network_only)
    with api([heating_network_only]) as client:
        job = _upload(client, full)
        assert job["state"] == "done", job
        result = job["result"]
        assert result["action"] == "revision" and result["replaced"] == old
        changes = result["changes"]
        assert {p["guid"] for p in changes["added"]} == set(rooms)
        assert {p["ifc_class"] for p in changes["added"]} == {"IfcSpace"}
        assert changes["removed"] == [] and changes["counts"]["removed"] == 0
        assert [m["model_id"] for m in client.get("/models").json()] == [_mid(full)]
        assert len(client.get("/buildings").json()) == 1
        room = next(iter(rooms))
        assert client.get(f"/spaces/{room}").status_code == 200


def test_revision_reports_live_records_left_on_removed_rooms(
    shared_ifc: Path, heating_network_only: Path, api: Any
) -> None:
    full = shared_ifc / HEATING
    rooms = sorted(_guids(full, "IfcSpace"))
    with api([full]) as client:
        r = client.post("/tickets", json={"title": "Cold radiator", "space": rooms[0]})
        assert r.status_code in (200, 201), r.text
        ticket = r.json()["id"]
        job = _upload(client, heating_network_only)  # no replaces: found by shared GlobalIds
        assert job["state"] == "done", job
        result = job["result"]
        assert result["action"] == "revision" and result["replaced"] == _mid(full)
        assert {p["guid"] for p in result["changes"]["removed"]} == set(rooms)
        assert [t["id"] for t in result["orphaned"]["tickets"]] == [ticket]
        # and back, marked explicitly
        job = _upload(client, full, replaces=_mid(heating_network_only))
        assert job["result"]["action"] == "revision"
        assert {p["guid"] for p in job["result"]["changes"]["added"]} == set(rooms)


# -- partial collisions are refused -------------------------------------------------------
def test_partial_collision_is_refused_with_409(
    shared_ifc: Path, colliding_model: Path, api: Any
) -> None:
    heating = shared_ifc / HEATING
    walls = set(_guids(colliding_model, "IfcWall"))
    with api([heating]) as client:
        job = _upload(client, colliding_model)
        assert job["state"] == "failed"
        error = job["error"]
        assert error["status"] == 409
        assert error["model"] == _mid(heating)
        assert set(error["colliding"]) == walls
        assert _mid(heating) in error["detail"]
        # nothing changed
        assert [m["model_id"] for m in client.get("/models").json()] == [_mid(heating)]
        for guid in walls:
            assert client.get(f"/elements/{guid}").json()["ifc_class"] == "IfcPipeSegment"


def test_partial_collision_is_refused_by_the_library_and_the_cli(
    shared_ifc: Path,
    colliding_model: Path,
    shared_twin: Any,
    twin_cache_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from twin.cli import main
    from twin.service.cache import load_twin

    campus = Campus()
    mid = campus.add(shared_twin(HEATING))
    with pytest.raises(ModelConflict) as info:
        campus.add(load_twin(colliding_model, cache_dir=twin_cache_dir))
    assert info.value.status == 409 and info.value.extra["model"] == mid
    assert list(campus.models()) == [mid]
    code = main(
        [
            "serve",
            str(shared_ifc / HEATING),
            str(colliding_model),
            "--cache-dir",
            str(twin_cache_dir),
        ]
    )
    assert code == 2
    assert mid in capsys.readouterr().err


# -- placement by georeferencing -------------------------------------------------------------
def _georeferenced(name: str, e: float, n: float, rotated: bool) -> Any:
    """A one-storey IFC4 plan (millimetres) with an IfcMapConversion to EPSG:25832."""
    import ifcopenshell.api.georeference as georeference

    from tests.ifc_fixtures.plans_made import _Plan

    plan = _Plan(name)
    f = plan.f
    georeference.add_georeferencing(f)
    georeference.edit_georeferencing(
        f,
        projected_crs={
            "Name": "EPSG:25832",
            "MapUnit": f.createIfcSIUnit(None, "LENGTHUNIT", None, "METRE"),
        },
        coordinate_operation={
            "Eastings": e,
            "Northings": n,
            "OrthogonalHeight": 100.0,
            "XAxisAbscissa": 0.0 if rotated else 1.0,
            "XAxisOrdinate": 1.0 if rotated else 0.0,
            "Scale": 0.001,  # project millimetres to map metres
        },
    )
    return plan


def test_discipline_model_is_placed_by_its_map_conversion(
    tmp_path: Path, twin_cache_dir: Path
) -> None:
    from twin.service.cache import load_twin

    arch = _georeferenced("Arch", 500000.0, 5000000.0, rotated=False)
    room = arch.space("Room", 0.0, 0.0, 10.0, 10.0)
    hvac = _georeferenced("Hvac", 500004.0, 5000003.0, rotated=True)
    for cls in ("IfcProject", "IfcSite", "IfcBuilding", "IfcBuildingStorey"):
        hvac.f.by_type(cls)[0].GlobalId = arch.f.by_type(cls)[0].GlobalId
    grille = hvac._entity("IfcAirTerminal", "Grille")
    hvac._box(grille, (1.0, 1.0, 0.5), (1.4, 1.4, 0.7))
    a, _ = arch.save(tmp_path / "arch.ifc")
    h, _ = hvac.save(tmp_path / "hvac.ifc")
    campus = Campus()
    campus.add(load_twin(a, cache_dir=twin_cache_dir))
    campus.add(load_twin(h, cache_dir=twin_cache_dir))
    served = next(iter(campus))
    # by hand: the grille's centre (1.2, 1.2) in the HVAC frame is, on the map, 4 m east and
    # 3 m north of the architecture's origin plus the centre turned 90 degrees: (4 - 1.2, 3 + 1.2)
    b = served.elements[grille.GlobalId].bbox
    assert b is not None
    assert (b[0] + b[3]) / 2 == pytest.approx(2.8, abs=1e-3)
    assert (b[1] + b[4]) / 2 == pytest.approx(4.2, abs=1e-3)
    assert served.elements[grille.GlobalId].space == room.GlobalId
    assert any("moved by its map conversion" in n for n in campus.assumptions(served))
    # the HVAC file's own twin is untouched
    own = campus.twin(Campus.model_id(load_twin(h, cache_dir=twin_cache_dir)))
    assert own.elements[grille.GlobalId].bbox == pytest.approx(
        (1.0, 1.0, 0.5, 1.4, 1.4, 0.7), abs=1e-3
    )
