"""Asset register fields read from an element's property sets, and merged with store overrides.

Which elements are assets: every distribution element and device (kinds in
:data:`twin.kinds.DISTRIBUTION_KINDS` but pipe/duct segments and fittings, which facility teams
track by system, not one by one), lifts, and any other element whose IFC carries a manufacturer
or serial number (a segment with a serial number is a tracked item).

Where each field is read (first hit wins; the property set the value came from is kept, so the
register can say "Pset_ManufacturerOccurrence.SerialNumber"): the IFC4 standard sets
(``Pset_ManufacturerTypeInformation`` on the type or the occurrence,
``Pset_ManufacturerOccurrence``, ``Pset_Warranty``, ``Pset_ConstructionOccurence``), then the
same property name in any set, which is how COBie-style exports (``COBie_Component``,
``COBie_Type``, authoring-tool sets) carry them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from twin.kinds import DISTRIBUTION_KINDS
from twin.model import Element

__all__ = [
    "ASSET_FIELDS",
    "PLACEHOLDERS",
    "AssetField",
    "AssetView",
    "asset_view",
    "ifc_asset_fields",
    "is_asset",
]

#: (property set or None for "any set", property name), in the order they are tried.
_Source = tuple[str | None, str]

_SOURCES: dict[str, tuple[_Source, ...]] = {
    "manufacturer": (
        ("Pset_ManufacturerTypeInformation", "Manufacturer"),
        (None, "Manufacturer"),
    ),
    "model": (
        ("Pset_ManufacturerTypeInformation", "ModelLabel"),
        ("Pset_ManufacturerTypeInformation", "ModelReference"),
        (None, "ModelNumber"),
        (None, "ModelLabel"),
        (None, "ModelReference"),
    ),
    "serial_number": (
        ("Pset_ManufacturerOccurrence", "SerialNumber"),
        (None, "SerialNumber"),
    ),
    "installation_date": (
        ("Pset_ConstructionOccurence", "InstallationDate"),
        (None, "InstallationDate"),
        ("Pset_ManufacturerOccurrence", "AcquisitionDate"),
    ),
    "warranty_start": (
        ("Pset_Warranty", "WarrantyStartDate"),
        (None, "WarrantyStartDate"),
    ),
    "warranty_end": (
        ("Pset_Warranty", "WarrantyEndDate"),
        (None, "WarrantyEndDate"),
    ),
    "barcode": (
        ("Pset_ManufacturerOccurrence", "BarCode"),
        (None, "BarCode"),
    ),
    "tag_number": (
        ("Pset_ConstructionOccurence", "TagNumber"),
        (None, "TagNumber"),
        (None, "AssetIdentifier"),
    ),
}

#: The register's editable fields, in display and export order.
ASSET_FIELDS: tuple[str, ...] = tuple(_SOURCES)

_SKIPPED_KINDS = frozenset({"segment", "fitting"})
_DEVICE_KINDS = (frozenset(DISTRIBUTION_KINDS) - _SKIPPED_KINDS) | {"lift"}

PropertySets = Mapping[str, Mapping[str, object]]


#: Placeholders that say "no value": COBie writes "n/a" where a field does not apply, and
#: authoring tools (Revit's COBie extension among them) fill every COBie parameter with "N/A".
PLACEHOLDERS: frozenset[str] = frozenset({"n/a", "na", "-", "--", "none", "null", "unknown"})


def _text(value: object) -> str | None:
    """A property value as register text; empty, absent and placeholder values are None."""
    if value is None or isinstance(value, Mapping | list | tuple):
        return None
    out = str(value).strip()
    return out if out and out.lower() not in PLACEHOLDERS else None


def _find(psets: PropertySets, source: _Source) -> tuple[str, str] | None:
    pset_name, prop = source
    names = [pset_name] if pset_name is not None else sorted(psets)
    for name in names:
        value = _text(psets.get(name, {}).get(prop))
        if value is not None:
            return value, f"{name}.{prop}"
    return None


def ifc_asset_fields(psets: PropertySets) -> dict[str, tuple[str, str] | None]:
    """Each register field as ``(value, "Pset.Property")`` from the IFC, or None if absent."""
    out: dict[str, tuple[str, str] | None] = {}
    for field, sources in _SOURCES.items():
        out[field] = next((hit for s in sources if (hit := _find(psets, s)) is not None), None)
    return out


#: The register fields written on an asset's label: what a technician types to find it.
TAG_FIELDS: tuple[str, ...] = ("tag_number", "barcode", "serial_number")


def asset_tags(psets: PropertySets) -> list[str]:
    """The IFC's tag number, bar code and serial number of an element (absent ones left out)."""
    out: list[str] = []
    for field in TAG_FIELDS:
        hit = next((h for s in _SOURCES[field] if (h := _find(psets, s)) is not None), None)
        if hit is not None:
            out.append(hit[0])
    return out


def is_asset(element: Element) -> bool:
    """A device or distribution element, or anything the IFC gives a manufacturer or serial."""
    if element.kind in _DEVICE_KINDS:
        return True
    found = ifc_asset_fields(element.psets)
    return found["manufacturer"] is not None or found["serial_number"] is not None


@dataclass(frozen=True, slots=True)
class AssetField:
    """One register field: the IFC's value (and where it was read), the store's override, and
    the value in force (the override where one is set)."""

    name: str
    ifc: str | None
    ifc_source: str | None
    override: str | None

    @property
    def value(self) -> str | None:
        return self.override if self.override is not None else self.ifc


@dataclass(frozen=True, slots=True)
class AssetView:
    guid: str
    name: str
    ifc_class: str
    kind: str
    type_name: str
    building: str | None
    storey: str | None
    space: str | None
    systems: tuple[str, ...]
    fields: tuple[AssetField, ...]

    def value(self, name: str) -> str | None:
        return next(f.value for f in self.fields if f.name == name)


def asset_view(
    element: Element, overrides: Mapping[str, str], *, building: str | None
) -> AssetView:
    """The register entry of one element: IFC values beside the store's overrides."""
    found = ifc_asset_fields(element.psets)
    fields = tuple(
        AssetField(
            name=name,
            ifc=hit[0] if hit else None,
            ifc_source=hit[1] if hit else None,
            override=overrides.get(name),
        )
        for name, hit in found.items()
    )
    return AssetView(
        guid=element.guid, name=element.name, ifc_class=element.ifc_class, kind=element.kind,
        type_name=element.type_name, building=building, storey=element.storey,
        space=element.space, systems=element.systems, fields=fields,
    )  # fmt: skip
