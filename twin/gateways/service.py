"""The gateways of one twin process: started from a configuration file, run on their own event
loop thread, asked for health, points and bindings from the API's threads.

Readings go to ``LiveStore.ingest`` (source ``modbus`` or ``bacnet``). Bindings live in the
configured CSV file: read at start, rewritten on every confirmed change, and applied by
re-registering the bound points' sensors (element, space, storey, building).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from twin.errors import NotFound
from twin.gateways.bacnet import BacnetReader
from twin.gateways.binding import (
    Binding,
    bindings_from_csv,
    bindings_to_csv,
    check_binding,
    merge,
    placements,
    suggest,
)
from twin.gateways.config import GatewayConfig
from twin.gateways.modbus import ModbusReader, modbus_device
from twin.gateways.points import Device, GatewayPoint
from twin.gateways.poll import Gateway, Reader
from twin.live.store import LiveStore
from twin.model import Twin

__all__ = ["GatewayService", "PointNotFound"]

log = logging.getLogger(__name__)


class PointNotFound(NotFound):
    title = "Gateway point not found"


class GatewayService:
    """Owns the loop thread, the gateways and the bindings."""

    def __init__(self, store: LiveStore, config: GatewayConfig) -> None:
        self.store = store
        self.config = config
        self.gateways: list[Gateway] = []
        self.bacnet: BacnetReader | None = None
        self._bindings: list[Binding] = []
        self._orphans: list[Binding] = []  # saved bindings of points not discovered this run
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # ---- lifecycle ---------------------------------------------------------------------
    def start(self, timeout_s: float = 30.0) -> None:
        """Build the gateways (BACnet discovery included) and start polling."""
        self._thread = threading.Thread(target=self._loop.run_forever, name="gateways", daemon=True)
        self._thread.start()
        self._call(self._start(), timeout_s)

    def _call(self, coro: Coroutine[Any, Any, Any], timeout_s: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout_s)

    async def _start(self) -> None:
        c = self.config
        self._stop = asyncio.Event()
        if c.modbus:
            reader = ModbusReader(c.modbus, c.timeout_s)
            devs = [modbus_device(d) for d in c.modbus]
            self.gateways.append(self._gateway("modbus", devs, reader))
        if c.bacnet is not None:
            self.bacnet = BacnetReader(
                c.bacnet.local, timeout_s=c.timeout_s, allow_writes=c.bacnet.allow_writes
            )
            await self.bacnet.start()
            devs = await self._discover()
            self.gateways.append(self._gateway("bacnet", devs, self.bacnet))
        self._load_bindings()
        for gw in self.gateways:
            await asyncio.to_thread(gw.register)
            self._tasks.append(asyncio.create_task(gw.run(self._stop)))
        for gw in self.gateways:  # after registration: a subscription sends its first value
            if gw.protocol == "bacnet" and self.bacnet is not None and c.bacnet and c.bacnet.cov:
                for d in gw.devices.values():
                    subscribed = await self.bacnet.subscribe(d, gw.push)
                    log.info("BACnet %s: COV on %d of %d points", d.id, len(subscribed),
                             len(d.points))  # fmt: skip
        log.info("gateways started: %s", {g.protocol: len(g.devices) for g in self.gateways})

    def _gateway(self, protocol: str, devices: list[Device], reader: Reader) -> Gateway:
        c = self.config
        return Gateway(self.store, protocol, devices, reader, interval_s=c.interval_s,
                       timeout_s=c.timeout_s, max_backoff_s=c.max_backoff_s)  # fmt: skip

    async def _discover(self) -> list[Device]:
        """Who-Is to each configured address (and a broadcast if asked); a device that does not
        answer at start is logged and left out until the next start."""
        assert self.bacnet is not None and self.config.bacnet is not None
        bc, found = self.config.bacnet, {}
        targets: list[str | None] = [*bc.devices, *([None] if bc.broadcast else [])]
        for addr in targets:
            for d in await self.bacnet.who_is(addr, bc.who_is_timeout_s):
                found[d.id] = d
            if addr is not None and not any(d.address == addr for d in found.values()):
                log.warning("BACnet device at %s did not answer Who-Is", addr)
        out = []
        for d in found.values():
            try:
                out.append(await self.bacnet.discover(d))
            except Exception as exc:
                log.warning("BACnet discovery of %s failed: %s", d.id, exc)
        return out

    def stop(self) -> None:
        if self._thread is None:
            return

        async def halt() -> None:
            if self._stop is not None:
                self._stop.set()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        try:
            self._call(halt(), 10.0)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5.0)
            self._thread = None

    # ---- what the API reads --------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        """Devices up/down and per-gateway detail (for ``/health`` and ``/gateways``)."""
        per = [g.status() for g in self.gateways]
        return {
            "devices": sum(p["devices"] for p in per),
            "up": sum(p["up"] for p in per),
            "down": sum(p["down"] for p in per),
            "gateways": per,
        }

    def points(self) -> list[GatewayPoint]:
        return sorted((p for g in self.gateways for p in g.points()), key=lambda p: p.id)

    def stale(self) -> set[str]:
        return {p for g in self.gateways for p in g.stale_points()}

    def point(self, point_id: str) -> GatewayPoint:
        for p in self.points():
            if p.id == point_id:
                return p
        raise PointNotFound(f"no gateway point {point_id!r}")

    # ---- bindings --------------------------------------------------------------------------
    def bindings(self) -> list[Binding]:
        """Every point's binding: what was confirmed or suggested, else unmatched."""
        with self._lock:
            have = {b.point: b for b in self._bindings}
        return [
            have.get(p.id) or Binding(p.id, p.device, p.protocol, p.ref, p.name, p.description)
            for p in self.points()
        ]

    def suggest(self, twin: Twin) -> list[Binding]:
        """Add suggestions for the points not yet confirmed (confirmed ones are kept)."""
        with self._lock:
            self._bindings = merge(self._bindings, suggest(self.points(), twin))
        return self.bindings()

    def set_bindings(self, new: Iterable[Binding]) -> list[Binding]:
        """Replace the given points' bindings, save the CSV, re-place the confirmed sensors."""
        with self._lock:
            by = {b.point: b for b in self._bindings}
            by.update({b.point: b for b in new})
            self._bindings = sorted(by.values(), key=lambda b: b.point)
        self._apply()
        return self.bindings()

    def confirm(
        self,
        point_id: str,
        twin: Twin | None,
        *,
        element: str | None = None,
        space: str | None = None,
        status: str = "confirmed",
    ) -> Binding:
        """Set one point's binding (checked against ``twin``), as a person decided it."""
        p = self.point(point_id)
        b = Binding(p.id, p.device, p.protocol, p.ref, p.name, p.description, element=element,
                    space=space, status=status, evidence="set through the API")  # fmt: skip
        b = check_binding(b, twin, point_id)
        self.set_bindings([b])
        return b

    def import_csv(self, text: str, twin_of: Callable[[str], Twin] | None = None) -> list[Binding]:
        """Bindings from CSV, each checked against the model holding its element or space
        (``twin_of`` a GlobalId -> that model; a GlobalId no model holds is refused)."""
        known = {p.id: p for p in self.points()}
        rows = bindings_from_csv(text, known)
        if twin_of is not None:
            rows = [
                check_binding(b, twin_of(b.element or b.space or ""), b.point)
                if b.element or b.space
                else b
                for b in rows
            ]
        return self.set_bindings(rows)

    def export_csv(self) -> str:
        """Every point's binding, then those kept for points not discovered now."""
        return bindings_to_csv([*self.bindings(), *self._orphans])

    def _load_bindings(self) -> None:
        """The bindings file as saved; rows of points not discovered now are kept aside (and
        written back), never applied."""
        path = self.config.bindings
        if path is None or not path.is_file():
            return
        known = {p.id: p for g in self.gateways for p in g.points()}
        rows = bindings_from_csv(path.read_text(encoding="utf-8"), known, keep_unknown=True)
        self._bindings = [b for b in rows if b.point in known]
        self._orphans = [b for b in rows if b.point not in known]
        if self._orphans:
            log.warning("%d bindings of points not discovered now are kept, not applied",
                        len(self._orphans))  # fmt: skip
        place = placements(self._bindings)
        for g in self.gateways:
            ids = {p.id for p in g.points()}
            g.placements = {k: v for k, v in place.items() if k in ids}

    def _apply(self) -> None:
        place = placements(self.bindings())
        for g in self.gateways:
            ids = {p.id for p in g.points()}
            g.placements = {k: v for k, v in place.items() if k in ids}
            g.register()
        if self.config.bindings is not None:
            self.config.bindings.write_text(self.export_csv(), encoding="utf-8")

    # ---- writes ----------------------------------------------------------------------------
    def write(self, point_id: str, value: float, priority: int = 8) -> None:
        """A BACnet setpoint write (refused unless the configuration allows writes)."""
        p = self.point(point_id)
        if p.protocol != "bacnet" or self.bacnet is None:
            raise PointNotFound(f"{point_id!r} is not a writable BACnet point")
        self._call(self.bacnet.write(point_id, value, priority), self.config.timeout_s + 5)
