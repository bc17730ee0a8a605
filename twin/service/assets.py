"""The asset register over the served campus and the store's overrides, and documents attached
to assets and tickets.

The served twins say which elements are assets and what their IFC says
(:mod:`twin.assets`); the store keeps the edits and the attachments. Joining the two is
this module's job, so the assets router only parses and shapes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

from twin.assets import ASSET_FIELDS, AssetView, asset_view, is_asset
from twin.errors import ElementNotFound, InvalidInput, NotFound
from twin.export.assets import register_csv, register_xlsx
from twin.live.blobs import BlobStore, check_type
from twin.live.documents import Document
from twin.live.store import LiveStore
from twin.model import Element, Twin
from twin.service.campus import Campus

__all__ = [
    "attach_document",
    "edit_asset",
    "export_register",
    "find_asset",
    "owner_exists",
    "register",
]


def _building(twin: Twin, element: Element) -> str | None:
    storey = twin.storeys.get(element.storey) if element.storey else None
    return storey.building if storey is not None else None


def _assets(campus: Campus) -> Iterator[tuple[Twin, Element]]:
    for twin in campus:
        for element in twin.elements.values():
            if is_asset(element):
                yield twin, element


def register(
    campus: Campus,
    store: LiveStore,
    *,
    building: str | None = None,
    kind: str | None = None,
) -> list[AssetView]:
    """Every asset of the served campus (or of one building / kind), by GlobalId."""
    overrides = store.asset_overrides.all()
    out = []
    for twin, element in _assets(campus):
        where = _building(twin, element)
        if (building and where != building) or (kind and element.kind != kind):
            continue
        out.append(asset_view(element, overrides.get(element.guid, {}), building=where))
    return sorted(out, key=lambda a: a.guid)


def _element(campus: Campus, guid: str) -> tuple[Twin, Element]:
    try:
        twin = campus.twin_of(guid)
    except NotFound:
        raise ElementNotFound(f"no asset {guid!r} is loaded", guid=guid) from None
    element = twin.elements.get(guid)
    if element is None or not is_asset(element):
        raise ElementNotFound(f"{guid!r} is not an asset (a device or distribution element)")
    return twin, element


def find_asset(campus: Campus, store: LiveStore, guid: str) -> AssetView:
    twin, element = _element(campus, guid)
    return asset_view(element, store.asset_overrides.get(guid), building=_building(twin, element))


def edit_asset(
    campus: Campus, store: LiveStore, guid: str, changes: Mapping[str, str | None], actor: str
) -> AssetView:
    """Set or clear overrides (None clears, the IFC value shows again); the IFC is untouched."""
    twin, element = _element(campus, guid)
    kept = store.asset_overrides.set(guid, changes, fields=ASSET_FIELDS, actor=actor)
    return asset_view(element, kept, building=_building(twin, element))


def owner_exists(campus: Campus, store: LiveStore, owner_kind: str, owner_id: str) -> None:
    """Raise NotFound unless the owner of an attachment exists (assets and tickets here; other
    owners are checked by their own service before they attach)."""
    if owner_kind == "asset":
        _element(campus, owner_id)
    elif owner_kind == "ticket":
        if not owner_id.isdigit():
            raise NotFound(f"no ticket {owner_id!r}")
        store.tickets.get(int(owner_id))


def attach_document(
    campus: Campus,
    store: LiveStore,
    blobs: BlobStore,
    *,
    owner_kind: str,
    owner_id: str,
    filename: str,
    declared_type: str | None,
    data: bytes,
    actor: str,
    title: str = "",
) -> Document:
    """Check the owner and the bytes' type, then keep the file and record the attachment."""
    owner_exists(campus, store, owner_kind, owner_id)
    if not data:
        raise InvalidInput("empty file", file=filename)
    content_type = check_type(data[:512], filename, declared_type)
    return store.documents.attach(
        blobs, owner_kind=owner_kind, owner_id=owner_id, filename=filename,
        content_type=content_type, data=data, actor=actor, title=title,
    )  # fmt: skip


def export_register(
    campus: Campus, store: LiveStore, fmt: str, *, building: str | None, actor: str
) -> bytes:
    """The register as ``csv`` (UTF-8) or ``xlsx`` (COBie Component and Type sheets)."""
    assets = register(campus, store, building=building)
    if fmt == "csv":
        return register_csv(assets).encode("utf-8")
    names = {s.guid: s.label for twin in campus for s in twin.spaces.values()}
    return register_xlsx(assets, created_by=actor, created_on=datetime.now(UTC), space_names=names)
