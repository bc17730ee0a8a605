"""Asset register: devices and distribution elements with manufacturer, model, serial number,
dates (IFC value and store override side by side), its CSV/XLSX export, and the documents and
photos attached to assets and tickets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, UploadFile
from fastapi.responses import FileResponse

from api.auth import PrincipalDep
from api.deps import CampusDep, SettingsDep, StoreDep
from api.documents import CAPTION, DOCUMENT_FILE, UPLOAD_RESPONSES, attach_upload, blob_store
from api.errors import PROBLEM_RESPONSES
from api.schemas.assets import AssetEditIn, AssetOut, DocumentOut
from api.strict import DbId
from twin.errors import NotFound
from twin.service.assets import (
    edit_asset,
    export_register,
    find_asset,
    owner_exists,
    register,
)

router = APIRouter(tags=["assets"], responses=PROBLEM_RESPONSES)

_GUID = "2O2Fr$t4X7Zf8NOew3FNr2"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/assets", response_model=list[AssetOut], summary="The asset register")
def list_assets(
    campus: CampusDep,
    store: StoreDep,
    _who: PrincipalDep,
    building: Annotated[str | None, Query(description="building GlobalId")] = None,
    kind: Annotated[str | None, Query(examples=["pump"])] = None,
) -> list[AssetOut]:
    """Every distribution element and device as an asset: manufacturer, model, serial number,
    installation date, warranty end, from the IFC property sets with store overrides applied."""
    found = register(campus, store, building=building, kind=kind)
    return [AssetOut.model_validate(a) for a in found]


@router.get(
    "/assets.csv",
    response_class=Response,
    summary="The asset register as CSV (value in force, IFC value, override per field)",
    responses={200: {"content": {"text/csv": {}}}},
)
def assets_csv(
    campus: CampusDep,
    store: StoreDep,
    who: PrincipalDep,
    building: Annotated[str | None, Query(description="building GlobalId")] = None,
) -> Response:
    """The asset register for a spreadsheet: for each field the value in force, the value read from
    the IFC and the override kept in the store."""
    body = export_register(campus, store, "csv", building=building, actor=who.name)
    headers = {"Content-Disposition": 'attachment; filename="assets.csv"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


@router.get(
    "/assets.xlsx",
    response_class=Response,
    summary="The asset register as an XLSX workbook (COBie Component and Type sheets)",
    responses={200: {"content": {_XLSX: {}}}},
)
def assets_xlsx(
    campus: CampusDep,
    store: StoreDep,
    who: PrincipalDep,
    building: Annotated[str | None, Query(description="building GlobalId")] = None,
) -> Response:
    """The asset register as an XLSX workbook with COBie Component and Type sheets, for handover and
    CMMS import."""
    body = export_register(campus, store, "xlsx", building=building, actor=who.name)
    headers = {"Content-Disposition": 'attachment; filename="assets.xlsx"'}
    return Response(body, media_type=_XLSX, headers=headers)


@router.get("/assets/{guid}", response_model=AssetOut, summary="One asset")
def get_asset(guid: str, campus: CampusDep, store: StoreDep, _who: PrincipalDep) -> AssetOut:
    """One asset's register fields, each with the IFC value and the store override shown side by
    side."""
    return AssetOut.model_validate(find_asset(campus, store, guid))


@router.patch(
    "/assets/{guid}",
    response_model=AssetOut,
    summary="Set or clear register fields (store overrides; the IFC is never rewritten)",
)
def patch_asset(
    guid: str, body: AssetEditIn, campus: CampusDep, store: StoreDep, who: PrincipalDep
) -> AssetOut:
    """Correct or complete register fields (serial number, installation date, ...). Edits are kept
    in the store and audited; the IFC file is never rewritten. A null clears the override."""
    changes = {name: getattr(body, name) for name in sorted(body.model_fields_set)}
    return AssetOut.model_validate(edit_asset(campus, store, guid, changes, who.name))


@router.post(
    "/assets/{guid}/documents",
    status_code=201,
    response_model=DocumentOut,
    summary="Attach a document or photo to an asset",
    responses=UPLOAD_RESPONSES,
)
async def attach_to_asset(
    guid: str,
    file: Annotated[UploadFile, DOCUMENT_FILE],
    campus: CampusDep,
    store: StoreDep,
    settings: SettingsDep,
    who: PrincipalDep,
    title: Annotated[str, CAPTION] = "",
) -> DocumentOut:
    """Upload a file (multipart) to an asset: manual, certificate, photo. Stored content-addressed;
    image types are checked by their bytes."""
    return await attach_upload("asset", guid, file, title, campus, store, settings, who.name)


@router.get(
    "/assets/{guid}/documents", response_model=list[DocumentOut], summary="An asset's documents"
)
def asset_documents(
    guid: str, campus: CampusDep, store: StoreDep, _who: PrincipalDep
) -> list[DocumentOut]:
    """Documents and photos attached to the asset (manuals, certificates, nameplate photos), newest
    first; fetch the bytes from /documents/{doc_id}/content."""
    owner_exists(campus, store, "asset", guid)
    return [DocumentOut.model_validate(d) for d in store.documents.of("asset", guid)]


@router.post(
    "/tickets/{ticket_id}/documents",
    status_code=201,
    response_model=DocumentOut,
    summary="Attach a document or photo to a ticket",
    responses=UPLOAD_RESPONSES,
)
async def attach_to_ticket(
    ticket_id: DbId,
    file: Annotated[UploadFile, DOCUMENT_FILE],
    campus: CampusDep,
    store: StoreDep,
    settings: SettingsDep,
    who: PrincipalDep,
    title: Annotated[str, CAPTION] = "",
) -> DocumentOut:
    """Upload a file (multipart) to a work order: a photo of the fault, a service report. Stored
    content-addressed; image types are checked by their bytes, not the name."""
    return await attach_upload(
        "ticket", str(ticket_id), file, title, campus, store, settings, who.name
    )


@router.get(
    "/tickets/{ticket_id}/documents",
    response_model=list[DocumentOut],
    summary="A ticket's documents",
)
def ticket_documents(
    ticket_id: DbId, campus: CampusDep, store: StoreDep, _who: PrincipalDep
) -> list[DocumentOut]:
    """Files attached to a work order, newest first."""
    owner_exists(campus, store, "ticket", str(ticket_id))
    return [DocumentOut.model_validate(d) for d in store.documents.of("ticket", str(ticket_id))]


@router.get("/documents/{doc_id}", response_model=DocumentOut, summary="A document's record")
def get_document(doc_id: DbId, store: StoreDep, _who: PrincipalDep) -> DocumentOut:
    """The record of an attached file: owner, name, size, checked content type, sha256, who uploaded
    it and when."""
    return DocumentOut.model_validate(store.documents.get(doc_id))


@router.get(
    "/documents/{doc_id}/content",
    response_class=FileResponse,
    summary="A document's bytes, with the content type its bytes showed on upload",
    responses={200: {"content": {"image/png": {}, "application/pdf": {}, "text/plain": {}}}},
)
def document_content(
    doc_id: DbId, store: StoreDep, settings: SettingsDep, _who: PrincipalDep
) -> FileResponse:
    """The file itself, served with the content type found when it was uploaded (never the one the
    client claimed)."""
    doc = store.documents.get(doc_id)
    path = blob_store(settings).path(doc.sha256)
    if not path.is_file():  # the folder was moved or emptied behind the store's back
        raise NotFound(f"document {doc_id}'s file is missing from the documents folder")
    media = doc.content_type + ("; charset=utf-8" if doc.content_type == "text/plain" else "")
    return FileResponse(
        path, media_type=media, filename=doc.filename,
        headers={"X-Content-Type-Options": "nosniff"},
    )  # fmt: skip


@router.delete(
    "/documents/{doc_id}", response_model=DocumentOut, summary="Delete a document (admin)"
)
def delete_document(
    doc_id: DbId, store: StoreDep, settings: SettingsDep, who: PrincipalDep
) -> DocumentOut:
    """Remove an attached file and its bytes when no other record uses them; admin only, audited."""
    return DocumentOut.model_validate(
        store.documents.delete(blob_store(settings), doc_id, actor=who.name)
    )
