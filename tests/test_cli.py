"""The ``twin`` command-line contract that scripts and monitoring rely on."""

from __future__ import annotations

import json
import os
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


def test_ingest_json_counts_use_plural_kind_names_only(
    shared_ifc: Path, twin_cache_dir: Path
) -> None:
    """Issue 19 section 6: raw IFC class names (AC20's IfcMember) go under ``other_classes``."""
    import ifcopenshell

    name = "AC20-FZK-Haus.ifc"
    done = _run("ingest", str(shared_ifc / name), "--json", cache=twin_cache_dir)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert set(doc["counts"]) == {plural(k) for k in CORE_KINDS}
    members = len(ifcopenshell.open(str(shared_ifc / name)).by_type("IfcMember"))
    assert members > 0
    assert doc["other_classes"] == {"IfcMember": members}
    assert doc["quality"]["other_classes"] == doc["other_classes"]


# -- serving beyond loopback without keys (issue 11) ----------------------------------------------

REFUSED_HOSTS = ["0.0.0.0", "::", "192.168.1.20", "10.20.30.40"]


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_serve_beyond_loopback_without_auth_is_refused(
    host: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from twin.cli import main

    monkeypatch.delenv("TWIN_AUTH", raising=False)
    model = tmp_path / "never-read.ifc"
    model.write_bytes(b"not an IFC file: reading it would fail with another message")
    assert main(["serve", str(model), "--host", host, "--port", "8"]) == 2
    err = capsys.readouterr().err
    assert "refusing" in err and host in err
    assert "TWIN_AUTH=true" in err and "--insecure" in err
    assert model.name not in err  # refused before the model was opened


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_demo_beyond_loopback_is_refused_before_generating_the_model(
    host: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from twin.cli import main

    monkeypatch.delenv("TWIN_AUTH", raising=False)
    model = tmp_path / "hospital.ifc"
    assert main(["demo", "--model", str(model), "--host", host, "--port", "8"]) == 2
    assert "refusing" in capsys.readouterr().err
    assert not model.exists()


@pytest.mark.parametrize(
    ("host", "auth", "flags"),
    [
        ("127.0.0.1", None, []),
        ("localhost", None, []),
        ("::1", None, []),
        ("0.0.0.0", "true", []),
        ("0.0.0.0", None, ["--insecure"]),
        ("192.168.1.20", "false", ["--insecure"]),
    ],
)
def test_serve_passes_the_gate_on_loopback_with_auth_or_insecure(
    host: str,
    auth: str | None,
    flags: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Past the gate, the next check (the model file) answers: nothing was bound or loaded."""
    from twin.cli import main

    if auth is None:
        monkeypatch.delenv("TWIN_AUTH", raising=False)
    else:
        monkeypatch.setenv("TWIN_AUTH", auth)
    missing = tmp_path / "missing.ifc"
    assert main(["serve", str(missing), "--host", host, "--port", "8", *flags]) == 2
    err = capsys.readouterr().err
    assert "refusing" not in err and "no such file" in err


def test_serve_refusal_from_the_command_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TWIN_AUTH"}
    done = subprocess.run(
        [*TWIN, "serve", str(tmp_path / "x.ifc"), "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 2
    assert "refusing to listen on '0.0.0.0'" in done.stderr and "Traceback" not in done.stderr
