"""A hand-made IFC4 plant room whose devices carry asset data the way real exports do
(ifcopenshell.api): the manufacturer and model on the type (Pset_ManufacturerTypeInformation),
the serial number, warranty and installation date on the occurrence (standard sets and a
COBie-style set). ``ASSET_TRUTH`` is what was written, by element name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models_ifc.networks_small import plant_file
from tests.ifc_fixtures.networks_made import _box

__all__ = ["ASSET_TRUTH", "NOT_ASSETS", "write_assets"]

#: Element name -> register field -> value written into the IFC (absent fields: none written).
ASSET_TRUTH: dict[str, dict[str, str]] = {
    "P-101": {
        "manufacturer": "Grundfos",
        "model": "CR 10-4",
        "serial_number": "SN-0001",
        "warranty_end": "2030-05-31",
        "installation_date": "2024-03-01",
        "barcode": "BC-778",
    },
    "V-1": {},  # a device with no asset data at all
    "S-1": {"serial_number": "PIPE-9"},  # a pipe segment tracked because it has a serial
}
#: Products that are not assets: a wall, and a pipe segment without manufacturer data.
NOT_ASSETS = ("W-1", "S-2")


def _pset(f: Any, product: Any, name: str, props: dict[str, str]) -> None:
    import ifcopenshell.api.pset

    pset = ifcopenshell.api.pset.add_pset(f, product=product, name=name)
    ifcopenshell.api.pset.edit_pset(f, pset=pset, properties=props)


def write_assets(path: Path) -> tuple[Path, dict[str, str]]:
    """The file and element name -> GlobalId."""
    import ifcopenshell.api.root
    import ifcopenshell.api.type

    f, body, storey = plant_file(name="Assets")
    pump = _box(f, body, storey, "P-101", "IfcPump", (0, 0, 0), (0.5, 0.5, 0.8))
    ptype = ifcopenshell.api.root.create_entity(f, ifc_class="IfcPumpType", name="CR pump")
    ifcopenshell.api.type.assign_type(f, related_objects=[pump], relating_type=ptype)
    truth = ASSET_TRUTH["P-101"]
    _pset(f, ptype, "Pset_ManufacturerTypeInformation",
          {"Manufacturer": truth["manufacturer"], "ModelLabel": truth["model"]})  # fmt: skip
    _pset(f, pump, "Pset_ManufacturerOccurrence",
          {"SerialNumber": truth["serial_number"], "BarCode": truth["barcode"]})  # fmt: skip
    _pset(f, pump, "Pset_Warranty", {"WarrantyEndDate": truth["warranty_end"]})
    _pset(f, pump, "COBie_Component", {"InstallationDate": truth["installation_date"]})
    valve = _box(f, body, storey, "V-1", "IfcValve", (1, 0, 0), (1.2, 0.2, 0.2))
    s1 = _box(f, body, storey, "S-1", "IfcPipeSegment", (2, 0, 0), (3, 0.1, 0.1))
    _pset(f, s1, "Pset_ManufacturerOccurrence", {"SerialNumber": "PIPE-9"})
    s2 = _box(f, body, storey, "S-2", "IfcPipeSegment", (2, 1, 0), (3, 1.1, 0.1))
    wall = _box(f, body, storey, "W-1", "IfcWall", (0, 2, 0), (4, 2.2, 3))
    f.write(str(path))
    guids = {e.Name: e.GlobalId for e in (pump, valve, s1, s2, wall)}
    return path, guids
