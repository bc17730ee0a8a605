"""IfcFlowMeter elements become meters (issue 16): a hand-written IFC4 plant with an energy, a
gas, a water and an untyped flow meter (ifcopenshell.api); the truth is read back from the file
with ifcopenshell directly."""

from __future__ import annotations

from pathlib import Path

import ifcopenshell
import pytest

from models_ifc.networks_small import plant_file
from tests.ifc_fixtures.networks_made import _product
from twin.live.discovery import discover_sensors
from twin.service.cache import load_twin

TYPES = {"Main energy": "ENERGYMETER", "Gas": "GASMETER", "Water": "WATERMETER",
         "Odd": "NOTDEFINED"}  # fmt: skip
EXPECT = {"ENERGYMETER": ("energy", "kWh"), "GASMETER": ("gas_volume", "m3"),
          "WATERMETER": ("water_volume", "m3")}  # fmt: skip


@pytest.fixture(scope="module")
def meters_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    f, _body, storey = plant_file("IFC4", "Meters")
    for name, ptype in TYPES.items():
        _product(f, storey, name, "IfcFlowMeter", PredefinedType=ptype)
    path = tmp_path_factory.mktemp("meters") / "meters.ifc"
    f.write(str(path))
    return path


def test_flow_meters_are_discovered_as_meters(meters_file: Path, tmp_path: Path) -> None:
    truth = {
        m.GlobalId: m.PredefinedType
        for m in ifcopenshell.open(str(meters_file)).by_type("IfcFlowMeter")
    }
    twin = load_twin(meters_file, cache_dir=tmp_path)
    found = {s.id: s for s in discover_sensors(twin)}
    expected = {g: EXPECT[t] for g, t in truth.items() if t in EXPECT}
    assert {g: (found[g].quantity, found[g].unit) for g in found} == expected
    for g in expected:
        assert (
            found[g].host == g and found[g].storey is not None
        )  # its own host: traced from itself
