"""Asset register: an asset with each field's IFC value and override, the edit body, and an
attached document as shown."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.strict import StrictIn

__all__ = ["AssetEditIn", "AssetFieldOut", "AssetOut", "DocumentOut"]

_Value = Field(default=None, max_length=500)


class AssetFieldOut(BaseModel):
    # Read from :class:`twin.assets.AssetField`.
    model_config = ConfigDict(from_attributes=True)

    name: str = Field(examples=["serial_number"])
    value: str | None = Field(description="In force: the override where set, else the IFC's.")
    ifc: str | None = Field(description="As the IFC file says it (never rewritten).")
    ifc_source: str | None = Field(examples=["Pset_ManufacturerOccurrence.SerialNumber"])
    override: str | None = Field(description="The store's edit, or null.")


class AssetOut(BaseModel):
    # Read from :class:`twin.assets.AssetView`.
    model_config = ConfigDict(from_attributes=True)

    guid: str
    name: str
    ifc_class: str = Field(examples=["IfcPump"])
    kind: str = Field(examples=["pump"])
    type_name: str
    building: str | None
    storey: str | None
    space: str | None
    systems: list[str]
    fields: list[AssetFieldOut]


class AssetEditIn(StrictIn):
    """Fields to set (a string) or clear (null: the IFC value is in force again); fields left out
    are unchanged."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"serial_number": "SN-2291-A", "warranty_end": "2031-06-30"}]
        },
    )
    manufacturer: str | None = _Value
    model: str | None = _Value
    serial_number: str | None = _Value
    installation_date: str | None = _Value
    warranty_start: str | None = _Value
    warranty_end: str | None = _Value
    barcode: str | None = _Value
    tag_number: str | None = _Value


class DocumentOut(BaseModel):
    # Read from :class:`twin.live.documents.Document`.
    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_kind: str = Field(examples=["asset"])
    owner_id: str
    sha256: str
    filename: str = Field(examples=["pump-P1-nameplate.png"])
    content_type: str = Field(examples=["image/png"])
    size: int
    title: str
    created: datetime | None
    created_by: str
