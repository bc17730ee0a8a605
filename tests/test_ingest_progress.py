"""Progress of long work: the ingest's phases through the CLI (stderr), upload jobs
(``JobRunner.get`` as ``/jobs/{id}`` answers it) and ``twin generate``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from models_ifc.hospital import SMALL, write_hospital
from twin.ifc.build import build_twin
from twin.ifc.progress import PHASES
from twin.model import Twin
from twin.service.jobs import JobRunner

REPO = Path(__file__).resolve().parent.parent
ORDER = list(PHASES)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "twin.cli", "--log-level", "WARNING", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )


def test_build_reports_every_phase_in_order_with_rising_fractions(small_hospital: Path) -> None:
    heard: list[tuple[str, float]] = []
    build_twin(small_hospital, progress=lambda phase, done: heard.append((phase, done)))
    phases = list(dict.fromkeys(p for p, _ in heard))
    assert phases == ORDER
    fractions = [d for _, d in heard]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert sum(p == "geometry" for p, _ in heard) >= 2  # the engine's own counter, not one step


def test_cli_progress_on_stderr_off_when_quiet_or_json(shared_ifc: Path, tmp_path: Path) -> None:
    model = shared_ifc / "IfcOpenHouse_IFC4.ifc"  # small: four CLI runs
    base = ("ingest", str(model), "--no-cache", "--cache-dir", str(tmp_path))
    tag = f"ingest {model.name}"
    shown = _cli(*base)
    lines = [ln for ln in shown.stderr.splitlines() if ln.startswith(tag)]
    assert [ln.split(": ")[1].split()[0] for ln in lines] == ORDER
    assert lines[-1].endswith("100%")
    assert tag not in _cli(*base, "--quiet").stderr
    quiet_json = _cli(*base, "--json")
    assert tag not in quiet_json.stderr
    assert json.loads(quiet_json.stdout)["counts"]["storeys"] > 0
    loud_json = _cli(*base, "--json", "--progress")
    assert f"{tag}: geometry" in loud_json.stderr
    assert json.loads(loud_json.stdout)["counts"]["storeys"] > 0  # stdout stays one JSON object


def test_upload_job_reports_ingest_phases(small_hospital: Path, tmp_path: Path) -> None:
    served: list[Twin] = []

    def on_done(twin: Twin) -> str:
        served.append(twin)
        return "m1"

    runner = JobRunner(tmp_path, on_done=on_done)
    try:
        job = runner.submit(small_hospital, "hospital_small.ifc")
        seen: list[tuple[str, float]] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            rec = runner.get(job.id).as_dict()
            seen.append((str(rec["phase"]), float(rec["progress"])))  # type: ignore[arg-type]
            if rec["state"] in ("done", "failed"):
                break
            time.sleep(0.01)
    finally:
        runner.shutdown()
    assert seen[-1] == ("done", 1.0) and served
    inner = {p for p, _ in seen} & set(ORDER[:-1])
    assert {"geometry", "assembly"} & inner, seen  # heard from the child while parsing
    progress = [d for _, d in seen]
    assert progress == sorted(progress)
    assert not list(tmp_path.glob(".job-*.progress"))  # cleaned up


def test_generate_reports_its_phases(tmp_path: Path) -> None:
    heard: list[tuple[str, float]] = []
    write_hospital(SMALL, tmp_path / "h.ifc", lambda phase, done: heard.append((phase, done)))
    phases = list(dict.fromkeys(p for p, _ in heard))
    assert phases[0] == "storeys" and phases[-1] == "done"
    assert {"systems", "writing IFC"} <= set(phases)
    assert [d for _, d in heard] == sorted(d for _, d in heard)
