"""The start-up log names what a served model holds: buildings, not every GlobalId."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.ifc_fixtures.rooms_made import Room, write_rooms


def test_startup_log_counts_buildings_not_guids(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rooms = [Room(f"R{i}", 6.0 * i, 0, 5.0, 4.0, 2.5, 2.5, declared=None) for i in range(3)]
    model = tmp_path / "three_rooms.ifc"
    write_rooms(model, rooms)  # one site, one building, one storey, three spaces: 6 GlobalIds
    settings = Settings(
        models=[model],
        cache_dir=tmp_path / "cache",
        store_url=f"sqlite:///{tmp_path}/live.db",
        upload_dir=tmp_path / "uploads",
        warm_up=False,
    )
    with (
        caplog.at_level(logging.INFO, logger="twin.service.campus"),
        TestClient(create_app(settings)),
    ):
        pass
    lines = [r.getMessage() for r in caplog.records if "serving model" in r.getMessage()]
    assert len(lines) == 1, lines
    assert "1 building(s)" in lines[0] and "3 space(s)" in lines[0] and "1 storey(s)" in lines[0]
    assert str(model) in lines[0]
