"""Plausible sensor values and injected faults: pure functions of a sensor, a time and a random
generator (seeded by the caller), so a test can say what a value will be.

Normal behaviour per quantity, inside the sensor's own limits where it has them:

- ``temperature`` / ``humidity``: a diurnal sine (peak 15:00 local time of the timestamp) over
  the middle of the band, amplitude 15 % of the band, plus noise of 2 % of the band;
- ``oxygen_pressure`` / ``pressure``: the middle of the band with noise of 1.5 % of the band;
- ``power``: a day/night load between 30 % and 70 % of the band;
- ``energy``: a cumulative register (kWh) the runner advances by a power profile;
- any other quantity with limits: the middle of the band with small noise; without limits: none.

Faults (:data:`FAULT_KINDS`) move one sensor out of its band for a while, the way the real event
shows on a panel: an oxygen pressure drop (to 85 % of the lower limit), a cold room warming (a
ramp to 4 °C over the upper limit), a pump trip (the pressure a pump holds falls to 10 % of the
lower limit). The ramp takes a fifth of the fault's duration, so the alarm rule sees a crossing.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime

__all__ = ["FAULT_KINDS", "Fault", "SimSensor", "choose_fault", "power_fraction", "value_at"]

FAULT_KINDS: tuple[str, ...] = ("oxygen_drop", "cold_room_warming", "pump_trip")


@dataclass(frozen=True, slots=True)
class SimSensor:
    """What the simulator needs of a served sensor (as ``GET /sensors`` returns it)."""

    id: str
    quantity: str
    unit: str = ""
    lower: float | None = None
    upper: float | None = None
    criticality: str = "normal"
    host: str | None = None


@dataclass(frozen=True, slots=True)
class Fault:
    """``kind`` acting on ``sensor`` from ``start`` (epoch seconds) for ``duration`` seconds."""

    kind: str
    sensor: str
    start: float
    duration: float

    def active(self, t: float) -> bool:
        return self.start <= t < self.start + self.duration

    def progress(self, t: float) -> float:
        """0 at the start, 1 once a fifth of the duration has passed (the ramp)."""
        return min(1.0, max(0.0, (t - self.start) / max(self.duration / 5.0, 1e-9)))


def _band(s: SimSensor) -> tuple[float, float] | None:
    if s.lower is None or s.upper is None or s.upper <= s.lower:
        return None
    return s.lower, s.upper


def _hour(t: float) -> float:
    d = datetime.fromtimestamp(t)
    return d.hour + d.minute / 60.0 + d.second / 3600.0


def power_fraction(t: float) -> float:
    """A building's load as a fraction of its peak: 0.3 at night, up to 0.7 at mid-afternoon."""
    return 0.5 - 0.2 * math.cos(2 * math.pi * (_hour(t) - 3.0) / 24.0)


def _normal(s: SimSensor, t: float, rng: random.Random) -> float | None:
    band = _band(s)
    if band is None:
        return None
    lo, hi = band
    mid, width = (lo + hi) / 2.0, hi - lo
    if s.quantity in ("temperature", "humidity"):
        daily = math.sin(2 * math.pi * (_hour(t) - 9.0) / 24.0)  # peak at 15:00
        return mid + 0.15 * width * daily + rng.gauss(0.0, 0.02 * width)
    if s.quantity == "power":
        return lo + width * power_fraction(t) + rng.gauss(0.0, 0.01 * width)
    return mid + rng.gauss(0.0, 0.015 * width)


def _faulted(s: SimSensor, f: Fault, t: float, normal: float) -> float:
    lo, hi = _band(s) or (normal, normal)
    p = f.progress(t)
    if f.kind == "cold_room_warming":
        target = hi + 4.0
    elif f.kind == "pump_trip":
        target = 0.1 * lo
    else:  # oxygen_drop
        target = 0.85 * lo
    return normal + (target - normal) * p


def value_at(
    s: SimSensor, t: float, rng: random.Random, faults: tuple[Fault, ...] = ()
) -> float | None:
    """The reading of ``s`` at epoch second ``t`` (None: the simulator has nothing plausible)."""
    v = _normal(s, t, rng)
    if v is None:
        return None
    for f in faults:
        if f.sensor == s.id and f.active(t):
            return _faulted(s, f, t, v)
    return v


def candidates(kind: str, sensors: list[SimSensor]) -> list[SimSensor]:
    """Sensors a fault of ``kind`` can act on (only those with a band, so an alarm can fire)."""
    banded = [s for s in sensors if _band(s) is not None]
    if kind == "oxygen_drop":
        return [s for s in banded if s.quantity == "oxygen_pressure"]
    if kind == "cold_room_warming":
        return [
            s
            for s in banded
            if s.quantity == "temperature" and s.criticality in ("cold_chain", "cold_room")
        ]
    return [s for s in banded if s.quantity == "pressure" and s.host is not None]


def choose_fault(
    sensors: list[SimSensor], t: float, duration: float, rng: random.Random, n: int
) -> Fault | None:
    """The ``n``-th fault: kinds in turn (skipping kinds with no candidate), sensor at random."""
    for k in range(len(FAULT_KINDS)):
        kind = FAULT_KINDS[(n + k) % len(FAULT_KINDS)]
        found = candidates(kind, sensors)
        if found:
            return Fault(kind, rng.choice(found).id, t, duration)
    return None
