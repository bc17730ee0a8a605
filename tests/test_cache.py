"""The twin cache: a second load skips parsing, a change or a corrupt entry rebuilds."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import twin.ifc.build
from twin.service.cache import cache_path, load_twin

_MODEL = "bim2sim_B01_2_HeatExchanger_Pipes.ifc"


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Records each real build (the builder still runs: this counts, it does not mock)."""
    calls: list[Path] = []
    real = twin.ifc.build.build_twin

    def counting(path: Path, **options: Any):  # type: ignore[no-untyped-def]
        calls.append(path)
        return real(path, **options)

    monkeypatch.setattr(twin.ifc.build, "build_twin", counting)
    return calls


def test_second_load_does_not_parse(tmp_path: Path, shared_ifc: Path, builds: list[Path]) -> None:
    first = load_twin(shared_ifc / _MODEL, cache_dir=tmp_path)
    second = load_twin(shared_ifc / _MODEL, cache_dir=tmp_path)
    assert len(builds) == 1
    assert second.source.sha256 == first.source.sha256
    assert set(second.elements) == set(first.elements)


def test_changed_file_invalidates(tmp_path: Path, shared_ifc: Path, builds: list[Path]) -> None:
    path = tmp_path / "model.ifc"
    shutil.copy(shared_ifc / _MODEL, path)
    load_twin(path, cache_dir=tmp_path / "c")
    with path.open("ab") as fh:
        fh.write(b"\n")  # same model, different bytes
    load_twin(path, cache_dir=tmp_path / "c")
    assert len(builds) == 2


def test_corrupt_entry_is_rebuilt(tmp_path: Path, shared_ifc: Path, builds: list[Path]) -> None:
    load_twin(shared_ifc / _MODEL, cache_dir=tmp_path)
    entry = cache_path(shared_ifc / _MODEL, tmp_path)
    entry.write_bytes(entry.read_bytes()[:100])
    again = load_twin(shared_ifc / _MODEL, cache_dir=tmp_path)
    assert len(builds) == 2
    assert len(again.ports) == 16
    assert load_twin(shared_ifc / _MODEL, cache_dir=tmp_path).source.sha256 == again.source.sha256
    assert len(builds) == 2  # the rebuilt entry is good again


def test_use_cache_false_always_builds(
    tmp_path: Path, shared_ifc: Path, builds: list[Path]
) -> None:
    load_twin(shared_ifc / _MODEL, cache_dir=tmp_path, use_cache=False)
    load_twin(shared_ifc / _MODEL, cache_dir=tmp_path, use_cache=False)
    assert len(builds) == 2
    assert not list(tmp_path.glob("*.pkl"))
