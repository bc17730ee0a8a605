"""Roll-ups of interval consumption per meter into hours, days or months by meter, storey,
system or building, with the unmetered remainder of every parent meter shown as its own row.

Each meter contributes its *net* consumption: what it reads minus what its child meters read.
For a leaf meter that is all it reads; for a parent it is the consumption nobody sub-meters
(the *unmetered remainder*), reported under the parent's group with ``unmetered=True``. So a
roll-up never counts a kWh twice, and its total over all groups equals the sum of the root
meters. A negative remainder means a child over-reads its parent (or the tree is wrong): it is
kept as it is (never clipped to zero) and listed in :attr:`Rollup.over_read`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

__all__ = ["GROUPS", "PERIODS", "MeterInfo", "Rollup", "RollupRow", "period_start", "rollup"]

PERIODS = ("hour", "day", "month")
GROUPS = ("meter", "storey", "system", "building", "department")


@dataclass(frozen=True, slots=True)
class MeterInfo:
    """A meter as the roll-ups see it; ``parent`` is the meter upstream of it (sub-metering)."""

    id: str
    parent: str | None = None
    storey: str | None = None
    system: str | None = None
    building: str | None = None
    #: department (space category) -> share of the meter's consumption (by the floor area of
    #: the rooms it serves; shares sum to 1); empty: the meter's department is unknown ("")
    departments: Mapping[str, float] = field(default_factory=dict)
    #: kg CO2e and cost per reported unit of the meter's carrier; None when no factor is set
    co2_kg: float | None = None
    cost: float | None = None


@dataclass(frozen=True, slots=True)
class RollupRow:
    group: str  # the meter id / storey / system / building ("" when the meter has none)
    period: float  # epoch second the hour/day/month starts (in the roll-up's time zone)
    value: float
    unmetered: bool  # the net of a parent meter: consumption no child meter covers
    meters: tuple[str, ...]  # the meters behind the figure
    co2_kg: float | None = None  # None when a meter behind the figure has no carbon factor
    cost: float | None = None  # None when a meter behind the figure has no cost factor


@dataclass(frozen=True, slots=True)
class Rollup:
    rows: tuple[RollupRow, ...]
    over_read: tuple[tuple[str, float], ...]  # (parent meter, period) whose children read more


def period_start(t: float, period: str, tz: tzinfo) -> float:
    """Start of the hour/day/month holding epoch second ``t`` in ``tz``."""
    d = datetime.fromtimestamp(t, tz)
    if period == "hour":
        d = d.replace(minute=0, second=0, microsecond=0)
    elif period == "day":
        d = d.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        d = d.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return d.timestamp()


def _net(
    series: Mapping[str, Mapping[float, float]], meters: Mapping[str, MeterInfo]
) -> dict[str, dict[float, float]]:
    children: dict[str, list[str]] = defaultdict(list)
    for m in meters.values():
        if m.parent is not None and m.parent in meters:
            children[m.parent].append(m.id)
    net: dict[str, dict[float, float]] = {}
    for mid, by_t in series.items():
        own = dict(by_t)
        for child in children.get(mid, ()):
            for t, v in series.get(child, {}).items():
                own[t] = own.get(t, 0.0) - v
        net[mid] = own
    return net


def rollup(
    series: Mapping[str, Mapping[float, float]],
    meters: Mapping[str, MeterInfo],
    *,
    by: str = "meter",
    period: str = "day",
    tz: tzinfo | str = "UTC",
) -> Rollup:
    """``series``: meter id -> {interval start (epoch s): consumption}. Groups the net of every
    meter by ``by`` and ``period``; parents' nets are separate ``unmetered`` rows. By
    ``department`` a meter's net is split over the departments of the rooms it serves by their
    floor-area shares (:attr:`MeterInfo.departments`), so the total is unchanged."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    has_children = {m.parent for m in meters.values() if m.parent in meters}
    Key = tuple[str, float, bool]
    sums: dict[Key, float] = defaultdict(float)
    co2: dict[Key, float | None] = defaultdict(float)
    cost: dict[Key, float | None] = defaultdict(float)
    who: dict[Key, set[str]] = defaultdict(set)
    over: set[tuple[str, float]] = set()
    for mid, by_t in _net(series, meters).items():
        info = meters.get(mid, MeterInfo(mid))
        if by == "department":
            shares = list(info.departments.items()) or [("", 1.0)]
        else:
            shares = [(mid if by == "meter" else (getattr(info, by) or ""), 1.0)]
        parent = mid in has_children
        per: dict[float, float] = defaultdict(float)
        for t, v in by_t.items():
            per[period_start(t, period, zone)] += v
        for p, v in per.items():
            if parent and v < -1e-9:
                over.add((mid, p))
            for group, share in shares:
                k = (group, p, parent)
                sums[k] += v * share
                who[k].add(mid)
                c, m = co2[k], cost[k]
                co2[k] = None if c is None or info.co2_kg is None else c + v * share * info.co2_kg
                cost[k] = None if m is None or info.cost is None else m + v * share * info.cost
    rows = tuple(
        RollupRow(g, p, v, u, tuple(sorted(who[(g, p, u)])), co2[(g, p, u)], cost[(g, p, u)])
        for (g, p, u), v in sorted(sums.items())
    )
    return Rollup(rows, tuple(sorted(over)))
