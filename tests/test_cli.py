"""The ``twin`` command-line contract that scripts and monitoring rely on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from twin.kinds import CORE_KINDS, plural

TWIN = [sys.executable, "-m", "twin.cli"]


def _run(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TWIN, *args, "--cache-dir", str(cache)],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_ingest_json_contract(
    shared_ifc: Path, manifest: dict[str, dict[str, object]], twin_cache_dir: Path
) -> None:
    name = "AC20-FZK-Haus.ifc"
    done = _run("ingest", str(shared_ifc / name), "--json", cache=twin_cache_dir)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert {"schema", "buildings", "counts", "quality", "seconds"} <= set(doc)
    assert doc["schema"] == manifest[name]["schema"]
    for kind in CORE_KINDS:  # zero counts included: scripts index these keys blindly
        assert plural(kind) in doc["counts"]
    for key in ("storeys", "spaces", "doors", "walls"):
        assert doc["counts"][key] == manifest[name][key]
    assert doc["quality"]["georeferencing"] in ("map_conversion", "site_latlon", "none")


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty"), (b"hello", "not IFC"), (None, "unsupported schema"), (b"?", "missing")],
)
def test_ingest_bad_files_exit_2_with_a_reason(
    tmp_path: Path, shared_ifc: Path, content: bytes | None, reason: str
) -> None:
    if content is None:
        path = shared_ifc / "KIT-Simple-Road_IFC4X3_RC2.ifc"
    elif reason == "missing":
        path = tmp_path / "nowhere.ifc"
    else:
        path = tmp_path / "bad.ifc"
        path.write_bytes(content)
    done = _run("ingest", str(path), "--json", cache=tmp_path / "cache")
    assert done.returncode == 2, (reason, done.stdout, done.stderr)
    assert path.name in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
