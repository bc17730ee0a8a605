"""A baseline on outdoor temperature: daily consumption regressed on the day's mean outdoor
temperature (ordinary least squares, ``y = a + b·T``, two parameters), with its validity as
ASHRAE Guideline 14 measures it and ISO 50006 asks it stated (period, variable, fit).

Guideline 14 gives limits for monthly (CV(RMSE) ≤ 15 %, |NMBE| ≤ 5 %) and hourly models
(30 %, 10 %); a daily model is judged here by the hourly limits (the looser ones: a day has
fewer random effects than an hour but more than a month, and the guideline names no daily
figure). A heating-dominated meter has ``b < 0`` (more energy when colder), a cooling one
``b > 0``; a plain linear model does not find a balance point (no change-point model).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from twin.energy.baseline import HOURLY_LIMITS, cv_rmse, nmbe

__all__ = ["TemperatureBaseline", "fit_temperature"]


@dataclass(frozen=True, slots=True)
class TemperatureBaseline:
    intercept: float  # a: consumption per day at 0 °C
    slope: float  # b: per °C of daily mean outdoor temperature
    n: int  # days fitted
    r2: float
    cv_rmse: float
    nmbe: float
    valid: bool  # CV(RMSE) and |NMBE| within the limits below
    limits: tuple[float, float] = HOURLY_LIMITS

    def expected(self, temperature: float) -> float:
        return self.intercept + self.slope * temperature


def fit_temperature(
    daily: Mapping[float, float], temperature: Mapping[float, float], *, min_days: int = 7
) -> TemperatureBaseline:
    """Fit on the days present in both ``daily`` (day start -> consumption) and ``temperature``
    (day start -> mean °C). Fewer than ``min_days`` days, or one temperature only: figures NaN
    and not valid."""
    days = sorted(set(daily) & set(temperature))
    xs = [temperature[d] for d in days]
    ys = [daily[d] for d in days]
    n = len(days)
    nan = math.nan
    if n < max(min_days, 3):
        return TemperatureBaseline(nan, nan, n, nan, nan, nan, False)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return TemperatureBaseline(nan, nan, n, nan, nan, nan, False)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    a = my - b * mx
    pred = [a + b * x for x in xs]
    syy = sum((y - my) ** 2 for y in ys)
    sse = sum((y - f) ** 2 for y, f in zip(ys, pred, strict=True))
    r2 = 1 - sse / syy if syy > 0 else nan
    cv, nm = cv_rmse(ys, pred, p=2), nmbe(ys, pred, p=2)
    ok = not math.isnan(cv) and cv <= HOURLY_LIMITS[0] and abs(nm) <= HOURLY_LIMITS[1]
    return TemperatureBaseline(a, b, n, r2, cv, nm, ok)
