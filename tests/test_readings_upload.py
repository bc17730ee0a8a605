"""A model uploaded while the API runs has its IfcSensors registered when the upload job finishes:
readings for them are accepted at once, without a restart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from twin.live.discovery import discover_sensors
from twin.service.campus import Campus


@pytest.fixture
def client(tmp_path: Path, twin_cache_dir: Path) -> Iterator[TestClient]:
    settings = Settings(
        store_url=f"sqlite:///{tmp_path / 'live.db'}",
        cache_dir=twin_cache_dir,
        upload_dir=tmp_path / "uploads",
    )
    with TestClient(create_app(settings, campus=Campus())) as c:  # no model at start
        yield c


def _wait_job(client: TestClient, job_id: str, timeout: float = 60.0) -> dict[str, object]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job: dict[str, object] = client.get(f"/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} not finished after {timeout} s")


@pytest.mark.slow
def test_sensors_of_an_uploaded_model_take_readings_without_restart(
    client: TestClient,
    small_hospital: Path,
    small_twin,  # type: ignore[no-untyped-def]
) -> None:
    expected = discover_sensors(small_twin)
    assert expected, "the small hospital has IfcSensor elements"
    sensor = expected[0]
    t = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    reading = {"sensor": sensor.id, "t": t, "value": 1.0, "unit": sensor.unit}

    before = client.post("/readings", json=[reading]).json()
    assert (before["accepted"], before["reasons"]) == (0, {"unknown_sensor": 1})
    assert client.get(f"/sensors/{sensor.id}").status_code == 404

    with small_hospital.open("rb") as f:
        r = client.post("/models", files={"file": ("wing.ifc", f, "application/octet-stream")})
    assert r.status_code == 202, r.text
    job = _wait_job(client, r.json()["id"])
    assert job["state"] == "done", job

    got = client.get(f"/sensors/{sensor.id}").json()
    assert (got["quantity"], got["space"], got["source"]) == (
        sensor.quantity,
        sensor.space,
        "ifc",
    )
    ifc = {s["id"] for s in client.get("/sensors").json() if s["source"] == "ifc"}
    assert ifc == {s.id for s in expected}

    after = client.post("/readings", json=[reading | {"value": 2.0}]).json()
    assert (after["accepted"], after["rejected"]) == (1, 0)
    latest = client.get(f"/sensors/{sensor.id}/latest").json()
    assert latest["value"] == 2.0
