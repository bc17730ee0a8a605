"""Open an IFC file or refuse it with a sentence a user can act on.

ifcopenshell happily loads a truncated STEP file (it keeps the entities it read) and raises
assorted exceptions for others; a twin built from half a file would silently miss rooms. So the
file is checked first (exists, STEP header, schema identifier, the closing ``END-ISO-10303-21;``)
and every failure becomes :class:`~twin.errors.IfcLoadError` or
:class:`~twin.errors.UnsupportedSchema` naming the file and the reason.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import ifcopenshell

from twin.errors import IfcLoadError, UnsupportedSchema

__all__ = ["SUPPORTED_SCHEMAS", "open_ifc", "read_schema"]

log = logging.getLogger(__name__)

#: Schema identifiers ifcopenshell 0.9 reads and this project has tested.
SUPPORTED_SCHEMAS: frozenset[str] = frozenset(
    {"IFC2X3", "IFC4", "IFC4X1", "IFC4X2", "IFC4X3", "IFC4X3_ADD1", "IFC4X3_ADD2", "IFC4X3_TC1"}
)

_MAGIC = b"ISO-10303-21;"
_END = b"END-ISO-10303-21;"
_SCHEMA_RE = re.compile(rb"FILE_SCHEMA\s*\(\s*\(\s*'([^']*)'", re.I)
_HEAD_BYTES = 64 * 1024
_TAIL_BYTES = 4096


def read_schema(path: Path) -> str:
    """The schema identifier from the STEP header, upper case; raises IfcLoadError if the file
    is not a complete STEP physical file."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
            fh.seek(max(0, size - _TAIL_BYTES))
            tail = fh.read()
    except FileNotFoundError:
        raise IfcLoadError(f"{path}: file not found", file=str(path), reason="missing") from None
    except OSError as exc:
        raise IfcLoadError(f"{path}: cannot read ({exc})", file=str(path), reason="io") from None
    if size == 0:
        raise IfcLoadError(f"{path}: file is empty", file=str(path), reason="empty")
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(_MAGIC):
        raise IfcLoadError(
            f"{path}: not an IFC file (no ISO-10303-21 header)", file=str(path), reason="not-ifc"
        )
    match = _SCHEMA_RE.search(head)
    if match is None:
        raise IfcLoadError(f"{path}: no FILE_SCHEMA in header", file=str(path), reason="no-schema")
    if _END not in tail:
        raise IfcLoadError(
            f"{path}: truncated (no END-ISO-10303-21; at the end)",
            file=str(path),
            reason="truncated",
        )
    return match.group(1).decode("ascii", "replace").strip().upper()


def _refuse_schema(path: Path, schema: str) -> UnsupportedSchema:
    return UnsupportedSchema(
        f"{path}: schema {schema} is not supported (supported: "
        f"{', '.join(sorted(SUPPORTED_SCHEMAS))})",
        file=str(path),
        schema=schema,
    )


def open_ifc(
    path: str | Path, *, before_parse: Callable[[], None] | None = None
) -> ifcopenshell.file:
    """Open ``path`` fully or raise; never returns a half-read model. ``before_parse`` runs
    once the cheap checks passed, just before ifcopenshell parses (ingest starts its web-ifc
    worker there, so Node's start overlaps the parse)."""
    path = Path(path)
    if path.suffix.lower() == ".ifczip" and zipfile.is_zipfile(path):
        schema = None
    else:
        schema = read_schema(path)
        if schema not in SUPPORTED_SCHEMAS:
            raise _refuse_schema(path, schema)
    if before_parse is not None:
        before_parse()
    return _open_checked(path, schema)


def _open_checked(path: Path, schema: str | None) -> ifcopenshell.file:
    try:
        model = ifcopenshell.open(str(path))
    except ifcopenshell.SchemaError as exc:
        raise _refuse_schema(path, schema or str(exc)) from None
    except Exception as exc:  # ifcopenshell raises OSError, RuntimeError, its own Error types
        raise IfcLoadError(
            f"{path}: unreadable IFC ({exc})", file=str(path), reason="parse"
        ) from None
    if not isinstance(model, ifcopenshell.file):
        raise IfcLoadError(f"{path}: not an IFC STEP model", file=str(path), reason="not-ifc")
    if not model.by_type("IfcProject"):
        raise IfcLoadError(f"{path}: no IfcProject", file=str(path), reason="no-project")
    log.debug("opened %s (%s)", path, model.schema_identifier)
    return model
