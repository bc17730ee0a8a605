"""The demo simulators (``python -m twin.gateways.simulate``) for the small demo hospital: the
configuration they write drives the gateway service, values arrive from every controller and
the meter, and each BACnet point named after a room is suggested to that room."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.gateway_support import LoopThread
from twin.gateways.config import load_config
from twin.gateways.service import GatewayService
from twin.gateways.simulate import run_demo
from twin.live.store import open_store

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_demo_simulators_feed_the_gateways(small_twin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lt = LoopThread()
    stop = asyncio.Event()
    out = tmp_path / "gw"
    fut = asyncio.run_coroutine_threadsafe(
        run_demo(small_twin, out, rooms_per_storey=2, period_s=0.2, stop=stop), lt.loop
    )
    end = time.monotonic() + 10
    while not (out / "gateways.yaml").exists() and time.monotonic() < end:
        time.sleep(0.05)
    store = open_store(f"sqlite:///{tmp_path / 'live.db'}")
    service = GatewayService(store, load_config(out / "gateways.yaml"))
    try:
        service.start()
        storeys_with_rooms = {s.storey for s in small_twin.spaces.values() if s.number}
        bac = [p for p in service.points() if p.protocol == "bacnet"]
        assert len(bac) == 2 * len(storeys_with_rooms)
        end = time.monotonic() + 10
        while time.monotonic() < end and any(
            store.sensor(p.id).last_value is None for p in service.points()
        ):
            time.sleep(0.1)
        assert all(store.sensor(p.id).last_value is not None for p in service.points())
        assert 140.0 <= store.sensor("msb-meter.active_power").last_value <= 220.0
        sug = {b.point: b for b in service.suggest(small_twin)}
        for p in bac:
            b = sug[p.id]
            assert b.status == "suggested", b
            assert f"Room {small_twin.spaces[b.space].number} " in p.name + " "
        assert service.health()["down"] == 0
    finally:
        service.stop()
        store.close()
        lt.loop.call_soon_threadsafe(stop.set)
        fut.result(10)
        lt.stop()
