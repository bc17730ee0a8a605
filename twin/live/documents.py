"""Documents and photos attached to an owner (an asset, a ticket, a hazard, a check-in, ...).

One mechanism for every owner: ``owner_kind`` names the resource and ``owner_id`` its id as
text (a GlobalId, a ticket number). The bytes live in a :class:`twin.live.blobs.BlobStore`;
a row here is one attachment. Deleting is an admin's act (the API's role table) and removes the
file once no attachment refers to its sha256 any more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, delete, func, select

from twin.errors import InvalidInput, NotFound
from twin.live import audit
from twin.live.blobs import BlobStore
from twin.live.db import now_us
from twin.live.records import from_us
from twin.live.tables_assets import documents
from twin.live.txn import Db, transaction

__all__ = ["OWNER_KINDS", "Document", "DocumentRepository"]

#: Resources documents attach to; other areas add theirs here.
OWNER_KINDS: frozenset[str] = frozenset({"asset", "ticket", "hazard", "checkin", "inspection"})


@dataclass(frozen=True, slots=True)
class Document:
    id: int
    owner_kind: str
    owner_id: str
    sha256: str
    filename: str
    content_type: str
    size: int
    title: str
    created: datetime | None
    created_by: str


def _row(r: Row[object]) -> Document:
    m = r._mapping
    return Document(
        id=m["id"], owner_kind=m["owner_kind"], owner_id=m["owner_id"], sha256=m["sha256"],
        filename=m["filename"], content_type=m["content_type"], size=m["size"], title=m["title"],
        created=from_us(m["created"]), created_by=m["created_by"],
    )  # fmt: skip


def _owner_kind(kind: str) -> str:
    if kind not in OWNER_KINDS:
        raise InvalidInput(f"owner kind must be one of {', '.join(sorted(OWNER_KINDS))}")
    return kind


class DocumentRepository:
    """Attachment rows (table ``documents``) over the files of a :class:`BlobStore`."""

    def __init__(self, db: Db) -> None:
        self._db = db

    def attach(
        self,
        blobs: BlobStore,
        *,
        owner_kind: str,
        owner_id: str,
        filename: str,
        content_type: str,
        data: bytes,
        actor: str,
        title: str = "",
    ) -> Document:
        """Keep ``data`` (content-addressed) and record it as attached to the owner; the type
        must have been checked (:func:`twin.live.blobs.check_type`)."""
        _owner_kind(owner_kind)
        sha = blobs.put(data)
        with transaction(self._db) as conn:
            res = conn.execute(
                documents.insert().values(
                    owner_kind=owner_kind, owner_id=owner_id, sha256=sha, filename=filename[:255],
                    content_type=content_type, size=len(data), title=title[:200],
                    created=now_us(), created_by=actor,
                )
            )  # fmt: skip
            doc_id = int(res.inserted_primary_key[0])  # type: ignore[index]
            audit.record(
                conn, actor, "document.attach", f"{owner_kind}:{owner_id}",
                {"document": doc_id, "sha256": sha, "filename": filename, "size": len(data)},
            )  # fmt: skip
            return DocumentRepository(conn).get(doc_id)

    def get(self, doc_id: int) -> Document:
        with transaction(self._db) as conn:
            r = conn.execute(select(documents).where(documents.c.id == doc_id)).first()
        if r is None:
            raise NotFound(f"no document {doc_id}", document=doc_id)
        return _row(r)

    def of(self, owner_kind: str, owner_id: str) -> list[Document]:
        """An owner's attachments, oldest first."""
        q = select(documents).where(
            (documents.c.owner_kind == _owner_kind(owner_kind)) & (documents.c.owner_id == owner_id)
        )
        with transaction(self._db) as conn:
            return [_row(r) for r in conn.execute(q.order_by(documents.c.id))]

    def delete(self, blobs: BlobStore, doc_id: int, *, actor: str) -> Document:
        """Remove one attachment, and its file when nothing else refers to it."""
        with transaction(self._db) as conn:
            doc = DocumentRepository(conn).get(doc_id)
            conn.execute(delete(documents).where(documents.c.id == doc_id))
            left = conn.execute(
                select(func.count()).select_from(documents).where(documents.c.sha256 == doc.sha256)
            ).scalar_one()
            audit.record(
                conn, actor, "document.delete", f"{doc.owner_kind}:{doc.owner_id}",
                {"document": doc_id, "sha256": doc.sha256},
            )  # fmt: skip
        if left == 0:
            blobs.remove(doc.sha256)
        return doc

    def delete_owned(self, blobs: BlobStore, owner_kind: str, owner_id: str, *, actor: str) -> int:
        """Remove every attachment of an owner (when the owner itself is deleted)."""
        found = self.of(owner_kind, owner_id)
        for doc in found:
            self.delete(blobs, doc.id, actor=actor)
        return len(found)
