"""A site at an authoring tool's default location is "default location, not georeferenced"."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.ifc_fixtures.rooms_made import Room, write_rooms
from twin.geo import to_wgs84
from twin.geo_defaults import DEFAULT_LOCATIONS, default_location
from twin.ifc.build import build_twin
from twin.model import Twin

NOTE = "default location, not georeferenced"
ROOM = Room("Office", 0, 0, 5.0, 4.0, 2.5, 2.5, declared=None)


def _site_twin(tmp_path: Path, lat: Sequence[int], lon: Sequence[int]) -> Twin:
    write_rooms(tmp_path / "site.ifc", [ROOM], site_dms=(lat, lon))
    return build_twin(tmp_path / "site.ifc")


def _says_default(twin: Twin) -> bool:
    return any(NOTE in a for a in twin.georef.assumptions) and any(
        w.startswith("georeferencing:") and NOTE in w for w in twin.quality.warnings
    )


@pytest.mark.parametrize(
    ("lat", "lon", "where"),
    [
        # verbatim from the shared Revit exports (IfcSite 'Default' in each)
        ((42, 21, 31, 181945), (-71, -3, -24, -263305), "Boston"),  # Revit 2019
        ((41, 52, 27, 840000), (-87, -38, -21, -839999), "Chicago"),  # Revit 2011
        ((41, 52, 27, 843933), (-87, -38, -21, -828002), "Chicago"),  # Revit 2013
        ((51, 30, 0, 549316), (0, -7, -34, -450321), "London"),  # Revit 2015
        ((0, 0, 0), (0, 0, 0), "0 N 0 E"),
    ],
)
def test_default_site_is_not_georeferenced(
    tmp_path: Path, lat: Sequence[int], lon: Sequence[int], where: str
) -> None:
    twin = _site_twin(tmp_path, lat, lon)
    assert twin.georef.mode == "none"
    assert to_wgs84(twin.georef, 0.0, 0.0) is None  # no coordinates are handed out
    assert twin.quality.georeferencing == "none"
    assert _says_default(twin)
    assert any(where in w for w in twin.quality.warnings)


def test_real_site_stays_georeferenced(tmp_path: Path) -> None:
    # Karlsruhe, a few hundred metres from AC20-FZK-Haus: a real location, no default near it
    twin = _site_twin(tmp_path, (49, 6, 1, 566000), (8, 26, 11, 540400))
    assert twin.georef.mode == "site_latlon"
    lon, lat = to_wgs84(twin.georef, 0.0, 0.0)  # type: ignore[misc]
    assert lat == pytest.approx(49 + 6 / 60 + 1.566 / 3600)
    assert lon == pytest.approx(8 + 26 / 60 + 11.5404 / 3600)
    assert not any(NOTE in w for w in twin.quality.warnings)


def test_a_site_next_to_a_default_is_real() -> None:
    boston = default_location(42.3586617, -71.0567398)
    assert boston is not None and "Revit" in boston.tool
    assert default_location(42.3586617 + 0.001, -71.0567398) is None  # about 110 m north


def test_every_default_names_its_source() -> None:
    assert len({(d.latitude, d.longitude) for d in DEFAULT_LOCATIONS}) == len(DEFAULT_LOCATIONS)
    for d in DEFAULT_LOCATIONS:
        assert d.tool and d.place and len(d.source) > 20


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "Duplex_A_20110907.ifc",
        "Duplex_Electrical_20121207.ifc",
        "1269--Project_IfcDuctFitting.ifc",
        "SampleHouse_IFC4.ifc",
    ],
)
def test_shared_revit_models_at_default_sites(name: str, shared_twin) -> None:  # type: ignore[no-untyped-def]
    twin = shared_twin(name)
    assert twin.georef.mode == "none"
    assert _says_default(twin)


@pytest.mark.slow
def test_shared_archicad_model_keeps_its_site(shared_twin) -> None:  # type: ignore[no-untyped-def]
    twin = shared_twin("AC20-FZK-Haus.ifc")
    assert twin.georef.mode == "site_latlon"
    assert not _says_default(twin)
