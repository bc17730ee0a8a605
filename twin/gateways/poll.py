"""The poll loop every protocol shares: due devices read concurrently, each under its own
timeout, then one ``LiveStore.ingest`` batch per cycle.

A device that does not answer in time is recorded as failed and backed off
(:mod:`twin.gateways.health`); the others are read in the same cycle regardless. Its status
sensor gets a 0, which raises one alarm through the store's lower-limit check; the first answer
afterwards writes a 1 and clears it. Its points simply get no new readings: they go stale, and
:meth:`Gateway.stale_points` names them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from twin.errors import StoreUnavailable
from twin.gateways.health import HealthBook
from twin.gateways.points import (
    Device,
    GatewayPoint,
    Placement,
    point_sensor,
    reading,
    status_sensor,
    status_sensor_id,
)
from twin.live.records import IngestResult
from twin.live.store import LiveStore

__all__ = ["Gateway", "PollReport", "Reader"]

log = logging.getLogger(__name__)


class Reader(Protocol):
    """What a protocol gives the loop: the current values of one device's points."""

    async def read(self, device: Device) -> Mapping[str, float]: ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class PollReport:
    polled: tuple[str, ...]
    failed: tuple[str, ...]
    values: int
    result: IngestResult | None


class Gateway:
    """Polls the devices of one protocol into the store. Not thread-safe: run it on one loop."""

    def __init__(
        self,
        store: LiveStore,
        protocol: str,
        devices: Sequence[Device],
        reader: Reader,
        *,
        interval_s: float = 10.0,
        timeout_s: float = 2.0,
        max_backoff_s: float = 300.0,
        placements: Mapping[str, Placement] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.protocol = protocol
        self.devices = {d.id: d for d in devices}
        self.reader = reader
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.placements = dict(placements or {})
        self.clock = clock
        self.health = HealthBook(interval_s, max_backoff_s)
        self._by_id = {p.id: p for d in devices for p in d.points}
        for d in devices:
            self.health.add(d.id, protocol, len(d.points))

    def points(self) -> list[GatewayPoint]:
        return [p for d in self.devices.values() for p in d.points]

    def register(self) -> int:
        """Create or update the sensors of every point and device (placements applied)."""
        specs = [point_sensor(p, self.placements.get(p.id)) for p in self.points()]
        specs += [status_sensor(d, self._device_place(d)) for d in self.devices.values()]
        return self.store.register_sensors(specs)

    def _device_place(self, device: Device) -> Placement | None:
        """Where the device's own alarm shows: its status sensor's binding, else the one place
        all its bound points share (a meter whose points are all in the switch room)."""
        own = self.placements.get(status_sensor_id(device.id))
        if own is not None:
            return own
        places = {self.placements[p.id] for p in device.points if p.id in self.placements}
        return places.pop() if len(places) == 1 else None

    def stale_points(self) -> list[str]:
        """Points of the devices that are down: their last value is no longer current."""
        down = set(self.health.down())
        return sorted(p.id for p in self.points() if p.device in down)

    async def _read(self, device: Device) -> Mapping[str, float] | BaseException:
        try:
            return await asyncio.wait_for(self.reader.read(device), self.timeout_s)
        except TimeoutError as exc:
            return exc
        except Exception as exc:  # a protocol error of one device never stops the others
            return exc

    async def poll_once(self) -> PollReport:
        """Read every due device once and ingest what came back, status readings included."""
        due = [self.devices[d] for d in self.health.due(self.clock())]
        if not due:
            return PollReport((), (), 0, None)
        answers = await asyncio.gather(*(self._read(d) for d in due))
        wall, mono = datetime.now(UTC), self.clock()
        items: list[Mapping[str, Any]] = []
        failed: list[str] = []
        for device, got in zip(due, answers, strict=True):
            if isinstance(got, BaseException):
                failed.append(device.id)
                why = f"{type(got).__name__}: {got}" if str(got) else type(got).__name__
                if self.health.failed(device.id, why, wall, mono):
                    log.warning("%s device %s stopped answering: %s", self.protocol, device.id, why)
                items.append(reading(status_sensor_id(device.id), wall, 0.0, "1"))
                continue
            if self.health.ok(device.id, wall, mono):
                log.info("%s device %s answers", self.protocol, device.id)
            units = {p.id: p.unit for p in device.points}
            items += [reading(pid, wall, v, units.get(pid, "")) for pid, v in got.items()]
            items.append(reading(status_sensor_id(device.id), wall, 1.0, "1"))
        n_values = len(items) - len(due)
        try:
            result = await asyncio.to_thread(self.store.ingest, items, self.protocol)
        except StoreUnavailable as exc:  # keep polling; this cycle's values are lost
            log.error("%s gateway: store unavailable, %d values dropped: %s", self.protocol,
                      len(items), exc)  # fmt: skip
            result = None
        return PollReport(tuple(d.id for d in due), tuple(failed), n_values, result)

    async def push(self, point: str, value: float) -> None:
        """Ingest one value a device sent on its own (a BACnet COV notification), now."""
        p = self._by_id.get(point)
        if p is None:
            return
        item = reading(point, datetime.now(UTC), value, p.unit)
        try:
            await asyncio.to_thread(self.store.ingest, [item], self.protocol)
        except StoreUnavailable as exc:
            log.error("%s gateway: store unavailable, pushed value of %s dropped: %s",
                      self.protocol, point, exc)  # fmt: skip

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set, sleeping until the next device is due."""
        while not stop.is_set():
            try:
                await self.poll_once()
            except Exception:  # a bug in one cycle must not end the gateway
                log.exception("%s gateway: poll cycle failed", self.protocol)
            nxt = min((h.next_due for h in self.health.devices.values()), default=self.clock())
            delay = max(0.05, min(nxt - self.clock(), self.interval_s))
            with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
        await self.reader.close()

    def status(self) -> dict[str, Any]:
        out = self.health.summary()
        out["protocol"] = self.protocol
        out["stale_points"] = self.stale_points()
        return out
