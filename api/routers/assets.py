"""Asset register: devices and distribution elements with manufacturer, model, serial number,
dates (IFC value and store override side by side), its CSV/XLSX export, and the documents and
photos attached to assets and tickets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import FileResponse

from api.auth import PrincipalDep
from api.deps import CampusDep, SettingsDep, StoreDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.assets import AssetEditIn, AssetOut, DocumentOut
from api.settings import Settings
from api.strict import DbId
from twin.errors import NotFound, PayloadTooLarge
from twin.live.blobs import BlobStore
from twin.service.assets import (
    attach_document,
    edit_asset,
    export_register,
    find_asset,
    owner_exists,
    register,
)

router = APIRouter(tags=["assets"], responses=PROBLEM_RESPONSES)

_GUID = "2O2Fr$t4X7Zf8NOew3FNr2"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UPLOAD_RESPONSES: dict[int | str, dict[str, object]] = {
    413: {"description": "File larger than TWIN_DOCUMENTS_MAX_MB"},
    415: {"description": "Content is not an accepted type, or not the type its name claims"},
}


def _blobs(settings: Settings) -> BlobStore:
    return BlobStore(settings.documents_dir)


async def _read_capped(file: UploadFile, settings: Settings) -> bytes:
    """The upload's bytes; more than the limit is refused (413) without reading the rest."""
    limit = int(settings.documents_max_mb * 1024 * 1024)
    parts: list[bytes] = []
    size = 0
    while chunk := await file.read(1 << 20):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"document exceeds {settings.documents_max_mb:g} MB")
        parts.append(chunk)
    return b"".join(parts)


@router.get("/assets", response_model=list[AssetOut], summary="The asset register")
def list_assets(
    campus: CampusDep,
    store: StoreDep,
    _who: PrincipalDep,
    building: Annotated[str | None, Query(description="building GlobalId")] = None,
    kind: Annotated[str | None, Query(examples=["pump"])] = None,
) -> list[AssetOut]:
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
    body = export_register(campus, store, "xlsx", building=building, actor=who.name)
    headers = {"Content-Disposition": 'attachment; filename="assets.xlsx"'}
    return Response(body, media_type=_XLSX, headers=headers)


@router.get("/assets/{guid}", response_model=AssetOut, summary="One asset")
def get_asset(guid: str, campus: CampusDep, store: StoreDep, _who: PrincipalDep) -> AssetOut:
    return AssetOut.model_validate(find_asset(campus, store, guid))


@router.patch(
    "/assets/{guid}",
    response_model=AssetOut,
    summary="Set or clear register fields (store overrides; the IFC is never rewritten)",
)
def patch_asset(
    guid: str, body: AssetEditIn, campus: CampusDep, store: StoreDep, who: PrincipalDep
) -> AssetOut:
    changes = {name: getattr(body, name) for name in sorted(body.model_fields_set)}
    return AssetOut.model_validate(edit_asset(campus, store, guid, changes, who.name))


async def _attach(
    owner_kind: str,
    owner_id: str,
    file: UploadFile,
    title: str,
    campus: CampusDep,
    store: StoreDep,
    settings: Settings,
    actor: str,
) -> DocumentOut:
    owner_exists(campus, store, owner_kind, owner_id)
    data = await _read_capped(file, settings)
    doc = attach_document(
        campus, store, _blobs(settings), owner_kind=owner_kind, owner_id=owner_id,
        filename=file.filename or "upload", declared_type=file.content_type, data=data,
        actor=actor, title=title,
    )  # fmt: skip
    return DocumentOut.model_validate(doc)


_FILE = File(description="a photo (PNG, JPEG, GIF, WebP), a PDF or a plain-text file")
_TITLE = Form(max_length=200, description="caption")


@router.post(
    "/assets/{guid}/documents",
    status_code=201,
    response_model=DocumentOut,
    summary="Attach a document or photo to an asset",
    responses=_UPLOAD_RESPONSES,
)
async def attach_to_asset(
    guid: str,
    file: Annotated[UploadFile, _FILE],
    campus: CampusDep,
    store: StoreDep,
    settings: SettingsDep,
    who: PrincipalDep,
    title: Annotated[str, _TITLE] = "",
) -> DocumentOut:
    return await _attach("asset", guid, file, title, campus, store, settings, who.name)


@router.get(
    "/assets/{guid}/documents", response_model=list[DocumentOut], summary="An asset's documents"
)
def asset_documents(
    guid: str, campus: CampusDep, store: StoreDep, _who: PrincipalDep
) -> list[DocumentOut]:
    owner_exists(campus, store, "asset", guid)
    return [DocumentOut.model_validate(d) for d in store.documents.of("asset", guid)]


@router.post(
    "/tickets/{ticket_id}/documents",
    status_code=201,
    response_model=DocumentOut,
    summary="Attach a document or photo to a ticket",
    responses=_UPLOAD_RESPONSES,
)
async def attach_to_ticket(
    ticket_id: DbId,
    file: Annotated[UploadFile, _FILE],
    campus: CampusDep,
    store: StoreDep,
    settings: SettingsDep,
    who: PrincipalDep,
    title: Annotated[str, _TITLE] = "",
) -> DocumentOut:
    return await _attach("ticket", str(ticket_id), file, title, campus, store, settings, who.name)


@router.get(
    "/tickets/{ticket_id}/documents",
    response_model=list[DocumentOut],
    summary="A ticket's documents",
)
def ticket_documents(
    ticket_id: DbId, campus: CampusDep, store: StoreDep, _who: PrincipalDep
) -> list[DocumentOut]:
    owner_exists(campus, store, "ticket", str(ticket_id))
    return [DocumentOut.model_validate(d) for d in store.documents.of("ticket", str(ticket_id))]


@router.get("/documents/{doc_id}", response_model=DocumentOut, summary="A document's record")
def get_document(doc_id: DbId, store: StoreDep, _who: PrincipalDep) -> DocumentOut:
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
    doc = store.documents.get(doc_id)
    path = _blobs(settings).path(doc.sha256)
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
    return DocumentOut.model_validate(
        store.documents.delete(_blobs(settings), doc_id, actor=who.name)
    )
