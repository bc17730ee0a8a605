"""Device health and back-off: which devices answer, when each was last polled, and when to try
a silent device again.

Pure bookkeeping over an injected clock (seconds, monotonic for scheduling, wall time for the
report), so the back-off rule is tested without waiting: after ``n`` failures in a row the next
attempt waits ``min(interval * 2**(n-1), max_backoff)`` (a device that is down is not hammered
and does not slow the poll of the others); the first success resets it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from twin.live.records import iso

__all__ = ["DeviceHealth", "HealthBook", "backoff_s"]


def backoff_s(failures: int, interval_s: float, max_backoff_s: float) -> float:
    """Seconds until the next attempt after ``failures`` failures in a row."""
    if failures <= 0:
        return interval_s
    return float(min(interval_s * 2 ** (failures - 1), max_backoff_s))


@dataclass(frozen=True, slots=True)
class DeviceHealth:
    device: str
    protocol: str
    points: int
    up: bool | None = None  # None: not polled yet
    last_poll: datetime | None = None
    last_ok: datetime | None = None
    failures: int = 0  # in a row
    errors: int = 0  # since start
    last_error: str = ""
    next_due: float = 0.0  # monotonic seconds

    def as_dict(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "protocol": self.protocol,
            "points": self.points,
            "up": self.up,
            "last_poll": iso(self.last_poll) if self.last_poll else None,
            "last_ok": iso(self.last_ok) if self.last_ok else None,
            "failures": self.failures,
            "errors": self.errors,
            "last_error": self.last_error,
        }


@dataclass
class HealthBook:
    """Health of every device of one gateway; replaced record by record (readers never see a
    half-updated device)."""

    interval_s: float
    max_backoff_s: float
    devices: dict[str, DeviceHealth] = field(default_factory=dict)

    def add(self, device: str, protocol: str, points: int) -> None:
        self.devices.setdefault(device, DeviceHealth(device, protocol, points))

    def due(self, now_mono: float) -> list[str]:
        return [d for d, h in self.devices.items() if h.next_due <= now_mono]

    def ok(self, device: str, wall: datetime, now_mono: float) -> bool:
        """Record an answer; True when the device was down (or unknown) before."""
        h = self.devices[device]
        self.devices[device] = replace(
            h,
            up=True,
            last_poll=wall,
            last_ok=wall,
            failures=0,
            next_due=now_mono + self.interval_s,
        )
        return h.up is not True

    def failed(self, device: str, error: str, wall: datetime, now_mono: float) -> bool:
        """Record a failure; True when the device was up (or unknown) before."""
        h = self.devices[device]
        n = h.failures + 1
        self.devices[device] = replace(
            h,
            up=False,
            last_poll=wall,
            failures=n,
            errors=h.errors + 1,
            last_error=error[:300],
            next_due=now_mono + backoff_s(n, self.interval_s, self.max_backoff_s),
        )
        return h.up is not False

    def down(self) -> list[str]:
        return sorted(d for d, h in self.devices.items() if h.up is False)

    def summary(self, extra: Iterable[DeviceHealth] = ()) -> dict[str, Any]:
        hs = [*self.devices.values(), *extra]
        return {
            "devices": len(hs),
            "up": sum(h.up is True for h in hs),
            "down": sum(h.up is False for h in hs),
            "detail": [h.as_dict() for h in sorted(hs, key=lambda h: h.device)],
        }
