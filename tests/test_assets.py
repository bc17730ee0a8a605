"""Asset register and attached documents over HTTP, on SQLite and PostgreSQL: IFC values read
from the property sets written in the test, overrides beside them (kept across a restart),
uploads checked by content and size, content-addressed files, admin-only delete, CSV and XLSX
exports read back with csv and openpyxl."""

from __future__ import annotations

import csv
import hashlib
import io
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.ifc_fixtures.assets_made import ASSET_TRUTH, NOT_ASSETS, write_assets
from tests.ops_support import wipe
from twin.assets import asset_view, ifc_asset_fields, is_asset
from twin.live.db import metadata
from twin.live.demo_assets import DEMO_NAMEPLATES, DEMO_PARTS, seed_demo_assets, seed_demo_parts
from twin.live.store import LiveStore
from twin.live.tables_assets import ASSET_TABLES
from twin.live.tables_spare_parts import SPARE_PART_TABLES

FIELDS = (
    "manufacturer", "model", "serial_number", "installation_date", "warranty_start",
    "warranty_end", "barcode", "tag_number",
)  # fmt: skip
#: COBie 2.4 Component sheet columns, as the COBie standard lists them.
COMPONENT = [
    "Name", "CreatedBy", "CreatedOn", "TypeName", "Space", "Description", "ExtSystem",
    "ExtObject", "ExtIdentifier", "SerialNumber", "InstallationDate", "WarrantyStartDate",
    "TagNumber", "BarCode", "AssetIdentifier",
]  # fmt: skip


def _png(width: int = 2, height: int = 2) -> bytes:
    """A real, decodable RGB PNG written by hand (signature, IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _wipe(store: LiveStore) -> None:
    wipe(store)
    with store.engine.begin() as conn:
        for name in (*reversed(SPARE_PART_TABLES), *reversed(ASSET_TABLES)):
            conn.execute(metadata.tables[name].delete())


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return write_assets(tmp_path_factory.mktemp("assets") / "assets.ifc")


@pytest.fixture
def env(
    opened_store: tuple[LiveStore, str, Path],
    plant: tuple[Path, dict[str, str]],
    tmp_path: Path,
) -> Iterator[dict[str, Any]]:
    store, url, tmp = opened_store
    _wipe(store)
    settings = Settings(
        models=[plant[0]], auth=True, anonymous_read=False, store_url=url,
        cache_dir=tmp / "cache", upload_dir=tmp_path / "uploads",
        documents_dir=tmp_path / "docs", documents_max_mb=0.01,
    )  # fmt: skip
    admin, _ = store.keys.create("admin", "root")
    store.technicians.register("t1", name="Ann", skills=["general"], actor="test")
    with TestClient(create_app(settings)) as client:
        keys = {"admin": {"X-API-Key": admin}}
        for role in ("viewer", "technician", "operator"):
            body = {
                "role": role,
                "name": role,
                "technician": "t1" if role == "technician" else None,
            }
            r = client.post("/keys", json=body, headers=keys["admin"])
            assert r.status_code == 201, r.text
            keys[role] = {"X-API-Key": r.json()["key"]}
        yield {"client": client, "store": store, "keys": keys, "guids": plant[1],
               "settings": settings, "docs": tmp_path / "docs"}  # fmt: skip


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return r.json()  # type: ignore[no-any-return]


def _fields(asset: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in asset["fields"]}


def test_register_reads_ifc_psets(env: dict[str, Any]) -> None:
    c, keys, guids = env["client"], env["keys"], env["guids"]
    r = c.get("/assets", headers=keys["viewer"])
    assert r.status_code == 200, r.text
    by_guid = {a["guid"]: a for a in r.json()}
    assert set(by_guid) == {guids[n] for n in ASSET_TRUTH}
    assert not {guids[n] for n in NOT_ASSETS} & set(by_guid)
    for name, truth in ASSET_TRUTH.items():
        fields = _fields(by_guid[guids[name]])
        assert set(fields) == set(FIELDS)
        for f in FIELDS:
            assert fields[f]["ifc"] == truth.get(f), (name, f)
            assert fields[f]["value"] == truth.get(f) and fields[f]["override"] is None
    pump = _fields(by_guid[guids["P-101"]])
    assert pump["manufacturer"]["ifc_source"] == "Pset_ManufacturerTypeInformation.Manufacturer"
    assert pump["installation_date"]["ifc_source"] == "COBie_Component.InstallationDate"
    _problem(c.get(f"/assets/{guids['W-1']}", headers=keys["viewer"]), 404)
    _problem(c.get("/assets/nope", headers=keys["viewer"]), 404)


def test_override_beside_ifc_value_and_kept(env: dict[str, Any]) -> None:
    c, keys, guid = env["client"], env["keys"], env["guids"]["P-101"]
    body = {"serial_number": "SN-PLATE-7", "warranty_start": "2024-03-01"}
    _problem(c.patch(f"/assets/{guid}", json=body, headers=keys["viewer"]), 403)
    _problem(c.patch(f"/assets/{guid}", json={"colour": "red"}, headers=keys["operator"]), 422)
    r = c.patch(f"/assets/{guid}", json=body, headers=keys["operator"])
    assert r.status_code == 200, r.text
    f = _fields(r.json())
    assert (f["serial_number"]["ifc"], f["serial_number"]["override"]) == ("SN-0001", "SN-PLATE-7")
    assert f["serial_number"]["value"] == "SN-PLATE-7"
    assert (f["warranty_start"]["ifc"], f["warranty_start"]["value"]) == (None, "2024-03-01")
    assert f["manufacturer"]["override"] is None and f["manufacturer"]["value"] == "Grundfos"
    audit = c.get("/audit", params={"target": f"asset:{guid}"}, headers=keys["admin"]).json()
    assert [e["action"] for e in audit] == ["asset.update"]
    # nothing lost on restart: a new app on the same store shows the override
    with TestClient(create_app(env["settings"])) as again:
        f = _fields(again.get(f"/assets/{guid}", headers=keys["viewer"]).json())
        assert f["serial_number"]["override"] == "SN-PLATE-7"
        r = again.patch(f"/assets/{guid}", json={"serial_number": None}, headers=keys["operator"])
        f = _fields(r.json())
        assert f["serial_number"]["override"] is None and f["serial_number"]["value"] == "SN-0001"
        assert f["warranty_start"]["override"] == "2024-03-01"


def test_upload_checked_by_content_and_size(env: dict[str, Any]) -> None:
    c, keys, guids = env["client"], env["keys"], env["guids"]
    png = _png()
    url = f"/assets/{guids['P-101']}/documents"
    r = c.post(url, files={"file": ("plate.png", png, "image/png")}, data={"title": "Nameplate"},
               headers=keys["operator"])  # fmt: skip
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["content_type"] == "image/png" and doc["size"] == len(png)
    assert doc["sha256"] == hashlib.sha256(png).hexdigest() and doc["title"] == "Nameplate"
    got = c.get(f"/documents/{doc['id']}/content", headers=keys["viewer"])
    assert got.status_code == 200 and got.content == png
    assert got.headers["content-type"] == "image/png"
    # a text file named .png (and declared image/png) is refused by its content
    fake = ("photo.png", b"just some text, not an image", "image/png")
    _problem(c.post(url, files={"file": fake}, headers=keys["operator"]), 415)
    # a PNG named .pdf is refused too; a binary blob of no known type as well
    _problem(c.post(url, files={"file": ("m.pdf", png, "application/pdf")},
                    headers=keys["operator"]), 415)  # fmt: skip
    blob = ("x.bin", b"\x00\x01\x02" * 10, "application/octet-stream")
    _problem(c.post(url, files={"file": blob}, headers=keys["operator"]), 415)
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (11 * 1024)  # over documents_max_mb=0.01
    _problem(c.post(url, files={"file": ("big.png", big, "image/png")},
                    headers=keys["operator"]), 413)  # fmt: skip
    _problem(c.post(url, files={"file": ("plate.png", png, "image/png")},
                    headers=keys["viewer"]), 403)  # fmt: skip
    _problem(c.post(f"/assets/{guids['W-1']}/documents", files={"file": ("p.png", png)},
                    headers=keys["operator"]), 404)  # fmt: skip
    listed = c.get(url, headers=keys["viewer"]).json()
    assert [d["id"] for d in listed] == [doc["id"]]
    files = [p for p in env["docs"].rglob("*") if p.is_file()]
    assert [p.name for p in files] == [doc["sha256"]]  # refused uploads left nothing


def test_dedupe_ticket_photos_and_admin_delete(env: dict[str, Any]) -> None:
    c, keys, guids = env["client"], env["keys"], env["guids"]
    png = _png(3, 1)
    sha = hashlib.sha256(png).hexdigest()
    a = c.post(f"/assets/{guids['P-101']}/documents", files={"file": ("a.png", png)},
               headers=keys["operator"]).json()  # fmt: skip
    ticket = c.post("/tickets", json={"title": "Pump noise", "priority": "normal"},
                    headers=keys["operator"]).json()  # fmt: skip
    r = c.post(f"/tickets/{ticket['id']}/documents", files={"file": ("site.png", png)},
               headers=keys["technician"])  # fmt: skip
    assert r.status_code == 201, r.text
    t = r.json()
    assert a["sha256"] == t["sha256"] == sha and a["id"] != t["id"]
    assert [p.name for p in env["docs"].rglob("*") if p.is_file()] == [sha]  # one file
    assert [d["id"] for d in c.get(f"/tickets/{ticket['id']}/documents",
                                   headers=keys["viewer"]).json()] == [t["id"]]  # fmt: skip
    _problem(c.post("/tickets/999999/documents", files={"file": ("s.png", png)},
                    headers=keys["technician"]), 404)  # fmt: skip
    for role in ("viewer", "technician", "operator"):
        _problem(c.delete(f"/documents/{a['id']}", headers=keys[role]), 403)
    assert c.delete(f"/documents/{a['id']}", headers=keys["admin"]).status_code == 200
    _problem(c.get(f"/documents/{a['id']}", headers=keys["viewer"]), 404)
    assert (env["docs"] / sha[:2] / sha).exists()  # still attached to the ticket
    assert c.delete(f"/documents/{t['id']}", headers=keys["admin"]).status_code == 200
    assert not (env["docs"] / sha[:2] / sha).exists()  # last reference gone, file gone
    # a file gone from the folder behind the store's back is a 404, not a server error
    again = c.post(f"/assets/{guids['V-1']}/documents", files={"file": ("v.png", png)},
                   headers=keys["operator"]).json()  # fmt: skip
    (env["docs"] / sha[:2] / sha).unlink()
    _problem(c.get(f"/documents/{again['id']}/content", headers=keys["viewer"]), 404)


def test_csv_and_xlsx_exports(env: dict[str, Any]) -> None:
    c, keys, guids = env["client"], env["keys"], env["guids"]
    pump = guids["P-101"]
    c.patch(f"/assets/{pump}", json={"serial_number": "SN-X", "tag_number": "PU-01"},
            headers=keys["operator"])  # fmt: skip
    r = c.get("/assets.csv", headers=keys["viewer"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = {row["guid"]: row for row in csv.DictReader(io.StringIO(r.text))}
    assert set(rows) == {guids[n] for n in ASSET_TRUTH}
    p = rows[pump]
    assert (p["serial_number"], p["serial_number_ifc"], p["serial_number_override"]) == (
        "SN-X", "SN-0001", "SN-X",
    )  # fmt: skip
    assert p["manufacturer"] == "Grundfos" and p["manufacturer_override"] == ""
    assert p["warranty_end"] == "2030-05-31" and p["ifc_class"] == "IfcPump"
    r = c.get("/assets.xlsx", headers=keys["viewer"])
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    sheet = wb["Component"]
    rows_x = list(sheet.iter_rows(values_only=True))
    assert list(rows_x[0]) == COMPONENT
    by_id = {row[COMPONENT.index("ExtIdentifier")]: row for row in rows_x[1:]}
    assert set(by_id) == {guids[n] for n in ASSET_TRUTH}
    row = dict(zip(COMPONENT, by_id[pump], strict=True))
    assert (row["Name"], row["SerialNumber"], row["InstallationDate"]) == (
        "P-101", "SN-X", "2024-03-01",
    )  # fmt: skip
    assert (row["TagNumber"], row["BarCode"], row["ExtObject"]) == ("PU-01", "BC-778", "IfcPump")
    types = {row[0]: row for row in wb["Type"].iter_rows(min_row=2, values_only=True)}
    assert types["CR pump"][6:8] == ("Grundfos", "CR 10-4")


def test_demo_seed_nameplates(opened_store: tuple[LiveStore, str, Path], small_twin: Any) -> None:
    store = opened_store[0]
    _wipe(store)
    kinds = {k: sorted(e.guid for e in small_twin.elements.values() if e.kind == k)
             for k in DEMO_NAMEPLATES}  # fmt: skip
    expected = {g for guids in kinds.values() for g in guids[:2]}
    assert seed_demo_assets(store, small_twin, per_kind=2) == len(expected) > 0
    kept = store.asset_overrides.all()
    assert set(kept) == expected
    for kind, guids in kinds.items():
        for guid in guids[:2]:
            assert kept[guid]["manufacturer"] == DEMO_NAMEPLATES[kind][0]
    assert seed_demo_assets(store, small_twin) == 0  # never over real (or earlier) edits
    parts = {p.sku: p for p in store.spare_parts.list()}
    assert {sku: (p.quantity, p.low) for sku, p in parts.items()} == {
        sku: (stock, stock <= minimum) for sku, _, _, minimum, stock, _ in DEMO_PARTS
    }
    assert seed_demo_parts(store) == 0


def test_placeholders_are_not_values() -> None:
    psets = {
        "COBie_Component": {"SerialNumber": "n/a", "InstallationDate": " N/A "},
        "Pset_ManufacturerTypeInformation": {"Manufacturer": "-", "ModelLabel": "X-1"},
        "Other": {"Manufacturer": "Acme", "SerialNumber": "unknown"},
    }
    found = ifc_asset_fields(psets)
    assert found["manufacturer"] == ("Acme", "Other.Manufacturer")
    assert found["model"] == ("X-1", "Pset_ManufacturerTypeInformation.ModelLabel")
    assert found["serial_number"] is None and found["installation_date"] is None


def test_real_revit_export_manufacturers(shared_twin: Any, shared_ifc: Path) -> None:
    """Duplex_Electrical (a Revit export with COBie parameters): the manufacturer in the register
    is one the file states (read here with ifcopenshell directly), and the "N/A" placeholders
    Revit fills in never become register values nor make a proxy an asset."""
    import ifcopenshell
    import ifcopenshell.util.element

    name = "Duplex_Electrical_20121207.ifc"
    twin = shared_twin(name)
    model = ifcopenshell.open(str(shared_ifc / name))
    stated: dict[str, set[str]] = {}
    for product in model.by_type("IfcProduct"):
        for props in ifcopenshell.util.element.get_psets(product).values():
            value = str(props.get("Manufacturer") or "").strip()
            if value and value.upper() != "N/A":
                stated.setdefault(product.GlobalId, set()).add(value)
    assets = [asset_view(e, {}, building=None) for e in twin.elements.values() if is_asset(e)]
    assert assets and all(f.ifc != "N/A" for a in assets for f in a.fields)
    with_maker = {a.guid: a.value("manufacturer") for a in assets if a.value("manufacturer")}
    assert with_maker and set(with_maker) == set(stated) & {a.guid for a in assets}
    assert all(maker in stated[guid] for guid, maker in with_maker.items())
    proxies = [e for e in twin.elements.values() if e.ifc_class == "IfcBuildingElementProxy"]
    assert proxies and not any(is_asset(e) for e in proxies if e.guid not in stated)
