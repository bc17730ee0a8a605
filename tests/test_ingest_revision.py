"""Issue 20: the geometry engine as a choice (CLI, API upload, cache key) and revision reuse.

A revision copy of the small hospital (2 % of its elements moved 0.5 m or renamed, every STEP id
renumbered, written with ifcopenshell by tests/ifc_fixtures/revision_made.py) is ingested with
the mesh store of the original's ingest: the twin must equal a cold ingest of the revision file,
and only the moved elements may be meshed again.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import ifcopenshell
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.ifc_fixtures.revision_made import Revision, write_revision
from twin.ifc.build import build_twin
from twin.ifc.geometry import GeometryStats
from twin.ifc.webifc_engine import resolve_engine
from twin.model import Twin
from twin.service.cache import load_twin, wait_for_stores
from twin.service.jobs import JobRunner

REPO = Path(__file__).resolve().parent.parent
TINY = "1269--Project_IfcDuctFitting.ifc"


@pytest.fixture(scope="module")
def revision(small_hospital: Path, tmp_path_factory: pytest.TempPathFactory) -> Revision:
    return write_revision(small_hospital, tmp_path_factory.mktemp("rev") / "hospital_rev.ifc")


def _boxes_close(a: Twin, b: Twin, tol: float = 0.01) -> list[str]:
    off = []
    for guid, el in a.elements.items():
        other = b.elements[guid].bbox
        if (el.bbox is None) != (other is None) or (
            el.bbox is not None
            and other is not None
            and max(abs(x - y) for x, y in zip(el.bbox, other, strict=True)) > tol
        ):
            off.append(guid)
    return off


def test_revision_meshes_only_changed_products_and_equals_a_cold_ingest(
    small_hospital: Path, revision: Revision, tmp_path: Path
) -> None:
    # the copy really is renumbered and changed (checked with ifcopenshell, not the twin)
    before, after = ifcopenshell.open(str(small_hospital)), ifcopenshell.open(str(revision.path))
    guid = revision.moved[0]
    assert before.by_guid(guid).id() != after.by_guid(guid).id()
    assert len(revision.moved) + len(revision.renamed) >= 0.015 * len(before.by_type("IfcElement"))

    cold_stats = GeometryStats()
    original = build_twin(small_hospital, reuse_dir=tmp_path, stats=cold_stats)
    assert cold_stats.reused == 0
    assert list(tmp_path.glob("meshes-*.pkl")), "the cold ingest keeps its meshes"

    stats = GeometryStats()
    reused = build_twin(revision.path, reuse_dir=tmp_path, stats=stats)
    truth = build_twin(revision.path)  # a cold ingest of the revision, no store

    # only the moved elements were meshed; everything else came from the store
    assert sum(stats.by_engine.values()) == len(revision.moved)
    assert stats.reused + len(revision.moved) == cold_stats.products
    # the same twin as a cold ingest of the revision
    assert reused.quality.counts == truth.quality.counts
    assert reused.elements.keys() == truth.elements.keys()
    assert reused.spaces.keys() == truth.spaces.keys()
    assert reused.meshes.keys() == truth.meshes.keys()
    assert not _boxes_close(reused, truth)
    assert {g: e.name for g, e in reused.elements.items()} == {
        g: e.name for g, e in truth.elements.items()
    }
    assert {g: (s.storey, s.name) for g, s in reused.spaces.items()} == {
        g: (s.storey, s.name) for g, s in truth.spaces.items()
    }
    # the edits are there: moved 0.5 m along X, renamed
    for g in revision.moved:
        a, b = original.elements[g].bbox, reused.elements[g].bbox
        assert a is not None and b is not None
        assert abs((b[0] - a[0]) - 0.5) < 0.01 and abs(b[1] - a[1]) < 0.01
    for g in revision.renamed:
        assert reused.elements[g].name.endswith("(rev. B)")
    assert len(_boxes_close(original, reused)) == len(revision.moved)


def test_a_store_of_another_project_or_too_many_changes_is_not_used(
    shared_ifc: Path, tmp_path: Path
) -> None:
    model = shared_ifc / TINY
    build_twin(model, reuse_dir=tmp_path)
    stats = GeometryStats()
    build_twin(shared_ifc / "IfcOpenHouse_IFC4.ifc", reuse_dir=tmp_path, stats=stats)
    assert stats.reused == 0 and stats.products > 0
    assert len(list(tmp_path.glob("meshes-*.pkl"))) == 2  # one per project
    again = GeometryStats()
    build_twin(model, reuse_dir=tmp_path, stats=again)  # the same file: all from the store
    assert again.reused > 0 and sum(again.by_engine.values()) == 0


def test_cache_entries_are_kept_per_engine(shared_ifc: Path, tmp_path: Path) -> None:
    model = shared_ifc / TINY
    a = load_twin(model, cache_dir=tmp_path, engine="ifcopenshell")
    entries = sorted(p.name for p in tmp_path.glob("*.twin.pkl"))
    assert len(entries) == 1 and entries[0].endswith("-ifcopenshell.twin.pkl")
    b = load_twin(model, cache_dir=tmp_path, engine="web-ifc")
    entries = sorted(p.name for p in tmp_path.glob("*.twin.pkl"))
    assert len(entries) == 2 and any(e.endswith("-web-ifc.twin.pkl") for e in entries)
    assert a.elements.keys() == b.elements.keys()
    load_twin(model, cache_dir=tmp_path, engine=resolve_engine("auto"))  # a hit: no new entry
    assert len(list(tmp_path.glob("*.twin.pkl"))) == 2
    with pytest.raises(ValueError, match="unknown geometry engine"):
        load_twin(model, cache_dir=tmp_path, engine="blender")


def test_cli_engine_option(shared_ifc: Path, tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "twin.cli", "--log-level", "WARNING", "ingest",
         str(shared_ifc / TINY), "--json", "--engine", "ifcopenshell", "--cache-dir",
         str(tmp_path)],
        capture_output=True, text=True, cwd=REPO, check=True,
    )  # fmt: skip
    assert json.loads(run.stdout)["counts"]
    assert [p.name.endswith("-ifcopenshell.twin.pkl") for p in tmp_path.glob("*.twin.pkl")] == [
        True
    ]
    bad = subprocess.run(
        [sys.executable, "-m", "twin.cli", "ingest", str(shared_ifc / TINY), "--engine", "x"],
        capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    assert bad.returncode == 2 and "--engine" in bad.stderr


def test_upload_job_uses_the_engine_asked_for(shared_ifc: Path, tmp_path: Path) -> None:
    runner = JobRunner(tmp_path, on_done=lambda twin: "m1")
    try:
        job = runner.submit(shared_ifc / TINY, TINY, engine="ifcopenshell")
        deadline = time.monotonic() + 120
        while runner.get(job.id).state not in ("done", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert runner.get(job.id).state == "done"
    finally:
        runner.shutdown()
    assert [p.name.split("-")[-1] for p in tmp_path.glob("*.twin.pkl")] == ["ifcopenshell.twin.pkl"]


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        cache_dir=tmp_path / "cache",
        upload_dir=tmp_path / "uploads",
        store_url=f"sqlite:///{tmp_path}/store.db",
    )
    with TestClient(create_app(settings)) as c:
        yield c


def test_upload_refuses_an_unknown_engine(client: TestClient, shared_ifc: Path) -> None:
    body = (shared_ifc / TINY).read_bytes()
    r = client.post("/models?engine=blender", files={"file": (TINY, body, "text/plain")})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "engine" in r.text
    spec = client.get("/openapi.json").json()
    params = spec["paths"]["/models"]["post"]["parameters"]
    engine = next(p for p in params if p["name"] == "engine")
    assert "ifcopenshell" in json.dumps(engine["schema"])


def test_reuse_survives_another_writer(shared_ifc: Path, tmp_path: Path) -> None:
    """A Revit export re-written by ifcopenshell (reals spelt differently, ids renumbered): the
    unchanged products still find their stored meshes (none did before reals were spelt one
    way in the hash)."""
    model = shared_ifc / "Duplex_Electrical_20121207.ifc"
    rev = write_revision(model, tmp_path / "rev" / model.name, share=0.05)
    assert rev.moved
    cold = GeometryStats()
    build_twin(model, reuse_dir=tmp_path, stats=cold)
    stats = GeometryStats()
    reused = build_twin(rev.path, reuse_dir=tmp_path, stats=stats)
    assert sum(stats.by_engine.values()) == len(rev.moved)
    assert stats.reused == cold.products - len(rev.moved)
    truth = build_twin(rev.path)
    assert reused.elements.keys() == truth.elements.keys()
    assert not _boxes_close(reused, truth)


def test_a_cold_build_returns_its_twin_before_the_store_and_the_next_revision_reuses(
    small_hospital: Path, revision: Revision, tmp_path: Path
) -> None:
    """The store's keys and write are off a cold ingest's path (deferred): no key computed and
    no store on disk when the twin is returned; run afterwards, the store serves the revision
    exactly as one written inline."""
    deferred: list[Callable[[], None]] = []
    cold = GeometryStats()
    twin = build_twin(small_hospital, reuse_dir=tmp_path, stats=cold, deferred=deferred)
    assert twin.elements and cold.products > 0
    assert cold.keyed == 0, "a cold build computed geometry keys before returning its twin"
    assert not list(tmp_path.glob("meshes-*")), "the store was written before the twin returned"
    assert len(deferred) == 1
    deferred[0]()
    assert len(list(tmp_path.glob("meshes-*.pkl"))) == 1
    assert not list(tmp_path.glob("*.tmp"))

    later: list[Callable[[], None]] = []
    stats = GeometryStats()
    build_twin(revision.path, reuse_dir=tmp_path, stats=stats, deferred=later)
    # a revision keys its products first (that is how it knows what to reuse)
    assert stats.keyed == cold.products
    assert sum(stats.by_engine.values()) == len(revision.moved)
    assert stats.reused + len(revision.moved) == cold.products
    store = next(tmp_path.glob("meshes-*.pkl"))
    before = store.stat().st_mtime_ns
    assert len(later) == 1  # the revision's own store (its meshes) is written afterwards too
    later[0]()
    assert store.stat().st_mtime_ns != before


def test_load_twin_writes_the_store_in_the_background_or_not_at_all(
    shared_ifc: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = shared_ifc / TINY
    skipped = tmp_path / "skip"
    load_twin(model, cache_dir=skipped, engine="ifcopenshell", store="skip")
    assert wait_for_stores(timeout=60)
    assert list(skipped.glob("*.twin.pkl")) and not list(skipped.glob("meshes-*"))

    kept = tmp_path / "kept"
    load_twin(model, cache_dir=kept, engine="ifcopenshell")  # store="background"
    assert list(kept.glob("*.twin.pkl"))
    assert wait_for_stores(timeout=60)
    assert len(list(kept.glob("meshes-*.pkl"))) == 1 and not list(kept.glob("*.tmp"))
    # the next build of the project (the twin entry gone, as for a new revision file) reuses it
    for entry in kept.glob("*.twin.pkl"):
        entry.unlink()
    with caplog.at_level(logging.INFO, logger="twin.ifc.build"):
        load_twin(model, cache_dir=kept, engine="ifcopenshell", store="wait")
    assert any("keep their stored mesh, 0 meshed" in r.getMessage() for r in caplog.records)
    with pytest.raises(ValueError, match="store mode"):
        load_twin(model, cache_dir=kept, store="later")


def test_cli_ingest_writes_the_store_before_exit_unless_told_not_to(
    shared_ifc: Path, tmp_path: Path
) -> None:
    for flags, stores in (([], 1), (["--no-store"], 0)):
        cache = tmp_path / str(stores)
        run = subprocess.run(
            [sys.executable, "-m", "twin.cli", "--log-level", "WARNING", "ingest",
             str(shared_ifc / TINY), "--json", "--engine", "ifcopenshell", "--cache-dir",
             str(cache), *flags],
            capture_output=True, text=True, cwd=REPO, check=True,
        )  # fmt: skip
        assert json.loads(run.stdout)["counts"]
        assert len(list(cache.glob("meshes-*.pkl"))) == stores
        assert not list(cache.glob("*.tmp"))
