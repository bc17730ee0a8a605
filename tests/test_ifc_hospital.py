"""The small demo hospital ingests to exactly the generator's known answers."""

from __future__ import annotations

import pytest

from twin.geo import from_wgs84, to_map, to_wgs84


def test_counts_match_truth(small_twin, small_hospital_truth) -> None:  # type: ignore[no-untyped-def]
    counts = small_twin.quality.counts
    for key, expected in small_hospital_truth["counts"].items():
        assert counts.get(key, 0) == expected, key


def test_space_criticality_and_storey(small_twin, small_hospital_truth) -> None:  # type: ignore[no-untyped-def]
    spaces = small_hospital_truth["spaces"]
    assert set(spaces) == set(small_twin.spaces)
    for guid, truth in spaces.items():
        space = small_twin.spaces[guid]
        assert space.criticality == truth["criticality"], guid
        assert space.storey == truth["storey"], guid
        assert space.geometry_source == "solid"
        assert space.footprint.area == pytest.approx(truth["area"], rel=0.02), guid


def test_sensor_hosts(small_twin, small_hospital_truth) -> None:  # type: ignore[no-untyped-def]
    sensors = small_hospital_truth.get("sensors")
    if not sensors:
        pytest.fail("the demo hospital truth lists no sensors")
    items = sensors.values() if isinstance(sensors, dict) else sensors
    checked = 0
    for s in items:
        element = small_twin.element(s["guid"])
        assert element.kind == "sensor"
        assert element.host == s["host"], s["guid"]
        checked += s["host"] is not None
    assert checked > 0


def test_known_point_to_wgs84(small_twin, small_hospital_truth) -> None:  # type: ignore[no-untyped-def]
    known = small_hospital_truth["known_point"]
    x, y, z = known["local"]
    assert small_twin.georef.mode == "map_conversion"
    assert to_map(small_twin.georef, x, y) == pytest.approx(known["map"], abs=1e-3)
    lon, lat = to_wgs84(small_twin.georef, x, y, z)  # type: ignore[misc]
    assert lon == pytest.approx(known["wgs84"][0], abs=1e-6)
    assert lat == pytest.approx(known["wgs84"][1], abs=1e-6)
    back = from_wgs84(small_twin.georef, lon, lat)
    assert back == pytest.approx((x, y), abs=1e-3)
