"""Documents and photos uploaded over HTTP and attached to a record (asset, ticket, hazard).

One edge for every owner kind: the form fields, the documented 413/415 answers, the capped read
and the call into :func:`twin.service.assets.attach_document`. Routers of the owners declare their
own route (path, owner check) and hand the upload here.
"""

from __future__ import annotations

from fastapi import File, Form, UploadFile

from api.deps import CampusDep, StoreDep
from api.schemas.assets import DocumentOut
from api.settings import Settings
from twin.errors import PayloadTooLarge
from twin.live.blobs import BlobStore
from twin.service.assets import attach_document, owner_exists

__all__ = [
    "CAPTION",
    "DOCUMENT_FILE",
    "UPLOAD_RESPONSES",
    "attach_upload",
    "blob_store",
    "read_capped",
]

UPLOAD_RESPONSES: dict[int | str, dict[str, object]] = {
    413: {"description": "File larger than TWIN_DOCUMENTS_MAX_MB"},
    415: {"description": "Content is not an accepted type, or not the type its name claims"},
}
DOCUMENT_FILE = File(description="a photo (PNG, JPEG, GIF, WebP), a PDF or a plain-text file")
CAPTION = Form(max_length=200, description="caption")


def blob_store(settings: Settings) -> BlobStore:
    return BlobStore(settings.documents_dir)


async def read_capped(file: UploadFile, settings: Settings) -> bytes:
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


async def attach_upload(
    owner_kind: str,
    owner_id: str,
    file: UploadFile,
    title: str,
    campus: CampusDep,
    store: StoreDep,
    settings: Settings,
    actor: str,
) -> DocumentOut:
    """Check the owner exists, read the upload within its cap and attach it."""
    owner_exists(campus, store, owner_kind, owner_id)
    data = await read_capped(file, settings)
    doc = attach_document(
        campus, store, blob_store(settings), owner_kind=owner_kind, owner_id=owner_id,
        filename=file.filename or "upload", declared_type=file.content_type, data=data,
        actor=actor, title=title,
    )  # fmt: skip
    return DocumentOut.model_validate(doc)
