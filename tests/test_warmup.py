"""Shared indexes are built right after a model is served, not on the first request."""

from __future__ import annotations

import time
from typing import Any

from twin.model import Twin
from twin.service.campus import Campus
from twin.service.warmup import warm_up


def _built(campus: Campus, twin: Twin, key: str) -> bool:
    """True when ``key`` is already derived (the factory would fail if it had to run)."""

    def not_built(_t: Twin) -> object:
        raise LookupError(key)

    try:
        campus.derived(twin, key, not_built)
    except LookupError:
        return False
    return True


def test_warm_up_builds_every_shared_index(small_twin: Twin) -> None:
    campus = Campus()
    campus.add(small_twin)
    assert not _built(campus, small_twin, "navigation")
    took = warm_up(campus, small_twin)
    assert set(took) == {"spatial index", "navigation graph", "distribution networks"}
    for key in ("spatial_index", "navigation", "networks"):
        assert _built(campus, small_twin, key), key


def test_warm_up_survives_a_model_without_networks(shared_twin: Any) -> None:
    duplex = shared_twin("Duplex_A_20110907.ifc")
    campus = Campus()
    campus.add(duplex)
    took = warm_up(campus, duplex)
    assert "navigation graph" in took and _built(campus, duplex, "navigation")


def test_served_model_is_warmed_in_the_background(hospital_api: Any) -> None:
    with hospital_api(warm_up=True) as client:
        campus: Campus = client.app.state.campus
        twin = next(iter(campus))
        deadline = time.monotonic() + 60
        while not _built(campus, twin, "navigation") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _built(campus, twin, "navigation") and _built(campus, twin, "networks")
    with hospital_api(warm_up=False) as client:
        campus = client.app.state.campus
        time.sleep(1.0)
        assert not _built(campus, next(iter(campus)), "navigation")
