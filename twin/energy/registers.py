"""Cumulative register readings to interval consumption (pure: no store, no clock).

A meter's register only counts up. Between two readings the consumption is the difference,
spread over the intervals they span in proportion to time (linear interpolation of the
register). What can go wrong, and what is done about it (every case is counted in the report):

- **duplicates** (same instant): an equal value is dropped; a different value at the same
  instant is a *conflict*, the first value received is kept;
- **out of order** (received after a later instant): sorted by time, counted;
- **meter replacement** (registered, :class:`Replacement`): the old meter's final value and the
  new meter's initial value split the pair, so neither the old total nor the new start counts
  twice;
- **rollover** (a decrease from near the register's capacity to near zero, when a capacity is
  given): counted as the wrap ``capacity - before + after``;
- **reset** (any other decrease): never silently a new cycle; the consumption from the previous
  reading to the reset is unknown, so the span is *missing* and reported;
- **gaps** longer than ``max_gap`` seconds: the consumption across the gap is known in total
  (the register kept counting) but not when it happened, so it is not spread; the intervals in
  the gap are *missing* and the energy is reported as ``gap_energy``. Shorter gaps are spread
  linearly and the intervals that hold no reading are marked *interpolated*.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["Interval", "RegisterReport", "Replacement", "intervals"]

#: Share of the capacity a rollover must start above and end below.
ROLLOVER_MARGIN = 0.1


@dataclass(frozen=True, slots=True)
class Replacement:
    """A meter swap at epoch second ``t``: the old register's last value, the new one's first."""

    t: float
    old_final: float
    new_initial: float


@dataclass(frozen=True, slots=True)
class Interval:
    """Consumption in ``[start, start + step)``; ``quality``: measured | interpolated | partial
    | missing (``value`` is None when missing)."""

    start: float
    value: float | None
    quality: str


@dataclass(slots=True)
class RegisterReport:
    readings: int = 0
    duplicates: int = 0
    conflicts: int = 0
    out_of_order: int = 0
    resets: list[float] = field(default_factory=list)  # instants of the reading after the drop
    rollovers: list[float] = field(default_factory=list)
    replacements: int = 0
    gaps: list[tuple[float, float]] = field(default_factory=list)  # (from, to) not spread
    gap_energy: float = 0.0
    interpolated: int = 0


def _clean(
    readings: Iterable[tuple[float, float]], report: RegisterReport
) -> list[tuple[float, float]]:
    seen: dict[float, float] = {}
    latest = -math.inf
    for t, v in readings:
        report.readings += 1
        if t in seen:
            report.duplicates += seen[t] == v
            report.conflicts += seen[t] != v
            continue
        if t < latest:
            report.out_of_order += 1
        latest = max(latest, t)
        seen[t] = v
    return sorted(seen.items())


def _delta(
    a: tuple[float, float],
    b: tuple[float, float],
    swaps: Sequence[Replacement],
    capacity: float | None,
    report: RegisterReport,
) -> float | None:
    (t0, v0), (t1, v1) = a, b
    swap = next((r for r in swaps if t0 < r.t <= t1), None)
    if swap is not None:
        report.replacements += 1
        return (swap.old_final - v0) + (v1 - swap.new_initial)
    if v1 >= v0:
        return v1 - v0
    if (
        capacity is not None
        and v0 >= (1 - ROLLOVER_MARGIN) * capacity
        and v1 <= ROLLOVER_MARGIN * capacity
    ):
        report.rollovers.append(t1)
        return capacity - v0 + v1
    report.resets.append(t1)
    return None


def _spread(
    out: dict[float, list[float]], t0: float, t1: float, energy: float | None, step: float
) -> None:
    """Add ``energy`` over [t0, t1) to the buckets it overlaps in proportion to time, and the
    seconds covered; ``None`` (unknown) covers nothing and adds an empty bucket."""
    span = t1 - t0
    b = math.floor(t0 / step) * step
    while b < t1:
        lo, hi = max(b, t0), min(b + step, t1)
        cell = out.setdefault(b, [0.0, 0.0])
        if energy is not None and hi > lo:
            cell[0] += energy * (hi - lo) / span
            cell[1] += hi - lo
        b += step


def intervals(
    readings: Iterable[tuple[float, float]],
    *,
    step: float = 3600.0,
    max_gap: float = 3 * 3600.0,
    capacity: float | None = None,
    replacements: Sequence[Replacement] = (),
) -> tuple[list[Interval], RegisterReport]:
    """Consumption per ``step``-second interval from ``(epoch second, register value)`` pairs,
    in any order; the report says what was dropped, detected and not spread. An interval is
    *measured* when a reading falls in it or on its end, *interpolated* when it lies between two
    readings, *partial* when only part of it is known (the edges of the data, a gap, a reset)
    and *missing* when none of it is."""
    report = RegisterReport()
    pts = _clean(readings, report)
    swaps = sorted(replacements, key=lambda r: r.t)
    acc: dict[float, list[float]] = {}  # bucket -> [energy, seconds known]
    for a, b in itertools.pairwise(pts):
        d = _delta(a, b, swaps, capacity, report)
        if d is not None and b[0] - a[0] > max_gap:
            report.gaps.append((a[0], b[0]))
            report.gap_energy += d
            d = None
        _spread(acc, a[0], b[0], d, step)
    touched = {math.floor(t / step) * step for t, _ in pts}
    touched |= {t - step for t, _ in pts if t % step == 0}
    out: list[Interval] = []
    for start in sorted(acc):
        energy, known = acc[start]
        if known <= 0:
            out.append(Interval(start, None, "missing"))
        elif known < step - 1e-6:
            out.append(Interval(start, energy, "partial"))
        elif start in touched:
            out.append(Interval(start, energy, "measured"))
        else:
            report.interpolated += 1
            out.append(Interval(start, energy, "interpolated"))
    return out, report
