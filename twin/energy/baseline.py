"""A consumption baseline per meter: the mean of each (weekday, hour) bin over the training
weeks, and how well it fits, measured as ASHRAE Guideline 14 does.

Goodness of fit, over the training data (in sample, as Guideline 14 measures a calibrated
model), with ``n`` observations, ``p`` fitted parameters (the bins that hold data) and mean ``ȳ``:

- CV(RMSE) = sqrt(Σ(y - ŷ)² / (n - p)) / ȳ
- NMBE     = Σ(y - ŷ) / ((n - p) · ȳ)

Guideline 14 calls a model valid at CV(RMSE) ≤ 30 % and |NMBE| ≤ 10 % on hourly data
(≤ 15 % and ±5 % on monthly data). The bin model's in-sample NMBE is 0 by construction (each bin
is its own mean), so the NMBE figure that matters is the one :func:`compare` gives on data the
model did not see. ISO 50006 asks the same of an energy baseline: state the period, the
variables and the validity, which :class:`Baseline` carries.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

__all__ = [
    "HOURLY_LIMITS",
    "MONTHLY_LIMITS",
    "Baseline",
    "Comparison",
    "compare",
    "cv_rmse",
    "fit",
    "nmbe",
]

#: (CV(RMSE) max, |NMBE| max) of ASHRAE Guideline 14 for hourly and monthly models.
HOURLY_LIMITS = (0.30, 0.10)
MONTHLY_LIMITS = (0.15, 0.05)


def cv_rmse(actual: list[float], predicted: list[float], p: int = 0) -> float:
    n = len(actual)
    mean = sum(actual) / n if n else 0.0
    if n - p <= 0 or mean == 0:
        return math.nan
    sse = sum((y - f) ** 2 for y, f in zip(actual, predicted, strict=True))
    return math.sqrt(sse / (n - p)) / mean


def nmbe(actual: list[float], predicted: list[float], p: int = 0) -> float:
    n = len(actual)
    mean = sum(actual) / n if n else 0.0
    if n - p <= 0 or mean == 0:
        return math.nan
    return sum(y - f for y, f in zip(actual, predicted, strict=True)) / ((n - p) * mean)


@dataclass(frozen=True, slots=True)
class Baseline:
    """Mean consumption per (weekday 0=Monday, hour) in ``tz``; fit figures over the training."""

    bins: Mapping[tuple[int, int], float]
    tz: str
    start: float
    end: float
    n: int
    cv_rmse: float
    nmbe: float

    @property
    def valid(self) -> bool:
        cv_max, nmbe_max = HOURLY_LIMITS
        return self.cv_rmse <= cv_max and abs(self.nmbe) <= nmbe_max

    def predict(self, t: float) -> float | None:
        return self.bins.get(_bin(t, ZoneInfo(self.tz)))


def _bin(t: float, tz: tzinfo) -> tuple[int, int]:
    d = datetime.fromtimestamp(t, tz)
    return d.weekday(), d.hour


def fit(hourly: Mapping[float, float], *, tz: str = "UTC") -> Baseline:
    """The bin baseline of hourly consumption ``{hour start: value}`` (missing hours left out)."""
    zone = ZoneInfo(tz)
    acc: dict[tuple[int, int], list[float]] = defaultdict(list)
    for t, v in hourly.items():
        acc[_bin(t, zone)].append(v)
    bins = {k: sum(v) / len(v) for k, v in acc.items()}
    ts = sorted(hourly)
    ys = [hourly[t] for t in ts]
    fs = [bins[_bin(t, zone)] for t in ts]
    p = len(bins)
    return Baseline(
        bins, tz, ts[0] if ts else 0.0, ts[-1] if ts else 0.0, len(ts),
        cv_rmse(ys, fs, p), nmbe(ys, fs, p),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Comparison:
    actual: float
    expected: float
    hours: int  # hours compared (those with data and a baseline bin)
    deviation: float  # (actual - expected) / expected; nan without expectation
    cv_rmse: float
    nmbe: float


def compare(baseline: Baseline, hourly: Mapping[float, float]) -> Comparison:
    """Actual against expected over the hours of ``hourly`` the baseline has a bin for."""
    pairs = [(v, baseline.predict(t)) for t, v in sorted(hourly.items())]
    kept = [(y, f) for y, f in pairs if f is not None]
    ys = [y for y, _ in kept]
    fs = [f for _, f in kept]
    actual, expected = sum(ys), sum(fs)
    dev = (actual - expected) / expected if expected else math.nan
    return Comparison(actual, expected, len(kept), dev, cv_rmse(ys, fs), nmbe(ys, fs))
