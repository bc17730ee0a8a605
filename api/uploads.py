"""Receiving an uploaded IFC file: streamed to disk, size-capped, checked, named by its sha256.

Models and renovation designs arrive the same way; the file is kept under ``upload_dir`` so a
restart can find it again, and naming it by content makes a repeated upload a no-op.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from fastapi import UploadFile

from api.settings import Settings
from twin.errors import IfcLoadError, PayloadTooLarge

__all__ = ["save_ifc_upload"]


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
