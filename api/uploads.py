"""Receiving an uploaded IFC file: streamed to disk, size-capped, checked, named by its sha256.

Models and renovation designs arrive the same way; the file is kept under ``upload_dir`` so a
restart can find it again, and naming it by content makes a repeated upload a no-op.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import UploadFile

from api.settings import Settings
from twin.errors import IfcLoadError, PayloadTooLarge
from twin.service.jobs import IngestJob

__all__ = ["audit_upload", "save_ifc_upload", "upload_audit_hook"]


async def save_ifc_upload(file: UploadFile, settings: Settings) -> Path:
    """The stored path ``<upload_dir>/<sha256>.ifc``; a too large or non-STEP upload is refused
    and leaves nothing behind."""
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    limit = settings.max_upload_mb * 1024 * 1024
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=settings.upload_dir, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            head = b""
            while chunk := await file.read(1 << 20):
                if not head:
                    head = chunk[:64]
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(f"upload exceeds {settings.max_upload_mb} MB")
                digest.update(chunk)
                out.write(chunk)
        if not head.lstrip().startswith(b"ISO-10303-21"):
            raise IfcLoadError(
                f"{file.filename or 'upload'} is not an IFC STEP file (no ISO-10303-21 header)",
                file=file.filename,
            )
        final = settings.upload_dir / f"{digest.hexdigest()}.ifc"
        os.replace(tmp, final)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return final


def audit_upload(
    store: Any, actor: str, outcome: str, filename: str, *, kind: str = "model", **detail: Any
) -> None:
    """One ``<kind>.upload.<outcome>`` audit entry (kind ``model`` or ``design``): who, the
    client's file name, its sha256 and job id (when known). No store, no audit (the demo without
    a live store)."""
    if store is None:
        return
    sha = detail.get("sha256")
    target = f"upload:{sha}" if sha else f"upload:{filename}"
    record = {"filename": filename, "outcome": outcome, **detail}
    store.audit.record(actor, f"{kind}.upload.{outcome}", target, record)


def upload_audit_hook(
    app_state: Any, actor: str, filename: str, sha256: str, *, kind: str = "model"
) -> Callable[[IngestJob], None]:
    """The job's ``on_end``: audit how the upload ended (done with the model id, or failed with
    the problem's title and status)."""

    def on_end(job: IngestJob) -> None:
        error = job.error or {}
        audit_upload(
            getattr(app_state, "store", None), actor, job.state, filename, kind=kind,
            sha256=sha256, job=job.id, model=job.model_id, error=error.get("title"),
            status=error.get("status"),
        )  # fmt: skip

    return on_end
