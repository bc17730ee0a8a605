"""The asset register as CSV (every field, IFC value and override) and as an XLSX workbook
with a COBie ``Component`` sheet (and the ``Type`` columns the register knows).

COBie's Component sheet has fixed columns (COBie 2.4: Name, CreatedBy, CreatedOn, TypeName,
Space, Description, ExtSystem, ExtObject, ExtIdentifier, SerialNumber, InstallationDate,
WarrantyStartDate, TagNumber, BarCode, AssetIdentifier); manufacturer and model belong to the
Type sheet, where COBie puts them. Values are the ones in force (override, else IFC).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from openpyxl import Workbook

from twin.assets import ASSET_FIELDS, AssetView

__all__ = ["COBIE_COMPONENT", "COBIE_TYPE", "register_csv", "register_xlsx"]

COBIE_COMPONENT: tuple[str, ...] = (
    "Name", "CreatedBy", "CreatedOn", "TypeName", "Space", "Description", "ExtSystem",
    "ExtObject", "ExtIdentifier", "SerialNumber", "InstallationDate", "WarrantyStartDate",
    "TagNumber", "BarCode", "AssetIdentifier",
)  # fmt: skip
COBIE_TYPE: tuple[str, ...] = (
    "Name", "CreatedBy", "CreatedOn", "Category", "Description", "AssetType", "Manufacturer",
    "ModelNumber", "ExtSystem", "ExtObject", "ExtIdentifier",
)  # fmt: skip

_BASE = ("guid", "name", "ifc_class", "kind", "type_name", "building", "storey", "space")


def register_csv(assets: Iterable[AssetView]) -> str:
    """One row per asset: identity, then each field's value in force, IFC value and override."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    cols = [c for f in ASSET_FIELDS for c in (f, f"{f}_ifc", f"{f}_override")]
    w.writerow([*_BASE, *cols])
    for a in assets:
        cells: list[str] = []
        for f in a.fields:
            cells += [f.value or "", f.ifc or "", f.override or ""]
        base = [a.guid, a.name, a.ifc_class, a.kind, a.type_name]
        w.writerow([*base, a.building or "", a.storey or "", a.space or "", *cells])
    return out.getvalue()


def _component(a: AssetView, by: str, on: str, space_name: str) -> list[str]:
    v = a.value
    return [
        a.name or a.guid, by, on, a.type_name or a.ifc_class, space_name, a.kind,
        "hospital-twin", a.ifc_class, a.guid, v("serial_number") or "",
        v("installation_date") or "", v("warranty_start") or "", v("tag_number") or "",
        v("barcode") or "", v("tag_number") or "",
    ]  # fmt: skip


def register_xlsx(
    assets: Sequence[AssetView],
    *,
    created_by: str,
    created_on: datetime,
    space_names: dict[str, str] | None = None,
) -> bytes:
    """A workbook with the COBie ``Component`` and ``Type`` sheets of the register."""
    names = space_names or {}
    on = created_on.strftime("%Y-%m-%dT%H:%M:%S")
    wb = Workbook()
    comp = wb.active
    assert comp is not None  # a new workbook always has one sheet
    comp.title = "Component"
    comp.append(list(COBIE_COMPONENT))
    for a in assets:
        comp.append(_component(a, created_by, on, names.get(a.space or "", "")))
    types = wb.create_sheet("Type")
    types.append(list(COBIE_TYPE))
    seen: set[str] = set()
    for a in assets:
        key = a.type_name or a.ifc_class
        if key in seen:
            continue
        seen.add(key)
        types.append([
            key, created_by, on, a.kind, a.type_name, "Fixed", a.value("manufacturer") or "",
            a.value("model") or "", "hospital-twin", a.ifc_class, "",
        ])  # fmt: skip
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
