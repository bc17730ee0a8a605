"""Documents and photos on disk, named by their sha256, with their type read from the content.

Content addressing makes a file uploaded twice (the same manual for forty pumps) one file on
disk; the ``documents`` rows that point at it are the references, and the file goes when the
last of them does. The type is decided by the bytes, never by the name or the client's
``Content-Type``: a file that says it is a PNG but does not start like one is refused, and what
is served back carries the type its bytes show.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from twin.errors import InvalidInput

__all__ = [
    "ALLOWED_TYPES",
    "BlobStore",
    "UnsupportedType",
    "check_type",
    "claimed_type",
    "sniff",
]


class UnsupportedType(InvalidInput):
    """The bytes are not a type the register keeps, or not the type the upload claims."""

    status = 415
    title = "Unsupported media type"


#: Magic numbers of the kept binary types (offset 0 unless noted in :func:`sniff`).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)
_EXTENSIONS: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
}
#: What the register keeps: photos (checked by content), PDF manuals and certificates, plain text.
ALLOWED_TYPES: frozenset[str] = frozenset(_EXTENSIONS.values())


def sniff(head: bytes) -> str | None:
    """The type the first bytes show, or None; text is UTF-8 without NUL bytes."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:  # a multi-byte character cut at the end of the head is fine
        if e.start < len(head) - 3:
            return None
    return "text/plain"


def claimed_type(filename: str, declared: str | None) -> str | None:
    """What the upload says it is: its name's extension, else its declared content type."""
    ext = os.path.splitext(filename)[1].lower()
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    if declared and declared.split(";")[0].strip() in ALLOWED_TYPES:
        return declared.split(";")[0].strip()
    return None


def check_type(head: bytes, filename: str, declared: str | None) -> str:
    """The content type to keep; refuses unknown content and a name or declared type that the
    content contradicts (an image name on text, a PDF name on a PNG)."""
    found = sniff(head)
    if found is None:
        raise UnsupportedType(
            f"{filename!r}: content is none of {', '.join(sorted(ALLOWED_TYPES))}", file=filename
        )
    claimed = claimed_type(filename, declared)
    if claimed is not None and claimed != found:
        raise UnsupportedType(
            f"{filename!r} is named or declared {claimed} but its content is {found}",
            file=filename,
            claimed=claimed,
            content=found,
        )
    return found


class BlobStore:
    """Files under ``root/<sha[:2]>/<sha>``; writes are atomic (temp file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise InvalidInput("not a sha256 digest", sha256=sha256)
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` (a no-op when the same bytes are already kept); returns its sha256."""
        sha = hashlib.sha256(data).hexdigest()
        final = self.path(sha)
        if final.exists():
            return sha
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=final.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, final)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return sha

    def remove(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)
