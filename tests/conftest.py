"""Session fixtures shared by every test module.

Real models come from ``../shared/ifc`` (never copied here); the demo hospital is generated once
per session. Services (PostgreSQL, MQTT, chromium) are probed; when absent a test skips with the
reason, unless ``TWIN_REQUIRE_SERVICES=1`` (set by ``.ci/run``), where absence is a failure.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy import Engine

    from twin.live.store import LiveStore

REPO = Path(__file__).resolve().parent.parent
SHARED_IFC = Path(os.environ.get("TWIN_SHARED_IFC", REPO.parent / "shared" / "ifc"))
ARTIFACTS = REPO / "test-artifacts"
# Apps under test build indexes when a test asks, not in background threads racing the test for
# the two CI cores; tests/test_warmup.py turns the warm-up on where it is the subject.
os.environ.setdefault("TWIN_WARM_UP", "0")


def services_required() -> bool:
    return os.environ.get("TWIN_REQUIRE_SERVICES", "") == "1"


def require(available: bool, reason: str) -> None:
    """Skip when a service is absent, or fail when CI says services are required."""
    if available:
        return
    if services_required():
        pytest.fail(f"required service absent: {reason}")
    pytest.skip(reason)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def shared_ifc() -> Path:
    require(SHARED_IFC.is_dir(), f"shared IFC models not found at {SHARED_IFC}")
    return SHARED_IFC


@pytest.fixture(scope="session")
def manifest(shared_ifc: Path) -> dict[str, dict[str, object]]:
    return json.loads((shared_ifc / "MANIFEST.json").read_text())


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# -- the generated demo hospital and parsed twins, built once per session ----------------------
def run_dir(
    tmp_path_factory: pytest.TempPathFactory, name: str, fill: Callable[[Path], Any]
) -> Path:
    """A directory ``fill(dir)`` wrote once for the whole run: a fresh session directory, or,
    under pytest-xdist (scripts/run-tests.sh runs two workers), one beside the workers' own temp
    directories, filled by the first worker that asks while the others wait on a file lock.
    Only for read-only inputs (generated models): no test writes into them."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        out = tmp_path_factory.mktemp(name)
        fill(out)
        return out
    out = tmp_path_factory.getbasetemp().parent / name
    out.mkdir(exist_ok=True)
    with (out.parent / f"{name}.lock").open("ab") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = out.parent / f"{name}.done"
        if not done.exists():
            fill(out)
            done.touch()
    return out


@pytest.fixture(scope="session")
def twin_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One parsed-twin cache per session (per run under xdist), so every test module shares
    parsed models; the cache builds each model once under its own file lock
    (twin/service/cache.py)."""
    return run_dir(tmp_path_factory, "twin-cache", lambda _: None)


@pytest.fixture(scope="session")
def small_hospital(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo hospital IFC (with ``<stem>.truth.json`` beside it)."""
    from models_ifc.hospital import SMALL, write_hospital

    name = "hospital_small.ifc"
    return run_dir(tmp_path_factory, "hospital", lambda d: write_hospital(SMALL, d / name)) / name


@pytest.fixture(scope="session")
def demo_campus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo campus directory (tower.ifc, outpatient.ifc, energy.ifc, footpaths.geojson,
    campus.json and a truth file per model), written once per session (models_ifc/campus.py)."""
    from models_ifc.campus import write_campus

    return run_dir(tmp_path_factory, "campus", write_campus)


@pytest.fixture(scope="session")
def small_hospital_truth(small_hospital: Path) -> dict[str, object]:
    """The generator's known answers for the small hospital (see models_ifc/hospital.py)."""
    return json.loads(small_hospital.with_suffix(".truth.json").read_text())


@pytest.fixture(scope="session")
def small_twin(small_hospital: Path, twin_cache_dir: Path):  # type: ignore[no-untyped-def]
    from twin.service.cache import load_twin

    return load_twin(small_hospital, cache_dir=twin_cache_dir)


@pytest.fixture(scope="session")
def shared_twin(shared_ifc: Path, twin_cache_dir: Path):  # type: ignore[no-untyped-def]
    """``shared_twin("AC20-FZK-Haus.ifc")``: a shared real model parsed once per session."""
    from twin.service.cache import load_twin

    loaded: dict[str, object] = {}

    def get(name: str):  # type: ignore[no-untyped-def]
        if name not in loaded:
            loaded[name] = load_twin(shared_ifc / name, cache_dir=twin_cache_dir)
        return loaded[name]

    return get


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def opened_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveStore, str, Path]]:
    """A live store per backend (SQLite file, PostgreSQL schema) for the operations tests; a
    module that needs a different store defines its own ``store`` fixture."""
    from tests.ops_support import open_test_store

    tmp = tmp_path_factory.mktemp("ops")
    for st, url in open_test_store(request.param, tmp):
        yield st, url, tmp


@pytest.fixture
def store(opened_store: tuple[LiveStore, str, Path]) -> LiveStore:
    """The opened store, emptied for this test."""
    from tests.ops_support import wipe

    wipe(opened_store[0])
    return opened_store[0]


@pytest.fixture
def engine(store: LiveStore) -> Engine:
    return store.engine


@pytest.fixture(scope="session")
def hospital_api(
    small_hospital: Path, twin_cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., AbstractContextManager[TestClient]]:
    """``with hospital_api(**settings) as client``: the API serving the small demo hospital on a
    fresh SQLite store and upload folder; keyword arguments override the settings."""

    @contextmanager
    def open_api(**overrides: Any) -> Iterator[TestClient]:
        from fastapi.testclient import TestClient

        from api.app import create_app
        from api.settings import Settings

        tmp = tmp_path_factory.mktemp("api")
        settings: dict[str, Any] = {
            "models": [small_hospital],
            "cache_dir": twin_cache_dir,
            "store_url": f"sqlite:///{tmp}/live.db",
            "upload_dir": tmp / "uploads",
        }
        with TestClient(create_app(Settings(**(settings | overrides)))) as client:
            yield client

    return open_api
