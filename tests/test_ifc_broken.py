"""Inputs that cannot become a twin fail with IfcLoadError naming the file and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.errors import IfcLoadError
from twin.ifc.build import build_twin


def test_not_ifc(tmp_path: Path) -> None:
    path = tmp_path / "notes.ifc"
    path.write_text("hello, this is not a model\n")
    with pytest.raises(IfcLoadError, match="not an IFC file") as err:
        build_twin(path)
    assert str(path) in str(err.value)


def test_truncated(tmp_path: Path, shared_ifc: Path) -> None:
    data = (shared_ifc / "1269--Project_IfcDuctFitting.ifc").read_bytes()
    path = tmp_path / "cut.ifc"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IfcLoadError, match="truncated") as err:
        build_twin(path)
    assert "cut.ifc" in str(err.value)


def test_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.ifc"
    path.write_bytes(b"")
    with pytest.raises(IfcLoadError, match="empty"):
        build_twin(path)


def test_missing(tmp_path: Path) -> None:
    path = tmp_path / "absent.ifc"
    with pytest.raises(IfcLoadError, match="not found") as err:
        build_twin(path)
    assert err.value.status == 422
    assert "absent.ifc" in str(err.value)


def test_unsupported_schema_is_ifc_load_error(shared_ifc: Path) -> None:
    from twin.errors import UnsupportedSchema

    with pytest.raises(UnsupportedSchema, match="IFC4X3_RC2"):
        build_twin(shared_ifc / "KIT-Simple-Road_IFC4X3_RC2.ifc")
